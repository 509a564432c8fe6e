//! The sidecar JSON that travels with a timeline export: for each shot its file, its cut (in
//! seconds and in frames at the file's rate) and where it sits on the timeline, and, when the
//! storyboard knows them, the prompt it was generated from and the Framecast job that made it.
//! Editors ignore it; Framecast reads it to know which prompt made which shot.

use crate::timeline::Timeline;
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Sidecar<'a> {
    name: &'a str,
    /// The timeline's frame rate, as `num/den`.
    rate: String,
    shots: Vec<ShotEntry<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ShotEntry<'a> {
    index: usize,
    file: String,
    rate: String,
    in_frame: u64,
    out_frame: u64,
    /// Seconds on the file's own clock.
    in_point: f64,
    out_point: f64,
    /// Seconds on the timeline.
    starts_at: f64,
    prompt: Option<&'a str>,
    job_id: Option<&'a str>,
}

/// The sidecar JSON for `timeline`.
pub fn to_string(timeline: &Timeline) -> String {
    let mut at = 0.0;
    let shots = timeline
        .shots
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let entry = ShotEntry {
                index: i + 1,
                file: s.path.display().to_string(),
                rate: format!("{}/{}", s.rate.num, s.rate.den),
                in_frame: s.in_frame,
                out_frame: s.out_frame,
                in_point: s.rate.seconds(s.in_frame),
                out_point: s.rate.seconds(s.out_frame),
                starts_at: at,
                prompt: s.prompt.as_deref(),
                job_id: s.job_id.as_deref(),
            };
            at += s.rate.seconds(s.frames());
            entry
        })
        .collect();
    let rate = timeline.rate();
    let doc = Sidecar {
        name: &timeline.name,
        rate: format!("{}/{}", rate.num, rate.den),
        shots,
    };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
