//! The library view: pages of past jobs by filter, how many match, their models, one job in
//! full, favourites, deleting a video (to the OS trash), and storing the poster the window
//! captured. The queries are the library crate's; these only fetch state, call it and map the
//! error.

use crate::error::{IpcResult, blocking};
use framecast_core::{Error, JobId};
use framecast_library::{Discard, JobRecord, Library, LibraryFilter, LibraryPage, ModelCount};
use std::sync::Arc;
use tauri::State;
use tauri::ipc::{InvokeBody, Request};

/// The most jobs one page may hold.
const MAX_PAGE: u32 = 500;

/// Runs `call` on the library off the async runtime's workers (it reads the disk).
async fn with<T: Send + 'static>(
    library: &Arc<Library>,
    call: impl FnOnce(&Library) -> framecast_library::Result<T> + Send + 'static,
) -> IpcResult<T> {
    let library = library.clone();
    blocking(move || call(&library)).await
}

/// The jobs matching `filter`, `limit` of them from `offset`.
#[tauri::command]
pub async fn library_page(
    filter: LibraryFilter,
    offset: u32,
    limit: u32,
    library: State<'_, Arc<Library>>,
) -> IpcResult<LibraryPage> {
    with(&library, move |l| {
        l.browse(&filter, offset, limit.min(MAX_PAGE))
    })
    .await
}

/// How many jobs match `filter`.
#[tauri::command]
pub async fn library_count(
    filter: LibraryFilter,
    library: State<'_, Arc<Library>>,
) -> IpcResult<u32> {
    with(&library, move |l| l.count_matches(&filter)).await
}

/// The models the library's jobs used, the most used first.
#[tauri::command]
pub async fn library_models(library: State<'_, Arc<Library>>) -> IpcResult<Vec<ModelCount>> {
    with(&library, |l| l.models()).await
}

/// One job in full: its transcript, its error, its takes and where its frames came from.
#[tauri::command]
pub async fn library_job(id: String, library: State<'_, Arc<Library>>) -> IpcResult<JobRecord> {
    let id = JobId::parse(&id)?;
    with(&library, move |l| l.job(&id)).await?.ok_or_else(|| {
        Error::invalid_input("the job is not in the library", "资料库中没有该任务").into()
    })
}

#[tauri::command]
pub async fn set_favourite(
    id: String,
    favourite: bool,
    library: State<'_, Arc<Library>>,
) -> IpcResult<()> {
    with(&library, move |l| l.set_favourite(&id, favourite)).await
}

/// Deletes a video: its file (and sidecar) to the OS trash, its record from the library. What
/// it cost stays in the ledger.
#[tauri::command]
pub async fn delete_video(id: String, library: State<'_, Arc<Library>>) -> IpcResult<()> {
    with(&library, move |l| {
        l.delete_video(&id, Discard::Trash).map(drop)
    })
    .await
}

/// A poster the window captured from a video: the JPEG as the body, the video's id in the
/// `video` header. A video keeps its first poster.
#[tauri::command]
pub async fn store_poster(request: Request<'_>, library: State<'_, Arc<Library>>) -> IpcResult<()> {
    let video = request
        .headers()
        .get("video")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let InvokeBody::Raw(jpeg) = request.body() else {
        return Err(Error::invalid_input("no poster was captured", "没有截取到封面").into());
    };
    let jpeg = jpeg.clone();
    with(&library, move |l| l.set_poster(&video, &jpeg)).await
}
