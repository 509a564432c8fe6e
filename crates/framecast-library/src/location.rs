//! Where the library lives: `FRAMECAST_DATA_DIR` when set (tests, portable installs), otherwise
//! the OS's per-user data directory with the app's identifier — the same folder Tauri's
//! `app_data_dir` names, so the desktop app and the CLI share one library.

use crate::{LibraryError, Result};
use std::path::PathBuf;

/// The desktop app's identifier (`tauri.conf.json`), which names its data directory.
pub const APP_IDENTIFIER: &str = "app.framecast.desktop";

/// The data directory.
pub fn data_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("FRAMECAST_DATA_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    dirs::data_dir()
        .map(|d| d.join(APP_IDENTIFIER))
        .ok_or(LibraryError::NoDataDir)
}

/// `FRAMECAST_DATA_DIR` is in force.
pub fn overridden() -> bool {
    std::env::var_os("FRAMECAST_DATA_DIR").is_some_and(|d| !d.is_empty())
}
