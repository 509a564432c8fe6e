//! Batch runs: a file or a list of prompts becomes a queue in the library that survives restarts,
//! stays inside a budget and never sends a row twice.
//!
//! - [`input`]: the file as people save it (CSV, JSON Lines, text; UTF-8, UTF-16, GBK);
//! - [`plan`]: the plan before money (defaults, frames found, cost, the rows that cannot go);
//! - [`run`]: the queue run through the one job path, at most N at once;
//! - [`results`]: the results files written next to the videos.
//!
//! [`prepare`] reads and plans a source for either front end; [`open`] records a new batch from
//! a plan, or continues the unfinished batch of the same file.

pub mod input;
pub mod plan;
pub mod results;
pub mod run;

use crate::target::Target;
use framecast_core::{Error, Event, Result};
use framecast_library::{BatchRecord, Library, NewBatch, RowState};
use plan::{Defaults, Plan, Spending};
use serde::Serialize;
use sha2::Digest as _;
use std::path::{Path, PathBuf};

/// What a running batch tells its watcher.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum BatchEvent {
    /// A row moved on (`sent`, `done`, …, or back to `waiting` after a refusal).
    #[serde(rename_all = "camelCase")]
    Row {
        row: u32,
        state: RowState,
        job_id: Option<String>,
        problem: Option<String>,
        problem_zh: Option<String>,
    },
    /// One of a row's job's events.
    #[serde(rename_all = "camelCase")]
    Job {
        row: u32,
        job_id: String,
        event: Event,
    },
    /// The gateway refused a row before starting it: no row starts before this (Unix ms).
    #[serde(rename_all = "camelCase")]
    Waiting { until_ms: i64 },
}

/// Where a batch's rows come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A file: its rows' frames resolve against its folder, and running it again continues it.
    File(PathBuf),
    /// Prompts pasted one per line.
    Text(String),
}

/// A source read and planned: what the plan shows, and what [`open`] records.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The file, when the rows came from one.
    pub file: Option<PathBuf>,
    /// The file's name without its ending, or "Pasted prompts".
    pub name: String,
    /// The file's [`fingerprint`].
    pub fingerprint: Option<String>,
    pub encoding: input::Encoding,
    pub defaults: Defaults,
    pub plan: Plan,
}

/// Reads `source` and plans it at `target`'s prices against this month's spend, the budget and
/// `cap_usd`; models the profile's gateway did not list are named. Nothing is recorded or sent.
pub fn prepare(
    library: &Library,
    target: &Target,
    source: Source,
    defaults: Defaults,
    cap_usd: Option<f64>,
) -> Result<Prepared> {
    let (file, bytes) = match source {
        Source::File(path) => {
            let bytes = std::fs::read(&path).map_err(|e| {
                Error::invalid_input(
                    format!("the batch file {} cannot be read ({e})", path.display()),
                    format!("无法读取批量文件 {}（{e}）", path.display()),
                )
            })?;
            (Some(path), bytes)
        }
        Source::Text(text) => (None, text.into_bytes()),
    };
    let kind = file
        .as_ref()
        .and_then(|p| p.extension())
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let read = input::parse(&bytes, &kind)?;
    let report = library.spend_report(chrono::Local::now())?;
    let known = match target.profile_id {
        Some(id) => library.profile_models(id)?,
        None => Vec::new(),
    };
    let dir = file
        .as_deref()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."));
    let plan = plan::plan(
        &read,
        dir,
        &defaults,
        &target.prices,
        (!known.is_empty()).then_some(known.as_slice()),
        &Spending {
            month_usd: report.month_usd,
            budget_usd: report.budget_usd,
            cap_usd,
        },
    );
    Ok(Prepared {
        name: file.as_deref().and_then(Path::file_stem).map_or_else(
            || "Pasted prompts".to_owned(),
            |s| s.to_string_lossy().into_owned(),
        ),
        fingerprint: file.as_ref().map(|_| fingerprint(&bytes)),
        encoding: read.encoding,
        file,
        defaults,
        plan,
    })
}

/// How a prepared batch runs.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub concurrency: u8,
    pub cap_usd: Option<f64>,
    pub out_dir: Option<&'a Path>,
    /// Start over even when the same file has an unfinished batch.
    pub new: bool,
}

/// A batch ready to run: new, or the unfinished one of the same file, continued.
#[derive(Debug, Clone)]
pub struct Opened {
    pub batch: BatchRecord,
    /// Rows of a continued batch already sent (or done, failed, skipped): they are not sent
    /// again.
    pub continued: Option<Vec<u32>>,
}

/// The SHA-256 of a batch file's bytes, naming "the same file" when a batch is continued.
pub fn fingerprint(bytes: &[u8]) -> String {
    format!("{:x}", sha2::Sha256::digest(bytes))
}

/// Records `prepared` as a new batch, or, for a file whose batch is unfinished (and `new` not
/// asked), continues that one. Nothing is sent.
pub fn open(library: &Library, prepared: &Prepared, request: &Request<'_>) -> Result<Opened> {
    let source = prepared
        .file
        .as_deref()
        .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.to_owned()))
        .map(|p| p.display().to_string());
    let fingerprint = prepared.fingerprint.as_deref();
    if let (Some(src), Some(sha), false) = (&source, fingerprint, request.new)
        && let Some(batch) = library.unfinished_batch(src, sha)?
    {
        let continued = library
            .batch_rows(&batch.id)?
            .into_iter()
            .filter(|r| r.state != RowState::Waiting)
            .map(|r| r.number)
            .collect();
        return Ok(Opened {
            batch,
            continued: Some(continued),
        });
    }
    let id = uuid::Uuid::now_v7().to_string();
    library.create_batch(&NewBatch {
        id: id.clone(),
        name: prepared.name.clone(),
        source,
        source_sha256: fingerprint.map(str::to_owned),
        concurrency: request.concurrency.clamp(1, 16),
        cap_usd: request.cap_usd,
        out_dir: request.out_dir.map(|d| d.display().to_string()),
        defaults: serde_json::to_string(&prepared.defaults).unwrap_or_default(),
        rows: &prepared.plan.rows,
    })?;
    let batch = library.batch(&id)?.ok_or_else(|| {
        framecast_core::Error::invalid_input("the batch was not recorded", "批量未被记录")
    })?;
    Ok(Opened {
        batch,
        continued: None,
    })
}
