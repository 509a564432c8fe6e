//! Storyboards: named, ordered lists of shots, kept across restarts (migration 12).
//!
//! A shot is what a job needs (prompt, frames by content, model, options, count), whether it
//! continues from the previous shot's chosen take, the jobs it produced and the take chosen for
//! the sequence, with an optional cut. The library only records: generating a shot is
//! `framecast_jobs::storyboard`'s, through the one job path, and never happens by itself.
//!
//! **Out of date.** A shot that continues is out of date when its chosen take did not start from
//! the previous shot's chosen take (the lineage of its job says which take it started from):
//! after another take is chosen before it, or shots moved. The flag is worked out again in the
//! same transaction as every change that can move it, so readers never see it stale; it is a
//! warning to the person, and nothing is regenerated.

use crate::{Library, LibraryError, Result, now_ms};
use framecast_core::id::parse_video_id;
use framecast_core::{JobState, VideoOptions};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

/// A storyboard as its list shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Storyboard {
    pub id: String,
    pub name: String,
    /// Unix milliseconds.
    pub created_at: i64,
    pub updated_at: i64,
    pub shots: u32,
    /// Shots with a chosen take.
    pub chosen: u32,
}

/// What a shot asks for: everything a job needs, and whether it continues.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct ShotDraft {
    pub prompt: String,
    /// SHA-256 of frames in the library's frame store.
    pub start_frame: Option<String>,
    pub end_frame: Option<String>,
    pub model: String,
    pub options: VideoOptions,
    /// Takes per generation, 1–4.
    pub n: u8,
    /// Starts from the last picture of the previous shot's chosen take.
    pub continues: bool,
    /// The cut, in milliseconds on the take's own clock.
    pub in_ms: Option<u64>,
    pub out_ms: Option<u64>,
}

/// A take a shot can use: one video of one of its jobs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ShotTake {
    /// `<job id>-<index>`.
    pub video_id: String,
    pub job_id: String,
    pub index: u8,
    pub state: crate::VideoState,
    pub poster: bool,
}

/// A job a shot produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ShotJob {
    pub job_id: String,
    pub state: JobState,
    pub n: u8,
    pub delivered: u8,
    /// USD per delivered video, as recorded when it started.
    pub price_usd: Option<f64>,
    pub created_at: i64,
}

/// A shot of a storyboard, with its takes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ShotRecord {
    pub id: String,
    pub storyboard_id: String,
    /// From 1, in the sequence's order.
    pub position: u32,
    #[serde(flatten)]
    pub draft: ShotDraft,
    /// The chosen take (`<job id>-<index>`).
    pub chosen: Option<String>,
    pub out_of_date: bool,
    /// Its jobs, oldest first.
    pub jobs: Vec<ShotJob>,
    /// Their videos, oldest job first.
    pub takes: Vec<ShotTake>,
}

impl ShotRecord {
    /// The chosen take, when it is one of the shot's takes.
    pub fn chosen_take(&self) -> Option<&ShotTake> {
        let chosen = self.chosen.as_deref()?;
        self.takes.iter().find(|t| t.video_id == chosen)
    }
}

/// Where a new shot goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    End,
    /// Before the shot at this position (from 1).
    At(u32),
}

const SHOT_COLUMNS: &str = "id, storyboard_id, position, prompt, start_frame, end_frame, model, \
     options, n, continues, chosen_job, chosen_idx, in_ms, out_ms, out_of_date";

