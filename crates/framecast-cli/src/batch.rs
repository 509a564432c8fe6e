//! `framecast-cli batch FILE`: a file of prompts as a queue, planned before any money is spent,
//! recorded before anything is sent, and continued — never sent twice — when the same command
//! runs again on the same file after a kill, a crash or Ctrl-C.
//!
//! With `--json`, stdout carries one JSON object per line: the `plan`, each row's state changes
//! (`row`), each row's job events (with `row` and `jobId`), a `waiting` line when the gateway
//! refused a row before starting it, and a final `summary`. Exit status: 0 when every row
//! succeeded, 2 when the plan was refused (nothing was sent), 130 when interrupted, 1 otherwise.

use crate::gateway::{GatewayArgs, RouteArgs};
use crate::output::{json_line, pick};
use clap::Args;
use framecast_core::request::DEFAULT_MODEL;
use framecast_core::{Error, Event, Lang};
use framecast_jobs::Starter;
use framecast_jobs::batch::plan::{Defaults, Plan};
use framecast_jobs::batch::run::{self, Context, Ended, Stop};
use framecast_jobs::batch::{self, BatchEvent, Source, results};
use framecast_library::{Keys, Library, Origin, RowState};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args)]
pub struct BatchArgs {
    /// The batch: a CSV with a header (prompt, first, last, model, count, name), JSON Lines with
    /// the same keys, or text with one prompt per line. Frame paths are relative to the file.
    file: PathBuf,
    /// At most this many jobs at once.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=16))]
    concurrency: u8,
    /// The most this batch may spend, in US dollars; a row that would pass it is not started.
    /// Needed to go over the monthly budget.
    #[arg(long, value_name = "USD")]
    max_spend: Option<f64>,
    /// Print the plan and send nothing.
    #[arg(long)]
    dry_run: bool,
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
    /// Where the videos and the results go (default: a folder named after the file, beside it).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Start over, even when this file has an unfinished batch (which is otherwise continued).
    #[arg(long)]
    new: bool,
    /// The model of rows that name none.
    #[arg(long, default_value = DEFAULT_MODEL)]
    model: String,
    /// Videos per row, for rows that say nothing (1–4; each one is charged).
    #[arg(short = 'n', long = "count", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=4))]
    n: u8,
    #[command(flatten)]
    gateway: GatewayArgs,
    #[command(flatten)]
    route: RouteArgs,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
enum Line<'a> {
    #[serde(rename_all = "camelCase")]
    Plan {
        batch_id: Option<&'a str>,
        #[serde(flatten)]
        plan: &'a Plan,
    },
    #[serde(rename_all = "camelCase")]
    Continued {
        batch_id: &'a str,
        not_sent_again: &'a [u32],
    },
    #[serde(rename_all = "camelCase")]
    Summary {
        batch_id: &'a str,
        rows: u32,
        done: u32,
        partial: u32,
        failed: u32,
        skipped: u32,
        waiting: u32,
        spent_usd: f64,
        results_csv: Option<String>,
        results_jsonl: Option<String>,
    },
}

/// A job's event with the row it belongs to.
#[derive(Serialize)]
struct OfRow<'a> {
    row: u32,
    #[serde(rename = "jobId")]
    job_id: &'a str,
    #[serde(flatten)]
    event: &'a Event,
}

pub async fn run(args: BatchArgs) -> ExitCode {
    let lang = Lang::from_env();
    match batch_run(&args, lang).await {
        Ok(code) => code,
        Err(e) => {
            let code = if e.kind() == framecast_core::ErrorKind::InvalidInput {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            };
            if args.json {
                json_line(
                    &serde_json::json!({"type": "error", "error": framecast_core::ErrorReport::from(&e)}),
                );
            }
            eprintln!("{}", e.message(lang));
            code
        }
    }
}

async fn batch_run(args: &BatchArgs, lang: Lang) -> Result<ExitCode, Error> {
    let library = Arc::new(Library::open_default()?);
    let keys = Arc::new(Keys::new(library.dir()));
    library.move_proxy_passwords(&keys)?;
    let starter = Starter {
        library: library.clone(),
        keys,
        overrides: args.route.overrides(&args.gateway)?,
        origin: Origin::Cli,
    };
    let target = starter.target()?;
    let defaults = Defaults {
        model: args.model.trim().to_owned(),
        count: args.n,
    };
    let prepared = batch::prepare(
        &library,
        &target,
        Source::File(args.file.clone()),
        defaults,
        args.max_spend,
    )?;
    let plan = &prepared.plan;
    let out_dir = args.out.clone().unwrap_or_else(|| {
        let dir = args.file.parent().unwrap_or(Path::new("."));
        dir.join(&prepared.name)
    });
    say_plan(args, lang, plan);
    if args.dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    refuse_over(plan, args.max_spend)?;
    let request = batch::Request {
        concurrency: args.concurrency,
        cap_usd: args.max_spend,
        out_dir: Some(&out_dir),
        new: args.new,
    };
    let opened = batch::open(&library, &prepared, &request)?;
    let id = opened.batch.id.clone();
    if let Some(sent) = &opened.continued {
        say_continued(args, lang, &id, sent);
    }
    let ctx = Context {
        backoff: backoff(),
        ..Context::new(starter)
    };
    let stop = Stop::default();
    interrupts(&stop, lang, args.json);
    let emit = |event: BatchEvent| say_event(args.json, lang, &event);
    let ended = run::run(&ctx, &id, &stop, &emit).await?;
    let batch = library
        .batch(&id)?
        .ok_or_else(|| Error::invalid_input("no such batch", "没有该批量"))?;
    let written = results::write(&library, &batch, &out_dir)?;
    let spent = library.batch_spent(&id)?;
    summarise(args, lang, &batch, spent, &written);
    Ok(match ended {
        _ if stop.pause.is_cancelled() => ExitCode::from(130),
        Ended::Done if batch.done == batch.rows => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    })
}

