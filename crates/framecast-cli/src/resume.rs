//! `framecast-cli resume`: finishes what a Framecast that stopped — a crash, a kill, a quit with
//! downloads carried over — left unfinished. Jobs whose stream was cut are marked interrupted
//! (what arrived is kept; the request is never sent again); their unfinished downloads continue
//! from their `.part` files. Jobs still running in another process are left alone.
//!
//! `--json` prints one line per job taken over (`recovered`), the download events of each video
//! with `jobId`, and a final `resumed` summary. Exit status: 0 when every download finished,
//! 1 otherwise.

use crate::history::video_state;
use crate::output::{json_line, pick};
use clap::Args;
use framecast_core::job::Route;
use framecast_core::proxy::Proxy;
use framecast_core::task::TaskClient;
use framecast_core::{
    Controls, Credentials, DownloadPolicy, Downloader, Error, Event, JobId, Lang, Limits,
};
use framecast_library::{Keys, Library, Recorder, VideoState};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args)]
pub struct ResumeArgs {
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
enum Line<'a> {
    #[serde(rename_all = "camelCase")]
    Recovered {
        job_id: &'a str,
        was: framecast_library::JobState,
        state: framecast_library::JobState,
        downloads: usize,
    },
    #[serde(rename_all = "camelCase")]
    Resumed {
        jobs: usize,
        saved: usize,
        failed: usize,
    },
}

#[derive(Serialize)]
struct OfJob<'a> {
    #[serde(rename = "jobId")]
    job: &'a str,
    #[serde(flatten)]
    event: &'a Event,
}

/// Watches the tasks of the task route a stopped process left, and saves their videos; returns
/// how many were saved and how many were not.
async fn watch(
    library: &Arc<Library>,
    job: &framecast_library::Recovered,
    downloader: &Downloader,
    cancel: &framecast_core::CancellationToken,
    json: bool,
    lang: Lang,
) -> (usize, usize) {
    let record = &job.job;
    let key = match record.profile_id {
        Some(id) => library
            .profile_key(&Keys::new(library.dir()), id)
            .ok()
            .flatten(),
        None => None,
    }
    .or_else(|| {
        std::env::var("FRAMECAST_API_KEY")
            .ok()
            .filter(|k| !k.trim().is_empty())
            .map(|k| SecretString::from(k.trim().to_owned()))
    });
    let (Some(key), Some(base), Some(spec)) = (key, &record.base_url, record.spec()) else {
        eprintln!(
            "{}",
            pick(
                lang,
                "A task's gateway or key is no longer known: set FRAMECAST_API_KEY and run resume again.",
                "已不知道任务的网关或密钥：请设置 FRAMECAST_API_KEY 后再次运行 resume。"
            )
        );
        return (0, job.tasks.len());
    };
    let client = match TaskClient::with_proxy(
        base,
        Credentials::new(key.expose_secret(), record.auth_scheme),
        Limits::default(),
        crate::generate::task_policy(),
        &Proxy::System,
    ) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{}", e.message(lang));
            return (0, job.tasks.len());
        }
    };
    let recorder = Recorder::new(library.clone(), &spec);
    let emit = |event: Event| {
        recorder.observe(&event);
        if json {
            json_line(&OfJob {
                job: &record.id,
                event: &event,
            });
        }
    };
    let controls = Controls::new();
    let stop = controls.clone();
    let cancelled = cancel.clone();
    tokio::spawn(async move {
        cancelled.cancelled().await;
        stop.discard();
    });
    let result = framecast_core::job::run_route(
        Route::Watch(&client, &job.tasks),
        downloader,
        &spec,
        &controls,
        &emit,
    )
    .await;
    recorder.finish(&result);
    let saved = result.videos.iter().filter(|v| v.path.is_some()).count();
    (saved, job.tasks.len().saturating_sub(saved))
}

pub async fn run(args: ResumeArgs) -> ExitCode {
    let lang = Lang::from_env();
    let fail = |e: Error| {
        eprintln!("{}", e.message(lang));
        ExitCode::FAILURE
    };
    let library = match Library::open_default() {
        Ok(l) => Arc::new(l),
        Err(e) => return fail(e.into()),
    };
    let recovered = match library.recover() {
        Ok(r) => r,
        Err(e) => return fail(e.into()),
    };
    let downloader = match Downloader::new(DownloadPolicy::default()) {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let cancel = framecast_core::CancellationToken::new();
    let on_interrupt = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_interrupt.cancel();
        }
    });
    let (mut saved, mut failed) = (0, 0);
    for job in &recovered {
        let id = &job.job.id;
        if args.json {
            json_line(&Line::Recovered {
                job_id: id,
                was: job.was,
                state: job.job.state,
                downloads: job.downloads.len(),
            });
        } else {
            let prompt: String = job.job.prompt.chars().take(60).collect();
            println!(
                "{} {id} “{prompt}”: {} {}",
                pick(lang, "job", "任务"),
                job.downloads.len(),
                pick(lang, "download(s) to finish", "个下载待完成")
            );
        }
        let Ok(job_id) = JobId::parse(id) else {
            continue;
        };
        if !job.tasks.is_empty() {
            let (s, f) = watch(&library, job, &downloader, &cancel, args.json, lang).await;
            saved += s;
            failed += f;
        }
        let recorder = Recorder::resuming(library.clone(), &job_id);
        for pending in &job.downloads {
            let emit = |event: Event| {
                recorder.observe(&event);
                if args.json {
                    json_line(&OfJob {
                        job: id,
                        event: &event,
                    });
                }
            };
            let result = framecast_core::job::save_video(
                &downloader,
                &pending.origin,
                &pending.target,
                &cancel,
                &emit,
            )
            .await;
            let index = pending.origin.index;
            match result {
                Ok((path, _)) => {
                    saved += 1;
                    if !args.json {
                        println!(
                            "    {index}  {:<12} {}",
                            video_state(VideoState::Saved, lang),
                            path.display()
                        );
                    }
                }
                Err(e) => {
                    failed += 1;
                    if !args.json {
                        println!("    {index}  {}", e.message(lang));
                        println!("       {}", pending.origin.source_url);
                    }
                }
            }
        }
    }
    if args.json {
        json_line(&Line::Resumed {
            jobs: recovered.len(),
            saved,
            failed,
        });
    } else if recovered.is_empty() {
        println!(
            "{}",
            pick(lang, "Nothing to resume.", "没有需要继续的任务。")
        );
    } else {
        println!(
            "{}",
            match lang {
                Lang::En => format!("{saved} video(s) saved, {failed} not saved."),
                Lang::Zh => format!("已保存 {saved} 个视频，{failed} 个未保存。"),
            }
        );
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
