//! Storyboards, generated and exported: the shots the library keeps (`framecast_library::storyboards`)
//! turned into jobs through the one job path, and the chosen takes into one MP4 and editors'
//! timelines through `framecast_timeline`.
//!
//! - [`plan`]: before money, what each shot will send, what it costs (the batch plan's
//!   [`estimate`](crate::batch::plan::estimate)), what it waits for, and what cannot be sent.
//! - [`run`]: the plan's shots through [`crate::begin`], each job attached to its shot before it
//!   is sent. A shot that continues waits for the shot before it and starts from the last picture
//!   of that shot's chosen take, decoded in Rust at full size and prepared like any dropped frame,
//!   its lineage recorded. Shots that do not depend on each other run at once. Every POST is
//!   paid: nothing is sent twice, and a failed shot is never tried again by itself (nor the
//!   shots that wait for it).
//! - [`export`]: the chosen takes, cut, joined without re-encoding and exported as
//!   OpenTimelineIO, FCPXML and EDL.

use crate::batch::plan::{Spending, estimate};
use crate::batch::run::Stop;
use crate::start::{Draft, Starter};
use crate::target::Target;
use framecast_core::frames::{self, FrameOptions, FrameSource, ModelAspect, PreparedFrame};
use framecast_core::price::PriceTable;
use framecast_core::request::model_problem;
use framecast_core::{Controls, Error, Event, GenerationRequest, JobId, Result, Text};
use framecast_library::{Library, RowState, ShotRecord, Slot, VideoMoment};
use framecast_timeline::{ClipSpec, JoinReport, Timeline, edl, fcpxml, otio, sidecar};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Which shots to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Which {
    /// This shot.
    Shot(String),
    /// Every shot with no take yet and no job running.
    Missing,
}

/// One shot as it will be sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ShotPlan {
    pub shot_id: String,
    /// From 1.
    pub position: u32,
    pub model: String,
    pub n: u8,
    /// USD per delivered video at the profile's prices.
    pub price_usd: f64,
    /// Starts from the last picture of this shot's chosen take (its position).
    pub continues_from: Option<u32>,
    /// Waits for that shot, which is generated first in the same run.
    pub waits: bool,
    /// Why it cannot be sent, if it cannot (English, Chinese).
    pub problem: Option<String>,
    pub problem_zh: Option<String>,
}

/// The plan of a storyboard's generation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StoryPlan {
    pub storyboard_id: String,
    pub shots: Vec<ShotPlan>,
    /// Shots that will be sent.
    pub sendable: u32,
    pub videos: u32,
    /// What they cost if every video arrives (each is charged).
    pub estimate_usd: f64,
    pub month_usd: f64,
    pub budget_usd: Option<f64>,
    pub over_budget: bool,
}

/// What a generation tells its watcher.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum StoryEvent {
    /// A shot moved on: `sent` (its job recorded and attached), then how it ended, or `skipped`.
    #[serde(rename_all = "camelCase")]
    Shot {
        shot_id: String,
        state: RowState,
        job_id: Option<String>,
        problem: Option<String>,
        problem_zh: Option<String>,
    },
    /// One of a shot's job's events.
    #[serde(rename_all = "camelCase")]
    Job {
        shot_id: String,
        job_id: String,
        event: Event,
    },
}

