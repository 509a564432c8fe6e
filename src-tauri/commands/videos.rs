//! Keeping what was made: save a video (with its sidecar) where the person chooses, save all of a
//! job's videos in a folder, show one in the file manager, copy its link. The web side names
//! videos by id; the paths come from the library and from dialogs.

use crate::dialogs;
use crate::error::IpcResult;
use framecast_core::sidecar::{self, Sidecar};
use framecast_core::{Error, ErrorKind};
use framecast_library::{Library, VideoRecord};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tauri::{AppHandle, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_opener::OpenerExt;

/// The most text "Copy details" may put on the clipboard.
const MAX_COPY_BYTES: usize = 1 << 20;

fn record(library: &Library, id: &str) -> IpcResult<VideoRecord> {
    Ok(library.video(id).map_err(Error::from)?)
}

fn local(record: &VideoRecord) -> IpcResult<PathBuf> {
    record.file().map(Path::to_owned).ok_or_else(|| {
        Error::with(
            ErrorKind::Download,
            "this video is not downloaded; copy its link instead",
            "该视频尚未下载；请复制其链接",
        )
        .into()
    })
}

/// Copies a saved video to `to`, with a sidecar beside the copy that names the copy.
async fn copy(library: &Library, video: &VideoRecord, from: &Path, to: &Path) -> IpcResult<()> {
    let bytes = tokio::fs::copy(from, to)
        .await
        .map_err(|e| framecast_core::download::write_error(&e, to))?;
    let origin = library.origin(video).map_err(Error::from)?;
    let saved_at = sidecar::read(from)
        .await
        .map(|s| s.saved_at)
        .unwrap_or_else(|| framecast_core::job::rfc3339(chrono::Utc::now()));
    sidecar::write(to, &Sidecar::new(origin, to, bytes, saved_at)).await?;
    Ok(())
}

/// Saves one video (and its sidecar) through the save dialog; returns where, or `None` if the
/// dialog was closed.
#[tauri::command]
pub async fn save_video(
    id: String,
    app: AppHandle,
    library: State<'_, Arc<Library>>,
) -> IpcResult<Option<String>> {
    let video = record(&library, &id)?;
    let from = local(&video)?;
    let name = from
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(to) = dialogs::save_path(&app, &name).await else {
        return Ok(None);
    };
    copy(&library, &video, &from, &to).await?;
    Ok(Some(to.display().to_string()))
}

/// Saves several videos (with their sidecars) into a folder chosen in a dialog; returns it.
#[tauri::command]
pub async fn save_all(
    ids: Vec<String>,
    app: AppHandle,
    library: State<'_, Arc<Library>>,
) -> IpcResult<Option<String>> {
    let videos = ids
        .iter()
        .map(|id| {
            let video = record(&library, id)?;
            let from = local(&video)?;
            Ok((video, from))
        })
        .collect::<IpcResult<Vec<_>>>()?;
    let Some(dir) = dialogs::folder(&app).await else {
        return Ok(None);
    };
    for (video, from) in &videos {
        let name = from.file_name().unwrap_or_default();
        copy(&library, video, from, &dir.join(name)).await?;
    }
    Ok(Some(dir.display().to_string()))
}

/// Shows the video's file in the system's file manager.
#[tauri::command]
pub fn reveal_video(id: String, app: AppHandle, library: State<'_, Arc<Library>>) -> IpcResult<()> {
    let path = local(&record(&library, &id)?)?;
    app.opener().reveal_item_in_dir(&path).map_err(|e| {
        Error::with(
            ErrorKind::Internal,
            format!("the file manager could not be opened ({e})"),
            format!("无法打开文件管理器（{e}）"),
        )
        .into()
    })
}

/// Copies the video's gateway link.
#[tauri::command]
pub fn copy_link(id: String, app: AppHandle, library: State<'_, Arc<Library>>) -> IpcResult<()> {
    let url = record(&library, &id)?.url;
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
            ErrorKind::Internal,
            format!("the clipboard is unavailable ({e})"),
            format!("剪贴板不可用（{e}）"),
        )
        .into()
    })
}
