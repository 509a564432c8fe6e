//! Test builds only (`--features test-hooks`): deliver a drop through Tauri's real drag-drop
//! event, so the end-to-end test exercises the same listener a person's drag reaches. In other
//! builds the command refuses.

use serde_json::json;
use tauri::{AppHandle, Emitter};

#[tauri::command]
pub fn test_drop(paths: Vec<String>, x: f64, y: f64, app: AppHandle) -> Result<(), String> {
    if !cfg!(feature = "test-hooks") {
        return Err("test hooks are not built in".to_owned());
    }
    app.emit(
        "tauri://drag-drop",
        json!({ "paths": paths, "position": { "x": x, "y": y } }),
    )
    .map_err(|e| e.to_string())
}