/// Plans generating `which` of `storyboard`'s shots at `prices`. Nothing is sent or recorded.
pub fn plan(
    library: &Library,
    storyboard: &str,
    which: &Which,
    prices: &PriceTable,
    spending: &Spending,
) -> Result<StoryPlan> {
    let shots = library.shots(storyboard)?;
    let chosen: Vec<&ShotRecord> = match which {
        Which::Shot(id) => shots.iter().filter(|s| &s.id == id).collect(),
        Which::Missing => shots.iter().filter(|s| missing(s)).collect(),
    };
    if let (Which::Shot(id), true) = (which, chosen.is_empty()) {
        return Err(framecast_library::LibraryError::NotFound(format!("shot {id}")).into());
    }
    let mut planned: Vec<ShotPlan> = Vec::with_capacity(chosen.len());
    for shot in chosen {
        let previous = continues(shot).then(|| &shots[shot.position as usize - 2]);
        let waits_on = previous.and_then(|p| planned.iter().find(|q| q.shot_id == p.id));
        let problem = problem_of(library, shot, previous, waits_on);
        planned.push(ShotPlan {
            shot_id: shot.id.clone(),
            position: shot.position,
            model: shot.draft.model.clone(),
            n: shot.draft.n,
            price_usd: prices.per_video(&shot.draft.model),
            continues_from: previous.map(|p| p.position),
            waits: waits_on.is_some(),
            problem_zh: problem.as_ref().map(|p| p.zh.clone()),
            problem: problem.map(|p| p.en),
        });
    }
    let sendable: Vec<&ShotPlan> = planned.iter().filter(|s| s.problem.is_none()).collect();
    let estimate_usd = estimate(sendable.iter().map(|s| (s.price_usd, s.n)));
    Ok(StoryPlan {
        storyboard_id: storyboard.to_owned(),
        sendable: u32::try_from(sendable.len()).unwrap_or(u32::MAX),
        videos: sendable.iter().map(|s| u32::from(s.n)).sum(),
        estimate_usd,
        month_usd: spending.month_usd,
        budget_usd: spending.budget_usd,
        over_budget: spending.over_budget(estimate_usd),
        shots: planned,
    })
}

/// A shot with no take and no job still running.
fn missing(shot: &ShotRecord) -> bool {
    shot.chosen.is_none()
        && shot.takes.is_empty()
        && !shot
            .jobs
            .iter()
            .any(|j| RowState::of_job(j.state).is_none())
}

/// Whether a shot starts from the previous shot's take (the first shot has none to start from).
fn continues(shot: &ShotRecord) -> bool {
    shot.draft.continues && shot.position > 1
}

fn problem_of(
    library: &Library,
    shot: &ShotRecord,
    previous: Option<&ShotRecord>,
    waits_on: Option<&ShotPlan>,
) -> Option<Text> {
    let n = shot.position;
    let draft = &shot.draft;
    if draft.prompt.trim().is_empty() && draft.start_frame.is_none() && previous.is_none() {
        return Some(Text::new(
            format!("shot {n} has no prompt and no start frame"),
            format!("镜头 {n} 没有提示词也没有开始帧"),
        ));
    }
    if model_problem(&draft.model).is_some() {
        return Some(Text::new(
            format!("shot {n}: “{}” is not a model name", draft.model),
            format!("镜头 {n}：“{}”不是有效的模型名称", draft.model),
        ));
    }
    let own_start = draft.start_frame.as_ref().filter(|_| previous.is_none());
    for sha in own_start.into_iter().chain(&draft.end_frame) {
        if library.frame(sha).is_err() {
            return Some(Text::new(
                format!("shot {n}: a frame it uses is no longer in the library"),
                format!("镜头 {n}：它使用的一帧已不在资料库中"),
            ));
        }
    }
    if draft.end_frame.is_some() && own_start.is_none() && previous.is_none() {
        return Some(Text::new(
            format!("shot {n}: an end frame needs a start frame"),
            format!("镜头 {n}：设置结束帧之前需要先设置开始帧"),
        ));
    }
    let previous = previous?;
    let p = previous.position;
    match waits_on {
        Some(w) if w.problem.is_some() => Some(Text::new(
            format!("shot {n} continues from shot {p}, which cannot be sent"),
            format!("镜头 {n} 接续镜头 {p}，而镜头 {p} 无法发送"),
        )),
        Some(_) => None,
        None => match previous.chosen.as_deref().map(|v| library.video(v)) {
            None => Some(Text::new(
                format!("shot {n} continues from shot {p}, which has no chosen take"),
                format!("镜头 {n} 接续镜头 {p}，但镜头 {p} 还没有选定的版本"),
            )),
            Some(Ok(v)) if v.file().is_some() => None,
            Some(_) => Some(Text::new(
                format!("shot {n} continues from shot {p}, whose chosen take is not saved here"),
                format!("镜头 {n} 接续镜头 {p}，但镜头 {p} 选定的版本未保存在本机"),
            )),
        },
    }
}

