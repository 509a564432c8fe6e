//! Keeping what was made: save a video where the person chooses, save all of a job's videos in a
//! folder, show one in the file manager, copy its link. The web side names videos by id; the
//! paths come from the app's own records and from dialogs.

use crate::dialogs;
use crate::error::IpcResult;
use crate::state::{VideoRecord, Videos};
use framecast_core::{Error, ErrorKind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tauri::{AppHandle, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_opener::OpenerExt;

/// The most text "Copy details" may put on the clipboard.
const MAX_COPY_BYTES: usize = 1 << 20;

fn record(videos: &Videos, id: &str) -> IpcResult<VideoRecord> {
    videos.get(id).ok_or_else(|| {
        Error::invalid_input(format!("no video “{id}”"), format!("没有视频“{id}”")).into()
    })
}

fn local(record: &VideoRecord) -> IpcResult<PathBuf> {
    record.path.clone().ok_or_else(|| {
        Error::with(
            ErrorKind::Download,
            "this video is not downloaded; copy its link instead",
            "该视频尚未下载；请复制其链接",
        )
        .into()
    })
}

async fn copy(from: &Path, to: &Path) -> IpcResult<()> {
    tokio::fs::copy(from, to)
        .await
        .map(|_| ())
        .map_err(|e| framecast_core::download::write_error(&e, to).into())
}

/// Saves one video through the save dialog; returns where, or `None` if cancelled.
#[tauri::command]
pub async fn save_video(
    id: String,
    app: AppHandle,
    videos: State<'_, Arc<Videos>>,
) -> IpcResult<Option<String>> {
    let from = local(&record(&videos, &id)?)?;
    let name = from
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(to) = dialogs::save_path(&app, &name).await else {
        return Ok(None);
    };
    copy(&from, &to).await?;
    Ok(Some(to.display().to_string()))
}

/// Saves several videos into a folder chosen in a dialog; returns the folder.
#[tauri::command]
pub async fn save_all(
    ids: Vec<String>,
    app: AppHandle,
    videos: State<'_, Arc<Videos>>,
) -> IpcResult<Option<String>> {
    let files = ids
        .iter()
        .map(|id| record(&videos, id).and_then(|r| local(&r)))
        .collect::<IpcResult<Vec<_>>>()?;
    let Some(dir) = dialogs::folder(&app).await else {
        return Ok(None);
    };
    for from in files {
        let name = from.file_name().unwrap_or_default();
        copy(&from, &dir.join(name)).await?;
    }
    Ok(Some(dir.display().to_string()))
}

/// Shows the video's file in the system's file manager.
#[tauri::command]
pub fn reveal_video(id: String, app: AppHandle, videos: State<'_, Arc<Videos>>) -> IpcResult<()> {
    let path = local(&record(&videos, &id)?)?;
    app.opener()
        .reveal_item_in_dir(&path)
        .map_err(|e| Error::with(ErrorKind::Download, e.to_string(), e.to_string()).into())
}

/// Copies the video's gateway link.
#[tauri::command]
pub fn copy_link(id: String, app: AppHandle, videos: State<'_, Arc<Videos>>) -> IpcResult<()> {
    let url = record(&videos, &id)?.url;
    write_clipboard(&app, url)
}

/// Copies text the UI composed (a job's details).
#[tauri::command]
pub fn copy_text(text: String, app: AppHandle) -> IpcResult<()> {
    if text.len() > MAX_COPY_BYTES {
        return Err(
            Error::invalid_input("the text is too long to copy", "文本过长，无法复制").into(),
        );
    }
    write_clipboard(&app, text)
}

fn write_clipboard(app: &AppHandle, text: String) -> IpcResult<()> {
    app.clipboard().write_text(text).map_err(|e| {
        Error::with(
            ErrorKind::InvalidInput,
            format!("the clipboard is unavailable ({e})"),
            format!("剪贴板不可用（{e}）"),
        )
        .into()
    })
}