fn read_shot(r: &Row<'_>) -> rusqlite::Result<ShotRecord> {
    let chosen_job: Option<String> = r.get(10)?;
    let chosen_idx: Option<u8> = r.get(11)?;
    let ms = |i: usize| -> rusqlite::Result<Option<u64>> {
        Ok(r.get::<_, Option<i64>>(i)?
            .and_then(|v| u64::try_from(v).ok()))
    };
    Ok(ShotRecord {
        id: r.get(0)?,
        storyboard_id: r.get(1)?,
        position: r.get(2)?,
        draft: ShotDraft {
            prompt: r.get(3)?,
            start_frame: r.get(4)?,
            end_frame: r.get(5)?,
            model: r.get(6)?,
            options: r
                .get::<_, Option<String>>(7)?
                .and_then(|o| serde_json::from_str(&o).ok())
                .unwrap_or_default(),
            n: r.get(8)?,
            continues: r.get(9)?,
            in_ms: ms(12)?,
            out_ms: ms(13)?,
        },
        chosen: chosen_job
            .zip(chosen_idx)
            .map(|(j, i)| framecast_core::id::video_id(&j, i)),
        out_of_date: r.get(14)?,
        jobs: Vec::new(),
        takes: Vec::new(),
    })
}

fn invalid(en: impl Into<String>, zh: impl Into<String>) -> LibraryError {
    LibraryError::Invalid(framecast_core::Error::invalid_input(en, zh))
}

/// Refuses a draft no job could be made from later.
fn check(draft: &ShotDraft) -> Result<()> {
    if !(1..=4).contains(&draft.n) {
        return Err(invalid(
            format!("a shot makes 1 to 4 takes, not {}", draft.n),
            format!("每个镜头生成 1 到 4 个版本，不能是 {}", draft.n),
        ));
    }
    if draft.model.trim().is_empty() {
        return Err(invalid("a shot needs a model", "镜头需要选择模型"));
    }
    if let (Some(i), Some(o)) = (draft.in_ms, draft.out_ms)
        && i >= o
    {
        return Err(invalid(
            "a shot's in point must come before its out point",
            "镜头的入点必须早于出点",
        ));
    }
    Ok(())
}

fn ms_sql(v: Option<u64>) -> Option<i64> {
    v.map(|v| i64::try_from(v).unwrap_or(i64::MAX))
}

fn options_sql(options: &VideoOptions) -> Option<String> {
    (!options.is_empty()).then(|| serde_json::to_string(options).unwrap_or_default())
}

impl Library {
    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// A new, empty storyboard.
    pub fn create_storyboard(&self, name: &str) -> Result<Storyboard> {
        let id = uuid::Uuid::now_v7().to_string();
        let now = now_ms();
        self.conn().execute(
            "INSERT INTO storyboards (id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
            params![id, name_of(name)?, now],
        )?;
        self.storyboard(&id)?
            .ok_or_else(|| LibraryError::NotFound(format!("storyboard {id}")))
    }

    pub fn rename_storyboard(&self, id: &str, name: &str) -> Result<()> {
        let changed = self.conn().execute(
            "UPDATE storyboards SET name = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, name_of(name)?, now_ms()],
        )?;
        found(changed, || format!("storyboard {id}"))
    }

    /// Deletes a storyboard and its shots; the jobs and videos stay in the library.
    pub fn delete_storyboard(&self, id: &str) -> Result<()> {
        let changed = self
            .conn()
            .execute("DELETE FROM storyboards WHERE id = ?1", [id])?;
        found(changed, || format!("storyboard {id}"))
    }

