//! Framecast's storyboard output, free of any UI: takes joined into one MP4 without re-encoding,
//! and the cut exported for editors as OpenTimelineIO, FCPXML and CMX 3600 EDL, with a sidecar
//! JSON holding each shot's prompt and job id.
//!
//! - [`probe`] reads a clip's tracks and sample tables (only its `moov`).
//! - [`compat`] decides whether takes can be joined, naming the difference when not.
//! - [`join`] plans which samples go where; `mux` writes the file.
//! - [`last_frame`] decodes the picture a take shows last, for the shot that continues from it.
//! - [`timeline`] is the cut the exporters share: [`otio`], [`fcpxml`], [`edl`], [`sidecar`].
//!
//! Every refusal is an [`framecast_core::Error`] of kind `InvalidInput` naming the clip, in
//! English and Chinese.

pub mod compat;
pub mod edl;
mod export;
pub mod fcpxml;
pub mod join;
pub mod last_frame;
mod mux;
pub mod otio;
pub mod probe;
pub mod sidecar;
mod text;
pub mod timeline;

pub use export::write as write_export;
pub use join::JoinedClip;
pub use probe::{Probe, probe};
pub use timeline::{ClipSpec, Rate, Shot, Timeline};

use framecast_core::Result;
use std::path::{Path, PathBuf};

/// What a join made.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JoinReport {
    pub path: PathBuf,
    pub bytes: u64,
    /// Seconds.
    pub duration: f64,
    pub frames: u64,
    /// Whether the takes' H.264 configurations differed, so every keyframe carries its take's
    /// SPS/PPS in band; otherwise the pictures are copied byte for byte.
    pub in_band_parameter_sets: bool,
    pub has_audio: bool,
    pub clips: Vec<JoinedClip>,
}

/// Reads every clip, refusing the first that is not a usable MP4.
pub fn probe_all(specs: &[ClipSpec]) -> Result<Vec<Probe>> {
    specs
        .iter()
        .enumerate()
        .map(|(i, spec)| probe::probe(&spec.path, i + 1))
        .collect()
}

/// Joins `probes` (read from `specs`) into one MP4 at `out`, or leaves nothing there.
pub fn join(specs: &[ClipSpec], probes: &[Probe], out: &Path) -> Result<JoinReport> {
    let cuts: Vec<_> = specs.iter().map(|s| (s.in_point, s.out_point)).collect();
    let plan = join::plan(probes, &cuts)?;
    let bytes = mux::write(&plan, probes, out)?;
    let duration = plan.video.shown as f64 / f64::from(plan.video.timescale);
    Ok(JoinReport {
        path: out.to_path_buf(),
        bytes,
        duration,
        frames: plan.video.samples.len() as u64,
        in_band_parameter_sets: !plan.parameter_sets.is_empty(),
        has_audio: plan.audio.is_some(),
        clips: plan.clips,
    })
}
