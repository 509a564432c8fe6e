//! Spend: what was delivered and what it cost. A gateway charges per delivered video, so a job
//! costs its recorded price per video (`jobs.price_usd`, fixed when it started) times the videos
//! it delivered (`jobs.delivered`, which deleting a video does not lower). Sums are by the day or
//! month the job started, in local time, and by model. An optional monthly budget lives in the
//! settings table.
//!
//! Prompt help's calls to text models are lines of their own ([`SpendKind::PromptHelp`]): their
//! calls, their tokens, and their cost where the profile had text prices (`prompt_calls`).

use crate::{Library, Result};
use chrono::{Datelike, Local, TimeZone};
use framecast_core::price::cents;
use rusqlite::params;
use serde::Serialize;

/// The setting that holds the monthly budget, in USD.
const BUDGET: &str = "budget_usd_month";

/// Sum by day or by month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day,
    Month,
}

/// What a line of spend is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum SpendKind {
    /// Delivered videos.
    Video,
    /// Prompt help's calls to a text model.
    PromptHelp,
}

/// What one model delivered in one day or month, and what it cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SpendRow {
    pub kind: SpendKind,
    /// `YYYY-MM-DD` or `YYYY-MM`, local time.
    pub period: String,
    pub model: String,
    /// Jobs that delivered at least one video; for prompt help, its calls.
    pub jobs: u32,
    pub videos: u32,
    /// Tokens used (prompt help; 0 for videos).
    pub tokens: u64,
    pub usd: f64,
    /// Videos of jobs recorded without a price (not in `usd`); for prompt help, calls made
    /// without a token price.
    pub unpriced: u32,
}

/// One job of the ledger, or one call of prompt help: what it delivered and what that cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerEntry {
    /// The job's id; `prompt-help` for a prompt-help call.
    pub job_id: String,
    /// Unix milliseconds.
    pub created_at: i64,
    pub model: String,
    pub videos: u32,
    pub price_usd: Option<f64>,
    pub usd: f64,
    /// The job's prompt; for a prompt-help call, what it did and its tokens.
    pub prompt: String,
}

/// The spend as the app shows it: this month against the budget, each month, and the days of
/// this month.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SpendReport {
    /// `YYYY-MM`, local time.
    pub month: String,
    pub month_usd: f64,
    pub budget_usd: Option<f64>,
    pub months: Vec<SpendRow>,
    pub days: Vec<SpendRow>,
}

impl Library {
    /// Spend by period and model, newest period first; `month` (`YYYY-MM`) narrows to one month.
    pub fn spend(&self, period: Period, month: Option<&str>) -> Result<Vec<SpendRow>> {
        let format = match period {
            Period::Day => "%Y-%m-%d",
            Period::Month => "%Y-%m",
        };
        let mut rows = self.video_spend(format, month)?;
        rows.extend(self.prompt_spend(format, month)?);
        rows.sort_by(|a, b| {
            b.period
                .cmp(&a.period)
                .then((a.kind == SpendKind::PromptHelp).cmp(&(b.kind == SpendKind::PromptHelp)))
                .then(a.model.cmp(&b.model))
        });
        Ok(rows)
    }

