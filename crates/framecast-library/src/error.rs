//! The library's one error type, and how it reads to a person (through the engine's `Error`).

use framecast_core::{Error, ErrorKind};
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error("the library's database failed: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("could not use {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("job {0} was already started")]
    AlreadyStarted(String),
    #[error(
        "the library was written by a newer Framecast (schema {found}; this one knows {known})"
    )]
    TooNew { found: usize, known: usize },
    #[error("the system has no per-user data folder; set FRAMECAST_DATA_DIR")]
    NoDataDir,
    #[error("{0} is not in the library")]
    NotFound(String),
    #[error("{0}")]
    Invalid(framecast_core::Error),
    #[error("the credential store failed: {0}")]
    Keys(String),
    #[error("video {video} is {state}; only a saved, expired or discarded video can be deleted")]
    NotDeletable { video: String, state: &'static str },
    #[error("{} cannot go to a trash here; nothing was deleted", .0.display())]
    NoTrash(PathBuf),
    #[error(
        "{} is not in the folder Framecast saved this video in, so it was not moved to the trash; nothing was deleted",
        .0.display()
    )]
    NotOurs(PathBuf),
}

impl LibraryError {
    pub(crate) fn io(path: &Path, source: io::Error) -> Self {
        Self::Io {
            path: path.to_owned(),
            source,
        }
    }

    /// The database or its disk is full.
    fn full(&self) -> bool {
        match self {
            Self::Database(rusqlite::Error::SqliteFailure(e, _)) => {
                e.code == rusqlite::ErrorCode::DiskFull
            }
            Self::Io { source, .. } => source.kind() == io::ErrorKind::StorageFull,
            _ => false,
        }
    }

    /// Another connection holds the lock this one needs.
    pub(crate) fn busy(&self) -> bool {
        matches!(
            self,
            Self::Database(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    }
}

/// Results of the library.
pub type Result<T, E = LibraryError> = std::result::Result<T, E>;

impl From<LibraryError> for Error {
    fn from(e: LibraryError) -> Self {
        let detail = e.to_string();
        match &e {
            _ if e.full() => Error::with(
                ErrorKind::Internal,
                format!(
                    "the disk is full, so the library cannot record anything; free some space ({detail})"
                ),
                format!("磁盘已满，资料库无法记录；请清理空间（{detail}）"),
            ),
            LibraryError::AlreadyStarted(id) => Error::invalid_input(
                format!("job {id} was already started; it is not sent again"),
                format!("任务 {id} 已经开始，不会重复发送"),
            ),
            LibraryError::TooNew { .. } => Error::with(
                ErrorKind::Internal,
                format!("{detail}; update Framecast"),
                format!("资料库由更新版本的 Framecast 创建；请更新 Framecast（{detail}）"),
            ),
            LibraryError::NoDataDir => Error::with(
                ErrorKind::Internal,
                detail,
                "系统没有用户数据文件夹；请设置 FRAMECAST_DATA_DIR",
            ),
            LibraryError::NotFound(what) => Error::invalid_input(
                format!("{what} is not in the library"),
                format!("资料库中没有 {what}"),
            ),
            LibraryError::Invalid(e) => e.clone(),
            LibraryError::Keys(why) => Error::with(
                ErrorKind::Internal,
                format!("the system's credential store failed: {why}"),
                format!("系统凭据存储出错：{why}"),
            ),
            LibraryError::NotDeletable { video, state } => Error::invalid_input(
                format!(
                    "video {video} is {state}: only a saved, expired or discarded video can be deleted, so no paid link or download is lost"
                ),
                format!(
                    "视频 {video} 的状态是 {state}：只能删除已保存、已过期或已放弃的视频，以免丢失已付费的链接或下载"
                ),
            ),
            LibraryError::NoTrash(path) => Error::with(
                ErrorKind::Internal,
                format!(
                    "{} cannot be moved to a trash on this drive, so nothing was deleted; delete the file yourself if you are sure",
                    path.display()
                ),
                format!(
                    "{} 所在的磁盘没有回收站，因此没有删除任何内容；如确定不要，请自行删除该文件",
                    path.display()
                ),
            ),
            LibraryError::NotOurs(path) => Error::invalid_input(
                format!(
                    "{} is not in the folder Framecast saved this video in, so it was not moved to the trash and nothing was deleted",
                    path.display()
                ),
                format!(
                    "{} 不在 Framecast 保存该视频的文件夹中，因此没有移到回收站，也没有删除任何内容",
                    path.display()
                ),
            ),
            LibraryError::Database(_) | LibraryError::Io { .. } => Error::with(
                ErrorKind::Internal,
                format!("the library could not be used: {detail}"),
                format!("无法使用资料库：{detail}"),
            ),
        }
    }
}
