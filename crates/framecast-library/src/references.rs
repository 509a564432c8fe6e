//! Reference images: the ones each job sent, and the named sets a person keeps to use again
//! ("the red-haired girl", "our bottle"). The images themselves are stored by content like
//! frames ([`crate::frames`]), so a set or a job names them by SHA-256 and "Run again" sends the
//! same pixels after the files they came from are gone.

use crate::{Library, LibraryError, Result, now_ms};
use framecast_core::Error;
use framecast_core::frames::PreparedFrame;
use framecast_core::options::MAX_REFERENCES;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// A named set of reference images.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ReferenceSet {
    pub id: i64,
    pub name: String,
    /// SHA-256 of its images, in order (their thumbnails are the frame store's).
    pub images: Vec<String>,
    /// Unix milliseconds.
    pub updated_at: i64,
}

impl Library {
    /// Every set, by name.
    pub fn reference_sets(&self) -> Result<Vec<ReferenceSet>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, name, updated_at FROM reference_sets ORDER BY name COLLATE NOCASE",
        )?;
        let sets = stmt
            .query_map([], |r| {
                Ok(ReferenceSet {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    images: Vec::new(),
                    updated_at: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        sets.into_iter()
            .map(|mut s| {
                s.images = images_of(&conn, s.id)?;
                Ok(s)
            })
            .collect()
    }

    /// One set.
    pub fn reference_set(&self, id: i64) -> Result<ReferenceSet> {
        self.reference_sets()?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(|| LibraryError::NotFound(format!("reference set {id}")))
    }

    /// Keeps `images` as the set `name`: a new set when `id` is `None`, else set `id` renamed
    /// and given these images. The images are stored by content first.
    pub fn save_reference_set(
        &self,
        id: Option<i64>,
        name: &str,
        images: &[&PreparedFrame],
    ) -> Result<ReferenceSet> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(LibraryError::Invalid(Error::invalid_input(
                "give the set a name of at most 64 characters",
                "请为参考图组取一个不超过 64 个字符的名称",
            )));
        }
        if images.is_empty() || images.len() > MAX_REFERENCES {
            return Err(LibraryError::Invalid(Error::invalid_input(
                format!("a set holds 1 to {MAX_REFERENCES} reference images"),
                format!("参考图组可包含 1 到 {MAX_REFERENCES} 张图片"),
            )));
        }
        for image in images {
            self.store_frame(image)?;
        }
        let now = now_ms();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let written = match id {
            None => tx.execute(
                "INSERT INTO reference_sets (name, created_at, updated_at) VALUES (?1, ?2, ?2)",
                params![name, now],
            ),
            Some(id) => tx.execute(
                "UPDATE reference_sets SET name = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, name, now],
            ),
        };
        match written {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                return Err(LibraryError::Invalid(Error::invalid_input(
                    format!("there is already a reference set named “{name}”"),
                    format!("已有名为“{name}”的参考图组"),
                )));
            }
            Ok(0) => return Err(LibraryError::NotFound(format!("reference set {id:?}"))),
            other => other?,
        };
        let set = id.unwrap_or_else(|| tx.last_insert_rowid());
        tx.execute("DELETE FROM reference_set_images WHERE set_id = ?1", [set])?;
        for (i, image) in images.iter().enumerate() {
            tx.execute(
                "INSERT INTO reference_set_images (set_id, idx, sha256) VALUES (?1, ?2, ?3)",
                params![
                    set,
                    i64::try_from(i + 1).unwrap_or(i64::MAX),
                    image.facts.sha256
                ],
            )?;
        }
        tx.commit()?;
        drop(conn);
        self.reference_set(set)
    }

    /// Forgets a set (its images stay in the store: jobs may name them).
    pub fn remove_reference_set(&self, id: i64) -> Result<()> {
        self.conn()
            .execute("DELETE FROM reference_sets WHERE id = ?1", [id])?;
        Ok(())
    }

    /// The reference images of set `id`, ready to send.
    pub fn reference_images(&self, id: i64) -> Result<Vec<PreparedFrame>> {
        let exists: Option<i64> = self
            .conn()
            .query_row("SELECT id FROM reference_sets WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        if exists.is_none() {
            return Err(LibraryError::NotFound(format!("reference set {id}")));
        }
        let shas = images_of(&self.conn(), id)?;
        shas.iter().map(|sha| self.frame(sha)).collect()
    }
}

fn images_of(conn: &Connection, set: i64) -> Result<Vec<String>> {
    let mut stmt = conn
        .prepare_cached("SELECT sha256 FROM reference_set_images WHERE set_id = ?1 ORDER BY idx")?;
    Ok(stmt
        .query_map([set], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// The reference images job `job` sent, in order.
pub(crate) fn of_job(conn: &Connection, job: &str) -> Result<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT sha256 FROM job_references WHERE job_id = ?1 ORDER BY idx")?;
    Ok(stmt
        .query_map([job], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}
