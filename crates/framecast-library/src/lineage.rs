//! Lineage: a job whose start or end frame was taken from a moment of an earlier video records
//! which video and when, so the library can show where a shot continued from. The source is
//! kept by name, not by reference: deleting it leaves the lineage readable.

use crate::{Library, LibraryError, Result};
use framecast_core::id::parse_video_id;
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

/// Which frame slot: the start frame or the end frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Slot {
    Start,
    End,
}

impl Slot {
    /// 0 for the start frame, 1 for the end frame.
    pub fn index(self) -> usize {
        match self {
            Self::Start => 0,
            Self::End => 1,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::End => "end",
        }
    }

    fn parse(s: &str) -> Self {
        if s == "end" { Self::End } else { Self::Start }
    }
}

/// A moment of a video, that a frame was taken from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct VideoMoment {
    /// The video (`<job id>-<index>`).
    pub video_id: String,
    /// Milliseconds into the video.
    pub at_ms: u64,
}

/// A slot of a job whose frame came from an earlier video.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Continuation {
    pub slot: Slot,
    pub video_id: String,
    pub job_id: String,
    pub index: u8,
    pub at_ms: u64,
    /// The source job's prompt, while that job is in the library.
    pub prompt: Option<String>,
}

impl Library {
    /// Records where `job`'s frames came from (after [`Library::begin_job`]).
    pub fn record_lineage(&self, job: &str, sources: &[Continuation]) -> Result<()> {
        let conn = self.conn();
        for source in sources {
            let (from, index) = parse_video_id(&source.video_id)
                .map_err(|_| LibraryError::NotFound(format!("video {}", source.video_id)))?;
            conn.execute(
                "INSERT OR REPLACE INTO continuations (job_id, slot, from_job, from_idx, at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    job,
                    source.slot.as_str(),
                    from.to_string(),
                    index,
                    i64::try_from(source.at_ms).unwrap_or(i64::MAX)
                ],
            )?;
        }
        Ok(())
    }

    /// How a frame taken from `source` reads: which video of which job, and its prompt. Refuses a
    /// video that is not in the library.
    pub fn continuation(&self, slot: Slot, source: &VideoMoment) -> Result<Continuation> {
        let video = self.video(&source.video_id)?;
        let prompt = self
            .conn()
            .query_row(
                "SELECT prompt FROM jobs WHERE id = ?1",
                [&video.job_id],
                |r| r.get(0),
            )
            .ok();
        Ok(Continuation {
            slot,
            video_id: video.id,
            job_id: video.job_id,
            index: video.index,
            at_ms: source.at_ms,
            prompt,
        })
    }

    /// The jobs that continued from a frame of `job`'s videos, newest first.
    pub fn continued_by(&self, job: &str) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT DISTINCT job_id FROM continuations WHERE from_job = ?1 ORDER BY job_id DESC",
        )?;
        Ok(stmt
            .query_map([job], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

/// Where `job`'s frames came from, start first.
pub(crate) fn of_job(conn: &Connection, job: &str) -> Result<Vec<Continuation>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.slot, c.from_job, c.from_idx, c.at_ms, j.prompt
         FROM continuations c LEFT JOIN jobs j ON j.id = c.from_job
         WHERE c.job_id = ?1 ORDER BY c.slot = 'end'",
    )?;
    Ok(stmt
        .query_map([job], |r| {
            let job_id: String = r.get(1)?;
            let index: u8 = r.get(2)?;
            Ok(Continuation {
                slot: Slot::parse(&r.get::<_, String>(0)?),
                video_id: format!("{job_id}-{index}"),
                job_id,
                index,
                at_ms: r.get::<_, i64>(3)?.try_into().unwrap_or(0),
                prompt: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}
