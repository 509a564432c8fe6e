//! Delivered videos: one row each, from the moment the URL arrives, through the download, to the
//! file (or the reason there is none).

use crate::{Library, LibraryError, Result};
use framecast_core::ErrorReport;
use framecast_core::id::parse_video_id;
use framecast_core::sidecar::VideoOrigin;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What became of a delivered video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum VideoState {
    /// Its URL is known and it is being (or is to be) downloaded.
    Downloading,
    Saved,
    /// The download failed; it can be tried again while the link lives.
    Failed,
    /// The link was refused or has expired; the URL is kept.
    Expired,
    /// The person chose not to keep it.
    Discarded,
    /// Only the link was asked for.
    LinkOnly,
}

impl VideoState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Downloading => "downloading",
            Self::Saved => "saved",
            Self::Failed => "failed",
            Self::Expired => "expired",
            Self::Discarded => "discarded",
            Self::LinkOnly => "link_only",
        }
    }

    pub(crate) fn parse(s: &str) -> Self {
        match s {
            "downloading" => Self::Downloading,
            "saved" => Self::Saved,
            "expired" => Self::Expired,
            "discarded" => Self::Discarded,
            "link_only" => Self::LinkOnly,
            _ => Self::Failed,
        }
    }
}

/// One delivered video.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct VideoRecord {
    /// `<job id>-<index>`.
    pub id: String,
    pub job_id: String,
    pub index: u8,
    pub url: String,
    /// Unix milliseconds.
    pub delivered_at: i64,
    pub state: VideoState,
    /// Where it is going while downloading; where it is once saved.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub path: Option<PathBuf>,
    pub bytes: u64,
    pub total: Option<u64>,
    pub error: Option<ErrorReport>,
    pub saved_at: Option<i64>,
    /// The person marked it as a keeper.
    pub favourite: bool,
    /// A poster frame is stored for it.
    pub poster: bool,
}

impl VideoRecord {
    /// The file, when the video is saved and the file is still there.
    pub fn file(&self) -> Option<&std::path::Path> {
        self.path
            .as_deref()
            .filter(|p| self.state == VideoState::Saved && p.is_file())
    }
}

pub(crate) const COLUMNS: &str =
    "job_id, idx, url, delivered_at, state, path, bytes, total, error, saved_at, favourite, poster";

pub(crate) fn read_video(r: &Row<'_>) -> rusqlite::Result<VideoRecord> {
    let job_id: String = r.get(0)?;
    let index: u8 = r.get(1)?;
    Ok(VideoRecord {
        id: format!("{job_id}-{index}"),
        job_id,
        index,
        url: r.get(2)?,
        delivered_at: r.get(3)?,
        state: VideoState::parse(&r.get::<_, String>(4)?),
        path: r.get::<_, Option<String>>(5)?.map(PathBuf::from),
        bytes: r.get::<_, i64>(6)?.try_into().unwrap_or(0),
        total: r
            .get::<_, Option<i64>>(7)?
            .and_then(|t| u64::try_from(t).ok()),
        error: r
            .get::<_, Option<String>>(8)?
            .and_then(|e| serde_json::from_str(&e).ok()),
        saved_at: r.get(9)?,
        favourite: r.get(10)?,
        poster: r.get::<_, Option<String>>(11)?.is_some(),
    })
}

