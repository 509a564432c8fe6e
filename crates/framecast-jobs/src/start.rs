//! Starting a job: checked, recorded before anything is sent, then run.
//!
//! [`begin`] refuses what could not work (the request, the frames, the downloader) before the
//! library hears of the job, then records it with the frames it sends (by content) and where they
//! came from, owned by this process, and hands back a [`Started`] job. [`Started::run`] sends it
//! and passes every event through the library's recorder before the front end sees it, so a
//! video's link is committed before anyone is shown it; its last event is always
//! [`Event::Finished`].

use crate::target::{self, Overrides, Target};
use framecast_core::frames::PreparedFrame;
use framecast_core::job::Route;
use framecast_core::options;
use framecast_core::{
    Controls, Downloader, Event, GenerationRequest, JobId, JobResult, JobSpec, Result, RouteKind,
};
use framecast_library::{Continuation, Keys, Library, NewJob, Origin, Recorder};
use std::path::PathBuf;
use std::sync::Arc;

/// What a run of many jobs starts them with: the library they are recorded in, the keys and
/// one-off settings their gateway is chosen by, and the front end starting them. Batch runs and
/// storyboards each hold one.
#[derive(Clone)]
pub struct Starter {
    pub library: Arc<Library>,
    pub keys: Arc<Keys>,
    pub overrides: Overrides,
    pub origin: Origin,
}

impl Starter {
    /// Where a job starting now goes, and with which key ([`target::resolve`]).
    pub fn target(&self) -> Result<Target> {
        target::resolve(&self.library, &self.keys, &self.overrides)
    }
}

/// What a front end asks for.
#[derive(Debug, Clone)]
pub struct Draft {
    /// Minted once per click or command line: a second start with the same id is refused.
    pub id: JobId,
    /// The request; its frames are set from [`Draft::frames`].
    pub request: GenerationRequest,
    /// The start frame, then the end frame, prepared as they are sent.
    pub frames: Vec<Arc<PreparedFrame>>,
    /// Up to three reference images, prepared as they are sent; never with frames.
    pub references: Vec<Arc<PreparedFrame>>,
    /// Which moments of which videos the frames were taken from.
    pub lineage: Vec<Continuation>,
    /// The job this one tries again.
    pub retry_of: Option<JobId>,
    /// Where the videos are saved; `None` keeps only their links.
    pub save_dir: Option<PathBuf>,
    /// What the job is part of, naming its files (a batch's row); `None` names them by time and
    /// prompt.
    pub label: Option<String>,
    pub origin: Origin,
}

/// A job recorded and ready to send.
pub struct Started {
    pub spec: JobSpec,
    target: Target,
    downloader: Downloader,
    recorder: Recorder,
}

/// Checks `draft` against `target` — the request, and the options against what the target's
/// route can carry — and records it; nothing is sent yet.
pub fn begin(library: &Arc<Library>, target: Target, draft: Draft) -> Result<Started> {
    let mut request = draft.request;
    let mut urls = draft.frames.iter().map(|f| f.data_url.clone());
    request.first_frame = urls.next();
    request.last_frame = urls.next();
    request.references = draft
        .references
        .iter()
        .map(|f| f.data_url.clone())
        .collect();
    request.options = request.options.normalized();
    let caps = &target.capabilities;
    options::check(
        &request.options,
        draft.frames.len(),
        draft.references.len(),
        caps,
    )?;
    let chosen = request.model.trim();
    // The model sent is the one recorded: on the stream its name says the options.
    request.model = match target.route() {
        RouteKind::Stream => {
            options::stream_model(chosen, &request.options, draft.references.len())?
        }
        RouteKind::Unified => caps.model_for(chosen, draft.references.len()),
        RouteKind::Task => chosen.to_owned(),
    };
    request.validate()?;
    let downloader = target.downloader()?;
    let spec = JobSpec {
        id: draft.id,
        frames_sha256: draft
            .frames
            .iter()
            .map(|f| f.facts.sha256.clone())
            .collect(),
        references_sha256: draft
            .references
            .iter()
            .map(|f| f.facts.sha256.clone())
            .collect(),
        save_dir: draft.save_dir,
        label: draft.label,
        request,
    };
    library.begin_job(&NewJob {
        spec: &spec,
        origin: draft.origin,
        gateway_host: target.host(),
        auth_scheme: target.gateway.credentials().scheme(),
        price_usd: Some(target.prices.per_video(&spec.request.model)),
        retry_of: draft.retry_of,
        frames: draft.frames.iter().map(Arc::as_ref).collect(),
        references: draft.references.iter().map(Arc::as_ref).collect(),
        route: target.route(),
        base_url: target.base_url.clone(),
        profile_id: target.profile_id,
        overall: target.limits.overall,
    })?;
    if let Err(e) = library.record_lineage(&spec.id.to_string(), &draft.lineage) {
        tracing::error!(%e, "the library could not record where a job's frames came from");
    }
    Ok(Started {
        recorder: Recorder::new(library.clone(), &spec),
        spec,
        target,
        downloader,
    })
}

impl Started {
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Sends the job and saves its videos; every event is recorded, then given to `emit`.
    pub async fn run(self, controls: &Controls, emit: &(dyn Fn(Event) + Send + Sync)) -> JobResult {
        let route = match self.target.polled() {
            Some(polled) => Route::Task(polled),
            None => Route::Stream(&self.target.gateway),
        };
        run_recorded(
            route,
            &self.downloader,
            &self.spec,
            &self.recorder,
            controls,
            emit,
        )
        .await
    }
}

/// Runs `route` for `spec`, recording every event before `emit` sees it, and the end.
pub(crate) async fn run_recorded(
    route: Route<'_>,
    downloader: &Downloader,
    spec: &JobSpec,
    recorder: &Recorder,
    controls: &Controls,
    emit: &(dyn Fn(Event) + Send + Sync),
) -> JobResult {
    let observed = |event: Event| {
        recorder.observe(&event);
        emit(event);
    };
    let result = framecast_core::job::run_route(route, downloader, spec, controls, &observed).await;
    recorder.finish(&result);
    emit(Event::finished(&result));
    result
}