    /// Every storyboard, the most recently changed first.
    pub fn storyboards(&self) -> Result<Vec<Storyboard>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "{STORYBOARD_SELECT} GROUP BY b.id ORDER BY b.updated_at DESC, b.id DESC"
        ))?;
        Ok(stmt
            .query_map([], read_storyboard)?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }

    pub fn storyboard(&self, id: &str) -> Result<Option<Storyboard>> {
        Ok(self
            .conn()
            .query_row(
                &format!("{STORYBOARD_SELECT} WHERE b.id = ?1 GROUP BY b.id"),
                [id],
                read_storyboard,
            )
            .optional()?)
    }

    /// A storyboard's shots in order, each with its jobs and takes (three statements, however
    /// many shots).
    pub fn shots(&self, storyboard: &str) -> Result<Vec<ShotRecord>> {
        let conn = self.conn();
        let mut shots = conn
            .prepare_cached(&format!(
                "SELECT {SHOT_COLUMNS} FROM storyboard_shots WHERE storyboard_id = ?1
                 ORDER BY position"
            ))?
            .query_map([storyboard], read_shot)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut jobs = conn.prepare_cached(
            "SELECT t.shot_id, j.id, j.state, j.n, j.delivered, j.price_usd, j.created_at
             FROM storyboard_takes t JOIN storyboard_shots s ON s.id = t.shot_id
             JOIN jobs j ON j.id = t.job_id
             WHERE s.storyboard_id = ?1 ORDER BY t.added_at, j.id",
        )?;
        let rows = jobs.query_map([storyboard], |r| {
            Ok((
                r.get::<_, String>(0)?,
                ShotJob {
                    job_id: r.get(1)?,
                    state: JobState::parse(&r.get::<_, String>(2)?),
                    n: r.get(3)?,
                    delivered: r.get(4)?,
                    price_usd: r.get(5)?,
                    created_at: r.get(6)?,
                },
            ))
        })?;
        for row in rows {
            let (shot, job) = row?;
            if let Some(s) = shots.iter_mut().find(|s| s.id == shot) {
                s.jobs.push(job);
            }
        }
        let mut takes = conn.prepare_cached(
            "SELECT t.shot_id, v.job_id, v.idx, v.state, v.poster IS NOT NULL
             FROM storyboard_takes t JOIN storyboard_shots s ON s.id = t.shot_id
             JOIN videos v ON v.job_id = t.job_id
             WHERE s.storyboard_id = ?1 ORDER BY t.added_at, v.job_id, v.idx",
        )?;
        let rows = takes.query_map([storyboard], |r| {
            let job_id: String = r.get(1)?;
            let index: u8 = r.get(2)?;
            Ok((
                r.get::<_, String>(0)?,
                ShotTake {
                    video_id: framecast_core::id::video_id(&job_id, index),
                    job_id,
                    index,
                    state: crate::VideoState::parse(&r.get::<_, String>(3)?),
                    poster: r.get(4)?,
                },
            ))
        })?;
        for row in rows {
            let (shot, take) = row?;
            if let Some(s) = shots.iter_mut().find(|s| s.id == shot) {
                s.takes.push(take);
            }
        }
        Ok(shots)
    }

    /// One shot, with its jobs and takes.
    pub fn shot(&self, id: &str) -> Result<ShotRecord> {
        let board: String = self
            .conn()
            .query_row(
                "SELECT storyboard_id FROM storyboard_shots WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| LibraryError::NotFound(format!("shot {id}")))?;
        self.shots(&board)?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(|| LibraryError::NotFound(format!("shot {id}")))
    }

    /// Adds a shot to `storyboard` at `place`; its id.
    pub fn add_shot(&self, storyboard: &str, draft: &ShotDraft, place: Place) -> Result<String> {
        check(draft)?;
        self.write(|tx| insert_shot(tx, storyboard, draft, place, None))
    }

    /// Adds a shot made from a past job: its prompt, frames, model, options and count, with the
    /// job's videos as its takes and its keeper (a favourite, else the first saved) chosen.
    pub fn add_shot_from_job(&self, storyboard: &str, job: &str, place: Place) -> Result<String> {
        self.write(|tx| {
            let draft = draft_of_job(tx, job)?;
            let chosen: Option<u8> = tx
                .query_row(
                    "SELECT idx FROM videos WHERE job_id = ?1
                     ORDER BY favourite DESC, state = 'saved' DESC, idx LIMIT 1",
                    [job],
                    |r| r.get(0),
                )
                .optional()?;
            insert_shot(tx, storyboard, &draft, place, Some((job, chosen)))
        })
    }

    /// Adds a shot made from one take: as from its job, with that take chosen.
    pub fn add_shot_from_take(
        &self,
        storyboard: &str,
        video_id: &str,
        place: Place,
    ) -> Result<String> {
        let video = self.video(video_id)?;
        self.write(|tx| {
            let draft = draft_of_job(tx, &video.job_id)?;
            insert_shot(
                tx,
                storyboard,
                &draft,
                place,
                Some((&video.job_id, Some(video.index))),
            )
        })
    }

    /// Changes what a shot asks for (its takes and choice stay).
    pub fn update_shot(&self, id: &str, draft: &ShotDraft) -> Result<()> {
        check(draft)?;
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE storyboard_shots SET prompt = ?2, start_frame = ?3, end_frame = ?4,
                     model = ?5, options = ?6, n = ?7, continues = ?8, in_ms = ?9, out_ms = ?10,
                     updated_at = ?11
                 WHERE id = ?1",
                params![
                    id,
                    draft.prompt,
                    draft.start_frame,
                    draft.end_frame,
                    draft.model.trim(),
                    options_sql(&draft.options),
                    draft.n,
                    draft.continues,
                    ms_sql(draft.in_ms),
                    ms_sql(draft.out_ms),
                    now_ms()
                ],
            )?;
            found(changed, || format!("shot {id}"))?;
            touch(tx, &board_of(tx, id)?)
        })
    }

    /// Moves a shot to `position` (from 1; past the end is the end).
    pub fn move_shot(&self, id: &str, position: u32) -> Result<()> {
        self.write(|tx| {
            let board = board_of(tx, id)?;
            let mut order = order_of(tx, &board)?;
            let from = order.iter().position(|s| s == id).unwrap_or(0);
            let shot = order.remove(from);
            let to = (position.max(1) as usize - 1).min(order.len());
            order.insert(to, shot);
            renumber(tx, &order)?;
            touch(tx, &board)
        })
    }

    /// Puts a storyboard's shots in the order given (every shot, each once).
    pub fn reorder_shots(&self, storyboard: &str, ids: &[String]) -> Result<()> {
        self.write(|tx| {
            let mut now = order_of(tx, storyboard)?;
            let mut asked = ids.to_vec();
            now.sort();
            asked.sort();
            if now != asked {
                return Err(invalid(
                    "the new order must list every shot of the storyboard once",
                    "新的顺序必须包含故事板的每个镜头，且各一次",
                ));
            }
            renumber(tx, ids)?;
            touch(tx, storyboard)
        })
    }

    /// Removes a shot from its storyboard; its jobs and videos stay in the library.
    pub fn delete_shot(&self, id: &str) -> Result<()> {
        self.write(|tx| {
            let board = board_of(tx, id)?;
            tx.execute("DELETE FROM storyboard_shots WHERE id = ?1", [id])?;
            let order = order_of(tx, &board)?;
            renumber(tx, &order)?;
            touch(tx, &board)
        })
    }

    /// Chooses one of a shot's takes for the sequence (`None`: no take). The continuing shots
    /// after it that no longer start from it are marked out of date; nothing is regenerated.
    pub fn choose_take(&self, id: &str, video_id: Option<&str>) -> Result<()> {
        self.write(|tx| {
            let board = board_of(tx, id)?;
            let chosen = match video_id {
                Some(v) => {
                    let (job, index) = parse_video_id(v)
                        .map_err(|_| LibraryError::NotFound(format!("video {v}")))?;
                    let job = job.to_string();
                    let ours: bool = tx.query_row(
                        "SELECT EXISTS (SELECT 1 FROM storyboard_takes t
                             JOIN videos v ON v.job_id = t.job_id
                             WHERE t.shot_id = ?1 AND v.job_id = ?2 AND v.idx = ?3)",
                        params![id, job, index],
                        |r| r.get(0),
                    )?;
                    if !ours {
                        return Err(invalid(
                            format!("video {v} is not a take of this shot"),
                            format!("视频 {v} 不是这个镜头的版本"),
                        ));
                    }
                    Some((job, index))
                }
                None => None,
            };
            tx.execute(
                "UPDATE storyboard_shots SET chosen_job = ?2, chosen_idx = ?3, updated_at = ?4
                 WHERE id = ?1",
                params![
                    id,
                    chosen.as_ref().map(|c| &c.0),
                    chosen.as_ref().map(|c| c.1),
                    now_ms()
                ],
            )?;
            touch(tx, &board)
        })
    }

    /// Records that `job` was made for shot `id`: its videos become takes to choose from. When
    /// the job ends, a shot with none chosen takes its first saved take ([`Library::settle_shot`],
    /// called by the recorder).
    pub fn attach_job(&self, id: &str, job: &str) -> Result<()> {
        self.write(|tx| {
            let board = board_of(tx, id)?;
            tx.execute(
                "INSERT OR IGNORE INTO storyboard_takes (shot_id, job_id, added_at)
                 VALUES (?1, ?2, ?3)",
                params![id, job, now_ms()],
            )?;
            touch(tx, &board)
        })
    }

    /// After `job` ended: each shot it was made for that has no chosen take takes its first
    /// saved video. The recorder calls this when any job ends, so a shot's job that finished
    /// after a restart (recovered, or by `framecast-cli resume`) is settled too.
    pub(crate) fn settle_job(&self, job: &str) -> Result<()> {
        let shots: Vec<String> = {
            let conn = self.conn();
            let mut stmt =
                conn.prepare_cached("SELECT shot_id FROM storyboard_takes WHERE job_id = ?1")?;
            stmt.query_map([job], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?
        };
        for shot in shots {
            self.settle_shot(&shot, job)?;
        }
        Ok(())
    }

    /// After a shot's job ended: a shot with no chosen take takes its job's first saved video.
    pub fn settle_shot(&self, id: &str, job: &str) -> Result<()> {
        self.write(|tx| {
            let board = board_of(tx, id)?;
            tx.execute(
                "UPDATE storyboard_shots
                 SET chosen_job = ?2,
                     chosen_idx = (SELECT idx FROM videos WHERE job_id = ?2
                                   ORDER BY state = 'saved' DESC, idx LIMIT 1),
                     updated_at = ?3
                 WHERE id = ?1 AND chosen_job IS NULL
                   AND EXISTS (SELECT 1 FROM videos WHERE job_id = ?2)",
                params![id, job, now_ms()],
            )?;
            touch(tx, &board)
        })
    }
}

