//! What the UI needs to know at start: the gateway, whether a key is set, where videos go.

use crate::state::Settings;
use serde::Serialize;
use tauri::State;

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
    pub library_dir: String,
}

#[tauri::command]
pub fn app_info(settings: State<'_, Settings>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        base_url: settings.base_url.clone(),
        has_key: settings.credentials.is_some(),
        demo: settings.demo,
        library_dir: settings.library_dir.display().to_string(),
    }
}