/// What a storyboard's generation runs with.
pub struct Context {
    pub starter: Starter,
    /// Where the videos are saved; `None` keeps only their links.
    pub save_dir: Option<PathBuf>,
}

/// Sends the plan's sendable shots, each through the one job path, and reports each shot's
/// state and its job's events (recorded first) to `emit`. Shots that continue from a shot in the
/// same run wait for it; the others run at once. `stop.pause` starts no further shot (the
/// running ones finish); `stop.now` also stops their generations.
pub async fn run(
    ctx: &Context,
    plan: &StoryPlan,
    stop: &Stop,
    emit: &(dyn Fn(StoryEvent) + Send + Sync),
) -> Result<()> {
    let controls = Controls::new();
    let (now, mine) = (stop.now.clone(), controls.clone());
    let watch = tokio::spawn(async move {
        now.cancelled().await;
        mine.cancel();
    });
    let controls = &controls;
    let target = ctx.starter.target()?;
    let name = ctx
        .starter
        .library
        .storyboard(&plan.storyboard_id)?
        .map_or_else(|| "Storyboard".to_owned(), |b| b.name);
    // Chains: a shot that does not wait, and the shots that wait on it, one after another.
    let mut chains: Vec<Vec<&ShotPlan>> = Vec::new();
    for shot in &plan.shots {
        if shot.problem.is_some() {
            skip(emit, shot, None);
            continue;
        }
        match chains.last_mut() {
            Some(chain) if shot.waits => chain.push(shot),
            _ => chains.push(vec![shot]),
        }
    }
    let mut running: FuturesUnordered<_> = chains
        .into_iter()
        .map(|chain| {
            let (target, name) = (target.clone(), name.as_str());
            async move {
                let mut broken: Option<u32> = None;
                for shot in chain {
                    if let Some(p) = broken {
                        skip(emit, shot, Some(p));
                        continue;
                    }
                    if stop.pause.is_cancelled() || stop.now.is_cancelled() {
                        skip(emit, shot, None);
                        broken = Some(shot.position);
                        continue;
                    }
                    let made = send(ctx, target.clone(), name, shot, controls, emit).await;
                    if !made {
                        broken = Some(shot.position);
                    }
                }
            }
        })
        .collect();
    while running.next().await.is_some() {}
    watch.abort();
    Ok(())
}

fn skip(emit: &(dyn Fn(StoryEvent) + Send + Sync), shot: &ShotPlan, after: Option<u32>) {
    let why = match (after, &shot.problem) {
        (Some(p), _) => Text::new(
            format!("not sent: shot {p} made no take to continue from"),
            format!("未发送：镜头 {p} 没有可接续的版本"),
        ),
        (None, Some(problem)) => {
            Text::new(problem.clone(), shot.problem_zh.clone().unwrap_or_default())
        }
        (None, None) => Text::new("not sent: stopped", "未发送：已停止"),
    };
    emit(StoryEvent::Shot {
        shot_id: shot.shot_id.clone(),
        state: RowState::Skipped,
        job_id: None,
        problem: Some(why.en),
        problem_zh: Some(why.zh),
    });
}

