//! The start and end frame slots: fill one from a dropped path, the file dialog, the clipboard,
//! a paused video or a past job's stored frames; clear one, swap them. Rust reads and prepares
//! the image; the web side gets a thumbnail and the facts, never the file, and names files only
//! by the paths a drop gave it.

use crate::dialogs;
use crate::error::{IpcResult, blocking};
use crate::state::{Drops, Filled, Frames, Slot};
use framecast_core::frames::{
    self, Advice, FrameFacts, FrameOptions, FrameSource, ModelAspect, PreparedFrame,
};
use framecast_core::{CancellationToken, Error, JobId};
use framecast_library::{Continuation, JobRecord, Library, VideoMoment};
use serde::Serialize;
use std::sync::Arc;
use tauri::ipc::{InvokeBody, Request};
use tauri::{AppHandle, State};

/// A prepared frame as its slot shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct FrameView {
    pub slot: Slot,
    /// A small JPEG as a `data:` URL.
    pub thumbnail: String,
    pub facts: FrameFacts,
    /// The moment of a video it was taken from, if it was.
    pub from: Option<Continuation>,
}

impl FrameView {
    fn of(slot: Slot, filled: &Filled) -> Self {
        Self {
            slot,
            thumbnail: filled.frame.thumbnail_data_url(),
            facts: filled.frame.facts.clone(),
            from: filled.from.clone().map(|c| Continuation { slot, ..c }),
        }
    }
}

/// Prepares `source` for `slot`; a newer preparation for the same slot wins.
async fn fill(frames: &Frames, slot: Slot, source: FrameSource) -> IpcResult<FrameView> {
    fill_from(frames, slot, source, None).await
}

async fn fill_from(
    frames: &Frames,
    slot: Slot,
    source: FrameSource,
    from: Option<Continuation>,
) -> IpcResult<FrameView> {
    let ticket = frames.ticket(slot);
    let options = FrameOptions {
        model_aspect: frames.aspect(),
        ..FrameOptions::default()
    };
    let frame = frames::prepare(source, &options, &CancellationToken::new()).await?;
    let filled = Filled {
        frame: Arc::new(frame),
        from,
    };
    frames.put(slot, ticket, filled.frame.clone(), filled.from.clone());
    Ok(FrameView::of(slot, &filled))
}

/// A file dropped on the window: only a path the OS's drop reported is accepted.
#[tauri::command]
pub async fn drop_frame(
    slot: Slot,
    path: String,
    frames: State<'_, Frames>,
    drops: State<'_, Drops>,
) -> IpcResult<FrameView> {
    let path = drops.given(path)?;
    fill(&frames, slot, FrameSource::Path(path)).await
}

/// Opens the file dialog; `None` if the person closed it.
#[tauri::command]
pub async fn browse_frame(
    slot: Slot,
    app: AppHandle,
    frames: State<'_, Frames>,
) -> IpcResult<Option<FrameView>> {
    match dialogs::image(&app).await {
        Some(path) => fill(&frames, slot, FrameSource::Path(path)).await.map(Some),
        None => Ok(None),
    }
}

/// An image pasted from the clipboard: the raw bytes as the body, the slot in the `slot` header.
#[tauri::command]
pub async fn paste_frame(request: Request<'_>, frames: State<'_, Frames>) -> IpcResult<FrameView> {
    let slot = match request.headers().get("slot").and_then(|v| v.to_str().ok()) {
        Some("end") => Slot::End,
        _ => Slot::Start,
    };
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(Error::invalid_input("the clipboard held no image", "剪贴板中没有图片").into());
    };
    fill(&frames, slot, FrameSource::Bytes(bytes.clone().into())).await
}

/// A frame of a paused video, captured by the window at the video's full size: the PNG as the
/// body, the slot, the video's id and the moment (milliseconds) in headers. It goes through the
/// same pipeline as a dropped image, and the slot remembers where it came from.
#[tauri::command]
pub async fn frame_from_video(
    request: Request<'_>,
    frames: State<'_, Frames>,
    library: State<'_, Arc<Library>>,
) -> IpcResult<FrameView> {
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
    let slot = if header("slot") == Some("end") {
        Slot::End
    } else {
        Slot::Start
    };
    let moment = VideoMoment {
        video_id: header("video").unwrap_or_default().to_owned(),
        at_ms: header("at").and_then(|v| v.parse().ok()).unwrap_or(0),
    };
    let from = library.continuation(slot, &moment).map_err(Error::from)?;
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(Error::invalid_input("no frame was captured", "没有截取到画面").into());
    };
    let source = FrameSource::Bytes(bytes.clone().into());
    fill_from(&frames, slot, source, Some(from)).await
}

