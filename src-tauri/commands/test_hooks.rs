//! Test builds only (`--features test-hooks`): deliver a drop through Tauri's real drag-drop
//! event, so the end-to-end test exercises the same listener a person's drag reaches, and close
//! the window as its close button would. In other builds the commands refuse.

use crate::state::Drops;
use serde_json::json;
use std::path::PathBuf;
use tauri::{AppHandle, Emitter, Manager};

#[tauri::command]
pub fn test_drop(paths: Vec<String>, x: f64, y: f64, app: AppHandle) -> Result<(), String> {
    if !cfg!(feature = "test-hooks") {
        return Err("test hooks are not built in".to_owned());
    }
    let dropped: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    app.state::<Drops>().dropped(&dropped);
    app.emit(
        "tauri://drag-drop",
        json!({ "paths": paths, "position": { "x": x, "y": y } }),
    )
    .map_err(|e| e.to_string())
}

/// Asks the main window to close, as its title bar's close button does.
#[tauri::command]
pub fn test_close(app: AppHandle) -> Result<(), String> {
    if !cfg!(feature = "test-hooks") {
        return Err("test hooks are not built in".to_owned());
    }
    let window = app.get_webview_window("main").ok_or("no window")?;
    window.close().map_err(|e| e.to_string())
}
