//! The timeline as OpenTimelineIO JSON (`.otio`), the interchange format that OpenTimelineIO's
//! own tools, DaVinci Resolve and others read.
//!
//! One video track (and one audio track when the shots have sound) of `Clip.2` objects, each with
//! an `ExternalReference` to its original file (a `file://` URL), the file's whole length as its
//! available range, and the cut's exact in point and duration at the file's own frame rate. A
//! shot's prompt and job id, when known, are kept in its metadata under `framecast`.

use crate::timeline::{Rate, Shot, Timeline};
use serde_json::{Value, json};

/// The `.otio` document for `timeline`.
pub fn to_string(timeline: &Timeline) -> String {
    let mut tracks = vec![track("Video 1", "Video", &timeline.shots)];
    if timeline.shots.iter().any(|s| s.audio.is_some()) {
        tracks.push(track("Audio 1", "Audio", &timeline.shots));
    }
    let doc = json!({
        "OTIO_SCHEMA": "Timeline.1",
        "name": timeline.name,
        "metadata": {},
        "global_start_time": null,
        "tracks": {
            "OTIO_SCHEMA": "Stack.1",
            "name": "tracks",
            "metadata": {},
            "source_range": null,
            "effects": [],
            "markers": [],
            "enabled": true,
            "children": tracks,
        },
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

fn track(name: &str, kind: &str, shots: &[Shot]) -> Value {
    json!({
        "OTIO_SCHEMA": "Track.1",
        "name": name,
        "kind": kind,
        "metadata": {},
        "source_range": null,
        "effects": [],
        "markers": [],
        "enabled": true,
        "children": shots.iter().map(clip).collect::<Vec<_>>(),
    })
}

fn clip(shot: &Shot) -> Value {
    let mut framecast = serde_json::Map::new();
    if let Some(prompt) = &shot.prompt {
        framecast.insert("prompt".into(), prompt.clone().into());
    }
    if let Some(job) = &shot.job_id {
        framecast.insert("jobId".into(), job.clone().into());
    }
    let metadata = if framecast.is_empty() {
        json!({})
    } else {
        json!({ "framecast": framecast })
    };
    json!({
        "OTIO_SCHEMA": "Clip.2",
        "name": shot.name,
        "metadata": metadata,
        "source_range": range(shot.rate, shot.in_frame, shot.frames()),
        "effects": [],
        "markers": [],
        "enabled": true,
        "media_references": {
            "DEFAULT_MEDIA": {
                "OTIO_SCHEMA": "ExternalReference.1",
                "name": shot.name,
                "metadata": {},
                "available_range": range(shot.rate, 0, shot.available),
                "available_image_bounds": null,
                "target_url": crate::export::file_url(&shot.path),
            }
        },
        "active_media_reference_key": "DEFAULT_MEDIA",
    })
}

fn range(rate: Rate, start: u64, duration: u64) -> Value {
    json!({
        "OTIO_SCHEMA": "TimeRange.1",
        "start_time": time(rate, start),
        "duration": time(rate, duration),
    })
}

fn time(rate: Rate, frames: u64) -> Value {
    json!({
        "OTIO_SCHEMA": "RationalTime.1",
        "rate": rate.fps(),
        "value": frames as f64,
    })
}
