//! Browsing the library: one page of jobs (each with its takes) matching a filter, the number
//! that match, and the models there are to filter by. Pages are by offset, so a virtualised grid
//! can fetch the rows around any scroll position; each query is one indexed statement, fast at
//! tens of thousands of videos.

use crate::jobs::JobState;
use crate::lineage::Continuation;
use crate::videos::VideoRecord;
use crate::{Library, Result};
use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};
use serde::{Deserialize, Serialize};

/// What became of a job, as the library filters it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// At least one video arrived and is kept (saved, saving, or its link).
    Delivered,
    /// Nothing arrived (or the gateway's answer was lost).
    Failed,
    /// Framecast stopped before the job ended.
    Interrupted,
    /// A video's link expired, or its download failed, before it was saved.
    Expired,
}

/// Newest or oldest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Order {
    #[default]
    Newest,
    Oldest,
}

/// Which jobs to list. Every field narrows; the default lists everything, newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct LibraryFilter {
    /// Any part of the prompt, in any script.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub text: Option<String>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub model: Option<String>,
    /// Started at or after (Unix milliseconds).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub since: Option<i64>,
    /// Started before (Unix milliseconds).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub until: Option<i64>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub outcome: Option<Outcome>,
    /// Only jobs with a favourite take.
    pub favourites: bool,
    /// `Some(true)`: only jobs sent with frames; `Some(false)`: only text-only jobs.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub with_frames: Option<bool>,
    pub order: Order,
}

/// A job as the library's grid shows it: what it asked for, how it ended, and its takes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct LibraryItem {
    pub id: String,
    /// Unix milliseconds.
    pub created_at: i64,
    pub prompt: String,
    pub model: String,
    pub n: u8,
    pub state: JobState,
    /// USD per delivered video when the job started.
    pub price_usd: Option<f64>,
    /// Videos delivered (and paid for), including any deleted since.
    pub delivered: u8,
    pub start_frame: Option<String>,
    pub end_frame: Option<String>,
    /// The takes still in the library.
    pub videos: Vec<VideoRecord>,
    /// Where its frames were taken from, if from earlier videos.
    pub continues: Vec<Continuation>,
}

/// One page of jobs, and how many match in all.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct LibraryPage {
    pub total: u32,
    pub offset: u32,
    pub items: Vec<LibraryItem>,
}

/// A model the library holds jobs of, and how many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ModelCount {
    pub model: String,
    pub jobs: u32,
}

impl Library {
    /// The jobs matching `filter`, `limit` of them from `offset` on, with the total that match.
    /// A job whose delivered videos were all deleted is not listed (its cost stays in the
    /// ledger).
    pub fn browse(&self, filter: &LibraryFilter, offset: u32, limit: u32) -> Result<LibraryPage> {
        let (clauses, mut args) = conditions(filter);
        let conn = self.conn();
        let total: i64 = conn.query_row(
            &format!("SELECT count(*) FROM jobs j WHERE {clauses}"),
            params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        let direction = match filter.order {
            Order::Newest => "DESC",
            Order::Oldest => "ASC",
        };
        args.push(Value::Integer(limit.min(1000).into()));
        args.push(Value::Integer(offset.into()));
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT id, created_at, prompt, model, n, state, price_usd, delivered, start_frame,
                    end_frame
             FROM jobs j WHERE {clauses}
             ORDER BY j.created_at {direction}, j.id {direction} LIMIT ? OFFSET ?"
        ))?;
        let items = stmt
            .query_map(params_from_iter(args.iter()), |r| {
                Ok(LibraryItem {
                    id: r.get(0)?,
                    created_at: r.get(1)?,
                    prompt: r.get(2)?,
                    model: r.get(3)?,
                    n: r.get(4)?,
                    state: JobState::parse(&r.get::<_, String>(5)?),
                    price_usd: r.get(6)?,
                    delivered: r.get::<_, i64>(7)?.clamp(0, 255).try_into().unwrap_or(0),
                    start_frame: r.get(8)?,
                    end_frame: r.get(9)?,
                    videos: Vec::new(),
                    continues: Vec::new(),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let items = items
            .into_iter()
            .map(|item| with_takes(&conn, item))
            .collect::<Result<_>>()?;
        Ok(LibraryPage {
            total: total.try_into().unwrap_or(0),
            offset,
            items,
        })
    }

    /// The models of the library's jobs, the most used first.
    pub fn models(&self) -> Result<Vec<ModelCount>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT model, count(*) FROM jobs GROUP BY model ORDER BY count(*) DESC, model",
        )?;
        Ok(stmt
            .query_map([], |r| {
                Ok(ModelCount {
                    model: r.get(0)?,
                    jobs: r.get::<_, i64>(1)?.try_into().unwrap_or(0),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

fn with_takes(conn: &Connection, mut item: LibraryItem) -> Result<LibraryItem> {
    item.videos = crate::videos::of_job(conn, &item.id)?;
    item.continues = crate::lineage::of_job(conn, &item.id)?;
    Ok(item)
}

/// The filter as SQL conditions on `jobs j`, and their arguments in order.
fn conditions(filter: &LibraryFilter) -> (String, Vec<Value>) {
    let mut clauses = vec!["NOT (j.delivered > 0 AND j.kept = 0)".to_owned()];
    let mut args = Vec::new();
    if let Some(text) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        // Trigrams need three characters; shorter text is matched directly.
        if text.chars().count() >= 3 {
            clauses
                .push("j.rowid IN (SELECT rowid FROM jobs_fts WHERE jobs_fts MATCH ?)".to_owned());
            args.push(Value::Text(format!("\"{}\"", text.replace('"', "\"\""))));
        } else {
            clauses.push("instr(lower(j.prompt), lower(?)) > 0".to_owned());
            args.push(Value::Text(text.to_owned()));
        }
    }
    if let Some(model) = &filter.model {
        clauses.push("j.model = ?".to_owned());
        args.push(Value::Text(model.clone()));
    }
    if let Some(since) = filter.since {
        clauses.push("j.created_at >= ?".to_owned());
        args.push(Value::Integer(since));
    }
    if let Some(until) = filter.until {
        clauses.push("j.created_at < ?".to_owned());
        args.push(Value::Integer(until));
    }
    if let Some(outcome) = filter.outcome {
        clauses.push(
            match outcome {
                Outcome::Delivered => {
                    "EXISTS (SELECT 1 FROM videos v WHERE v.job_id = j.id
                       AND v.state IN ('saved', 'downloading', 'link_only'))"
                }
                Outcome::Failed => "j.state IN ('failed', 'unknown')",
                Outcome::Interrupted => "j.state = 'interrupted'",
                Outcome::Expired => {
                    "EXISTS (SELECT 1 FROM videos v WHERE v.job_id = j.id
                       AND v.state IN ('expired', 'failed'))"
                }
            }
            .to_owned(),
        );
    }
    if filter.favourites {
        clauses.push(
            "EXISTS (SELECT 1 FROM videos v WHERE v.job_id = j.id AND v.favourite = 1)".to_owned(),
        );
    }
    match filter.with_frames {
        Some(true) => clauses.push("j.start_frame IS NOT NULL".to_owned()),
        Some(false) => clauses.push("j.start_frame IS NULL".to_owned()),
        None => {}
    }
    (clauses.join(" AND "), args)
}
