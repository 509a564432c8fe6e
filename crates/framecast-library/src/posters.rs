//! Posters: one still per video, captured once (by the desktop app's webview, which can decode
//! the video) and kept as a small JPEG under `posters/` in the data directory, so the library
//! view shows thousands of videos without decoding any of them.

use crate::videos::split;
use crate::{Library, LibraryError, Result};
use framecast_core::{Error, ErrorKind};
use rusqlite::{OptionalExtension, params};
use std::path::PathBuf;

/// The largest poster accepted: a thumbnail, not a frame.
pub const MAX_POSTER_BYTES: usize = 512 * 1024;

impl Library {
    /// Stores a video's poster (a JPEG). A video keeps the first poster it gets.
    pub fn set_poster(&self, video_id: &str, jpeg: &[u8]) -> Result<()> {
        if jpeg.len() > MAX_POSTER_BYTES || !jpeg.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Err(LibraryError::Invalid(Error::with(
                ErrorKind::InvalidInput,
                "a poster must be a JPEG of at most 512 KiB",
                "封面必须是不超过 512 KiB 的 JPEG",
            )));
        }
        let (job, index) = split(video_id)?;
        if self.poster(video_id).is_some() {
            return Ok(());
        }
        // Checked before writing, so no file is left for a video that is not in the library.
        self.video(video_id)?;
        let relative = format!("posters/{job}-{index}.jpg");
        self.write_once(&relative, jpeg)?;
        self.conn().execute(
            "UPDATE videos SET poster = ?3 WHERE job_id = ?1 AND idx = ?2",
            params![job, index, relative],
        )?;
        Ok(())
    }

    /// A video's poster file, when it has one.
    pub fn poster(&self, video_id: &str) -> Option<PathBuf> {
        let (job, index) = split(video_id).ok()?;
        let relative: Option<String> = self
            .conn()
            .query_row(
                "SELECT poster FROM videos WHERE job_id = ?1 AND idx = ?2",
                params![job, index],
                |r| r.get(0),
            )
            .optional()
            .ok()
            .flatten()
            .flatten();
        relative.map(|r| self.dir.join(r)).filter(|p| p.is_file())
    }
}
