//! `framecast-cli history`: the library's jobs, newest first, with their videos — every URL, where
//! each file is, and what became of each download. `--json` prints one job per line.

use crate::output::{json_line, pick};
use clap::Args;
use framecast_core::Lang;
use framecast_library::{JobRecord, JobState, Library, VideoRecord, VideoState};
use std::process::ExitCode;

#[derive(Args)]
pub struct HistoryArgs {
    /// One JSON object per job, per line.
    #[arg(long)]
    json: bool,
    /// How many jobs to list.
    #[arg(long, value_name = "N", default_value_t = 20)]
    limit: usize,
    /// Only jobs whose prompt contains this text.
    #[arg(long, value_name = "TEXT")]
    search: Option<String>,
}

pub fn run(args: &HistoryArgs) -> ExitCode {
    let lang = Lang::from_env();
    let jobs = Library::open_default().and_then(|library| match &args.search {
        Some(text) => library.search(text, args.limit),
        None => library.recent(args.limit, None),
    });
    let jobs = match jobs {
        Ok(jobs) => jobs,
        Err(e) => {
            eprintln!("{}", framecast_core::Error::from(e).message(lang));
            return ExitCode::FAILURE;
        }
    };
    for job in &jobs {
        if args.json {
            json_line(job);
        } else {
            print_job(job, lang);
        }
    }
    if !args.json && jobs.is_empty() {
        eprintln!("{}", pick(lang, "No jobs yet.", "还没有任务。"));
    }
    ExitCode::SUCCESS
}

fn print_job(job: &JobRecord, lang: Lang) {
    let when = chrono::DateTime::from_timestamp_millis(job.created_at)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default();
    let prompt: String = job.prompt.chars().take(70).collect();
    println!(
        "{when}  {:<12} {:<26} {}/{}  {prompt}",
        job_state(job.state, lang),
        job.model,
        job.videos.len(),
        job.n
    );
    println!("    {}", job.id);
    for video in &job.videos {
        print_video(video, lang);
    }
    if let Some(error) = &job.error {
        println!("    {}", pick(lang, &error.message, &error.message_zh));
    }
}

fn print_video(video: &VideoRecord, lang: Lang) {
    let place = match (&video.path, video.state) {
        (Some(path), VideoState::Saved | VideoState::Downloading) => path.display().to_string(),
        _ => video.url.clone(),
    };
    println!(
        "    {}  {:<12} {place}",
        video.index,
        video_state(video.state, lang)
    );
    if video.state != VideoState::Saved {
        println!("       {}", video.url);
    }
    if let Some(error) = &video.error {
        println!("       {}", pick(lang, &error.message, &error.message_zh));
    }
}

fn job_state(state: JobState, lang: Lang) -> &'static str {
    let (en, zh) = match state {
        JobState::Running => ("running", "生成中"),
        JobState::Downloading => ("downloading", "下载中"),
        JobState::Done => ("done", "完成"),
        JobState::Partial => ("partial", "部分完成"),
        JobState::Failed => ("failed", "失败"),
        JobState::Cancelled => ("cancelled", "已取消"),
        JobState::Interrupted => ("interrupted", "已中断"),
        JobState::Unknown => ("unknown", "结果未知"),
    };
    pick(lang, en, zh)
}

pub fn video_state(state: VideoState, lang: Lang) -> &'static str {
    let (en, zh) = match state {
        VideoState::Downloading => ("downloading", "下载中"),
        VideoState::Saved => ("saved", "已保存"),
        VideoState::Failed => ("not saved", "未保存"),
        VideoState::Expired => ("expired", "链接失效"),
        VideoState::Discarded => ("discarded", "已丢弃"),
        VideoState::LinkOnly => ("link only", "仅链接"),
    };
    pick(lang, en, zh)
}
