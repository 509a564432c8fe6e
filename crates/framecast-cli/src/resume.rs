//! `framecast-cli resume`: finishes what a Framecast that stopped — a crash, a kill, a quit with
//! downloads carried over — left unfinished. Jobs whose stream was cut are marked interrupted
//! (what arrived is kept; the request is never sent again); their unfinished downloads continue
//! from their `.part` files. Jobs still running in another process are left alone.
//!
//! Each job is finished with its own gateway, key and proxy: a profile's job with that profile's
//! key, a job sent with a one-off key only with that key given again (`--api-key-file`, or
//! `FRAMECAST_API_KEY`) for the same gateway.
//!
//! `--json` prints one line per job taken over (`recovered`), the download events of each video
//! with `jobId`, and a final `resumed` summary. Exit status: 0 when every download finished,
//! 1 otherwise.

use crate::history::video_state;
use crate::output::{json_line, pick};
use crate::profile::KeyArgs;
use clap::Args;
use framecast_core::text::prefix;
use framecast_core::{Controls, Error, Event, Lang};
use framecast_jobs::Overrides;
use framecast_library::{Keys, Library, VideoState};
use serde::Serialize;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args)]
pub struct ResumeArgs {
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
    /// For jobs sent with a key given for them alone: the key again (a profile's jobs use the
    /// profile's key). It is used only for jobs sent to this base URL.
    #[command(flatten)]
    key: KeyArgs,
    /// The gateway the key given here is for (default: FRAMECAST_BASE_URL, else the active
    /// profile's, else the document's gateway).
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
}

/// A line for people about one event of a resumed job.
fn said(event: &Event, lang: Lang) {
    match event {
        Event::Saved { index, path, .. } => println!(
            "    {index}  {:<12} {}",
            video_state(VideoState::Saved, lang),
            path.display()
        ),
        Event::DownloadFailed { index, error } => println!(
            "    {index}  {}",
            match lang {
                Lang::En => &error.message,
                Lang::Zh => &error.message_zh,
            }
        ),
        Event::VideoFailed {
            index: Some(index),
            reason,
        } => println!("    {index}  {reason}"),
        _ => {}
    }
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
    let keys = Keys::new(library.dir());
    let mut overrides = Overrides::from_env();
    match args.key.read() {
        Ok(Some(key)) => overrides.key = Some(key),
        Ok(None) => {}
        Err(e) => return fail(e),
    }
    if let Some(base) = &args.base_url {
        overrides.base_url = Some(base.clone());
    }
    let controls = Controls::new();
    let on_interrupt = controls.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_interrupt.discard();
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
            println!(
                "{} {id} “{}”: {} {}",
                pick(lang, "job", "任务"),
                prefix(&job.job.prompt, 60),
                job.downloads.len() + job.tasks.len(),
                pick(lang, "download(s) to finish", "个下载待完成")
            );
        }
        let emit = |event: Event| {
            if args.json {
                json_line(&OfJob {
                    job: id,
                    event: &event,
                });
            } else {
                said(&event, lang);
            }
        };
        let done = framecast_jobs::resume(&library, &keys, &overrides, job, &controls, &emit).await;
        if let (Some(e), false) = (&done.error, args.json) {
            println!("    {}", e.message(lang));
        }
        saved += done.saved;
        failed += done.failed;
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
