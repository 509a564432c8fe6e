//! Native dialogs, opened from Rust so that every path the app writes to was chosen by the person
//! in a dialog, never supplied by the web side.
//!
//! Test builds (`--features test-hooks`) answer them from `FRAMECAST_TEST_SAVE_DIR` and
//! `FRAMECAST_TEST_PICK_IMAGE` instead, so the end-to-end test can save without a person.

use framecast_core::{Error, ErrorKind};
use std::path::{Path, PathBuf};
use tauri::AppHandle;
use tauri_plugin_dialog::{DialogExt, FilePath};
use tauri_plugin_opener::OpenerExt;
use tokio::sync::oneshot;

/// Image formats offered when browsing for a frame.
const IMAGE_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff", "avif",
];

/// Asks where to save a video, suggesting `suggested` as the name.
pub async fn save_path(app: &AppHandle, suggested: &str) -> Option<PathBuf> {
    if let Some(dir) = test_answer("FRAMECAST_TEST_SAVE_DIR") {
        return Some(dir.join(suggested));
    }
    let (tx, rx) = oneshot::channel();
    app.dialog()
        .file()
        .set_file_name(suggested)
        .add_filter("MP4 video", &["mp4"])
        .save_file(move |p| {
            let _ = tx.send(p);
        });
    into_path(rx.await.ok().flatten())
}

/// Asks where to save a CSV file, suggesting `suggested` as the name.
pub async fn save_csv(app: &AppHandle, suggested: &str) -> Option<PathBuf> {
    if let Some(dir) = test_answer("FRAMECAST_TEST_SAVE_DIR") {
        return Some(dir.join(suggested));
    }
    let (tx, rx) = oneshot::channel();
    app.dialog()
        .file()
        .set_file_name(suggested)
        .add_filter("CSV", &["csv"])
        .save_file(move |p| {
            let _ = tx.send(p);
        });
    into_path(rx.await.ok().flatten())
}

/// Asks where to save an export of kind `label` (`"OpenTimelineIO"`) with extension `ext`,
/// suggesting `suggested` as the name.
pub async fn save_as(app: &AppHandle, suggested: &str, label: &str, ext: &str) -> Option<PathBuf> {
    if let Some(dir) = test_answer("FRAMECAST_TEST_SAVE_DIR") {
        return Some(dir.join(suggested));
    }
    let (tx, rx) = oneshot::channel();
    app.dialog()
        .file()
        .set_file_name(suggested)
        .add_filter(label, &[ext])
        .save_file(move |p| {
            let _ = tx.send(p);
        });
    into_path(rx.await.ok().flatten())
}

/// Asks for a folder to save several videos in.
pub async fn folder(app: &AppHandle) -> Option<PathBuf> {
    if let Some(dir) = test_answer("FRAMECAST_TEST_SAVE_DIR") {
        return Some(dir);
    }
    let (tx, rx) = oneshot::channel();
    app.dialog().file().pick_folder(move |p| {
        let _ = tx.send(p);
    });
    into_path(rx.await.ok().flatten())
}

/// Asks for a batch file (CSV, JSON Lines or text).
pub async fn batch_file(app: &AppHandle) -> Option<PathBuf> {
    if let Some(file) = test_answer("FRAMECAST_TEST_PICK_BATCH") {
        return Some(file);
    }
    let (tx, rx) = oneshot::channel();
    app.dialog()
        .file()
        .add_filter("Batch", &["csv", "jsonl", "ndjson", "txt"])
        .pick_file(move |p| {
            let _ = tx.send(p);
        });
    into_path(rx.await.ok().flatten())
}

/// Asks for an image to use as a frame.
pub async fn image(app: &AppHandle) -> Option<PathBuf> {
    if let Some(file) = test_answer("FRAMECAST_TEST_PICK_IMAGE") {
        return Some(file);
    }
    let (tx, rx) = oneshot::channel();
    app.dialog()
        .file()
        .add_filter("Images", IMAGE_EXTENSIONS)
        .pick_file(move |p| {
            let _ = tx.send(p);
        });
    into_path(rx.await.ok().flatten())
}

fn into_path(p: Option<FilePath>) -> Option<PathBuf> {
    p.and_then(|p| p.into_path().ok())
}

/// The test build's answer to a dialog, from the environment.
fn test_answer(var: &str) -> Option<PathBuf> {
    if cfg!(feature = "test-hooks") {
        std::env::var_os(var).map(PathBuf::from)
    } else {
        None
    }
}

/// Shows a file selected in the system's file manager.
pub fn reveal(app: &AppHandle, path: &Path) -> Result<(), Error> {
    app.opener().reveal_item_in_dir(path).map_err(file_manager)
}

/// Opens a folder in the system's file manager.
pub fn open_folder(app: &AppHandle, dir: &Path) -> Result<(), Error> {
    app.opener()
        .open_path(dir.display().to_string(), None::<&str>)
        .map_err(file_manager)
}

fn file_manager(e: tauri_plugin_opener::Error) -> Error {
    Error::with(
        ErrorKind::Internal,
        format!("the file manager could not be opened ({e})"),
        format!("无法打开文件管理器（{e}）"),
    )
}
