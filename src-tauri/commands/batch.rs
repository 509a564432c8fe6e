//! Batch runs in the app: a file (dropped or opened) or pasted prompts planned with the form's
//! settings as defaults, started after the plan is seen, paused, resumed, cancelled, rows retried
//! or moved. Planning, the queue and the runner are `framecast_jobs::batch`'s, shared with the
//! CLI; these commands fetch the state, call it and report every batch's events on the one
//! channel the Batch view listens on.

use crate::error::{IpcResult, blocking};
use crate::gateways::Gateways;
use crate::state::{Drops, Jobs, Planned, Started, lock};
use framecast_core::{Error, Event};
use framecast_jobs::batch::plan::{Defaults, Plan};
use framecast_jobs::batch::run::{Context, Stop};
use framecast_jobs::batch::{self, BatchEvent, Prepared, Source, input};
use framecast_library::{BatchRecord, BatchRow, BatchState, Library};
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime, State};

/// An event of a batch, with the batch it belongs to.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct BatchUpdate {
    pub batch_id: String,
    pub event: BatchEvent,
}

/// A plan as the window shows it, with the token that starts it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PlanView {
    pub token: u32,
    /// The file's name, or "Pasted prompts".
    pub name: String,
    pub encoding: input::Encoding,
    #[serde(flatten)]
    pub plan: Plan,
}

/// The app's batches: the last plan the window asked for, the runners, and the window's channel.
#[derive(Default)]
pub struct Batches {
    planned: Planned<Prepared>,
    /// Each running batch's runner: a number naming it, and its switches.
    running: Mutex<HashMap<String, (u64, Stop)>>,
    runners: std::sync::atomic::AtomicU64,
    window: Mutex<Option<Channel<BatchUpdate>>>,
}

impl Batches {
    /// Starts no new row in any batch (quitting when the work is done); running rows finish.
    pub fn pause_all(&self) {
        for (_, stop) in lock(&self.running).values() {
            stop.pause.cancel();
        }
    }

    /// Stops every running batch now (quitting): rows not started stay waiting for the next start.
    pub fn stop_all(&self) {
        for (_, stop) in lock(&self.running).values() {
            stop.pause.cancel();
            stop.now.cancel();
        }
    }

    /// Forgets runner `runner` of batch `id`, unless a newer one took its place.
    fn ended(&self, id: &str, runner: u64) {
        let mut running = lock(&self.running);
        if running.get(id).is_some_and(|(r, _)| *r == runner) {
            running.remove(id);
        }
    }

    fn send(&self, batch_id: &str, event: BatchEvent) {
        if let Some(window) = lock(&self.window).as_ref() {
            let _ = window.send(BatchUpdate {
                batch_id: batch_id.to_owned(),
                event,
            });
        }
    }
}

/// Plans a file the person dropped on the Batch view (only a path the drop reported).
#[tauri::command]
pub async fn batch_plan_file(
    path: String,
    defaults: Defaults,
    app: AppHandle,
    drops: State<'_, Drops>,
) -> IpcResult<PlanView> {
    let path = drops.given(path)?;
    plan_source(&app, Source::File(path), defaults).await
}

/// Opens a batch file through the file dialog and plans it; `None` if the dialog was closed.
#[tauri::command]
pub async fn batch_open_file(defaults: Defaults, app: AppHandle) -> IpcResult<Option<PlanView>> {
    match crate::dialogs::batch_file(&app).await {
        Some(path) => plan_source(&app, Source::File(path), defaults)
            .await
            .map(Some),
        None => Ok(None),
    }
}

/// Plans prompts pasted one per line.
#[tauri::command]
pub async fn batch_plan_text(
    text: String,
    defaults: Defaults,
    app: AppHandle,
) -> IpcResult<PlanView> {
    plan_source(&app, Source::Text(text), defaults).await
}

