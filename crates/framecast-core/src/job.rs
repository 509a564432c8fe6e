//! One job from request to files on disk: the generation and the downloads, at the same time.
//!
//! A video starts downloading the moment its URL arrives, while the stream goes on, because links
//! expire and a paid video must not be lost to a later failure. The result lists every video the
//! gateway delivered with its URL, and its file where the download succeeded.
//!
//! A job has two switches ([`Controls`]): cancelling stops the generation only, and the videos
//! already delivered go on downloading, because they are paid for; discarding also stops the
//! downloads, and is only ever a person's explicit choice.

use crate::chunk::Usage;
use crate::client::Gateway;
use crate::download::{Downloader, ensure_dir};
use crate::error::{Error, ErrorKind, Text};
use crate::event::{Event, Phase};
use crate::id::JobId;
use crate::naming::{labelled_file_name, video_file_name};
use crate::poll;
use crate::request::GenerationRequest;
use crate::sidecar::{self, Sidecar, VideoOrigin};
use crate::task::TaskClient;
use crate::tracker::{Echo, Outcome, Video, VideoFailure};
use crate::unified::UnifiedClient;
use chrono::{Local, SecondsFormat, Utc};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Download progress is reported at most this often per video.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// What to run.
#[derive(Debug, Clone)]
pub struct JobSpec {
    pub id: JobId,
    pub request: GenerationRequest,
    /// SHA-256 of the frames as sent, for the sidecars.
    pub frames_sha256: Vec<String>,
    /// SHA-256 of the reference images as sent, for the sidecars.
    pub references_sha256: Vec<String>,
    /// Where to save the videos; `None` keeps only their URLs.
    pub save_dir: Option<PathBuf>,
    /// What the job is part of, naming its files instead of the time and prompt (a batch's row:
    /// `007-bottle`).
    pub label: Option<String>,
}

impl JobSpec {
    /// Where take `index` will be saved (before any `-2` a taken name needs).
    pub fn video_path(&self, index: u8) -> Option<PathBuf> {
        let name = match &self.label {
            Some(label) => labelled_file_name(label, &self.id, index, self.request.n),
            None => {
                let at = self.id.minted_at().with_timezone(&Local);
                video_file_name(&self.request.prompt, at, &self.id, index, self.request.n)
            }
        };
        self.save_dir.as_ref().map(|d| d.join(name))
    }
}

/// The two ways to stop a job.
#[derive(Debug, Clone, Default)]
pub struct Controls {
    generation: CancellationToken,
    downloads: CancellationToken,
}

impl Controls {
    pub fn new() -> Self {
        Self::default()
    }

    /// Stops the generation; delivered videos go on downloading.
    pub fn cancel(&self) {
        self.generation.cancel();
    }

    /// Stops the generation and the downloads.
    pub fn discard(&self) {
        self.generation.cancel();
        self.downloads.cancel();
    }

    pub fn generation(&self) -> &CancellationToken {
        &self.generation
    }

    pub fn downloads(&self) -> &CancellationToken {
        &self.downloads
    }
}

/// One delivered video and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoResult {
    pub index: u8,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Why it could not be saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Error>,
    /// Delivered beyond the videos asked for: kept as a link, not downloaded.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub extra: bool,
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// The request is (about to be) sent and the stream is being read.
    Running,
    /// The stream is over; delivered videos are still downloading.
    Downloading,
    /// Every requested video arrived.
    Done,
    /// Some videos arrived, not all.
    Partial,
    /// No video arrived.
    Failed,
    /// The person stopped the generation (videos delivered before are kept).
    Cancelled,
    /// The process running it ended before the stream did; what arrived is kept, and the
    /// request was not sent again.
    Interrupted,
    /// A request went out but its answer was lost: the gateway may have made the video. It was
    /// not sent again; the gateway's console tells.
    Unknown,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Downloading => "downloading",
            Self::Done => "done",
            Self::Partial => "partial",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Interrupted => "interrupted",
            Self::Unknown => "unknown",
        }
    }

    /// Reads a stored state; anything unknown reads as failed.
    pub fn parse(s: &str) -> Self {
        match s {
            "running" => Self::Running,
            "downloading" => Self::Downloading,
            "done" => Self::Done,
            "partial" => Self::Partial,
            "cancelled" => Self::Cancelled,
            "interrupted" => Self::Interrupted,
            "unknown" => Self::Unknown,
            _ => Self::Failed,
        }
    }

    /// Still being worked on by some process.
    pub fn in_flight(self) -> bool {
        matches!(self, Self::Running | Self::Downloading)
    }
}

