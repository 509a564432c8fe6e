//! Batch runs: a file or a list of prompts becomes a queue in the library that survives restarts,
//! stays inside a budget and never sends a row twice.
//!
//! - [`input`]: the file as people save it (CSV, JSON Lines, text; UTF-8, UTF-16, GBK);
//! - [`plan`]: the plan before money (defaults, frames found, cost, the rows that cannot go);
//! - [`run`]: the queue run through the one job path, at most N at once;
//! - [`results`]: the results files written next to the videos.
//!
//! [`open`] records a new batch from a plan, or continues the unfinished batch of the same file.

pub mod input;
pub mod plan;
pub mod results;
pub mod run;

use framecast_core::{Event, Result};
use framecast_library::{BatchRecord, Library, NewBatch, RowState};
use plan::{Defaults, Plan};
use serde::Serialize;
use sha2::Digest as _;
use std::path::Path;

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

/// How a batch is asked for.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The file it comes from (its rows then resolve frames against its folder).
    pub source: Option<&'a Path>,
    pub name: String,
    pub defaults: Defaults,
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

/// Records `plan` as a new batch, or, for a file whose batch is unfinished (and `new` not asked),
/// continues that one. Nothing is sent.
pub fn open(
    library: &Library,
    request: &Request<'_>,
    fingerprint: Option<&str>,
    plan: &Plan,
) -> Result<Opened> {
    let source = request
        .source
        .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.to_owned()))
        .map(|p| p.display().to_string());
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
        name: request.name.clone(),
        source,
        source_sha256: fingerprint.map(str::to_owned),
        concurrency: request.concurrency.clamp(1, 16),
        cap_usd: request.cap_usd,
        out_dir: request.out_dir.map(|d| d.display().to_string()),
        defaults: serde_json::to_string(&request.defaults).unwrap_or_default(),
        rows: &plan.rows,
    })?;
    let batch = library.batch(&id)?.ok_or_else(|| {
        framecast_core::Error::invalid_input("the batch was not recorded", "批量未被记录")
    })?;
    Ok(Opened {
        batch,
        continued: None,
    })
}
