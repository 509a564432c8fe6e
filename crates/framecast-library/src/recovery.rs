//! What a process that is gone left unfinished, taken over by this one.
//!
//! A job is left unfinished when its process ended (a crash, a kill, a power cut, a quit with
//! downloads carried over) while the job was running or downloading, or while one of its
//! videos was still to be saved. Recovery takes it over (a compare-and-set on its owner, so two
//! processes recovering at once never both take it), says what happened — a job whose stream
//! was cut is `interrupted`, keeping every video it had; one whose stream had ended is `done` or
//! `partial` — and hands back the downloads to continue. It never sends a generation request.

use crate::videos::{VideoState, origin_of};
use crate::{JobRecord, Library, Result, now_ms};
use framecast_core::JobId;
use framecast_core::JobState;
use framecast_core::sidecar::VideoOrigin;
use rusqlite::{TransactionBehavior, params};
use std::path::PathBuf;

/// A download to continue: where the video came from and where it is going.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingDownload {
    pub origin: VideoOrigin,
    pub target: PathBuf,
}

/// A job taken over from a process that is gone.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovered {
    /// The job as it is now recorded.
    pub job: JobRecord,
    /// Its state when its process stopped.
    pub was: JobState,
    pub downloads: Vec<PendingDownload>,
    /// Tasks of the task route still being made by the gateway: watched again, never re-created.
    pub tasks: Vec<(u8, String)>,
}

impl Library {
    /// Takes over every unfinished job whose process is gone; see the module docs.
    pub fn recover(&self) -> Result<Vec<Recovered>> {
        let candidates: Vec<(String, Option<String>, String)> = {
            let conn = self.conn();
            let mut stmt = conn.prepare_cached(
                "SELECT id, owner, state FROM jobs
                 WHERE state IN ('running', 'downloading')
                    OR id IN (SELECT job_id FROM videos WHERE state IN ('downloading', 'failed'))
                    OR id IN (SELECT job_id FROM tasks WHERE state = 'watching')
                 ORDER BY id",
            )?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        let mut recovered = Vec::new();
        for (id, owner, state) in candidates {
            if owner.as_deref().is_some_and(|o| self.owner_alive(o)) {
                continue;
            }
            if !self.take_over(&id, owner.as_deref())? {
                continue;
            }
            let Ok(job_id) = JobId::parse(&id) else {
                continue;
            };
            let Some(job) = self.job(&job_id)? else {
                continue;
            };
            let downloads = job
                .videos
                .iter()
                .filter(|v| v.state == VideoState::Downloading)
                .filter_map(|v| {
                    Some(PendingDownload {
                        origin: origin_of(&job, v),
                        target: v.path.clone()?,
                    })
                })
                .collect();
            let tasks = self.watching(&id)?;
            recovered.push(Recovered {
                was: serde_json::from_value(serde_json::Value::String(state))
                    .unwrap_or(JobState::Running),
                job,
                downloads,
                tasks,
            });
        }
        Ok(recovered)
    }

    /// Claims job `id` from `owner` and records that its process is gone. False if another
    /// process claimed it first.
    fn take_over(&self, id: &str, owner: Option<&str>) -> Result<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now = now_ms();
        let claimed = tx.execute(
            "UPDATE jobs SET owner = ?2, updated_at = ?3 WHERE id = ?1 AND owner IS ?4",
            params![id, self.session(), now, owner],
        )?;
        if claimed == 0 {
            return Ok(false);
        }
        // A job whose tasks the gateway is still making goes on running: they are watched again.
        tx.execute(
            "UPDATE jobs SET
               state = CASE
                 WHEN state = 'running' AND EXISTS
                   (SELECT 1 FROM tasks WHERE job_id = ?1 AND state = 'watching') THEN 'running'
                 WHEN state = 'running' THEN 'interrupted'
                 WHEN state = 'downloading' THEN
                   CASE WHEN (SELECT count(*) FROM videos WHERE job_id = ?1) >= n
                        THEN 'done' ELSE 'partial' END
                 ELSE state END,
               phase = NULL,
               finished_at = CASE
                 WHEN state = 'running' AND EXISTS
                   (SELECT 1 FROM tasks WHERE job_id = ?1 AND state = 'watching') THEN finished_at
                 ELSE coalesce(finished_at, ?2) END
             WHERE id = ?1",
            params![id, now],
        )?;
        tx.execute(
            "UPDATE videos SET state = 'downloading', error = NULL
             WHERE job_id = ?1 AND state IN ('downloading', 'failed') AND path IS NOT NULL",
            [id],
        )?;
        tx.commit()?;
        Ok(true)
    }
}