/// Reads and plans a batch (off the async workers: files, SQLite, the key store), and keeps the
/// plan for the window's go.
async fn plan_source(app: &AppHandle, source: Source, defaults: Defaults) -> IpcResult<PlanView> {
    let library = app.state::<Arc<Library>>().inner().clone();
    let gateways = app.state::<Arc<Gateways>>().inner().clone();
    let prepared = blocking(move || {
        let target = gateways.starter().target()?;
        batch::prepare(&library, &target, source, defaults, None)
    })
    .await?;
    let (name, encoding, plan) = (
        prepared.name.clone(),
        prepared.encoding,
        prepared.plan.clone(),
    );
    let token = app.state::<Arc<Batches>>().planned.offer(prepared);
    Ok(PlanView {
        token,
        name,
        encoding,
        plan,
    })
}

/// Starts the plan the window shows (`token`), at most `concurrency` jobs at once, within `cap`.
/// Over the cap it is refused; over the month's budget only with `confirmed`.
#[tauri::command]
pub async fn batch_start<R: Runtime>(
    token: u32,
    concurrency: u8,
    cap_usd: Option<f64>,
    confirmed: bool,
    app: AppHandle<R>,
) -> IpcResult<BatchRecord> {
    let planned = app
        .state::<Arc<Batches>>()
        .planned
        .take(token)
        .ok_or_else(|| Error::invalid_input("plan the batch again", "请重新规划该批量"))?;
    refuse_over(&planned.plan, cap_usd, confirmed)?;
    let library = app.state::<Arc<Library>>().inner().clone();
    let out_dir = app.state::<crate::state::Folders>().videos();
    let opened = blocking(move || {
        let request = batch::Request {
            concurrency,
            cap_usd,
            out_dir: Some(&out_dir),
            new: false,
        };
        batch::open(&library, &planned, &request)
    })
    .await?;
    run_batch(&app, opened.batch.id.clone());
    Ok(opened.batch)
}

fn refuse_over(plan: &Plan, cap: Option<f64>, confirmed: bool) -> IpcResult<()> {
    let estimate = plan.estimate_usd;
    if let Some(cap) = cap.filter(|c| estimate > c + 1e-9) {
        return Err(Error::invalid_input(
            format!("the batch would cost about ${estimate:.2}, over its cap of ${cap:.2}"),
            format!("该批量约需 ${estimate:.2}，超过上限 ${cap:.2}"),
        )
        .into());
    }
    if plan.over_budget && !confirmed {
        return Err(Error::invalid_input(
            "the batch would take this month over its budget: confirm to start it anyway",
            "该批量将使本月超出预算：请确认后再开始",
        )
        .into());
    }
    Ok(())
}

/// Runs batch `id` in the background, its events to the window; the rows' jobs count as running
/// work for a quit.
pub fn run_batch<R: Runtime>(app: &AppHandle<R>, id: String) {
    let batches = app.state::<Arc<Batches>>().inner().clone();
    let stop = Stop::default();
    let runner = batches
        .runners
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    // A runner a pause is winding down finishes its rows; this one starts the rest.
    lock(&batches.running).insert(id.clone(), (runner, stop.clone()));
    let ctx = Context::new(app.state::<Arc<Gateways>>().starter());
    let jobs = app.state::<Arc<Jobs>>().inner().clone();
    // Off the runtime's workers: the runner records every event in SQLite as it goes.
    tauri::async_runtime::spawn_blocking(move || {
        let started = Started::new(jobs);
        let emit = |event: BatchEvent| {
            track(&started, &event);
            batches.send(&id, event);
        };
        let ended = tauri::async_runtime::block_on(framecast_jobs::batch::run::run(
            &ctx, &id, &stop, &emit,
        ));
        match ended {
            Ok(framecast_jobs::batch::run::Ended::Done) => {
                if let Err(e) = write_results(&ctx.starter.library, &id) {
                    tracing::error!(%e, batch = %id, "a batch's results could not be written");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::error!(%e, batch = %id, "a batch stopped"),
        }
        batches.ended(&id, runner);
    });
}

/// Writes a batch's results as they stand next to its videos (or in the library's folder); the
/// CSV's path.
fn write_results(library: &Library, id: &str) -> Result<PathBuf, Error> {
    let batch = library
        .batch(id)?
        .ok_or_else(|| Error::invalid_input("no such batch", "没有该批量"))?;
    batch::results::write(library, &batch, library.dir()).map(|(csv, _)| csv)
}

/// A row's job counts as running work from its claim to its end.
fn track(started: &Started, event: &BatchEvent) {
    match event {
        BatchEvent::Row {
            state: framecast_library::RowState::Sent,
            job_id: Some(job),
            ..
        } => started.sent(job),
        BatchEvent::Job {
            job_id,
            event: Event::Finished { .. },
            ..
        } => started.ended(job_id),
        _ => {}
    }
}

/// Starts the batches a Framecast that stopped left running (at start).
pub fn continue_batches<R: Runtime>(app: &AppHandle<R>) {
    let library = app.state::<Arc<Library>>().inner().clone();
    let handle = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let running = library
            .batches()
            .unwrap_or_default()
            .into_iter()
            .filter(|b| b.state == BatchState::Running);
        for b in running {
            run_batch(&handle, b.id);
        }
    });
}