/// Everything a job produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobResult {
    /// Every requested video arrived and, when saving, was saved.
    pub ok: bool,
    /// How the job ended: the videos that arrived decide, not the last error; `unknown` when a
    /// task's creation lost its answer and not every video arrived.
    pub state: JobState,
    pub requested: u8,
    pub videos: Vec<VideoResult>,
    pub failures: Vec<VideoFailure>,
    pub error: Option<Error>,
    pub last_progress: Option<f32>,
    pub echo: Option<Echo>,
    pub usage: Option<Usage>,
    pub transcript: Vec<String>,
}

impl JobResult {
    /// The result of a job refused or failed before anything was delivered.
    pub fn failed(requested: u8, error: Error) -> Self {
        assemble(
            Outcome::failed(requested, error),
            Vec::new(),
            false,
            false,
            &[],
        )
    }
}

/// Which of the gateway's routes a job takes: a profile's choice, recorded with each job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum RouteKind {
    /// The chat-completions stream (the gateway document's route).
    #[default]
    Stream,
    /// The task route: create, poll, fetch.
    Task,
    /// The create/query dialect (`/v1/video/create`, `/v1/video/query`).
    Unified,
}

impl RouteKind {
    pub const ALL: [Self; 3] = [Self::Stream, Self::Task, Self::Unified];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stream => "stream",
            Self::Task => "task",
            Self::Unified => "unified",
        }
    }

    /// Reads a stored or typed route; anything unknown is the stream.
    pub fn parse(s: &str) -> Self {
        match s {
            "task" => Self::Task,
            "unified" => Self::Unified,
            _ => Self::Stream,
        }
    }

    /// The route that creates tasks and polls them (task or unified), unlike the stream.
    pub fn polls(self) -> bool {
        self != Self::Stream
    }
}

/// How a job's videos are made.
#[derive(Debug, Clone, Copy)]
pub enum Route<'a> {
    /// The chat-completions stream: one POST, and its answer.
    Stream(&'a Gateway),
    /// A route that polls: one task per take, created and then watched.
    Task(Polled<'a>),
    /// A route that polls, for tasks created earlier (recovery): watched, never created, for
    /// what is left of the job's time.
    Watch(Polled<'a>, &'a [(u8, String)], Duration),
}

/// The client of a route that creates tasks and polls them.
#[derive(Debug, Clone, Copy)]
pub enum Polled<'a> {
    /// `/v1/videos`.
    Task(&'a TaskClient),
    /// `/v1/video/create` and `/v1/video/query`.
    Unified(&'a UnifiedClient),
}

impl Polled<'_> {
    /// The gateway's own address: videos there are fetched with the key.
    pub fn url(&self) -> &url::Url {
        match self {
            Self::Task(t) => t.tasks_url(),
            Self::Unified(u) => u.create_url(),
        }
    }

    pub fn credentials(&self) -> &crate::Credentials {
        match self {
            Self::Task(t) => t.credentials(),
            Self::Unified(u) => u.credentials(),
        }
    }

    async fn generate(
        &self,
        request: &GenerationRequest,
        cancel: &CancellationToken,
        emit: &mut (dyn FnMut(Event) + Send),
    ) -> Outcome {
        match self {
            Self::Task(t) => poll::generate(*t, request, cancel, emit).await,
            Self::Unified(u) => poll::generate(*u, request, cancel, emit).await,
        }
    }

    async fn watch(
        &self,
        requested: u8,
        tasks: Vec<(u8, String)>,
        left: Duration,
        cancel: &CancellationToken,
        emit: &mut (dyn FnMut(Event) + Send),
    ) -> Outcome {
        match self {
            Self::Task(t) => poll::watch(*t, requested, tasks, left, cancel, emit).await,
            Self::Unified(u) => poll::watch(*u, requested, tasks, left, cancel, emit).await,
        }
    }
}

impl Route<'_> {
    /// The gateway's host, for the sidecars.
    fn host(&self) -> String {
        let url = match self {
            Self::Stream(g) => g.endpoint(),
            Self::Task(p) | Self::Watch(p, _, _) => p.url(),
        };
        url.host_str().unwrap_or_default().to_owned()
    }
}

/// Runs a job through the stream: generates, and saves each video as soon as it is delivered.
pub async fn run(
    gateway: &Gateway,
    downloader: &Downloader,
    spec: &JobSpec,
    controls: &Controls,
    emit: &(dyn Fn(Event) + Send + Sync),
) -> JobResult {
    run_route(Route::Stream(gateway), downloader, spec, controls, emit).await
}

