//! Storyboards in the app: the library's storyboards and shots edited, a generation planned with
//! its cost and then started (the plan the window showed, by its token), and the cut exported
//! where a save dialog opened by Rust says. Planning, generating and exporting are
//! `framecast_jobs::storyboard`'s, shared with the CLI; SQLite, decoding and joining run off the
//! async workers.

use crate::error::{IpcResult, blocking};
use crate::gateways::Gateways;
use crate::state::{Folders, Jobs, Planned, Started, lock};
use framecast_core::{Error, Event};
use framecast_jobs::batch::plan::Spending;
use framecast_jobs::batch::run::Stop;
use framecast_jobs::storyboard::{self, Context, Exports, StoryEvent, StoryPlan, Which};
use framecast_library::{Library, Place, RowState, ShotDraft, ShotRecord, Storyboard};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};

/// The app's storyboard runs: the last plan the window asked for, and each running storyboard's
/// switches.
#[derive(Default)]
pub struct Storyboards {
    planned: Planned<StoryPlan>,
    running: Mutex<HashMap<String, Stop>>,
}

impl Storyboards {
    /// Starts no further shot (quitting when the work is done); running shots finish.
    pub fn pause_all(&self) {
        for stop in lock(&self.running).values() {
            stop.pause.cancel();
        }
    }

    /// Stops every run now (quitting): shots not started are not sent.
    pub fn stop_all(&self) {
        for stop in lock(&self.running).values() {
            stop.pause.cancel();
            stop.now.cancel();
        }
    }
}

/// A plan as the window shows it, with the token that starts it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StoryPlanView {
    pub token: u32,
    #[serde(flatten)]
    pub plan: StoryPlan,
}

/// What an export writes.
#[derive(Debug, Clone, Copy, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum ExportKind {
    Mp4,
    Otio,
    Fcpxml,
    Edl,
}

impl ExportKind {
    /// The file's extension and what the save dialog calls it.
    fn file(self) -> (&'static str, &'static str) {
        match self {
            Self::Mp4 => ("mp4", "MP4 video"),
            Self::Otio => ("otio", "OpenTimelineIO"),
            Self::Fcpxml => ("fcpxml", "FCPXML"),
            Self::Edl => ("edl", "EDL"),
        }
    }

    /// The export that writes this kind to `path`.
    fn to(self, path: PathBuf) -> Exports {
        let path = Some(path);
        match self {
            Self::Mp4 => Exports {
                mp4: path,
                ..Exports::default()
            },
            Self::Otio => Exports {
                otio: path,
                ..Exports::default()
            },
            Self::Fcpxml => Exports {
                fcpxml: path,
                ..Exports::default()
            },
            Self::Edl => Exports {
                edl: path,
                ..Exports::default()
            },
        }
    }
}

async fn with<T: Send + 'static>(
    library: &Arc<Library>,
    call: impl FnOnce(&Library) -> framecast_library::Result<T> + Send + 'static,
) -> IpcResult<T> {
    let library = library.clone();
    blocking(move || call(&library)).await
}

#[tauri::command]
pub async fn storyboard_list(library: State<'_, Arc<Library>>) -> IpcResult<Vec<Storyboard>> {
    with(&library, |l| l.storyboards()).await
}

#[tauri::command]
pub async fn storyboard_create(
    name: String,
    library: State<'_, Arc<Library>>,
) -> IpcResult<Storyboard> {
    with(&library, move |l| l.create_storyboard(&name)).await
}

#[tauri::command]
pub async fn storyboard_rename(
    id: String,
    name: String,
    library: State<'_, Arc<Library>>,
) -> IpcResult<()> {
    with(&library, move |l| l.rename_storyboard(&id, &name)).await
}

/// Deletes a storyboard; its jobs and videos stay in the library.
#[tauri::command]
pub async fn storyboard_delete(id: String, library: State<'_, Arc<Library>>) -> IpcResult<()> {
    with(&library, move |l| l.delete_storyboard(&id)).await
}

/// A storyboard's shots in order, with their jobs and takes.
#[tauri::command]
pub async fn storyboard_shots(
    id: String,
    library: State<'_, Arc<Library>>,
) -> IpcResult<Vec<ShotRecord>> {
    with(&library, move |l| l.shots(&id)).await
}

/// Adds a shot (before `position`, else at the end); its id.
#[tauri::command]
pub async fn shot_add(
    storyboard: String,
    draft: ShotDraft,
    position: Option<u32>,
    library: State<'_, Arc<Library>>,
) -> IpcResult<String> {
    let place = position.map_or(Place::End, Place::At);
    with(&library, move |l| l.add_shot(&storyboard, &draft, place)).await
}

/// Adds a shot made from a take of the library (the job detail's "Add to storyboard").
#[tauri::command]
pub async fn shot_add_from_take(
    storyboard: String,
    video_id: String,
    library: State<'_, Arc<Library>>,
) -> IpcResult<String> {
    with(&library, move |l| {
        l.add_shot_from_take(&storyboard, &video_id, Place::End)
    })
    .await
}

#[tauri::command]
pub async fn shot_update(
    id: String,
    draft: ShotDraft,
    library: State<'_, Arc<Library>>,
) -> IpcResult<()> {
    with(&library, move |l| l.update_shot(&id, &draft)).await
}

/// Puts the storyboard's shots in the order given (a drag in the strip).
#[tauri::command]
pub async fn shot_reorder(
    storyboard: String,
    ids: Vec<String>,
    library: State<'_, Arc<Library>>,
) -> IpcResult<()> {
    with(&library, move |l| l.reorder_shots(&storyboard, &ids)).await
}

