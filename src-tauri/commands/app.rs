//! What the UI needs to know at start, and quitting while work is still running.

use crate::error::{IpcResult, blocking};
use crate::gateways::{EnvInForce, Gateways};
use crate::media::Media;
use crate::state::{Folders, Jobs};
use framecast_core::price::PriceTable;
use framecast_library::Library;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tauri::{AppHandle, Runtime, State};

/// The app's configuration as the UI shows it (never the key itself). It changes when a profile
/// is saved or activated and when the demo starts or ends; the UI asks again then.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    /// The base URL new jobs go to, when a gateway is set up.
    pub base_url: Option<String>,
    /// A job can start: the demo, a key in the environment, or an active profile with a key.
    pub ready: bool,
    /// Nothing is set up yet: show the welcome.
    pub first_run: bool,
    /// The name of the active profile.
    pub profile: Option<String>,
    /// The gateway is the offline demo running inside the app.
    pub demo: bool,
    /// Environment variables in force over the settings.
    pub env: EnvInForce,
    /// USD per delivered video, by the active profile's table.
    pub prices: PriceTable,
    /// The Veo models the active profile's gateway offered at its last connection test.
    pub models: Vec<String>,
    /// Where delivered videos are saved at once.
    pub videos_dir: String,
    /// Where the library (its database and stored frames) lives.
    pub data_dir: String,
    /// Saved videos play from `<mediaBase>/<video id>`.
    pub media_base: String,
    /// Posters show from `<posterBase>/<video id>`.
    pub poster_base: String,
}

#[tauri::command]
pub async fn app_info(
    folders: State<'_, Folders>,
    gateways: State<'_, Arc<Gateways>>,
    library: State<'_, Arc<Library>>,
    media: State<'_, Arc<Media>>,
) -> IpcResult<AppInfo> {
    let (profiles, models, base_url, ready) =
        gateway_facts(library.inner().clone(), gateways.inner().clone()).await?;
    let (env, demo) = (gateways.env(), gateways.demo().is_some());
    let active = profiles.iter().find(|p| p.active);
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        base_url,
        ready,
        first_run: profiles.is_empty() && !env.api_key && !demo,
        profile: active.map(|p| p.draft.name.clone()),
        prices: active
            .filter(|_| !demo)
            .map(|p| p.draft.prices.clone())
            .unwrap_or_default(),
        demo,
        env,
        models,
        videos_dir: folders.videos().display().to_string(),
        data_dir: library.dir().display().to_string(),
        media_base: media.base(),
        poster_base: media.poster_base(),
    })
}

/// The profiles, the models the active one's gateway offered, and where the next job goes and
/// whether it can (off the async workers: SQLite and the key store).
async fn gateway_facts(
    library: Arc<Library>,
    gateways: Arc<Gateways>,
) -> IpcResult<(
    Vec<framecast_library::Profile>,
    Vec<String>,
    Option<String>,
    bool,
)> {
    blocking(move || {
        let profiles = library.profiles()?;
        let models = match profiles.iter().find(|p| p.active) {
            Some(p) => library.profile_models(p.id)?,
            None => Vec::new(),
        };
        let (base_url, ready) = (gateways.base_url(), gateways.ready());
        Ok::<_, framecast_library::LibraryError>((profiles, models, base_url, ready))
    })
    .await
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
    batches: State<'_, Arc<crate::commands::batch::Batches>>,
    storyboards: State<'_, Arc<crate::commands::storyboard::Storyboards>>,
) -> IpcResult<()> {
    match choice {
        QuitChoice::Now => {
            // What is unfinished is recorded; the next start continues it.
            batches.stop_all();
            storyboards.stop_all();
            jobs.discard_all();
            library.release();
            app.exit(0);
        }
        QuitChoice::WhenDone => {
            // Batches start no new row; their running rows are what "done" waits for.
            batches.pause_all();
            storyboards.pause_all();
            let handle = app.clone();
            jobs.quit_when_idle(move || handle.exit(0));
        }
        QuitChoice::Stay => jobs.stay(),
    }
    Ok(())
}

/// Copies what a bug report needs: the versions that decide how videos play, and the last
/// errors and warnings (keys never among them).
#[tauri::command]
pub fn copy_diagnostics(
    app: AppHandle,
    recent: State<'_, crate::diagnostics::Recent>,
    library: State<'_, Arc<Library>>,
) -> IpcResult<()> {
    let report = crate::diagnostics::report(&recent, library.dir());
    crate::commands::videos::write_clipboard(&app, report)
}

/// Opens the folder of the log files in the system's file manager.
#[tauri::command]
pub fn open_log_folder(app: AppHandle, library: State<'_, Arc<Library>>) -> IpcResult<()> {
    let dir = crate::diagnostics::log_dir(library.dir());
    let _ = std::fs::create_dir_all(&dir);
    Ok(crate::dialogs::open_folder(&app, &dir)?)
}