const STORYBOARD_SELECT: &str = "SELECT b.id, b.name, b.created_at, b.updated_at,
        count(s.id), count(s.chosen_job)
     FROM storyboards b LEFT JOIN storyboard_shots s ON s.storyboard_id = b.id";

fn read_storyboard(r: &Row<'_>) -> rusqlite::Result<Storyboard> {
    Ok(Storyboard {
        id: r.get(0)?,
        name: r.get(1)?,
        created_at: r.get(2)?,
        updated_at: r.get(3)?,
        shots: r.get(4)?,
        chosen: r.get(5)?,
    })
}

fn name_of(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(invalid("a storyboard needs a name", "故事板需要一个名称"));
    }
    Ok(name.chars().take(200).collect())
}

fn found(changed: usize, what: impl FnOnce() -> String) -> Result<()> {
    if changed == 0 {
        Err(LibraryError::NotFound(what()))
    } else {
        Ok(())
    }
}

fn board_of(conn: &Connection, shot: &str) -> Result<String> {
    conn.query_row(
        "SELECT storyboard_id FROM storyboard_shots WHERE id = ?1",
        [shot],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| LibraryError::NotFound(format!("shot {shot}")))
}

fn order_of(conn: &Connection, board: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM storyboard_shots WHERE storyboard_id = ?1 ORDER BY position",
    )?;
    Ok(stmt
        .query_map([board], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

fn renumber(conn: &Connection, order: &[String]) -> Result<()> {
    let mut stmt =
        conn.prepare_cached("UPDATE storyboard_shots SET position = ?2 WHERE id = ?1")?;
    for (i, id) in order.iter().enumerate() {
        stmt.execute(params![id, i64::try_from(i + 1).unwrap_or(i64::MAX)])?;
    }
    Ok(())
}

/// The storyboard changed: its time, and which shots are out of date.
fn touch(conn: &Connection, board: &str) -> Result<()> {
    conn.execute(
        "UPDATE storyboards SET updated_at = ?2 WHERE id = ?1",
        params![board, now_ms()],
    )?;
    // A continuing shot with a chosen take is out of date unless that take's job started from
    // the previous shot's chosen take (its start frame's lineage).
    conn.execute(
        "UPDATE storyboard_shots AS s SET out_of_date = coalesce((
             SELECT s.continues = 1 AND s.chosen_job IS NOT NULL AND NOT EXISTS (
                 SELECT 1 FROM continuations c
                 WHERE c.job_id = s.chosen_job AND c.slot = 'start'
                   AND c.from_job = p.chosen_job AND c.from_idx = p.chosen_idx)
             FROM storyboard_shots p
             WHERE p.storyboard_id = s.storyboard_id AND p.position = s.position - 1), 0)
         WHERE s.storyboard_id = ?1",
        [board],
    )?;
    Ok(())
}