    fn prompt_spend(&self, format: &str, month: Option<&str>) -> Result<Vec<SpendRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT strftime(?1, created_at / 1000, 'unixepoch', 'localtime') AS period, model,
                    count(*), sum(prompt_tokens + completion_tokens), coalesce(sum(usd), 0),
                    count(*) - count(usd)
             FROM prompt_calls
             WHERE ?2 IS NULL OR strftime('%Y-%m', created_at / 1000, 'unixepoch', 'localtime') = ?2
             GROUP BY period, model",
        )?;
        Ok(stmt
            .query_map(params![format, month], |r| {
                Ok(SpendRow {
                    kind: SpendKind::PromptHelp,
                    period: r.get(0)?,
                    model: r.get(1)?,
                    jobs: count(r.get(2)?),
                    videos: 0,
                    tokens: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
                    usd: cents(r.get(4)?),
                    unpriced: count(r.get(5)?),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn video_spend(&self, format: &str, month: Option<&str>) -> Result<Vec<SpendRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT strftime(?1, created_at / 1000, 'unixepoch', 'localtime') AS period, model,
                    count(*), sum(delivered),
                    coalesce(sum(price_usd * delivered), 0),
                    coalesce(sum(CASE WHEN price_usd IS NULL THEN delivered END), 0)
             FROM jobs
             WHERE delivered > 0
               AND (?2 IS NULL OR strftime('%Y-%m', created_at / 1000, 'unixepoch', 'localtime') = ?2)
             GROUP BY period, model ORDER BY period DESC, model",
        )?;
        Ok(stmt
            .query_map(params![format, month], |r| {
                Ok(SpendRow {
                    kind: SpendKind::Video,
                    period: r.get(0)?,
                    model: r.get(1)?,
                    jobs: count(r.get(2)?),
                    videos: count(r.get(3)?),
                    tokens: 0,
                    usd: cents(r.get(4)?),
                    unpriced: count(r.get(5)?),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Every job that delivered something, and every prompt-help call, oldest first; `month`
    /// (`YYYY-MM`) narrows it.
    pub fn ledger(&self, month: Option<&str>) -> Result<Vec<LedgerEntry>> {
        let mut entries = self.job_ledger(month)?;
        entries.extend(self.prompt_ledger(month)?);
        entries.sort_by_key(|e| e.created_at);
        Ok(entries)
    }

    fn prompt_ledger(&self, month: Option<&str>) -> Result<Vec<LedgerEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT created_at, action, model, prompt_tokens, completion_tokens, usd
             FROM prompt_calls
             WHERE ?1 IS NULL OR strftime('%Y-%m', created_at / 1000, 'unixepoch', 'localtime') = ?1
             ORDER BY created_at, id",
        )?;
        Ok(stmt
            .query_map(params![month], |r| {
                let (action, input, output): (String, i64, i64) = (r.get(1)?, r.get(3)?, r.get(4)?);
                Ok(LedgerEntry {
                    job_id: PROMPT_HELP.to_owned(),
                    created_at: r.get(0)?,
                    model: r.get(2)?,
                    videos: 0,
                    price_usd: None,
                    usd: r.get::<_, Option<f64>>(5)?.unwrap_or(0.0),
                    prompt: format!(
                        "Prompt help: {action} ({input} tokens in, {output} tokens out)"
                    ),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn job_ledger(&self, month: Option<&str>) -> Result<Vec<LedgerEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, created_at, model, delivered, price_usd, prompt FROM jobs
             WHERE delivered > 0
               AND (?1 IS NULL OR strftime('%Y-%m', created_at / 1000, 'unixepoch', 'localtime') = ?1)
             ORDER BY created_at, id",
        )?;
        Ok(stmt
            .query_map(params![month], |r| {
                let videos = count(r.get(3)?);
                let price: Option<f64> = r.get(4)?;
                Ok(LedgerEntry {
                    job_id: r.get(0)?,
                    created_at: r.get(1)?,
                    model: r.get(2)?,
                    videos,
                    price_usd: price,
                    usd: cents(price.unwrap_or(0.0) * f64::from(videos)),
                    prompt: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// What the jobs started this month (local time, as of `now`) cost so far.
    pub fn month_to_date(&self, now: chrono::DateTime<Local>) -> Result<f64> {
        let start = Local
            .with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
            .earliest()
            .map_or(0, |t| t.timestamp_millis());
        let usd: f64 = self.conn().query_row(
            "SELECT coalesce(sum(price_usd * delivered), 0) FROM jobs
             WHERE delivered > 0 AND created_at >= ?1",
            [start],
            |r| r.get(0),
        )?;
        let prompt_help: f64 = self.conn().query_row(
            "SELECT coalesce(sum(usd), 0) FROM prompt_calls WHERE created_at >= ?1",
            [start],
            |r| r.get(0),
        )?;
        Ok(cents(usd + prompt_help))
    }

    /// This month's spend, the budget, each month's, and the days of this month.
    pub fn spend_report(&self, now: chrono::DateTime<Local>) -> Result<SpendReport> {
        let month = now.format("%Y-%m").to_string();
        Ok(SpendReport {
            month_usd: self.month_to_date(now)?,
            budget_usd: self.budget()?,
            months: self.spend(Period::Month, None)?,
            days: self.spend(Period::Day, Some(&month))?,
            month,
        })
    }

    /// The monthly budget in USD, if one is set.
    pub fn budget(&self) -> Result<Option<f64>> {
        Ok(self
            .setting(BUDGET)?
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v > 0.0))
    }

    /// Sets the monthly budget; `None` (or zero) removes it.
    pub fn set_budget(&self, usd: Option<f64>) -> Result<()> {
        match usd.filter(|v| v.is_finite() && *v > 0.0) {
            Some(usd) => self.set_setting(BUDGET, &format!("{}", cents(usd))),
            None => {
                self.conn()
                    .execute("DELETE FROM settings WHERE name = ?1", [BUDGET])?;
                Ok(())
            }
        }
    }
}

/// The ledger as CSV (RFC 4180, a header line, local dates), for a spreadsheet.
pub fn ledger_csv(entries: &[LedgerEntry]) -> String {
    let mut csv = String::from("date,job,model,videos,price_usd,cost_usd,prompt\r\n");
    for e in entries {
        let date = Local
            .timestamp_millis_opt(e.created_at)
            .earliest()
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        let price = e.price_usd.map(|p| format!("{p:.2}")).unwrap_or_default();
        // A prompt-help call costs fractions of a cent.
        let cost = if e.job_id == PROMPT_HELP {
            format!("{:.6}", e.usd)
        } else {
            format!("{:.2}", e.usd)
        };
        csv.push_str(&format!(
            "{date},{},{},{},{price},{cost},{}\r\n",
            e.job_id,
            field(&e.model),
            e.videos,
            field(&e.prompt)
        ));
    }
    csv
}

/// A CSV field, quoted when it must be. A leading `=`, `+`, `-`, `@`, tab or carriage return is
/// prefixed with `'` so a spreadsheet never runs a prompt as a formula.
fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The ledger's name for a prompt-help call, in place of a job id.
pub const PROMPT_HELP: &str = "prompt-help";

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(0)
}
