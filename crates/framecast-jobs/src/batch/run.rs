//! Running a batch: its rows sent through the one job path (`crate::start`), at most
//! `concurrency` at once, each claimed in the library before its job is recorded and sent, so a
//! row is sent once however often the batch is run, stopped, killed and run again.
//!
//! - **Continuing.** A run first settles the rows whose jobs ended while nobody watched, and
//!   finishes (never re-sends) the batch's jobs a stopped process left, through `crate::recover`.
//! - **Refused before starting.** A job the gateway refused with HTTP 429 or 503 before it made
//!   anything (nothing was charged) goes back to the queue, and the whole queue waits: 5 s, then
//!   twice as long after each refusal in a row, at most two minutes. Any other failure is final
//!   until the person retries the row.
//! - **The cap.** A row that would take the batch over its cap (what its jobs delivered, plus
//!   what the running rows could still deliver, plus this row at worst) is skipped, saying so.
//! - **Stopping.** Pausing starts nothing new and lets running rows finish; stopping also stops
//!   their generations (delivered videos are still saved, as for any job).

use super::BatchEvent;
use crate::start::{Draft, Starter};
use crate::target::Target;
use framecast_core::frames::{self, FrameOptions, FrameSource, ModelAspect};
use framecast_core::{
    CancellationToken, Controls, Error, Event, GenerationRequest, JobId, JobResult, JobState,
    Result, Text, VideoOptions,
};
use framecast_library::{BatchRow, BatchState, Library, RowState};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The first wait after a refusal; it doubles with each refusal in a row.
const BACKOFF: Duration = Duration::from_secs(5);
/// The longest wait after refusals.
const MAX_BACKOFF: Duration = Duration::from_secs(120);

/// What a batch runs with.
pub struct Context {
    pub starter: Starter,
    /// The first wait after a refusal (tests make it short).
    pub backoff: Duration,
}

impl Context {
    pub fn new(starter: Starter) -> Self {
        Self {
            starter,
            backoff: BACKOFF,
        }
    }
}

/// The two ways to stop a running batch.
#[derive(Debug, Clone, Default)]
pub struct Stop {
    /// Start no new row; running rows finish.
    pub pause: CancellationToken,
    /// Also stop the running rows' generations.
    pub now: CancellationToken,
}

/// How a run of a batch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// No row is waiting or running.
    Done,
    /// Paused or stopped with rows still waiting.
    Paused,
}

/// What one row's run came to.
enum Sent {
    Settled,
    Refused,
}

