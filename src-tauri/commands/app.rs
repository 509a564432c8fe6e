//! What the UI needs to know at start, and quitting while work is still running.

use crate::error::IpcResult;
use crate::media::Media;
use crate::state::{Jobs, Settings};
use framecast_library::Library;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tauri::{AppHandle, Runtime, State};

/// The app's configuration as the UI shows it (never the key itself).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    /// The gateway's base URL.
    pub base_url: String,
    /// An API key is configured.
    pub has_key: bool,
    /// The gateway is the bundled offline demo.
    pub demo: bool,
    /// Where delivered videos are saved at once.
    pub videos_dir: String,
    /// Where the library (its database and stored frames) lives.
    pub data_dir: String,
    /// Saved videos play from `<mediaBase>/<video id>`.
    pub media_base: String,
}

#[tauri::command]
pub fn app_info(
    settings: State<'_, Settings>,
    library: State<'_, Arc<Library>>,
    media: State<'_, Arc<Media>>,
) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        base_url: settings.base_url.clone(),
        has_key: settings.credentials.is_some(),
        demo: settings.demo,
        videos_dir: settings.videos_dir.display().to_string(),
        data_dir: library.dir().display().to_string(),
        media_base: media.base(),
    }
}

/// What the person chose when asked about quitting with work still running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum QuitChoice {
    /// Quit at once; unfinished downloads continue at the next start.
    Now,
    /// Quit as soon as everything running has finished.
    WhenDone,
    /// Do not quit.
    Stay,
}

#[tauri::command]
pub fn quit<R: Runtime>(
    choice: QuitChoice,
    app: AppHandle<R>,
    jobs: State<'_, Arc<Jobs>>,
    library: State<'_, Arc<Library>>,
) -> IpcResult<()> {
    match choice {
        QuitChoice::Now => {
            // What is unfinished is recorded; the next start continues it.
            jobs.discard_all();
            library.release();
            app.exit(0);
        }
        QuitChoice::WhenDone => {
            let handle = app.clone();
            jobs.quit_when_idle(move || handle.exit(0));
        }
        QuitChoice::Stay => jobs.stay(),
    }
    Ok(())
}