/// Puts a past job's frames, as it sent them (from the library's frame store), into the slots,
/// with where they were taken from; a slot the job did not use is cleared. For "Reuse".
#[tauri::command]
pub async fn reuse_frames(
    job: String,
    frames: State<'_, Frames>,
    library: State<'_, Arc<Library>>,
) -> IpcResult<[Option<FrameView>; 2]> {
    let (id, library) = (JobId::parse(&job)?, library.inner().clone());
    let (job, loaded) = blocking(move || frames_of(&library, &id)).await?;
    let mut views = [None, None];
    for (slot, frame) in loaded {
        let Some(frame) = frame else {
            frames.clear(slot);
            continue;
        };
        let from = job.continues.iter().find(|c| c.slot == slot).cloned();
        frames.put(slot, frames.ticket(slot), frame, from);
        views[slot.index()] = frames.filled(slot).map(|f| FrameView::of(slot, &f));
    }
    Ok(views)
}

/// Each slot's frame, read from the library (`None`: the slot is emptied).
type Loaded = Vec<(Slot, Option<Arc<PreparedFrame>>)>;

/// Job `id` and the frames it sent, each slot's. Every frame is read before any slot changes: a
/// frame that cannot be read leaves the form as the person sees it, never half-filled with a
/// frame the window does not show.
fn frames_of(library: &Library, id: &JobId) -> Result<(JobRecord, Loaded), Error> {
    let job = library.job(id)?.ok_or_else(|| {
        Error::invalid_input("the job is not in the library", "资料库中没有该任务")
    })?;
    let mut loaded = Vec::with_capacity(2);
    for (slot, sha) in [(Slot::Start, &job.start_frame), (Slot::End, &job.end_frame)] {
        let frame = match sha {
            Some(sha) => Some(Arc::new(library.frame(sha)?)),
            None => None,
        };
        loaded.push((slot, frame));
    }
    Ok((job, loaded))
}

/// What the slots should say for the orientation the form has chosen (a frame's shape against
/// the video's, and how the start and end frames differ); asked again when either changes.
#[tauri::command]
pub fn frame_advice(orientation: ModelAspect, frames: State<'_, Frames>) -> Advice {
    frames.advise(orientation)
}

#[tauri::command]
pub fn clear_frame(slot: Slot, frames: State<'_, Frames>) {
    frames.clear(slot);
}

/// Swaps the start and end frames; returns what each slot now holds.
#[tauri::command]
pub fn swap_frames(frames: State<'_, Frames>) -> [Option<FrameView>; 2] {
    frames.swap();
    [Slot::Start, Slot::End].map(|s| frames.filled(s).map(|f| FrameView::of(s, &f)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tauri::Manager;
    use tauri::test::{mock_builder, mock_context, noop_assets};

    #[tokio::test]
    async fn a_dropped_file_becomes_a_slot_view_or_a_clear_refusal() {
        let app = mock_builder()
            .manage(Frames::default())
            .manage(Drops::default())
            .build(mock_context(noop_assets()))
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let photo = dir.path().join("photo.png");
        image::RgbImage::from_fn(2400, 1350, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 7])
        })
        .save(&photo)
        .unwrap();
        let notes = dir.path().join("notes.png");
        std::fs::write(&notes, "just text").unwrap();
        app.state::<Drops>()
            .dropped(&[photo.clone(), notes.clone()]);
        let view = drop_frame(
            Slot::Start,
            photo.display().to_string(),
            app.state(),
            app.state(),
        )
        .await
        .unwrap();
        assert_eq!(view.slot, Slot::Start);
        assert!(view.thumbnail.starts_with("data:image/jpeg;base64,"));
        assert_eq!((view.facts.width, view.facts.height), (1920, 1080));
        assert!(app.state::<Frames>().filled(Slot::Start).is_some());

        let secret = dir.path().join("elsewhere.png");
        std::fs::copy(&photo, &secret).unwrap();
        for (path, words) in [
            (notes.display().to_string(), "text"),
            (secret.display().to_string(), "dropped"),
            ("relative.png".to_owned(), "dropped"),
        ] {
            let e = drop_frame(Slot::End, path, app.state(), app.state())
                .await
                .unwrap_err();
            let shape = serde_json::to_value(&e).unwrap();
            assert_eq!(shape["kind"], "invalid_input");
            assert!(
                shape["message"]
                    .as_str()
                    .unwrap()
                    .to_lowercase()
                    .contains(words),
                "{shape}"
            );
            assert!(!shape["messageZh"].as_str().unwrap().is_empty());
        }
        assert!(
            app.state::<Frames>().filled(Slot::End).is_none(),
            "a refused file changes nothing"
        );

        let [start, end] = swap_frames(app.state());
        assert!(start.is_none() && end.is_some());
    }
}
