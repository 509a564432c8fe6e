//! What a process that stopped left unfinished — a crash, a kill, a quit with downloads carried
//! over — finished by this one, job by job: the tasks of the task route and of the create/query
//! dialect watched again (each on its own route) and the
//! unfinished downloads continued from their `.part` files, each with the job's own gateway, key
//! and proxy ([`crate::target::for_job`]). A generation request is never sent again.
//!
//! One job's trouble is its own: a job whose key is no longer known is said so and left for a
//! later start (until its deadline, when its tasks are given up), and every other job is still
//! recovered.

use crate::start::run_recorded;
use crate::target::{self, Overrides};
use framecast_core::job::{Polled, Route};
use framecast_core::{
    Controls, DownloadPolicy, Downloader, Error, ErrorKind, Event, JobId, JobResult, JobState, Text,
};
use framecast_library::{Keys, Library, Recorder, Recovered};
use std::sync::Arc;

/// What resuming one job came to.
#[derive(Debug, Default)]
pub struct Resumed {
    /// Videos saved.
    pub saved: usize,
    /// Videos (or tasks) that were not.
    pub failed: usize,
    /// Why the job's tasks could not be watched, when they could not.
    pub error: Option<Error>,
}

/// Finishes job `job`; its events, recorded first, go to `emit`. `controls` stop it as they
/// stop a running job (cancelling stops the watch, discarding the downloads too).
pub async fn resume(
    library: &Arc<Library>,
    keys: &Keys,
    overrides: &Overrides,
    job: &Recovered,
    controls: &Controls,
    emit: &(dyn Fn(Event) + Send + Sync),
) -> Resumed {
    let mut resumed = Resumed::default();
    let target = target::for_job(library, keys, overrides, &job.job);
    let downloader = match target.as_ref().map(crate::Target::downloader) {
        Ok(Ok(d)) => d,
        _ => match Downloader::new(DownloadPolicy::default()) {
            Ok(d) => d,
            Err(e) => {
                resumed.error = Some(e);
                return resumed;
            }
        },
    };
    if !job.tasks.is_empty() {
        match target.as_ref().map(crate::Target::polled) {
            Ok(Some(tasks)) => {
                let result = watch(library, tasks, &downloader, job, controls, emit).await;
                resumed.saved += result.videos.iter().filter(|v| v.path.is_some()).count();
                resumed.failed += job.tasks.len().saturating_sub(result.videos.len());
            }
            Ok(None) => {}
            Err(e) => {
                resumed.failed += job.tasks.len();
                resumed.error = Some(e.clone());
                unwatchable(library, job, e, emit);
            }
        }
    }
    let Ok(id) = JobId::parse(&job.job.id) else {
        return resumed;
    };
    let recorder = Recorder::resuming(library.clone(), &id);
    let observed = |event: Event| {
        recorder.observe(&event);
        emit(event);
    };
    for pending in &job.downloads {
        let saved = framecast_core::job::save_video(
            &downloader,
            &pending.origin,
            &pending.target,
            controls.downloads(),
            &observed,
        )
        .await;
        match saved {
            Ok(_) => resumed.saved += 1,
            Err(_) => resumed.failed += 1,
        }
    }
    resumed
}

/// Watches the job's tasks again for what is left of its time, and saves their videos.
async fn watch(
    library: &Arc<Library>,
    tasks: Polled<'_>,
    downloader: &Downloader,
    job: &Recovered,
    controls: &Controls,
    emit: &(dyn Fn(Event) + Send + Sync),
) -> JobResult {
    let Some(spec) = job.job.spec() else {
        return JobResult::failed(job.job.n, Error::new(ErrorKind::Internal));
    };
    let recorder = Recorder::new(library.clone(), &spec);
    run_recorded(
        Route::Watch(tasks, &job.tasks, job.job.time_left()),
        downloader,
        &spec,
        &recorder,
        controls,
        emit,
    )
    .await
}

/// Tasks that cannot be watched (no key for them): said, and once the job's time is gone,
/// given up, so no later start asks after them again.
fn unwatchable(
    library: &Arc<Library>,
    job: &Recovered,
    error: &Error,
    emit: &(dyn Fn(Event) + Send + Sync),
) {
    let Some(spec) = job.job.spec() else {
        return;
    };
    let recorder = Recorder::new(library.clone(), &spec);
    let say = |event: Event| {
        recorder.observe(&event);
        emit(event);
    };
    say(Event::Status {
        phase: None,
        text: Some(error.message(framecast_core::Lang::En)),
    });
    if !job.job.time_left().is_zero() {
        return;
    }
    for (index, id) in &job.tasks {
        say(Event::VideoFailed {
            index: Some(*index),
            reason: format!(
                "task {index} was given up at the job's deadline without being asked after (task id {id})"
            ),
        });
    }
    let mut result = JobResult::failed(
        job.job.n,
        Error::new(ErrorKind::Timeout).detail(Text::new(
            "the job's time ran out before its tasks could be asked after again",
            "任务的时间已用完，未能再次查询其任务",
        )),
    );
    if job.job.delivered > 0 {
        result.state = JobState::Partial;
    }
    recorder.finish(&result);
    emit(Event::finished(&result));
}
