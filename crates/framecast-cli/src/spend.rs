//! `framecast-cli spend`: what was delivered and what it cost, from the library's ledger — each
//! job's recorded price per video times the videos it delivered. By month and model, or with
//! `--month YYYY-MM` by day and model within that month. Prompt help's calls to text models are
//! lines of their own ("Prompt help"), with their tokens. `--json` prints one row per line.

use crate::output::{json_line, pick};
use clap::Args;
use framecast_core::{Error, Lang};
use framecast_library::{Library, Period, SpendKind, SpendRow};
use std::process::ExitCode;

#[derive(Args)]
pub struct SpendArgs {
    /// One JSON object per row, per line.
    #[arg(long)]
    json: bool,
    /// The days of one month (YYYY-MM) instead of every month.
    #[arg(long, value_name = "YYYY-MM", value_parser = month)]
    month: Option<String>,
}

pub fn run(args: &SpendArgs) -> ExitCode {
    let lang = Lang::from_env();
    let period = if args.month.is_some() {
        Period::Day
    } else {
        Period::Month
    };
    let report = Library::open_default().and_then(|library| {
        let rows = library.spend(period, args.month.as_deref())?;
        let budget = library.budget()?;
        let this_month = library.month_to_date(chrono::Local::now())?;
        Ok((rows, budget, this_month))
    });
    let (rows, budget, this_month) = match report {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}", Error::from(e).message(lang));
            return ExitCode::FAILURE;
        }
    };
    if args.json {
        for row in &rows {
            json_line(row);
        }
        return ExitCode::SUCCESS;
    }
    print_table(&rows, lang);
    let total: f64 = rows.iter().map(|r| r.usd).sum();
    println!("{:<40} {:>9}", pick(lang, "Total", "合计"), usd(total));
    if rows
        .iter()
        .any(|r| r.kind == SpendKind::Video && r.unpriced > 0)
    {
        println!(
            "{}",
            pick(
                lang,
                "Some videos were recorded without a price and are not in the sums.",
                "部分视频记录时没有价格，未计入合计。"
            )
        );
    }
    let month = match budget {
        Some(budget) => format!("{} / {}", usd(this_month), usd(budget)),
        None => usd(this_month),
    };
    println!("{:<40} {month:>9}", pick(lang, "This month", "本月"));
    ExitCode::SUCCESS
}

fn print_table(rows: &[SpendRow], lang: Lang) {
    if rows.is_empty() {
        eprintln!(
            "{}",
            pick(lang, "Nothing delivered yet.", "还没有交付的视频。")
        );
        return;
    }
    println!(
        "{:<10} {:<22} {:>4} {:>6} {:>9}",
        pick(lang, "When", "时间"),
        pick(lang, "Model", "模型"),
        pick(lang, "Jobs", "任务"),
        pick(lang, "Videos", "视频"),
        pick(lang, "Cost", "费用"),
    );
    for row in rows {
        if row.kind == SpendKind::PromptHelp {
            let cost = if row.unpriced == row.jobs {
                pick(lang, "no price", "未定价").to_owned()
            } else {
                usd(row.usd)
            };
            let (what, tokens) = match lang {
                Lang::En => (
                    format!("Prompt help ({})", row.model),
                    format!("{} tokens", row.tokens),
                ),
                Lang::Zh => (
                    format!("提示词助手（{}）", row.model),
                    format!("{} 个 token", row.tokens),
                ),
            };
            println!(
                "{:<10} {:<22} {:>4} {:>6} {:>9}  {tokens}",
                row.period, what, row.jobs, "—", cost
            );
            continue;
        }
        println!(
            "{:<10} {:<22} {:>4} {:>6} {:>9}",
            row.period,
            row.model,
            row.jobs,
            row.videos,
            usd(row.usd)
        );
    }
}

fn usd(amount: f64) -> String {
    format!("${amount:.2}")
}

/// `YYYY-MM`, checked.
fn month(text: &str) -> Result<String, String> {
    let text = text.trim();
    chrono::NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d")
        .map(|d| d.format("%Y-%m").to_string())
        .map_err(|_| format!("{text:?} is not a month like 2026-03 (不是形如 2026-03 的月份)"))
}
