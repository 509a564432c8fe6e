//! The task route's tasks: each one a job created is kept with its id the moment the gateway
//! gives it (`watching`), and marked when it ends (`done`, `failed`), or `lost` when its
//! creation's answer never came. Recovery watches again only the tasks still `watching`.

use crate::{Library, Result, now_ms};
use rusqlite::params;

/// How a watched task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskEnd {
    /// Its video arrived.
    Done,
    /// The gateway said it failed, or it was given up at the job's deadline.
    Failed,
}

impl Library {
    /// Task `index` of `job` was created as `task_id`: it is watched until it ends.
    pub(crate) fn task_created(&self, job: &str, index: u8, task_id: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO tasks (job_id, idx, task_id, state, created_at, updated_at)
             VALUES (?1, ?2, ?3, 'watching', ?4, ?4)
             ON CONFLICT (job_id, idx) DO UPDATE SET task_id = excluded.task_id,
               state = 'watching', updated_at = excluded.updated_at",
            params![job, index, task_id, now_ms()],
        )?;
        Ok(())
    }

    /// Task `index` of `job` was asked for, but the answer was lost: it may exist.
    pub(crate) fn task_lost(&self, job: &str, index: u8) -> Result<()> {
        self.conn().execute(
            "INSERT INTO tasks (job_id, idx, task_id, state, created_at, updated_at)
             VALUES (?1, ?2, NULL, 'lost', ?3, ?3) ON CONFLICT DO NOTHING",
            params![job, index, now_ms()],
        )?;
        Ok(())
    }

    /// Task `index` of `job` ended (a failure only ends a task still watched).
    pub(crate) fn task_ended(&self, job: &str, index: u8, end: TaskEnd) -> Result<()> {
        let sql = match end {
            TaskEnd::Done => {
                "UPDATE tasks SET state = 'done', updated_at = ?3 WHERE job_id = ?1 AND idx = ?2"
            }
            TaskEnd::Failed => {
                "UPDATE tasks SET state = 'failed', updated_at = ?3
                 WHERE job_id = ?1 AND idx = ?2 AND state = 'watching'"
            }
        };
        self.conn().execute(sql, params![job, index, now_ms()])?;
        Ok(())
    }

    /// The tasks of job `id` the gateway is still making.
    pub(crate) fn watching(&self, id: &str) -> Result<Vec<(u8, String)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT idx, task_id FROM tasks
             WHERE job_id = ?1 AND state = 'watching' AND task_id IS NOT NULL ORDER BY idx",
        )?;
        Ok(stmt
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?)
    }
}
