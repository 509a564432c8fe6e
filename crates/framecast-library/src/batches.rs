//! Batch runs in the library: a batch and its rows, recorded before anything is sent, and the
//! few transitions a row may take (migration 8 says why each is safe).
//!
//! `waiting → sent` is a compare-and-set that also names the row's job, made before that job is
//! recorded and its request sent, so two runners (two CLI processes, or the app and the CLI) never
//! send one row. A `sent` row ends as its job ended ([`Library::settle_sent_rows`]); a refusal the
//! gateway gave before it started anything puts it back to `waiting` with a time to wait
//! ([`Library::requeue_row`]). Nothing here sends, prepares or decides: the runner in
//! `framecast-jobs` does.

use crate::{Library, LibraryError, Result, now_ms};
use framecast_core::{JobState, Text};
use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

/// Where a batch is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum BatchState {
    /// Rows are being sent (or will be, when a runner picks it up).
    Running,
    /// Running rows finish; no new row starts.
    Paused,
    /// The rows not started were skipped.
    Cancelled,
    /// No row is waiting or running.
    Done,
}

impl BatchState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Cancelled => "cancelled",
            Self::Done => "done",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "paused" => Self::Paused,
            "cancelled" => Self::Cancelled,
            "done" => Self::Done,
            _ => Self::Running,
        }
    }
}

/// Where a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RowState {
    /// Not sent yet.
    Waiting,
    /// Its request went out (or is about to): it is never sent again.
    Sent,
    /// Every video it asked for arrived.
    Done,
    /// Some of its videos arrived.
    Partial,
    /// None arrived, or it could not be sent.
    Failed,
    /// Not sent: it could not be (a missing frame, no prompt), the person cancelled the rest, or
    /// it would have taken the batch over its cap.
    Skipped,
}

impl RowState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Sent => "sent",
            Self::Done => "done",
            Self::Partial => "partial",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "waiting" => Self::Waiting,
            "sent" => Self::Sent,
            "done" => Self::Done,
            "partial" => Self::Partial,
            "skipped" => Self::Skipped,
            _ => Self::Failed,
        }
    }

    /// A row in this state will not change without the person.
    pub fn settled(self) -> bool {
        !matches!(self, Self::Waiting | Self::Sent)
    }

    /// How a row whose job ended in `job` ends.
    pub fn of_job(job: JobState) -> Option<Self> {
        match job {
            JobState::Running | JobState::Downloading => None,
            JobState::Done => Some(Self::Done),
            JobState::Partial => Some(Self::Partial),
            JobState::Failed | JobState::Cancelled | JobState::Interrupted | JobState::Unknown => {
                Some(Self::Failed)
            }
        }
    }
}

/// One row of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct BatchRow {
    /// As the file counts rows, from 1.
    pub number: u32,
    /// The order rows are sent in.
    pub position: i64,
    /// Where it is in the file.
    pub line: Option<u32>,
    pub name: Option<String>,
    pub prompt: String,
    /// Frame paths, resolved against the file's folder.
    pub first: Option<String>,
    pub last: Option<String>,
    pub model: String,
    pub n: u8,
    /// USD per video, as planned.
    pub price_usd: f64,
    pub state: RowState,
    /// Why it cannot be sent, was skipped, or failed (in English).
    pub problem: Option<String>,
    /// The same in Chinese.
    pub problem_zh: Option<String>,
    pub job_id: Option<String>,
    pub attempts: u32,
    /// A refused row waits until then (Unix milliseconds).
    pub not_before: Option<i64>,
    /// The file's other columns, carried into the results.
    #[cfg_attr(feature = "ts", ts(type = "Record<string, string>"))]
    pub extra: std::collections::BTreeMap<String, String>,
}

/// A batch, with its rows counted by state.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct BatchRecord {
    pub id: String,
    pub name: String,
    pub source: Option<String>,
    pub source_sha256: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub state: BatchState,
    pub concurrency: u8,
    pub cap_usd: Option<f64>,
    pub out_dir: Option<String>,
    /// The settings rows take when they say nothing (JSON, as the runner wrote it).
    pub defaults: String,
    pub rows: u32,
    pub waiting: u32,
    pub sent: u32,
    pub done: u32,
    pub partial: u32,
    pub failed: u32,
    pub skipped: u32,
    /// What its jobs have cost so far (the videos they delivered).
    pub spent_usd: f64,
    /// What its rows not skipped would cost if every video arrived.
    pub planned_usd: f64,
}

/// What is recorded when a batch is planned.
#[derive(Debug, Clone)]
pub struct NewBatch<'a> {
    pub id: String,
    pub name: String,
    pub source: Option<String>,
    pub source_sha256: Option<String>,
    pub concurrency: u8,
    pub cap_usd: Option<f64>,
    pub out_dir: Option<String>,
    pub defaults: String,
    /// Rows with a `problem` are recorded `skipped`; the others `waiting`.
    pub rows: &'a [BatchRow],
}