#[tauri::command]
pub async fn shot_delete(id: String, library: State<'_, Arc<Library>>) -> IpcResult<()> {
    with(&library, move |l| l.delete_shot(&id)).await
}

/// Chooses a shot's take for the sequence; continuing shots after it may become out of date.
#[tauri::command]
pub async fn shot_choose(
    id: String,
    video_id: Option<String>,
    library: State<'_, Arc<Library>>,
) -> IpcResult<()> {
    with(&library, move |l| l.choose_take(&id, video_id.as_deref())).await
}

/// Plans generating one shot, or every shot without a take: what each sends, waits for and
/// costs, and what cannot be sent. Nothing is sent.
#[tauri::command]
pub async fn storyboard_plan(
    id: String,
    shot: Option<String>,
    app: AppHandle,
    boards: State<'_, Arc<Storyboards>>,
) -> IpcResult<StoryPlanView> {
    let library = app.state::<Arc<Library>>().inner().clone();
    let gateways = app.state::<Arc<Gateways>>().inner().clone();
    let plan = blocking(move || {
        let target = gateways.starter().target()?;
        let report = library.spend_report(chrono::Local::now())?;
        let which = shot.map_or(Which::Missing, Which::Shot);
        let spending = Spending {
            month_usd: report.month_usd,
            budget_usd: report.budget_usd,
            cap_usd: None,
        };
        storyboard::plan(&library, &id, &which, &target.prices, &spending)
    })
    .await?;
    let token = boards.planned.offer(plan.clone());
    Ok(StoryPlanView { token, plan })
}

/// Starts the plan the window shows (`token`); over the month's budget only with `confirmed`.
/// Each shot's state and its job's events go to `on_update`.
#[tauri::command]
pub async fn storyboard_generate(
    token: u32,
    confirmed: bool,
    on_update: Channel<StoryEvent>,
    app: AppHandle,
    boards: State<'_, Arc<Storyboards>>,
) -> IpcResult<()> {
    let plan = boards
        .planned
        .take(token)
        .ok_or_else(|| Error::invalid_input("plan the shots again", "请重新规划镜头"))?;
    if plan.over_budget && !confirmed {
        return Err(Error::invalid_input(
            "these shots would take this month over its budget: confirm to generate them anyway",
            "这些镜头将使本月超出预算：请确认后再生成",
        )
        .into());
    }
    run(&app, plan, on_update);
    Ok(())
}

/// Runs a plan off the runtime's workers (the run records every event in SQLite and decodes
/// pictures), each shot's state and its job's events sent to `on_update`.
fn run(app: &AppHandle, plan: StoryPlan, on_update: Channel<StoryEvent>) {
    let boards = app.state::<Arc<Storyboards>>().inner().clone();
    let stop = Stop::default();
    lock(&boards.running).insert(plan.storyboard_id.clone(), stop.clone());
    let ctx = Context {
        starter: app.state::<Arc<Gateways>>().starter(),
        save_dir: Some(app.state::<Folders>().videos()),
    };
    let started = Started::new(app.state::<Arc<Jobs>>().inner().clone());
    tauri::async_runtime::spawn_blocking(move || {
        let emit = |event: StoryEvent| {
            track(&started, &event);
            if on_update.send(event).is_err() {
                // The window is gone: start nothing more, stop what runs.
                stop.pause.cancel();
                stop.now.cancel();
            }
        };
        let ran = tauri::async_runtime::block_on(storyboard::run(&ctx, &plan, &stop, &emit));
        if let Err(e) = ran {
            tracing::error!(%e, storyboard = %plan.storyboard_id, "a storyboard run stopped");
        }
        lock(&boards.running).remove(&plan.storyboard_id);
    });
}

/// Stops a storyboard's run: no further shot starts, and running generations stop (delivered
/// videos are still saved).
#[tauri::command]
pub fn storyboard_stop(id: String, boards: State<'_, Arc<Storyboards>>) {
    if let Some(stop) = lock(&boards.running).get(&id) {
        stop.pause.cancel();
        stop.now.cancel();
    }
}

/// A shot's job counts as running work from its start to its end.
fn track(started: &Started, event: &StoryEvent) {
    match event {
        StoryEvent::Shot {
            state: RowState::Sent,
            job_id: Some(job),
            ..
        } => started.sent(job),
        StoryEvent::Job {
            job_id,
            event: Event::Finished { .. },
            ..
        } => started.ended(job_id),
        _ => {}
    }
}

/// Exports the storyboard's cut where the person chooses; where, or `None` if the dialog was
/// closed.
#[tauri::command]
pub async fn storyboard_export(
    id: String,
    kind: ExportKind,
    app: AppHandle,
    library: State<'_, Arc<Library>>,
) -> IpcResult<Option<String>> {
    let library = library.inner().clone();
    let (name, check) = (library.clone(), id.clone());
    // Refused before the dialog: a shot without a saved chosen take.
    let board = blocking(move || {
        storyboard::clips(&name, &check)?;
        name.storyboard(&check)
            .map_err(Error::from)?
            .ok_or_else(|| Error::invalid_input("no such storyboard", "没有该故事板"))
    })
    .await?;
    let (ext, label) = kind.file();
    let suggested = format!("{}.{ext}", framecast_core::naming::excerpt(&board.name));
    let Some(to) = crate::dialogs::save_as(&app, &suggested, label, ext).await else {
        return Ok(None);
    };
    let exports = kind.to(to.clone());
    blocking(move || storyboard::export(&library, &id, &exports)).await?;
    Ok(Some(to.display().to_string()))
}
