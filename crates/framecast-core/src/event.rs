//! What a running job tells its watcher: phases, progress, videos, downloads.
//!
//! The same events drive the CLI's `--json` lines and the app's per-job channel, so their field
//! names say what they hold (`percent`, `bytes`, `total`).

use crate::error::ErrorReport;
use crate::job::JobState;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Reading and preparing the frames.
    Preparing,
    /// Connecting and sending the request.
    Sending,
    /// The gateway queued the job.
    Queued,
    /// The video is being generated.
    Generating,
    /// The stream is over and videos are still downloading.
    Downloading,
}

/// One thing that happened. The CLI prints these as its NDJSON and the app's window receives
/// them as they are: one vocabulary for both front ends.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The job moved to a new phase (`phase`), or the gateway said something that is neither
    /// progress nor a result (`text` alone). When the gateway's line moved the phase, both are set.
    Status {
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        phase: Option<Phase>,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        text: Option<String>,
    },
    /// The gateway's progress, 0–100.
    Progress { percent: f32 },
    /// A task of the task route was created: its id is the handle to its video, whatever
    /// happens to this process.
    Task { index: u8, id: String },
    /// A task's creation was sent but its answer was lost: the gateway may have made it.
    TaskLost { index: u8 },
    /// A video's URL arrived (it is paid for from here on). `extra`: the gateway delivered more
    /// videos than were asked for, and this one is kept as a link but not downloaded.
    Video {
        index: u8,
        url: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        extra: bool,
    },
    /// The gateway said a video (or, without an index, the job) failed.
    VideoFailed {
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        index: Option<u8>,
        reason: String,
    },
    /// Bytes of a video written so far.
    Download {
        index: u8,
        bytes: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        total: Option<u64>,
    },
    /// A video is saved on disk; `video` is its id (`<job id>-<index>`), which names it to the
    /// app's media server and the library.
    Saved {
        index: u8,
        video: String,
        path: PathBuf,
        bytes: u64,
    },
    /// A video could not be saved; its URL stays in the result.
    DownloadFailed { index: u8, error: ErrorReport },
    /// The job is over (always its last event): how it ended, as the library records it.
    Finished {
        state: JobState,
        requested: u8,
        delivered: u8,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        error: Option<ErrorReport>,
        /// The gateway's lines, for "Copy details" (the key is never in them).
        transcript: Vec<String>,
    },
}

impl Event {
    /// The last event of a job that ended with `result`.
    pub fn finished(result: &crate::JobResult) -> Self {
        Self::Finished {
            state: result.state,
            requested: result.requested,
            delivered: u8::try_from(result.videos.iter().filter(|v| !v.extra).count())
                .unwrap_or(u8::MAX),
            error: result.error.as_ref().map(ErrorReport::from),
            transcript: result.transcript.clone(),
        }
    }
}