/// Prepares, records, attaches and sends one shot; whether it left a chosen take.
async fn send(
    ctx: &Context,
    target: Target,
    name: &str,
    planned: &ShotPlan,
    controls: &Controls,
    emit: &(dyn Fn(StoryEvent) + Send + Sync),
) -> bool {
    let library = &ctx.starter.library;
    let shot_id = planned.shot_id.clone();
    let fail = |job: Option<&str>, e: &Error| {
        let why = e.messages();
        emit(StoryEvent::Shot {
            shot_id: shot_id.clone(),
            state: RowState::Failed,
            job_id: job.map(str::to_owned),
            problem: Some(why.en),
            problem_zh: Some(why.zh),
        });
        false
    };
    // Read now: the shot before may have just chosen its take.
    let shot = match library.shot(&shot_id) {
        Ok(s) => s,
        Err(e) => return fail(None, &e.into()),
    };
    let (frames, lineage) = match frames_of(library, &shot, controls).await {
        Ok(f) => f,
        Err(e) => return fail(None, &e),
    };
    let id = JobId::new();
    let job_id = id.to_string();
    let draft = Draft {
        id,
        request: GenerationRequest {
            prompt: shot.draft.prompt.clone(),
            model: shot.draft.model.clone(),
            n: shot.draft.n,
            options: shot.draft.options.clone(),
            ..GenerationRequest::text("")
        },
        frames,
        references: Vec::new(),
        lineage,
        retry_of: None,
        save_dir: ctx.save_dir.clone(),
        label: Some(format!("{name} {:02}", shot.position)),
        origin: ctx.starter.origin,
    };
    let started = match crate::begin(library, target, draft) {
        Ok(s) => s,
        Err(e) => return fail(None, &e),
    };
    // Recorded before it is sent: after a crash the shot still knows its job.
    if let Err(e) = library.attach_job(&shot_id, &job_id) {
        tracing::error!(%e, "the library could not attach a job to its shot");
    }
    emit(StoryEvent::Shot {
        shot_id: shot_id.clone(),
        state: RowState::Sent,
        job_id: Some(job_id.clone()),
        problem: None,
        problem_zh: None,
    });
    let on = |event: Event| {
        emit(StoryEvent::Job {
            shot_id: shot_id.clone(),
            job_id: job_id.clone(),
            event,
        })
    };
    // The recorder settles the shot when the job ends (its first saved take, if none is chosen).
    let result = started.run(controls, &on).await;
    let state = RowState::of_job(result.state).unwrap_or(RowState::Failed);
    let why = result.error.as_ref().map(Error::messages);
    emit(StoryEvent::Shot {
        shot_id: shot_id.clone(),
        state,
        job_id: Some(job_id.clone()),
        problem: why.as_ref().map(|w| w.en.clone()),
        problem_zh: why.map(|w| w.zh),
    });
    library
        .shot(&shot_id)
        .ok()
        .and_then(|s| s.chosen_take().map(|t| t.state))
        == Some(framecast_library::VideoState::Saved)
}

/// The frames a shot sends and where they came from: for a shot that continues, the last picture
/// of the previous shot's chosen take (and its own end frame); otherwise its own frames.
async fn frames_of(
    library: &Arc<Library>,
    shot: &ShotRecord,
    controls: &Controls,
) -> Result<(
    Vec<Arc<PreparedFrame>>,
    Vec<framecast_library::Continuation>,
)> {
    let stored = |sha: &String| library.frame(sha).map(Arc::new).map_err(Error::from);
    let end = shot.draft.end_frame.as_ref().map(stored).transpose()?;
    if !continues(shot) {
        let start = shot.draft.start_frame.as_ref().map(stored).transpose()?;
        return Ok((start.into_iter().chain(end).collect(), Vec::new()));
    }
    let shots = library.shots(&shot.storyboard_id)?;
    let previous = &shots[shot.position as usize - 2];
    let take = previous
        .chosen
        .as_deref()
        .map(|v| library.video(v))
        .transpose()?
        .filter(|v| v.file().is_some())
        .ok_or_else(|| {
            let p = previous.position;
            Error::invalid_input(
                format!("shot {p} has no saved chosen take to continue from"),
                format!("镜头 {p} 没有已保存的选定版本可供接续"),
            )
        })?;
    let file = take.path.clone().unwrap_or_default();
    let (png, at_ms) = tokio::task::spawn_blocking(move || {
        let picture = framecast_timeline::last_frame::last_picture(&file)?;
        Ok::<_, Error>((picture.png()?, picture.at_ms))
    })
    .await
    .map_err(|e| {
        Error::internal(
            Text::new("decoding the last picture stopped", "解码最后一帧时中断"),
            &e,
        )
    })??;
    let options = FrameOptions {
        model_aspect: shot
            .draft
            .options
            .aspect
            .or_else(|| ModelAspect::of_model(&shot.draft.model))
            .unwrap_or(ModelAspect::Portrait),
        ..FrameOptions::default()
    };
    let start = frames::prepare(
        FrameSource::Bytes(png.into()),
        &options,
        controls.generation(),
    )
    .await?;
    let source = library.continuation(
        Slot::Start,
        &VideoMoment {
            video_id: take.id.clone(),
            at_ms,
        },
    )?;
    Ok((
        std::iter::once(Arc::new(start)).chain(end).collect(),
        vec![source],
    ))
}