/// What a past job asked for, as a shot.
fn draft_of_job(conn: &Connection, job: &str) -> Result<ShotDraft> {
    conn.query_row(
        "SELECT prompt, start_frame, end_frame, model, options, n FROM jobs WHERE id = ?1",
        [job],
        |r| {
            Ok(ShotDraft {
                prompt: r.get(0)?,
                start_frame: r.get(1)?,
                end_frame: r.get(2)?,
                model: r.get(3)?,
                options: r
                    .get::<_, Option<String>>(4)?
                    .and_then(|o| serde_json::from_str(&o).ok())
                    .unwrap_or_default(),
                n: r.get(5)?,
                ..ShotDraft::default()
            })
        },
    )
    .optional()?
    .ok_or_else(|| LibraryError::NotFound(format!("job {job}")))
}

fn insert_shot(
    tx: &Transaction<'_>,
    board: &str,
    draft: &ShotDraft,
    place: Place,
    from: Option<(&str, Option<u8>)>,
) -> Result<String> {
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM storyboards WHERE id = ?1)",
        [board],
        |r| r.get(0),
    )?;
    if !exists {
        return Err(LibraryError::NotFound(format!("storyboard {board}")));
    }
    let id = uuid::Uuid::now_v7().to_string();
    let now = now_ms();
    let chosen = from.and_then(|(job, idx)| idx.map(|i| (job, i)));
    tx.execute(
        "INSERT INTO storyboard_shots (id, storyboard_id, position, prompt, start_frame,
             end_frame, model, options, n, continues, chosen_job, chosen_idx, in_ms, out_ms,
             created_at, updated_at)
         VALUES (?1, ?2, 1 + (SELECT count(*) FROM storyboard_shots WHERE storyboard_id = ?2),
                 ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)",
        params![
            id,
            board,
            draft.prompt,
            draft.start_frame,
            draft.end_frame,
            draft.model.trim(),
            options_sql(&draft.options),
            draft.n,
            draft.continues,
            chosen.map(|c| c.0),
            chosen.map(|c| c.1),
            ms_sql(draft.in_ms),
            ms_sql(draft.out_ms),
            now
        ],
    )?;
    if let Some((job, _)) = from {
        tx.execute(
            "INSERT INTO storyboard_takes (shot_id, job_id, added_at) VALUES (?1, ?2, ?3)",
            params![id, job, now],
        )?;
    }
    if let Place::At(position) = place {
        let mut order = order_of(tx, board)?;
        let shot = order.pop().unwrap_or_default();
        let to = (position.max(1) as usize - 1).min(order.len());
        order.insert(to, shot);
        renumber(tx, &order)?;
    }
    touch(tx, board)?;
    Ok(id)
}