pub(crate) fn of_job(conn: &Connection, job: &str) -> Result<Vec<VideoRecord>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM videos WHERE job_id = ?1 ORDER BY idx"
    ))?;
    Ok(stmt
        .query_map([job], read_video)?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

impl Library {
    /// A video by its id (`<job id>-<index>`).
    pub fn video(&self, video_id: &str) -> Result<VideoRecord> {
        let (job, index) = parse_video_id(video_id)
            .map_err(|_| LibraryError::NotFound(format!("video {video_id}")))?;
        self.conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM videos WHERE job_id = ?1 AND idx = ?2"),
                params![job.to_string(), index],
                read_video,
            )
            .optional()?
            .ok_or_else(|| LibraryError::NotFound(format!("video {video_id}")))
    }

    /// Marks a video as a keeper, or not.
    pub fn set_favourite(&self, video_id: &str, favourite: bool) -> Result<()> {
        let (job, index) = split(video_id)?;
        let changed = self.conn().execute(
            "UPDATE videos SET favourite = ?3 WHERE job_id = ?1 AND idx = ?2",
            params![job, index, favourite],
        )?;
        if changed == 0 {
            return Err(LibraryError::NotFound(format!("video {video_id}")));
        }
        Ok(())
    }

    /// Deletes a video: its file and sidecar go to the OS trash or are removed (`how`), its
    /// poster is removed, and its row goes. The job stays, and so does what the video cost
    /// (`jobs.delivered` keeps counting it). Returns where the file was.
    ///
    /// Only a saved, expired or discarded video can go: one still downloading, failed (to be
    /// tried again) or kept as a link only is the one record of a paid result.
    pub fn delete_video(&self, video_id: &str, how: Discard) -> Result<Option<PathBuf>> {
        let video = self.video(video_id)?;
        if !matches!(
            video.state,
            VideoState::Saved | VideoState::Expired | VideoState::Discarded
        ) {
            return Err(LibraryError::NotDeletable {
                video: video_id.to_owned(),
                state: video.state.as_str(),
            });
        }
        let file = video.file().map(std::path::Path::to_owned);
        if let Some(file) = &file {
            if !self.in_its_folder(&video.job_id, file)? {
                return Err(LibraryError::NotOurs(file.clone()));
            }
            let sidecar = framecast_core::sidecar::sidecar_path(file);
            for path in [file.as_path(), sidecar.as_path()] {
                if path.exists() {
                    discard_file(path, how)?;
                }
            }
        }
        if let Some(poster) = self.poster(video_id) {
            let _ = std::fs::remove_file(poster);
        }
        let (job, index) = split(video_id)?;
        self.conn().execute(
            "DELETE FROM videos WHERE job_id = ?1 AND idx = ?2",
            params![job, index],
        )?;
        Ok(file)
    }

    /// Whether `file` is a video Framecast saved for job `job`: an `.mp4` directly in the folder
    /// the job saved its videos in. Only such a file is ever moved to the trash, whatever path a
    /// row may hold.
    fn in_its_folder(&self, job: &str, file: &std::path::Path) -> Result<bool> {
        let folder: Option<String> = self
            .conn()
            .query_row("SELECT save_dir FROM jobs WHERE id = ?1", [job], |r| {
                r.get(0)
            })
            .optional()?
            .flatten();
        let (Some(folder), Ok(file)) = (folder, file.canonicalize()) else {
            return Ok(false);
        };
        let Ok(folder) = std::path::Path::new(&folder).canonicalize() else {
            return Ok(false);
        };
        Ok(file.parent() == Some(folder.as_path())
            && file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("mp4")))
    }

    /// Where a video came from, as its sidecar says it.
    pub fn origin(&self, video: &VideoRecord) -> Result<VideoOrigin> {
        let conn = self.conn();
        let job = conn
            .query_row(
                &format!("SELECT {} FROM jobs WHERE id = ?1", crate::jobs::COLUMNS),
                [&video.job_id],
                crate::jobs::read_job,
            )
            .optional()?
            .ok_or_else(|| LibraryError::NotFound(format!("job {}", video.job_id)))?;
        Ok(origin_of(&job, video))
    }

    /// The person does not want the unfinished downloads of a job: they stop counting as
    /// unfinished. Returns where their partial files are, to remove.
    pub fn discard_downloads(&self, job: &str) -> Result<Vec<PathBuf>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "UPDATE videos SET state = 'discarded'
             WHERE job_id = ?1 AND state IN ('downloading', 'failed') RETURNING path",
        )?;
        let paths = stmt
            .query_map([job], |r| r.get::<_, Option<String>>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(paths.into_iter().flatten().map(PathBuf::from).collect())
    }
}

/// `<job id>-<index>` as the columns that key a video.
pub(crate) fn split(video_id: &str) -> Result<(String, u8)> {
    let (job, index) = parse_video_id(video_id)
        .map_err(|_| LibraryError::NotFound(format!("video {video_id}")))?;
    Ok((job.to_string(), index))
}

/// What deleting does with a video's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discard {
    /// To the OS trash (the freedesktop trash, the Recycle Bin, the Finder's Trash). Where there
    /// is none (a drive without one, a refused Finder), nothing is deleted: a paid video is not
    /// removed for good behind the person's back.
    Trash,
    /// Removed at once.
    Remove,
}

fn discard_file(path: &std::path::Path, how: Discard) -> Result<()> {
    match how {
        Discard::Trash => trash_context().delete(path).map_err(|e| {
            tracing::warn!(%e, path = %path.display(), "no trash here; nothing deleted");
            LibraryError::NoTrash(path.to_owned())
        }),
        Discard::Remove => std::fs::remove_file(path).map_err(|e| LibraryError::io(path, e)),
    }
}

/// How files go to the trash. On macOS the `trash` crate asks the Finder through AppleScript by
/// default, which needs an Automation permission that a hardened app may never be granted;
/// NSFileManager moves the file to the same Trash without asking anyone (only the Finder's "Put
/// Back" does not know where it came from).
fn trash_context() -> trash::TrashContext {
    #[cfg_attr(
        not(target_os = "macos"),
        expect(unused_mut, reason = "set on macOS only")
    )]
    let mut context = trash::TrashContext::new();
    #[cfg(target_os = "macos")]
    trash::macos::TrashContextExtMacos::set_delete_method(
        &mut context,
        trash::macos::DeleteMethod::NsFileManager,
    );
    context
}

/// The sidecar's view of a recorded video.
pub(crate) fn origin_of(job: &crate::JobRecord, video: &VideoRecord) -> VideoOrigin {
    let time = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(framecast_core::job::rfc3339)
            .unwrap_or_default()
    };
    VideoOrigin {
        job_id: job.id.clone(),
        prompt: job.prompt.clone(),
        model: job.model.clone(),
        n: job.n,
        index: video.index,
        frames_sha256: job
            .start_frame
            .iter()
            .chain(&job.end_frame)
            .cloned()
            .collect(),
        references_sha256: job.references.clone(),
        options: job.options.clone(),
        gateway_host: job.gateway_host.clone(),
        source_url: video.url.clone(),
        requested_at: time(job.created_at),
        delivered_at: time(video.delivered_at),
    }
}