const BATCH_COLUMNS: &str = "b.id, b.name, b.source, b.source_sha256, b.created_at, b.updated_at,
    b.state, b.concurrency, b.cap_usd, b.out_dir, b.defaults,
    (SELECT count(*) FROM batch_rows r WHERE r.batch_id = b.id),
    (SELECT count(*) FROM batch_rows r WHERE r.batch_id = b.id AND r.state = 'waiting'),
    (SELECT count(*) FROM batch_rows r WHERE r.batch_id = b.id AND r.state = 'sent'),
    (SELECT count(*) FROM batch_rows r WHERE r.batch_id = b.id AND r.state = 'done'),
    (SELECT count(*) FROM batch_rows r WHERE r.batch_id = b.id AND r.state = 'partial'),
    (SELECT count(*) FROM batch_rows r WHERE r.batch_id = b.id AND r.state = 'failed'),
    (SELECT count(*) FROM batch_rows r WHERE r.batch_id = b.id AND r.state = 'skipped'),
    (SELECT coalesce(sum(j.price_usd * j.delivered), 0) FROM batch_rows r
       JOIN jobs j ON j.id = r.job_id WHERE r.batch_id = b.id),
    (SELECT coalesce(sum(r.price_usd * r.n), 0) FROM batch_rows r
       WHERE r.batch_id = b.id AND r.state != 'skipped')";

const ROW_COLUMNS: &str = "number, position, line, name, prompt, first, last, model, n, price_usd,
    state, problem, job_id, attempts, not_before, extra, problem_zh";

fn read_batch(r: &Row<'_>) -> rusqlite::Result<BatchRecord> {
    Ok(BatchRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        source: r.get(2)?,
        source_sha256: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
        state: BatchState::parse(&r.get::<_, String>(6)?),
        concurrency: r.get(7)?,
        cap_usd: r.get(8)?,
        out_dir: r.get(9)?,
        defaults: r.get(10)?,
        rows: r.get(11)?,
        waiting: r.get(12)?,
        sent: r.get(13)?,
        done: r.get(14)?,
        partial: r.get(15)?,
        failed: r.get(16)?,
        skipped: r.get(17)?,
        spent_usd: framecast_core::price::cents(r.get(18)?),
        planned_usd: framecast_core::price::cents(r.get(19)?),
    })
}

fn read_row(r: &Row<'_>) -> rusqlite::Result<BatchRow> {
    Ok(BatchRow {
        number: r.get(0)?,
        position: r.get(1)?,
        line: r.get(2)?,
        name: r.get(3)?,
        prompt: r.get(4)?,
        first: r.get(5)?,
        last: r.get(6)?,
        model: r.get(7)?,
        n: r.get(8)?,
        price_usd: r.get(9)?,
        state: RowState::parse(&r.get::<_, String>(10)?),
        problem: r.get(11)?,
        job_id: r.get(12)?,
        attempts: r.get(13)?,
        not_before: r.get(14)?,
        extra: r
            .get::<_, Option<String>>(15)?
            .and_then(|e| serde_json::from_str(&e).ok())
            .unwrap_or_default(),
        problem_zh: r.get(16)?,
    })
}