/// Runs a job by `route`: generates, and saves each video as soon as it is delivered.
pub async fn run_route(
    route: Route<'_>,
    downloader: &Downloader,
    spec: &JobSpec,
    controls: &Controls,
    emit: &(dyn Fn(Event) + Send + Sync),
) -> JobResult {
    // Videos on a polled route's own content URLs are fetched with the key; nothing else is.
    let downloader = &match route {
        Route::Task(p) | Route::Watch(p, _, _) => downloader.authorized(p.url(), p.credentials()),
        Route::Stream(_) => downloader.clone(),
    };
    let host = route.host();
    let requested_at = Utc::now();
    let (videos_tx, mut videos_rx) = mpsc::unbounded_channel::<(Video, chrono::DateTime<Utc>)>();
    let pending = &AtomicUsize::new(0);
    let saving = spec.save_dir.is_some();

    let lost = &std::sync::atomic::AtomicBool::new(false);
    let generation = async {
        let videos_tx = videos_tx;
        let mut arrived = 0u8;
        let mut extras = Vec::new();
        let mut forward = |mut event: Event| {
            // More videos than were asked for may still be paid for: their links are kept, but
            // only the first `n` are downloaded, and the person is told.
            let mut extra_note = None;
            if let Event::TaskLost { .. } = event {
                lost.store(true, Ordering::SeqCst);
            }
            if let Event::Video { index, extra, .. } = &mut event {
                arrived = arrived.saturating_add(1);
                if arrived > spec.request.n {
                    *extra = true;
                    extras.push(*index);
                    extra_note = Some(extra_video(*index, spec.request.n));
                }
            }
            let delivered = match &event {
                Event::Video {
                    index,
                    url,
                    extra: false,
                } if saving => Some(Video {
                    index: *index,
                    url: url.clone(),
                }),
                _ => None,
            };
            emit(event);
            if let Some(note) = extra_note {
                emit(note);
            }
            if let Some(video) = delivered {
                pending.fetch_add(1, Ordering::SeqCst);
                let _ = videos_tx.send((video, Utc::now()));
            }
        };
        let cancel = controls.generation();
        let outcome = match route {
            Route::Stream(gateway) => gateway.generate(&spec.request, cancel, &mut forward).await,
            Route::Task(tasks) => tasks.generate(&spec.request, cancel, &mut forward).await,
            Route::Watch(tasks, created, left) => {
                tasks
                    .watch(spec.request.n, created.to_vec(), left, cancel, &mut forward)
                    .await
            }
        };
        if pending.load(Ordering::SeqCst) > 0 {
            emit(Event::Status {
                phase: Some(Phase::Downloading),
                text: None,
            });
        }
        (outcome, extras)
    };

    let downloads = async {
        let mut running = FuturesUnordered::new();
        let mut saved = Vec::new();
        let mut open = true;
        let mut dir_ready: Option<Result<(), Error>> = None;
        loop {
            tokio::select! {
                next = videos_rx.recv(), if open => match next {
                    None => open = false,
                    Some((video, delivered_at)) => {
                        let (Some(dir), Some(target)) = (&spec.save_dir, spec.video_path(video.index)) else { continue };
                        if dir_ready.is_none() {
                            dir_ready = Some(ensure_dir(dir).await);
                        }
                        let ready = dir_ready.clone().unwrap_or(Ok(()));
                        let origin = origin(&host, spec, &video, requested_at, delivered_at);
                        running.push(async move {
                            let result = match ready {
                                Ok(()) => save_video(downloader, &origin, &target, controls.downloads(), emit).await,
                                Err(e) => {
                                    emit(Event::DownloadFailed { index: video.index, error: (&e).into() });
                                    Err(e)
                                }
                            };
                            pending.fetch_sub(1, Ordering::SeqCst);
                            (video.index, result)
                        });
                    }
                },
                Some(done) = running.next(), if !running.is_empty() => saved.push(done),
                else => break,
            }
        }
        saved
    };

    let ((outcome, extras), saved) = tokio::join!(generation, downloads);
    assemble(outcome, saved, saving, lost.load(Ordering::SeqCst), &extras)
}

/// What the person is told of a video beyond the `n` asked for.
fn extra_video(index: u8, n: u8) -> Event {
    Event::Status {
        phase: None,
        text: Some(format!(
            "The gateway delivered more videos than the {n} asked for: video {index} is kept as a link and not downloaded (it may still be charged)"
        )),
    }
}

