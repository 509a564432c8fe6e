//! The Generate form's options: what the next job's route can carry for the active profile
//! (`capabilities`, so the form shows only that, and the reason for what it greys), and the
//! reference images — added from a drop or the file dialog, prepared by the frames pipeline,
//! kept as named sets in the library, used again from a set or a past job. The web side gets
//! thumbnails and facts; the images stay in Rust until a job sends them.

use crate::dialogs;
use crate::error::{IpcResult, blocking};
use crate::gateways::Gateways;
use crate::state::{Drops, References};
use framecast_core::frames::{self, FrameFacts, FrameOptions, FrameSource, PreparedFrame};
use framecast_core::{CancellationToken, Capabilities, Error, JobId};
use framecast_library::Library;
use serde::Serialize;
use std::sync::Arc;
use tauri::{AppHandle, State};

/// A reference image as the form shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ReferenceView {
    /// A small JPEG as a `data:` URL.
    pub thumbnail: String,
    pub facts: FrameFacts,
}

/// A named set of reference images, with its thumbnails.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ReferenceSetView {
    pub id: i64,
    pub name: String,
    pub thumbnails: Vec<String>,
}

fn views(references: &References) -> Vec<ReferenceView> {
    references
        .to_send()
        .iter()
        .map(|f| ReferenceView {
            thumbnail: f.thumbnail_data_url(),
            facts: f.facts.clone(),
        })
        .collect()
}

/// What the next job's route can carry: its table, refined by the active profile's models and
/// overrides.
#[tauri::command]
pub async fn capabilities(gateways: State<'_, Arc<Gateways>>) -> IpcResult<Capabilities> {
    gateways.capabilities().await
}

/// A route's own table, before any gateway's word: what Settings' toggles start from.
#[tauri::command]
pub fn route_capabilities(route: framecast_core::RouteKind) -> Capabilities {
    Capabilities::of_route(route)
}

async fn add(references: &References, source: FrameSource) -> IpcResult<Vec<ReferenceView>> {
    if references.to_send().len() >= framecast_core::options::MAX_REFERENCES {
        return Err(too_many().into());
    }
    let image =
        frames::prepare(source, &FrameOptions::default(), &CancellationToken::new()).await?;
    if !references.add(Arc::new(image)) {
        return Err(too_many().into());
    }
    Ok(views(references))
}

fn too_many() -> Error {
    Error::invalid_input(
        "Veo takes at most 3 reference images",
        "Veo 最多接受 3 张参考图",
    )
}

/// A file dropped on the references: only a path the OS's drop reported is accepted.
#[tauri::command]
pub async fn drop_reference(
    path: String,
    references: State<'_, References>,
    drops: State<'_, Drops>,
) -> IpcResult<Vec<ReferenceView>> {
    let path = drops.given(path)?;
    add(&references, FrameSource::Path(path)).await
}

/// Opens the file dialog; `None` if the person closed it.
#[tauri::command]
pub async fn browse_reference(
    app: AppHandle,
    references: State<'_, References>,
) -> IpcResult<Option<Vec<ReferenceView>>> {
    match dialogs::image(&app).await {
        Some(path) => add(&references, FrameSource::Path(path)).await.map(Some),
        None => Ok(None),
    }
}

#[tauri::command]
pub fn remove_reference(index: usize, references: State<'_, References>) -> Vec<ReferenceView> {
    references.remove(index);
    views(&references)
}

#[tauri::command]
pub fn clear_references(references: State<'_, References>) {
    references.set(Vec::new());
}

/// The library's sets, by name.
#[tauri::command]
pub async fn reference_sets(library: State<'_, Arc<Library>>) -> IpcResult<Vec<ReferenceSetView>> {
    let library = library.inner().clone();
    blocking(move || set_views(&library)).await
}

fn set_views(library: &Library) -> IpcResult<Vec<ReferenceSetView>> {
    Ok(library
        .reference_sets()?
        .into_iter()
        .map(|s| ReferenceSetView {
            thumbnails: s
                .images
                .iter()
                .filter_map(|sha| library.frame(sha).ok())
                .map(|f| f.thumbnail_data_url())
                .collect(),
            id: s.id,
            name: s.name,
        })
        .collect())
}

/// Keeps the images the form holds as the set `name` (a set of that name is replaced).
#[tauri::command]
pub async fn save_reference_set(
    name: String,
    references: State<'_, References>,
    library: State<'_, Arc<Library>>,
) -> IpcResult<Vec<ReferenceSetView>> {
    let images = references.to_send();
    let library = library.inner().clone();
    blocking(move || {
        let same = library
            .reference_sets()?
            .into_iter()
            .find(|s| s.name == name.trim())
            .map(|s| s.id);
        let images: Vec<&PreparedFrame> = images.iter().map(Arc::as_ref).collect();
        library.save_reference_set(same, &name, &images)?;
        set_views(&library)
    })
    .await
}

/// Fills the references with set `id`'s images.
#[tauri::command]
pub async fn use_reference_set(
    id: i64,
    references: State<'_, References>,
    library: State<'_, Arc<Library>>,
) -> IpcResult<Vec<ReferenceView>> {
    let library = library.inner().clone();
    let images = blocking(move || Ok::<_, Error>(library.reference_images(id)?)).await?;
    references.set(images.into_iter().map(Arc::new).collect());
    Ok(views(&references))
}

#[tauri::command]
pub async fn remove_reference_set(
    id: i64,
    library: State<'_, Arc<Library>>,
) -> IpcResult<Vec<ReferenceSetView>> {
    let library = library.inner().clone();
    blocking(move || {
        library.remove_reference_set(id)?;
        set_views(&library)
    })
    .await
}

/// Reuse: the reference images job `id` sent, from the library's store.
#[tauri::command]
pub async fn reuse_references(
    id: String,
    references: State<'_, References>,
    library: State<'_, Arc<Library>>,
) -> IpcResult<Vec<ReferenceView>> {
    let id = JobId::parse(&id)?;
    let library = library.inner().clone();
    let images = blocking(move || -> IpcResult<Vec<PreparedFrame>> {
        let job = library
            .job(&id)?
            .ok_or_else(|| Error::invalid_input("no such job", "没有这个任务"))?;
        Ok(job
            .references
            .iter()
            .map(|sha| library.frame(sha))
            .collect::<Result<_, _>>()?)
    })
    .await?;
    references.set(images.into_iter().map(Arc::new).collect());
    Ok(views(&references))
}
