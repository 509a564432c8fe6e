//! The cut as the exporters see it: each shot's original file, its real frame rate (read from the
//! file), and its in and out points in whole frames at that rate, laid end to end.
//!
//! In and out points are kept exactly as asked (rounded to the nearest frame), never snapped to
//! keyframes: an editor reading the timeline cuts anywhere. Only the joined MP4 snaps.

use crate::probe::Probe;
use crate::text::Refusal;
use framecast_core::Result;
use std::path::{Path, PathBuf};

/// A shot as the storyboard or the CLI asks for it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClipSpec {
    pub path: PathBuf,
    /// Seconds from the clip's first picture; `None` is its start.
    pub in_point: Option<f64>,
    /// Seconds from the clip's first picture; `None` is its end.
    pub out_point: Option<f64>,
    /// The prompt the shot was generated from, for the sidecar.
    pub prompt: Option<String>,
    /// The Framecast job that made the shot, for the sidecar.
    pub job_id: Option<String>,
}

impl ClipSpec {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            ..Self::default()
        }
    }
}

/// Frames per second as a fraction: 24/1, 30000/1001.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub num: u64,
    pub den: u64,
}

impl Rate {
    /// `num/den` in lowest terms; `None` when either is 0.
    pub fn new(num: u64, den: u64) -> Option<Self> {
        if num == 0 || den == 0 {
            return None;
        }
        let g = gcd(num, den);
        Some(Self {
            num: num / g,
            den: den / g,
        })
    }

    pub fn fps(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// The nearest whole frame count for `seconds`.
    pub fn frames(self, seconds: f64) -> u64 {
        (seconds * self.fps()).round().max(0.0) as u64
    }

    pub fn seconds(self, frames: u64) -> f64 {
        frames as f64 * self.den as f64 / self.num as f64
    }

    /// Whole frames per second for timecode (24 for 23.976, 30 for 29.97).
    pub fn timecode_base(self) -> u64 {
        self.fps().round().max(1.0) as u64
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.den == 1 {
            write!(f, "{} fps", self.num)
        } else {
            write!(f, "{:.3} fps", self.fps())
        }
    }
}

pub(crate) fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

/// One shot on the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Shot {
    /// The original file, absolute.
    pub path: PathBuf,
    /// The file's name without its extension.
    pub name: String,
    pub rate: Rate,
    pub width: u32,
    pub height: u32,
    /// Sample rate and channel count of its sound, if it has any.
    pub audio: Option<(u32, u32)>,
    /// The whole file's length in frames.
    pub available: u64,
    /// In and out points in frames from the file's first picture (out is exclusive).
    pub in_frame: u64,
    pub out_frame: u64,
    pub prompt: Option<String>,
    pub job_id: Option<String>,
}

impl Shot {
    pub fn frames(&self) -> u64 {
        self.out_frame - self.in_frame
    }
}

/// The shots in order, played end to end.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    pub name: String,
    pub shots: Vec<Shot>,
}

impl Timeline {
    /// The timeline for `specs`, each read from its probe (same order, same length).
    pub fn new(name: impl Into<String>, specs: &[ClipSpec], probes: &[Probe]) -> Result<Self> {
        let mut shots = Vec::with_capacity(specs.len());
        for (spec, probe) in specs.iter().zip(probes) {
            shots.push(shot(spec, probe)?);
        }
        Ok(Self {
            name: name.into(),
            shots,
        })
    }

    /// The timeline's own frame rate: its first shot's.
    pub fn rate(&self) -> Rate {
        self.shots
            .first()
            .map_or(Rate { num: 24, den: 1 }, |s| s.rate)
    }
}

fn shot(spec: &ClipSpec, probe: &Probe) -> Result<Shot> {
    let video = &probe.video;
    let format = crate::compat::video_format(probe)?;
    let rate = format.rate;
    let length = video.end() as f64 / f64::from(video.timescale);
    let (start, end) = crate::compat::checked_cut(probe, spec.in_point, spec.out_point, length)?;
    let available = rate.frames(length);
    let in_frame = rate.frames(start).min(available.saturating_sub(1));
    let out_frame = rate
        .frames(end)
        .clamp(in_frame + 1, available.max(in_frame + 1));
    let path = absolute(&spec.path).map_err(|e| Refusal::unreadable(&e).about(&probe.clip))?;
    let name = path.file_stem().map_or_else(
        || probe.clip.file_name.clone(),
        |s| s.to_string_lossy().into_owned(),
    );
    Ok(Shot {
        path,
        name,
        rate,
        width: format.width,
        height: format.height,
        audio: crate::compat::audio_format(probe).map(|a| (a.sample_rate, a.channels)),
        available,
        in_frame,
        out_frame,
        prompt: spec.prompt.clone(),
        job_id: spec.job_id.clone(),
    })
}

fn absolute(path: &Path) -> std::io::Result<PathBuf> {
    std::fs::canonicalize(path).or_else(|_| std::path::absolute(path))
}