impl Library {
    /// Records a batch and all its rows, in one transaction, before anything is sent.
    pub fn create_batch(&self, batch: &NewBatch<'_>) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now = now_ms();
        tx.execute(
            "INSERT INTO batches (id, name, source, source_sha256, created_at, updated_at, state,
                                  concurrency, cap_usd, out_dir, defaults)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, 'running', ?6, ?7, ?8, ?9)",
            params![
                batch.id,
                batch.name,
                batch.source,
                batch.source_sha256,
                now,
                batch.concurrency,
                batch.cap_usd,
                batch.out_dir,
                batch.defaults
            ],
        )?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO batch_rows (batch_id, number, position, line, name, prompt, first,
                                         last, model, n, price_usd, state, problem, extra,
                                         problem_zh)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )?;
            for row in batch.rows {
                let state = if row.problem.is_some() {
                    RowState::Skipped
                } else {
                    RowState::Waiting
                };
                insert.execute(params![
                    batch.id,
                    row.number,
                    row.position,
                    row.line,
                    row.name,
                    row.prompt,
                    row.first,
                    row.last,
                    row.model,
                    row.n,
                    row.price_usd,
                    state.as_str(),
                    row.problem,
                    (!row.extra.is_empty())
                        .then(|| serde_json::to_string(&row.extra).unwrap_or_default()),
                    row.problem_zh,
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// One batch.
    pub fn batch(&self, id: &str) -> Result<Option<BatchRecord>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {BATCH_COLUMNS} FROM batches b WHERE b.id = ?1"),
                [id],
                read_batch,
            )
            .optional()?)
    }

    /// Every batch, newest first.
    pub fn batches(&self) -> Result<Vec<BatchRecord>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {BATCH_COLUMNS} FROM batches b ORDER BY b.created_at DESC, b.id DESC"
        ))?;
        Ok(stmt
            .query_map([], read_batch)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// The newest batch read from the same file with the same content that is not over: the
    /// one a second run of the same command continues.
    pub fn unfinished_batch(&self, source: &str, sha256: &str) -> Result<Option<BatchRecord>> {
        Ok(self
            .conn()
            .query_row(
                &format!(
                    "SELECT {BATCH_COLUMNS} FROM batches b
                     WHERE b.source = ?1 AND b.source_sha256 = ?2
                       AND b.state IN ('running', 'paused')
                     ORDER BY b.created_at DESC LIMIT 1"
                ),
                [source, sha256],
                read_batch,
            )
            .optional()?)
    }

    /// A batch's rows, in the order they are sent.
    pub fn batch_rows(&self, batch: &str) -> Result<Vec<BatchRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM batch_rows WHERE batch_id = ?1 ORDER BY position, number"
        ))?;
        Ok(stmt
            .query_map([batch], read_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// The next waiting rows whose wait is over, at most `limit`, in order.
    pub fn due_rows(&self, batch: &str, limit: usize, now: i64) -> Result<Vec<BatchRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM batch_rows
             WHERE batch_id = ?1 AND state = 'waiting' AND coalesce(not_before, 0) <= ?2
             ORDER BY position, number LIMIT ?3"
        ))?;
        Ok(stmt
            .query_map(
                params![batch, now, i64::try_from(limit).unwrap_or(i64::MAX)],
                read_row,
            )?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Claims a waiting row for job `job`: true if this caller won it (then, and only then, the
    /// job may be recorded and sent).
    pub fn claim_row(&self, batch: &str, number: u32, job: &str) -> Result<bool> {
        let changed = self.conn().execute(
            "UPDATE batch_rows SET state = 'sent', job_id = ?3, owner = ?4,
               attempts = attempts + 1, problem = NULL, problem_zh = NULL, not_before = NULL
             WHERE batch_id = ?1 AND number = ?2 AND state = 'waiting'",
            params![batch, number, job, self.session()],
        )?;
        self.touch(batch)?;
        Ok(changed == 1)
    }

    /// A row ends (`problem` says why, when it did not go well).
    pub fn settle_row(
        &self,
        batch: &str,
        number: u32,
        state: RowState,
        problem: Option<&Text>,
    ) -> Result<()> {
        self.conn().execute(
            "UPDATE batch_rows SET state = ?3, problem = ?4, problem_zh = ?5
             WHERE batch_id = ?1 AND number = ?2",
            params![
                batch,
                number,
                state.as_str(),
                problem.map(|p| &p.en),
                problem.map(|p| &p.zh)
            ],
        )?;
        self.touch(batch)
    }

    /// A sent row the gateway refused before starting anything (nothing was charged) waits again
    /// until `not_before`.
    pub fn requeue_row(
        &self,
        batch: &str,
        number: u32,
        not_before: i64,
        problem: &Text,
    ) -> Result<()> {
        self.conn().execute(
            "UPDATE batch_rows SET state = 'waiting', not_before = ?3, problem = ?4,
               problem_zh = ?5
             WHERE batch_id = ?1 AND number = ?2 AND state = 'sent'",
            params![batch, number, not_before, problem.en, problem.zh],
        )?;
        self.touch(batch)
    }

    /// Settles the batch's sent rows whose jobs have ended, and puts back to waiting those whose
    /// job was never recorded by a process that is gone (it claimed the row, then stopped before
    /// anything was sent). Returns the rows it changed.
    pub fn settle_sent_rows(&self, batch: &str) -> Result<Vec<(u32, RowState)>> {
        type Sent = (u32, Option<String>, Option<String>, Option<String>);
        let sent: Vec<Sent> = {
            let conn = self.conn();
            let mut stmt = conn.prepare_cached(
                "SELECT r.number, r.owner, j.state, j.error FROM batch_rows r
                 LEFT JOIN jobs j ON j.id = r.job_id
                 WHERE r.batch_id = ?1 AND r.state = 'sent'",
            )?;
            stmt.query_map([batch], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<rusqlite::Result<_>>()?
        };
        let mut changed = Vec::new();
        for (number, owner, job_state, error) in sent {
            let (now, why) = match job_state {
                // Still being recorded and sent by a process that is alive.
                None if owner.as_deref().is_some_and(|o| self.owner_alive(o)) => continue,
                None => (RowState::Waiting, None),
                Some(s) => {
                    let job = JobState::parse(&s);
                    match RowState::of_job(job) {
                        Some(end) => (end, ended_because(job, error.as_deref())),
                        None => continue,
                    }
                }
            };
            self.settle_row(batch, number, now, why.as_ref())?;
            changed.push((number, now));
        }
        Ok(changed)
    }

    /// Pauses, resumes (`Running`), cancels (the rows not started are skipped) or ends a batch.
    pub fn set_batch_state(&self, batch: &str, state: BatchState) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found = tx.execute(
            "UPDATE batches SET state = ?2, updated_at = ?3 WHERE id = ?1",
            params![batch, state.as_str(), now_ms()],
        )?;
        if found == 0 {
            return Err(LibraryError::NotFound(format!("batch {batch}")));
        }
        if state == BatchState::Cancelled {
            tx.execute(
                "UPDATE batch_rows SET state = 'skipped', problem = 'cancelled',
                   problem_zh = '已取消'
                 WHERE batch_id = ?1 AND state = 'waiting'",
                [batch],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The person asks for a failed or skipped row again (a new, paid job when it runs).
    pub fn retry_row(&self, batch: &str, number: u32) -> Result<bool> {
        let changed = self.conn().execute(
            "UPDATE batch_rows SET state = 'waiting', problem = NULL, problem_zh = NULL,
               not_before = NULL
             WHERE batch_id = ?1 AND number = ?2 AND state IN ('failed', 'skipped')",
            params![batch, number],
        )?;
        if changed == 1 {
            self.conn().execute(
                "UPDATE batches SET state = 'running', updated_at = ?2
                 WHERE id = ?1 AND state IN ('done', 'cancelled')",
                params![batch, now_ms()],
            )?;
        }
        Ok(changed == 1)
    }

    /// Moves a waiting row to just before row `before` (or to the end).
    pub fn move_row(&self, batch: &str, number: u32, before: Option<u32>) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let at: i64 = match before {
            Some(b) => tx.query_row(
                "SELECT position FROM batch_rows WHERE batch_id = ?1 AND number = ?2",
                params![batch, b],
                |r| r.get(0),
            )?,
            None => tx.query_row(
                "SELECT coalesce(max(position), 0) + 1 FROM batch_rows WHERE batch_id = ?1",
                [batch],
                |r| r.get(0),
            )?,
        };
        tx.execute(
            "UPDATE batch_rows SET position = position + 1
             WHERE batch_id = ?1 AND position >= ?2 AND number != ?3",
            params![batch, at, number],
        )?;
        tx.execute(
            "UPDATE batch_rows SET position = ?3
             WHERE batch_id = ?1 AND number = ?2 AND state = 'waiting'",
            params![batch, number, at],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// What the batch's jobs have cost so far: each job's price times the videos it delivered.
    pub fn batch_spent(&self, batch: &str) -> Result<f64> {
        let usd: f64 = self.conn().query_row(
            "SELECT coalesce(sum(j.price_usd * j.delivered), 0) FROM batch_rows r
             JOIN jobs j ON j.id = r.job_id WHERE r.batch_id = ?1",
            [batch],
            |r| r.get(0),
        )?;
        Ok(framecast_core::price::cents(usd))
    }

    /// What the batch has spent, plus what its running rows could still cost at worst (every
    /// video they asked for): what the cap is held against.
    pub fn batch_committed(&self, batch: &str) -> Result<f64> {
        let usd: f64 = self.conn().query_row(
            "SELECT coalesce(sum(CASE WHEN r.state = 'sent' THEN r.price_usd * r.n
                                      ELSE coalesce(j.price_usd * j.delivered, 0) END), 0)
             FROM batch_rows r LEFT JOIN jobs j ON j.id = r.job_id
             WHERE r.batch_id = ?1 AND r.job_id IS NOT NULL",
            [batch],
            |r| r.get(0),
        )?;
        Ok(framecast_core::price::cents(usd))
    }

    fn touch(&self, batch: &str) -> Result<()> {
        self.conn().execute(
            "UPDATE batches SET updated_at = ?2 WHERE id = ?1",
            params![batch, now_ms()],
        )?;
        Ok(())
    }
}

/// Why a row whose job ended in `job` did not go well, in the person's words.
fn ended_because(job: JobState, error: Option<&str>) -> Option<Text> {
    if job == JobState::Interrupted {
        return Some(Text::new(
            "the process stopped while this row's video was being made; what arrived is kept, and the request was not sent again",
            "生成该行视频时进程已停止；已收到的内容已保留，请求没有被重新发送",
        ));
    }
    let report: framecast_core::ErrorReport = serde_json::from_str(error?).ok()?;
    Some(Text::new(report.message, report.message_zh))
}
