//! Events to rows: the write-ahead half of a job. Front ends pass every engine event through
//! [`Recorder::observe`] before they show it, so a video's URL is committed before anyone sees
//! it, and a crash one instruction later loses nothing.
//!
//! What is written: the phase and the job's state at once; a delivered video at once; a saved
//! file or a failed download at once; a take's failure at once; progress, status words, the
//! list of failures and download bytes at most once a second each (the next state change or the
//! end records the rest). The list of failures keeps the first [`KEPT_FAILURES`] and counts the
//! rest, so a gateway that sends twenty thousand failure lines costs no more than one that sends
//! twenty thousand progress lines. A write that fails is logged and the job goes on: the stream
//! and the downloads are worth more than the record of them.

use crate::tasks::TaskEnd;
use crate::{Library, Result, now_ms};
use framecast_core::{ErrorKind, Event, JobId, JobResult, JobSpec, Phase};
use rusqlite::params;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Throttled values are written at most this often.
const EVERY: Duration = Duration::from_secs(1);

/// How many failures a job's record lists; later ones are counted.
pub const KEPT_FAILURES: usize = 64;

/// Records one job's events.
pub struct Recorder {
    library: Arc<Library>,
    job: String,
    /// Names the files of videos still to arrive (absent when recovering downloads).
    spec: Option<JobSpec>,
    last: Mutex<HashMap<Throttled, Instant>>,
    failures: Mutex<Failures>,
}

/// The failures the gateway reported, as far as they are kept.
#[derive(Default)]
struct Failures {
    kept: Vec<crate::jobs::FailureRecord>,
    more: usize,
    /// Takes whose task was already marked failed.
    marked: std::collections::HashSet<u8>,
}

impl Failures {
    fn add(&mut self, index: Option<u8>, reason: &str) {
        if self.kept.len() < KEPT_FAILURES {
            self.kept.push(crate::jobs::FailureRecord {
                index,
                reason: reason.to_owned(),
            });
        } else {
            self.more += 1;
        }
    }

