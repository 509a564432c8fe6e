//! Keeping what was made: save a video (with its sidecar) where the person chooses, save all of a
//! job's videos in a folder, show one in the file manager, copy its link. The web side names
//! videos by id; the paths come from the library and from dialogs.
//!
//! A copy never touches the paid original: saving a video where it already is does nothing (a
//! plain copy onto itself would empty it), and a copy is written under a temporary name and
//! renamed into place, so a failed one leaves no half file under the chosen name.

use crate::dialogs;
use crate::error::{IpcResult, blocking};
use framecast_core::sidecar::{self, Sidecar};
use framecast_core::{Error, ErrorKind};
use framecast_library::{Library, VideoRecord};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tauri::{AppHandle, State};
use tauri_plugin_clipboard_manager::ClipboardExt;

/// The most text "Copy details" may put on the clipboard.
const MAX_COPY_BYTES: usize = 1 << 20;

async fn record(library: &Arc<Library>, id: &str) -> IpcResult<VideoRecord> {
    let (library, id) = (library.clone(), id.to_owned());
    blocking(move || library.video(&id)).await
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

/// Copies `from` to a hidden name beside `to`, then renames it into place: `to` is never a half
/// copy. Nothing is left behind on a failure.
async fn copy_file(from: &Path, to: &Path) -> std::io::Result<u64> {
    let tmp = to.with_file_name(format!(
        ".{}.copy",
        to.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    let written = async {
        let bytes = tokio::fs::copy(from, &tmp).await?;
        tokio::fs::rename(&tmp, to).await?;
        Ok(bytes)
    }
    .await;
    if written.is_err() {
        let _ = tokio::fs::remove_file(&tmp).await;
    }
    written
}

/// Copies a saved video to `to`, with a sidecar beside the copy that names the copy; nothing to
/// do when `to` is the video itself.
async fn copy(
    library: &Arc<Library>,
    video: &VideoRecord,
    from: &Path,
    to: &Path,
) -> IpcResult<()> {
    if same_file::is_same_file(from, to).unwrap_or(false) {
        return Ok(());
    }
    let bytes = copy_file(from, to)
        .await
        .map_err(|e| framecast_core::download::write_error(&e, to))?;
    let (library, of) = (library.clone(), video.clone());
    let origin = blocking(move || library.origin(&of)).await?;
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
    let video = record(&library, &id).await?;
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
    let mut videos = Vec::with_capacity(ids.len());
    for id in &ids {
        let video = record(&library, id).await?;
        let from = local(&video)?;
        videos.push((video, from));
    }
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
pub async fn reveal_video(
    id: String,
    app: AppHandle,
    library: State<'_, Arc<Library>>,
) -> IpcResult<()> {
    let path = local(&record(&library, &id).await?)?;
    Ok(dialogs::reveal(&app, &path)?)
}

/// Copies the video's gateway link.
#[tauri::command]
pub async fn copy_link(
    id: String,
    app: AppHandle,
    library: State<'_, Arc<Library>>,
) -> IpcResult<()> {
    let url = record(&library, &id).await?.url;
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

pub(crate) fn write_clipboard(app: &AppHandle, text: String) -> IpcResult<()> {
    app.clipboard().write_text(text).map_err(|e| {
        Error::with(
            ErrorKind::Internal,
            format!("the clipboard is unavailable ({e})"),
            format!("剪贴板不可用（{e}）"),
        )
        .into()
    })
}