/// Runs batch `id` until no row waits or runs, or it is paused; every row's events, recorded
/// first, go to `emit`.
pub async fn run(
    ctx: &Context,
    id: &str,
    stop: &Stop,
    emit: &(dyn Fn(BatchEvent) + Send + Sync),
) -> Result<Ended> {
    let library = &ctx.starter.library;
    let batch = library
        .batch(id)?
        .ok_or_else(|| Error::invalid_input("no such batch", "没有该批量"))?;
    let out_dir = batch.out_dir.as_ref().map(PathBuf::from);
    settle(library, id, emit)?;
    let mut running = FuturesUnordered::new();
    // The batch's jobs a stopped process left are finished first, never sent again.
    for job in library.recover()? {
        let Some(row) = library
            .batch_rows(id)?
            .into_iter()
            .find(|r| r.job_id.as_deref() == Some(job.job.id.as_str()))
        else {
            continue;
        };
        let controls = row_controls(stop);
        running.push(Box::pin(async move {
            let job_id = job.job.id.clone();
            let on = |event| {
                emit(BatchEvent::Job {
                    row: row.number,
                    job_id: job_id.clone(),
                    event,
                })
            };
            let (keys, overrides) = (&ctx.starter.keys, &ctx.starter.overrides);
            crate::resume(library, keys, overrides, &job, &controls, &on).await;
            settle(library, id, emit).map(|()| Sent::Settled)
        })
            as std::pin::Pin<
                Box<dyn std::future::Future<Output = Result<Sent>> + Send + '_>,
            >);
    }
    let target = ctx.starter.target()?;
    library.set_batch_state(id, BatchState::Running)?;
    let mut refusals = 0u32;
    let mut quiet_until = 0i64;
    loop {
        let now = now_ms();
        let free = usize::from(batch.concurrency).saturating_sub(running.len());
        if !stop.pause.is_cancelled() && free > 0 && now >= quiet_until {
            for row in library.due_rows(id, free, now)? {
                if let Some(why) = over_cap(library, id, batch.cap_usd, &row)? {
                    library.settle_row(id, row.number, RowState::Skipped, Some(&why))?;
                    emit_row(emit, &row, None, RowState::Skipped, Some(&why));
                    continue;
                }
                let job = JobId::new();
                if !library.claim_row(id, row.number, &job.to_string())? {
                    continue;
                }
                emit(BatchEvent::Row {
                    row: row.number,
                    state: RowState::Sent,
                    job_id: Some(job.to_string()),
                    problem: None,
                    problem_zh: None,
                });
                let (target, controls, out_dir) =
                    (target.clone(), row_controls(stop), out_dir.clone());
                running.push(Box::pin(async move {
                    send(ctx, target, id, row, job, out_dir, &controls, emit).await
                }));
            }
        }
        if running.is_empty() {
            let waiting = library
                .batch_rows(id)?
                .into_iter()
                .filter(|r| r.state == RowState::Waiting)
                .map(|r| r.not_before.unwrap_or(0))
                .min();
            match waiting {
                None => {
                    library.set_batch_state(id, BatchState::Done)?;
                    return Ok(Ended::Done);
                }
                Some(_) if stop.pause.is_cancelled() => return Ok(Ended::Paused),
                Some(due) => {
                    let wake = due.max(quiet_until).saturating_sub(now).max(10);
                    tokio::select! {
                        () = stop.pause.cancelled() => {}
                        () = tokio::time::sleep(Duration::from_millis(u64::try_from(wake).unwrap_or(0))) => {}
                    }
                    continue;
                }
            }
        }
        let tick =
            Duration::from_millis(u64::try_from((quiet_until - now).max(250)).unwrap_or(250));
        tokio::select! {
            Some(sent) = running.next() => match sent? {
                Sent::Settled => refusals = 0,
                Sent::Refused => {
                    refusals += 1;
                    let wait = ctx.backoff.saturating_mul(2u32.saturating_pow(refusals - 1)).min(MAX_BACKOFF);
                    quiet_until = now_ms()
                        + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX);
                    emit(BatchEvent::Waiting { until_ms: quiet_until });
                }
            },
            () = stop.pause.cancelled(), if running.is_empty() => {}
            () = tokio::time::sleep(tick) => {}
        }
    }
}

/// Settles the rows whose jobs have ended, and says so.
fn settle(library: &Library, id: &str, emit: &(dyn Fn(BatchEvent) + Send + Sync)) -> Result<()> {
    let changed = library.settle_sent_rows(id)?;
    if changed.is_empty() {
        return Ok(());
    }
    for row in library.batch_rows(id)? {
        if changed.iter().any(|(n, _)| *n == row.number) {
            emit(BatchEvent::Row {
                row: row.number,
                state: row.state,
                job_id: row.job_id.clone(),
                problem: row.problem.clone(),
                problem_zh: row.problem_zh.clone(),
            });
        }
    }
    Ok(())
}

/// A row's own switches, stopped with the batch's.
fn row_controls(stop: &Stop) -> Controls {
    let controls = Controls::new();
    let (now, mine) = (stop.now.clone(), controls.clone());
    tokio::spawn(async move {
        now.cancelled().await;
        mine.cancel();
    });
    controls
}

/// Why `row` would take the batch over its cap, if it would.
fn over_cap(library: &Library, id: &str, cap: Option<f64>, row: &BatchRow) -> Result<Option<Text>> {
    let Some(cap) = cap else {
        return Ok(None);
    };
    let committed = library.batch_committed(id)?;
    let this = row.price_usd * f64::from(row.n);
    Ok((committed + this > cap + 1e-9).then(|| {
        Text::new(
            format!(
                "not started: its ${this:.2} would take the batch over its cap of ${cap:.2} (${committed:.2} spent or running)"
            ),
            format!(
                "未开始：其 ${this:.2} 将使批量超出上限 ${cap:.2}（已花费或进行中 ${committed:.2}）"
            ),
        )
    }))
}

