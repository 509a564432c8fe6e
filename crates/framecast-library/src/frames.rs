//! Prepared frames, stored once by content: `frames/<sha256>.<ext>` (the exact bytes that were
//! sent) and `frames/<sha256>.thumb.jpg` in the data directory, with a row of facts. A job names
//! its frames by SHA-256, so it can be reused or run again later with the same pixels, even when
//! the files it was made from are gone.

use crate::{Library, LibraryError, Result, now_ms};
use base64::Engine;
use framecast_core::frames::{FrameFacts, PreparedFrame, data_url};
use rusqlite::{OptionalExtension, params};
use std::path::{Path, PathBuf};

impl Library {
    /// Stores a prepared frame (once: storing the same pixels again does nothing).
    pub fn store_frame(&self, frame: &PreparedFrame) -> Result<()> {
        let sha = &frame.facts.sha256;
        if !is_sha256(sha) {
            return Err(LibraryError::NotFound(format!("frame {sha}")));
        }
        let bytes = decode(&frame.data_url)
            .ok_or_else(|| LibraryError::NotFound(format!("frame {sha}")))?;
        let file = format!("frames/{sha}.{}", extension(&frame.facts.mime));
        let thumbnail = format!("frames/{sha}.thumb.jpg");
        self.write_once(&file, &bytes)?;
        self.write_once(&thumbnail, &frame.thumbnail)?;
        let facts = serde_json::to_string(&frame.facts).unwrap_or_default();
        self.conn().execute(
            "INSERT OR IGNORE INTO frames (sha256, mime, width, height, bytes, file, thumbnail, facts, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                sha,
                frame.facts.mime,
                frame.facts.width,
                frame.facts.height,
                i64::try_from(bytes.len()).unwrap_or(i64::MAX),
                file,
                thumbnail,
                facts,
                now_ms()
            ],
        )?;
        Ok(())
    }

    /// A stored frame, ready to send again.
    pub fn frame(&self, sha256: &str) -> Result<PreparedFrame> {
        let row: Option<(String, String, String)> = self
            .conn()
            .query_row(
                "SELECT file, thumbnail, facts FROM frames WHERE sha256 = ?1",
                [sha256],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let missing = || LibraryError::NotFound(format!("frame {sha256}"));
        let (file, thumbnail, facts) = row.ok_or_else(missing)?;
        let facts: FrameFacts = serde_json::from_str(&facts).map_err(|_| missing())?;
        let bytes = self.read(&file)?;
        let thumbnail = self.read(&thumbnail)?;
        Ok(PreparedFrame {
            data_url: data_url(&facts.mime, &bytes),
            thumbnail,
            facts,
        })
    }

    /// Where a stored frame's thumbnail is.
    pub fn frame_thumbnail(&self, sha256: &str) -> Option<PathBuf> {
        is_sha256(sha256).then(|| self.dir.join(format!("frames/{sha256}.thumb.jpg")))
    }

    fn read(&self, relative: &str) -> Result<Vec<u8>> {
        let path = self.dir.join(relative);
        std::fs::read(&path).map_err(|e| LibraryError::io(&path, e))
    }

    /// Writes `bytes` to `relative` unless it is already there (content-addressed names never
    /// change meaning), through a temporary file so no half-written frame is ever seen.
    pub(crate) fn write_once(&self, relative: &str, bytes: &[u8]) -> Result<()> {
        let path = self.dir.join(relative);
        if path.exists() {
            return Ok(());
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        crate::private::dir(dir)?;
        let tmp = dir.join(format!(".{}.{}", self.session(), file_name(&path)));
        crate::private::write(&path, &tmp, bytes, false)
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn decode(data_url: &str) -> Option<Vec<u8>> {
    let (_, b64) = data_url.split_once(";base64,")?;
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

fn extension(mime: &str) -> &'static str {
    match mime {
        "image/png" => "png",
        "image/webp" => "webp",
        _ => "jpg",
    }
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}