/// The wait after a refusal: `FRAMECAST_BATCH_BACKOFF_MS` (tests), else the runner's.
fn backoff() -> std::time::Duration {
    std::env::var("FRAMECAST_BATCH_BACKOFF_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(
            std::time::Duration::from_secs(5),
            std::time::Duration::from_millis,
        )
}

/// Over the batch's cap, or over the month's budget without a cap that allows it: refused.
fn refuse_over(plan: &Plan, cap: Option<f64>) -> Result<(), Error> {
    let estimate = plan.estimate_usd;
    if plan.over_cap {
        let cap = cap.unwrap_or_default();
        return Err(Error::invalid_input(
            format!(
                "the batch would cost about ${estimate:.2}, over --max-spend ${cap:.2}; nothing was sent"
            ),
            format!("该批量约需 ${estimate:.2}，超过 --max-spend ${cap:.2}；未发送任何请求"),
        ));
    }
    if plan.over_budget && cap.is_none() {
        let budget = plan.budget_usd.unwrap_or_default();
        return Err(Error::invalid_input(
            format!(
                "the batch (about ${estimate:.2}) would take this month (${:.2} so far) over its ${budget:.2} budget; pass --max-spend to allow it; nothing was sent",
                plan.month_usd
            ),
            format!(
                "该批量（约 ${estimate:.2}）将使本月（已 ${:.2}）超出 ${budget:.2} 的预算；如需继续请用 --max-spend；未发送任何请求",
                plan.month_usd
            ),
        ));
    }
    Ok(())
}

/// First Ctrl-C: start no new row, let the running ones finish. Second: stop them too.
fn interrupts(stop: &Stop, lang: Lang, json: bool) {
    let stop = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.pause.cancel();
            if !json {
                eprintln!(
                    "{}",
                    pick(
                        lang,
                        "Starting no new row; the running ones finish (Ctrl-C again to stop them). Run the same command again to continue.",
                        "不再开始新的行；正在进行的行将完成（再按 Ctrl-C 停止它们）。再次运行同一命令即可继续。"
                    )
                );
            }
        }
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.now.cancel();
        }
    });
}

fn say_plan(args: &BatchArgs, lang: Lang, plan: &Plan) {
    if args.json {
        json_line(&Line::Plan {
            batch_id: None,
            plan,
        });
        return;
    }
    println!("{}", plan.summary(lang));
    for row in plan.rows.iter().filter(|r| r.state == RowState::Skipped) {
        let why = match lang {
            Lang::En => row.problem.as_deref(),
            Lang::Zh => row.problem_zh.as_deref(),
        };
        println!("  ✘ {} {}", row.number, why.unwrap_or_default());
    }
}

fn say_continued(args: &BatchArgs, lang: Lang, id: &str, sent: &[u32]) {
    if args.json {
        json_line(&Line::Continued {
            batch_id: id,
            not_sent_again: sent,
        });
        return;
    }
    let list = sent
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    println!(
        "{}",
        match lang {
            Lang::En => format!(
                "Continuing the unfinished batch of this file; rows already sent or settled are not sent again: {list}"
            ),
            Lang::Zh => format!("继续该文件未完成的批量；已发送或已结束的行不会再次发送：{list}"),
        }
    );
}

fn say_event(json: bool, lang: Lang, event: &BatchEvent) {
    if json {
        match event {
            BatchEvent::Job { row, job_id, event } => json_line(&OfRow {
                row: *row,
                job_id,
                event,
            }),
            other => json_line(other),
        }
        return;
    }
    if let BatchEvent::Row {
        row,
        state,
        problem,
        problem_zh,
        ..
    } = event
    {
        let why = match lang {
            Lang::En => problem.as_deref(),
            Lang::Zh => problem_zh.as_deref(),
        };
        println!(
            "  {row:>4} {:<8} {}",
            state.as_str(),
            why.unwrap_or_default()
        );
    }
}

fn summarise(
    args: &BatchArgs,
    lang: Lang,
    batch: &framecast_library::BatchRecord,
    spent: f64,
    (csv, jsonl): &(PathBuf, PathBuf),
) {
    if args.json {
        json_line(&Line::Summary {
            batch_id: &batch.id,
            rows: batch.rows,
            done: batch.done,
            partial: batch.partial,
            failed: batch.failed,
            skipped: batch.skipped,
            waiting: batch.waiting + batch.sent,
            spent_usd: spent,
            results_csv: Some(csv.display().to_string()),
            results_jsonl: Some(jsonl.display().to_string()),
        });
        return;
    }
    println!(
        "{}",
        match lang {
            Lang::En => format!(
                "{} of {} rows done, {} partly, {} failed, {} skipped, {} not finished; ${spent:.2} spent. Results: {}",
                batch.done,
                batch.rows,
                batch.partial,
                batch.failed,
                batch.skipped,
                batch.waiting + batch.sent,
                csv.display()
            ),
            Lang::Zh => format!(
                "{} 行中完成 {} 行，部分完成 {} 行，失败 {} 行，跳过 {} 行，未完成 {} 行；花费 ${spent:.2}。结果：{}",
                batch.rows,
                batch.done,
                batch.partial,
                batch.failed,
                batch.skipped,
                batch.waiting + batch.sent,
                csv.display()
            ),
        }
    );
}