/// Prepares, records and sends one claimed row, and settles it.
#[allow(clippy::too_many_arguments)]
async fn send(
    ctx: &Context,
    target: Target,
    id: &str,
    row: BatchRow,
    job: JobId,
    out_dir: Option<PathBuf>,
    controls: &Controls,
    emit: &(dyn Fn(BatchEvent) + Send + Sync),
) -> Result<Sent> {
    let library = &ctx.starter.library;
    let job_id = job.to_string();
    let fail = |why: Text| -> Result<Sent> {
        library.settle_row(id, row.number, RowState::Failed, Some(&why))?;
        emit_row(emit, &row, Some(&job_id), RowState::Failed, Some(&why));
        Ok(Sent::Settled)
    };
    let frames = match frames_of(&row, controls.generation()).await {
        Ok(f) => f,
        Err(e) => return fail(e.messages()),
    };
    let draft = Draft {
        id: job,
        request: GenerationRequest {
            prompt: row.prompt.clone(),
            model: row.model.clone(),
            n: row.n,
            first_frame: None,
            last_frame: None,
            stream: true,
            options: VideoOptions::default(),
            references: Vec::new(),
        },
        frames,
        references: Vec::new(),
        lineage: Vec::new(),
        retry_of: None,
        save_dir: out_dir,
        label: Some(label(&row)),
        origin: ctx.starter.origin,
    };
    let started = match crate::begin(library, target, draft) {
        Ok(s) => s,
        Err(e) => return fail(e.messages()),
    };
    let on = |event: Event| {
        emit(BatchEvent::Job {
            row: row.number,
            job_id: job_id.clone(),
            event,
        })
    };
    let result = started.run(controls, &on).await;
    if refused_before_start(&result) {
        let why = result
            .error
            .as_ref()
            .map(Error::messages)
            .unwrap_or_else(|| Text::same("refused"));
        let wait = now_ms() + i64::try_from(ctx.backoff.as_millis()).unwrap_or(0);
        library.requeue_row(id, row.number, wait, &why)?;
        emit_row(emit, &row, Some(&job_id), RowState::Waiting, Some(&why));
        return Ok(Sent::Refused);
    }
    let state = RowState::of_job(result.state).unwrap_or(RowState::Failed);
    let why = result.error.as_ref().map(Error::messages);
    library.settle_row(id, row.number, state, why.as_ref())?;
    emit_row(emit, &row, Some(&job_id), state, why.as_ref());
    Ok(Sent::Settled)
}

/// The gateway refused the request before it started anything (HTTP 429 or 503): nothing was
/// charged, so the row may be sent again.
fn refused_before_start(result: &JobResult) -> bool {
    result.state == JobState::Failed
        && result.videos.is_empty()
        && result
            .error
            .as_ref()
            .and_then(Error::gateway_said)
            .and_then(|said| said.status)
            .is_some_and(|status| matches!(status, 429 | 503))
}

/// The row's frames, prepared as the app and the CLI prepare any frame, for its model's shape.
async fn frames_of(
    row: &BatchRow,
    cancel: &CancellationToken,
) -> Result<Vec<Arc<frames::PreparedFrame>>> {
    let Some(first) = &row.first else {
        return Ok(Vec::new());
    };
    let options = FrameOptions {
        model_aspect: ModelAspect::of_model(&row.model).unwrap_or(ModelAspect::Portrait),
        ..FrameOptions::default()
    };
    let last = row.last.as_ref().map(|l| FrameSource::Path(l.into()));
    let pair =
        frames::prepare_pair(FrameSource::Path(first.into()), last, &options, cancel).await?;
    Ok(std::iter::once(pair.first)
        .chain(pair.last)
        .map(Arc::new)
        .collect())
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// What names a row's files: its number, and its name when it has one (`007-bottle`).
pub fn label(row: &BatchRow) -> String {
    match &row.name {
        Some(name) => format!("{:03} {name}", row.number),
        None => format!("{:03}", row.number),
    }
}

fn emit_row(
    emit: &(dyn Fn(BatchEvent) + Send + Sync),
    row: &BatchRow,
    job: Option<&str>,
    state: RowState,
    why: Option<&Text>,
) {
    emit(BatchEvent::Row {
        row: row.number,
        state,
        job_id: job.map(str::to_owned).or_else(|| row.job_id.clone()),
        problem: why.map(|w| w.en.clone()),
        problem_zh: why.map(|w| w.zh.clone()),
    });
}