    /// The list as stored: the kept failures, and a last line counting the rest.
    fn json(&self) -> String {
        let mut list = self.kept.clone();
        if self.more > 0 {
            list.push(crate::jobs::FailureRecord {
                index: None,
                reason: format!("… and {} more failure lines", self.more),
            });
        }
        serde_json::to_string(&list).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Throttled {
    Status,
    Progress,
    Failures,
    Download(u8),
}

impl Recorder {
    /// The recorder of a job that was begun with [`Library::begin_job`].
    pub fn new(library: Arc<Library>, spec: &JobSpec) -> Self {
        let mut spec = spec.clone();
        // The frames are stored already; only names are needed from here.
        spec.request.first_frame = None;
        spec.request.last_frame = None;
        Self {
            library,
            job: spec.id.to_string(),
            spec: Some(spec),
            last: Mutex::default(),
            failures: Mutex::default(),
        }
    }

    /// The recorder of a job whose unfinished downloads are being continued.
    pub fn resuming(library: Arc<Library>, job: &JobId) -> Self {
        Self {
            library,
            job: job.to_string(),
            spec: None,
            last: Mutex::default(),
            failures: Mutex::default(),
        }
    }

    pub fn job_id(&self) -> &str {
        &self.job
    }

    /// Records what `event` changes. Call it before showing the event to anyone.
    pub fn observe(&self, event: &Event) {
        if let Err(e) = self.write(event) {
            tracing::error!(%e, job = %self.job, "the library could not record an event");
        }
    }

    fn due(&self, what: Throttled) -> bool {
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        match last.get(&what) {
            Some(t) if now.duration_since(*t) < EVERY => false,
            _ => {
                last.insert(what, now);
                true
            }
        }
    }

    fn write(&self, event: &Event) -> Result<()> {
        let conn = || self.library.conn();
        let job = &self.job;
        let now = now_ms();
        match event {
            Event::Status {
                phase: Some(phase),
                text,
            } => {
                self.library.shown(|c| {
                    c.execute(
                        "UPDATE jobs SET phase = ?2, status_text = coalesce(?3, status_text),
                           state = CASE WHEN ?4 AND state = 'running' THEN 'downloading'
                                        ELSE state END,
                           updated_at = ?5
                         WHERE id = ?1",
                        params![
                            job,
                            phase_str(*phase),
                            text,
                            *phase == Phase::Downloading,
                            now
                        ],
                    )
                })?;
            }
            Event::Status { phase: None, text } => {
                if self.due(Throttled::Status) {
                    self.library.shown(|c| {
                        c.execute(
                            "UPDATE jobs SET status_text = ?2, updated_at = ?3 WHERE id = ?1",
                            params![job, text, now],
                        )
                    })?;
                }
            }
            Event::Progress { percent } => {
                if self.due(Throttled::Progress) {
                    self.library.shown(|c| {
                        c.execute(
                            "UPDATE jobs SET progress = ?2, updated_at = ?3 WHERE id = ?1",
                            params![job, percent, now],
                        )
                    })?;
                }
            }
            Event::Task { index, id } => self.library.task_created(job, *index, id)?,
            Event::TaskLost { index } => self.library.task_lost(job, *index)?,
            Event::Video { index, url, extra } => {
                self.library.task_ended(job, *index, TaskEnd::Done)?;
                let target = self
                    .spec
                    .as_ref()
                    .filter(|_| !extra)
                    .and_then(|s| s.video_path(*index));
                let state = if target.is_some() {
                    "downloading"
                } else {
                    "link_only"
                };
                conn().execute(
                    "INSERT INTO videos (job_id, idx, url, delivered_at, state, path)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
                    params![
                        job,
                        index,
                        url,
                        now,
                        state,
                        target.map(|t| t.display().to_string())
                    ],
                )?;
            }
            Event::VideoFailed { index, reason } => {
                let (first_for_take, list) = {
                    let mut failures = self
                        .failures
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    failures.add(*index, reason);
                    let first = index.is_some_and(|i| failures.marked.insert(i));
                    let first_ever = failures.kept.len() == 1 && failures.more == 0;
                    let due = first_ever || self.due(Throttled::Failures);
                    (first, due.then(|| failures.json()))
                };
                if let (true, Some(i)) = (first_for_take, index) {
                    self.library.task_ended(job, *i, TaskEnd::Failed)?;
                }
                if let Some(list) = list {
                    conn().execute(
                        "UPDATE jobs SET failures = ?2, updated_at = ?3 WHERE id = ?1",
                        params![job, list, now],
                    )?;
                }
            }
            Event::Download {
                index,
                bytes,
                total,
            } => {
                if self.due(Throttled::Download(*index)) {
                    self.library.shown(|c| {
                        c.execute(
                            "UPDATE videos SET bytes = ?3, total = ?4
                             WHERE job_id = ?1 AND idx = ?2 AND state = 'downloading'",
                            params![job, index, clamp(*bytes), total.map(clamp)],
                        )
                    })?;
                }
            }
            Event::Saved {
                index, path, bytes, ..
            } => {
                conn().execute(
                    "UPDATE videos SET state = 'saved', path = ?3, bytes = ?4, total = ?4,
                       saved_at = ?5, error = NULL
                     WHERE job_id = ?1 AND idx = ?2",
                    params![job, index, path.display().to_string(), clamp(*bytes), now],
                )?;
            }
            // Written by `finish`, with what the event does not carry (failures, progress).
            Event::Finished { .. } => {}
            Event::DownloadFailed { index, error } => {
                let state = match error.kind {
                    // Stopped, not failed: the part file stays and a later start continues it.
                    ErrorKind::Cancelled => return Ok(()),
                    ErrorKind::Expired => "expired",
                    _ => "failed",
                };
                conn().execute(
                    "UPDATE videos SET state = ?3, error = ?4
                     WHERE job_id = ?1 AND idx = ?2 AND state = 'downloading'",
                    params![
                        job,
                        index,
                        state,
                        serde_json::to_string(error).unwrap_or_default()
                    ],
                )?;
            }
        }
        Ok(())
    }

    /// Records how the job ended, and settles the storyboard shots it was made for.
    pub fn finish(&self, result: &JobResult) {
        if let Err(e) = self.write_finish(result) {
            tracing::error!(%e, job = %self.job, "the library could not record a job's end");
        }
        if let Err(e) = self.library.settle_job(&self.job) {
            tracing::error!(%e, job = %self.job, "the library could not settle a job's shots");
        }
    }

    fn write_finish(&self, result: &JobResult) -> Result<()> {
        let state = result.state;
        let failures: Vec<_> = result
            .failures
            .iter()
            .map(|f| crate::jobs::FailureRecord {
                index: f.index,
                reason: f.reason.clone(),
            })
            .collect();
        let error = result.error.as_ref().map(|e| {
            serde_json::to_string(&framecast_core::ErrorReport::from(e)).unwrap_or_default()
        });
        let now = now_ms();
        self.library.conn().execute(
            "UPDATE jobs SET state = ?2, phase = NULL, progress = coalesce(?3, progress),
               error = ?4, failures = ?5, transcript = ?6, finished_at = ?7, updated_at = ?7
             WHERE id = ?1",
            params![
                self.job,
                state.as_str(),
                result.last_progress,
                error,
                serde_json::to_string(&failures).unwrap_or_default(),
                serde_json::to_string(&result.transcript).unwrap_or_default(),
                now
            ],
        )?;
        Ok(())
    }
}

fn phase_str(phase: Phase) -> String {
    serde_json::to_value(phase)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use framecast_core::{AuthScheme, GenerationRequest, RouteKind};

    /// What is only shown is committed without a flush; the connection goes back to flushing
    /// at once, so a link that arrives next is durable.
    #[test]
    fn shown_writes_leave_the_connection_flushing() {
        let dir = tempfile::tempdir().unwrap();
        let library = Arc::new(Library::open(dir.path()).unwrap());
        let spec = JobSpec {
            id: JobId::new(),
            request: GenerationRequest::text("a slow tide"),
            frames_sha256: Vec::new(),
            references_sha256: Vec::new(),
            save_dir: None,
            label: None,
        };
        library
            .begin_job(&crate::NewJob {
                spec: &spec,
                origin: crate::Origin::Cli,
                gateway_host: "gw".into(),
                auth_scheme: AuthScheme::Bare,
                price_usd: None,
                retry_of: None,
                frames: Vec::new(),
                references: Vec::new(),
                route: RouteKind::Stream,
                base_url: "https://gw.example".into(),
                profile_id: None,
                overall: std::time::Duration::from_secs(60),
            })
            .unwrap();
        let recorder = Recorder::new(library.clone(), &spec);
        recorder.observe(&Event::Progress { percent: 42.0 });
        let synchronous: i64 = library
            .conn()
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(synchronous, 2, "FULL");
        assert_eq!(library.job(&spec.id).unwrap().unwrap().progress, Some(42.0));
    }
}