fn origin(
    host: &str,
    spec: &JobSpec,
    video: &Video,
    requested_at: chrono::DateTime<Utc>,
    delivered_at: chrono::DateTime<Utc>,
) -> VideoOrigin {
    let request = &spec.request;
    VideoOrigin {
        job_id: spec.id.to_string(),
        prompt: request.prompt.clone(),
        model: request.model.clone(),
        n: request.n,
        index: video.index,
        frames_sha256: spec.frames_sha256.clone(),
        references_sha256: spec.references_sha256.clone(),
        options: request.options.clone(),
        gateway_host: host.to_owned(),
        source_url: video.url.clone(),
        requested_at: rfc3339(requested_at),
        delivered_at: rfc3339(delivered_at),
    }
}

/// A time as the sidecars write it.
pub fn rfc3339(at: chrono::DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Downloads one delivered video to `target` (continuing its `.part` if there is one), writes
/// its sidecar, and reports `Download`, then `Saved` or `DownloadFailed`. Jobs call it as their
/// videos arrive; recovery calls it for downloads an earlier process left unfinished.
pub async fn save_video(
    downloader: &Downloader,
    origin: &VideoOrigin,
    target: &Path,
    cancel: &CancellationToken,
    emit: &(dyn Fn(Event) + Send + Sync),
) -> Result<(PathBuf, u64), Error> {
    let index = origin.index;
    let mut last = Instant::now() - PROGRESS_EVERY;
    let mut progress = |bytes: u64, total: Option<u64>| {
        let now = Instant::now();
        if now.duration_since(last) >= PROGRESS_EVERY || total == Some(bytes) {
            last = now;
            emit(Event::Download {
                index,
                bytes,
                total,
            });
        }
    };
    let (path, bytes) = match downloader
        .save(&origin.source_url, target, cancel, &mut progress)
        .await
    {
        Ok(saved) => saved,
        Err(e) => {
            emit(Event::DownloadFailed {
                index,
                error: (&e).into(),
            });
            return Err(e);
        }
    };
    let record = Sidecar::new(origin.clone(), &path, bytes, rfc3339(Utc::now()));
    if let Err(e) = sidecar::write(&path, &record).await {
        tracing::warn!(%e, "the video is saved but its sidecar is not");
    }
    emit(Event::Saved {
        index,
        video: crate::id::video_id(&origin.job_id, index),
        path: path.clone(),
        bytes,
    });
    Ok((path, bytes))
}

/// What became of one video's download: its number, and its file and size or the error.
type Saved = (u8, Result<(PathBuf, u64), Error>);

fn assemble(
    outcome: Outcome,
    saved: Vec<Saved>,
    saving: bool,
    lost: bool,
    extras: &[u8],
) -> JobResult {
    let mut videos: Vec<VideoResult> = outcome
        .videos
        .iter()
        .map(|v| {
            let result = saved.iter().find(|(i, _)| *i == v.index).map(|(_, r)| r);
            VideoResult {
                index: v.index,
                url: v.url.clone(),
                path: result.and_then(|r| r.as_ref().ok()).map(|(p, _)| p.clone()),
                bytes: result.and_then(|r| r.as_ref().ok()).map(|(_, b)| *b),
                error: result.and_then(|r| r.as_ref().err()).cloned(),
                extra: extras.contains(&v.index),
            }
        })
        .collect();
    videos.sort_by_key(|v| v.index);
    // A video beyond the `n` asked for is kept as a link, not a failure.
    let unsaved: Vec<&VideoResult> = videos
        .iter()
        .filter(|v| saving && v.path.is_none() && !v.extra)
        .collect();
    let error = outcome.error.clone().or_else(|| {
        let first = unsaved.first()?;
        let numbers = unsaved
            .iter()
            .map(|v| v.index.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let kind = first
            .error
            .as_ref()
            .map_or(ErrorKind::Download, Error::kind);
        let cause = first
            .error
            .as_ref()
            .and_then(Error::specifics)
            .cloned()
            .unwrap_or_default();
        Some(Error::new(kind).detail(Text::new(
            format!("video {numbers}: {}", cause.en),
            format!("第 {numbers} 个视频：{}", cause.zh),
        )))
    });
    let arrived = videos.iter().filter(|v| !v.extra).count();
    let state = match error.as_ref().map(Error::kind) {
        _ if arrived >= usize::from(outcome.requested) => JobState::Done,
        Some(ErrorKind::Cancelled) => JobState::Cancelled,
        _ if lost => JobState::Unknown,
        _ if arrived > 0 => JobState::Partial,
        _ => JobState::Failed,
    };
    JobResult {
        ok: error.is_none(),
        state,
        requested: outcome.requested,
        videos,
        failures: outcome.failures,
        error,
        last_progress: outcome.last_progress,
        echo: outcome.echo,
        usage: outcome.usage,
        transcript: outcome.transcript,
    }
}