/// The window's channel for every batch's events.
#[tauri::command]
pub fn batch_watch(on_update: Channel<BatchUpdate>, batches: State<'_, Arc<Batches>>) {
    *lock(&batches.window) = Some(on_update);
}

/// Every batch, newest first.
#[tauri::command]
pub async fn batch_list(library: State<'_, Arc<Library>>) -> IpcResult<Vec<BatchRecord>> {
    let library = library.inner().clone();
    blocking(move || library.batches()).await
}

/// A batch's rows, in the order they are sent.
#[tauri::command]
pub async fn batch_rows(id: String, library: State<'_, Arc<Library>>) -> IpcResult<Vec<BatchRow>> {
    let library = library.inner().clone();
    blocking(move || library.batch_rows(&id)).await
}

/// What the person does to a batch: pause, resume, cancel the rest.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum BatchAction {
    Pause,
    Resume,
    Cancel,
}

#[tauri::command]
pub async fn batch_act<R: Runtime>(
    id: String,
    action: BatchAction,
    app: AppHandle<R>,
) -> IpcResult<()> {
    let library = app.state::<Arc<Library>>().inner().clone();
    let state = match action {
        BatchAction::Pause => BatchState::Paused,
        BatchAction::Resume => BatchState::Running,
        BatchAction::Cancel => BatchState::Cancelled,
    };
    let runner = lock(&app.state::<Arc<Batches>>().running).get(&id).cloned();
    if let (Some((_, stop)), BatchAction::Pause | BatchAction::Cancel) = (&runner, action) {
        stop.pause.cancel();
    }
    let batch = id.clone();
    blocking(move || library.set_batch_state(&batch, state)).await?;
    let winding_down = runner.is_none_or(|(_, stop)| stop.pause.is_cancelled());
    if matches!(action, BatchAction::Resume) && winding_down {
        run_batch(&app, id);
    }
    Ok(())
}

/// Writes the batch's results as they stand (CSV and JSON Lines, next to its videos) and shows
/// the CSV in the file manager if there is one; where it is.
#[tauri::command]
pub async fn batch_results(id: String, app: AppHandle) -> IpcResult<String> {
    let library = app.state::<Arc<Library>>().inner().clone();
    let csv = blocking(move || write_results(&library, &id)).await?;
    // Written is what matters: without a file manager the toast still says where.
    if let Err(e) = crate::dialogs::reveal(&app, &csv) {
        tracing::warn!(%e, "the results could not be shown");
    }
    Ok(csv.display().to_string())
}

/// Asks for a failed or skipped row again (a new, paid job), and runs the batch if it stopped.
#[tauri::command]
pub async fn batch_retry<R: Runtime>(id: String, row: u32, app: AppHandle<R>) -> IpcResult<bool> {
    let library = app.state::<Arc<Library>>().inner().clone();
    let batch = id.clone();
    let retried = blocking(move || library.retry_row(&batch, row)).await?;
    if retried && !lock(&app.state::<Arc<Batches>>().running).contains_key(&id) {
        run_batch(&app, id);
    }
    Ok(retried)
}

/// Moves a waiting row before row `before` (or to the end).
#[tauri::command]
pub async fn batch_move(
    id: String,
    row: u32,
    before: Option<u32>,
    library: State<'_, Arc<Library>>,
) -> IpcResult<()> {
    let library = library.inner().clone();
    blocking(move || library.move_row(&id, row, before)).await
}