/// Where an export writes; each is optional.
#[derive(Debug, Clone, Default)]
pub struct Exports {
    /// The chosen takes joined into one MP4, without re-encoding.
    pub mp4: Option<PathBuf>,
    pub otio: Option<PathBuf>,
    pub fcpxml: Option<PathBuf>,
    pub edl: Option<PathBuf>,
    /// Each shot's file, cut, prompt and job id as JSON.
    pub shots: Option<PathBuf>,
}

/// What an export made.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Exported {
    pub joined: Option<JoinReport>,
    pub written: Vec<PathBuf>,
}

/// The storyboard's cut: each shot's chosen take, saved, with its in and out points. A shot
/// without one is refused by number, so an export never leaves a shot out silently.
pub fn clips(library: &Library, storyboard: &str) -> Result<Vec<ClipSpec>> {
    let shots = library.shots(storyboard)?;
    if shots.is_empty() {
        return Err(Error::invalid_input(
            "the storyboard has no shots",
            "故事板中没有镜头",
        ));
    }
    shots
        .iter()
        .map(|shot| {
            let n = shot.position;
            let video = shot
                .chosen
                .as_deref()
                .map(|v| library.video(v))
                .transpose()?
                .ok_or_else(|| {
                    Error::invalid_input(
                        format!("shot {n} has no chosen take"),
                        format!("镜头 {n} 还没有选定的版本"),
                    )
                })?;
            let path = video.file().map(Path::to_path_buf).ok_or_else(|| {
                Error::invalid_input(
                    format!("shot {n}'s chosen take is not saved on this computer"),
                    format!("镜头 {n} 选定的版本未保存在本机"),
                )
            })?;
            let seconds = |ms: Option<u64>| ms.map(|v| v as f64 / 1000.0);
            Ok(ClipSpec {
                path,
                in_point: seconds(shot.draft.in_ms),
                out_point: seconds(shot.draft.out_ms),
                prompt: Some(shot.draft.prompt.clone()),
                job_id: Some(video.job_id.clone()),
            })
        })
        .collect()
}

/// Writes one kind of export of a timeline.
type Render = fn(&Timeline) -> Result<String>;

/// Exports `storyboard`'s cut where `to` says; nothing is written when a shot is refused.
pub fn export(library: &Library, storyboard: &str, to: &Exports) -> Result<Exported> {
    let name = library
        .storyboard(storyboard)?
        .ok_or_else(|| {
            Error::from(framecast_library::LibraryError::NotFound(format!(
                "storyboard {storyboard}"
            )))
        })?
        .name;
    let specs = clips(library, storyboard)?;
    let probes = framecast_timeline::probe_all(&specs)?;
    let timeline = Timeline::new(name, &specs, &probes)?;
    let joined = to
        .mp4
        .as_ref()
        .map(|out| framecast_timeline::join(&specs, &probes, out))
        .transpose()?;
    let mut written = Vec::new();
    let texts: [(&Option<PathBuf>, Render); 4] = [
        (&to.otio, |t| Ok(otio::to_string(t))),
        (&to.fcpxml, |t| Ok(fcpxml::to_string(t))),
        (&to.edl, edl::to_string),
        (&to.shots, |t| Ok(sidecar::to_string(t))),
    ];
    for (path, text) in texts {
        if let Some(path) = path {
            framecast_timeline::write_export(path, &text(&timeline)?)?;
            written.push(path.clone());
        }
    }
    Ok(Exported { joined, written })
}
