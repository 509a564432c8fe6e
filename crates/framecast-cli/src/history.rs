//! `framecast-cli history`: the library's jobs, newest first, with their videos — every URL, where
//! each file is, and what became of each download. `--json` prints one job per line. The filters
//! are the library view's: prompt text, model, a start date, favourites.

use crate::output::{json_line, pick};
use clap::Args;
use framecast_core::text::{prefix, visible};
use framecast_core::{Error, Lang};
use framecast_library::{JobRecord, JobState, Library, LibraryFilter, VideoRecord, VideoState};
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
    /// Only jobs with a take marked as a favourite.
    #[arg(long, alias = "favorites")]
    favourites: bool,
    /// Only jobs of this model.
    #[arg(long, value_name = "NAME")]
    model: Option<String>,
    /// Only jobs started on or after this day (YYYY-MM-DD, local time).
    #[arg(long, value_name = "DATE", value_parser = since)]
    since: Option<i64>,
}

pub fn run(args: &HistoryArgs) -> ExitCode {
    let lang = Lang::from_env();
    let jobs = Library::open_default().and_then(|library| list(&library, args));
    let jobs = match jobs {
        Ok(jobs) => jobs,
        Err(e) => {
            eprintln!("{}", Error::from(e).message(lang));
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

fn list(library: &Library, args: &HistoryArgs) -> framecast_library::Result<Vec<JobRecord>> {
    if !args.favourites && args.model.is_none() && args.since.is_none() {
        return match &args.search {
            Some(text) => library.search(text, args.limit),
            None => library.recent(args.limit, None),
        };
    }
    let filter = LibraryFilter {
        text: args.search.clone(),
        model: args.model.clone(),
        since: args.since,
        favourites: args.favourites,
        ..LibraryFilter::default()
    };
    let limit = u32::try_from(args.limit).unwrap_or(u32::MAX);
    let page = library.browse(&filter, 0, limit)?;
    let mut jobs = Vec::with_capacity(page.items.len());
    for item in page.items {
        let id = framecast_core::JobId::parse(&item.id)
            .map_err(framecast_library::LibraryError::Invalid)?;
        jobs.extend(library.job(&id)?);
    }
    Ok(jobs)
}

/// `YYYY-MM-DD` as the Unix milliseconds of that local midnight.
pub fn since(text: &str) -> Result<i64, String> {
    use chrono::TimeZone;
    let day = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        format!("{text:?} is not a date like 2026-03-31 (不是形如 2026-03-31 的日期)")
    })?;
    chrono::Local
        .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map(|t| t.timestamp_millis())
        .ok_or_else(|| format!("{text:?} has no local midnight"))
}

fn print_job(job: &JobRecord, lang: Lang) {
    let when = chrono::DateTime::from_timestamp_millis(job.created_at)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default();
    // Stored text is shown, never obeyed: a library written before gateway text was made visible
    // may still hold a terminal escape.
    let prompt = visible(prefix(&job.prompt, 70));
    println!(
        "{when}  {:<12} {:<26} {}/{}  {prompt}",
        job_state(job.state, lang),
        visible(&job.model),
        job.videos.len(),
        job.n
    );
    println!("    {}", job.id);
    let options = job.options.summary();
    let references = match job.references.len() {
        0 => String::new(),
        n => pick(
            lang,
            &format!("{n} reference image(s)"),
            &format!("{n} 张参考图"),
        )
        .to_owned(),
    };
    let said: Vec<&str> = [
        (job.route != framecast_core::RouteKind::Stream).then_some(job.route.as_str()),
        (!options.is_empty()).then_some(options.as_str()),
        (!references.is_empty()).then_some(references.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !said.is_empty() {
        println!("    {}", visible(&said.join(" · ")));
    }
    for video in &job.videos {
        print_video(video, lang);
    }
    if let Some(error) = &job.error {
        println!(
            "    {}",
            visible(pick(lang, &error.message, &error.message_zh))
        );
    }
}

fn print_video(video: &VideoRecord, lang: Lang) {
    let place = match (&video.path, video.state) {
        (Some(path), VideoState::Saved | VideoState::Downloading) => path.display().to_string(),
        _ => video.url.clone(),
    };
    println!(
        "    {}  {:<12} {}",
        video.index,
        video_state(video.state, lang),
        visible(&place)
    );
    if video.state != VideoState::Saved {
        println!("       {}", visible(&video.url));
    }
    if let Some(error) = &video.error {
        println!(
            "       {}",
            visible(pick(lang, &error.message, &error.message_zh))
        );
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
