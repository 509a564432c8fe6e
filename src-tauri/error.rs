//! The one error shape that crosses IPC: `{ kind, message, messageZh, gateway? }`, and the one
//! way commands run work that waits on a disk or on D-Bus.
//!
//! It is the engine's own report, so the app shows the same words the CLI prints, in the UI's
//! language, with the gateway's message and request id. Whatever fails inside Framecast without
//! a reason a person can act on is `internal`, with its cause chain kept.

use framecast_core::{Error, ErrorReport, Text};
use framecast_library::LibraryError;

/// An error as the web side receives it (boxed, so results stay small).
#[derive(Debug, Clone, serde::Serialize)]
#[serde(transparent)]
pub struct IpcError(pub Box<ErrorReport>);

impl From<Error> for IpcError {
    fn from(e: Error) -> Self {
        Self::from(&e)
    }
}

impl From<&Error> for IpcError {
    fn from(e: &Error) -> Self {
        Self(Box::new(ErrorReport::from(e)))
    }
}

impl From<LibraryError> for IpcError {
    fn from(e: LibraryError) -> Self {
        Self::from(Error::from(e))
    }
}

/// Results of commands.
pub type IpcResult<T> = Result<T, IpcError>;

/// Runs `work` — SQLite, the OS key store, anything that waits on a disk or on D-Bus — on the
/// blocking pool. The async runtime's workers serve every command, every job's channel and the
/// media server's range requests: one slow fsync must never stall a playing video.
pub async fn blocking<T, E>(work: impl FnOnce() -> Result<T, E> + Send + 'static) -> IpcResult<T>
where
    T: Send + 'static,
    E: Into<IpcError> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::internal(Text::new("a background task failed", "后台任务失败"), &e))?
        .map_err(Into::into)
}
