//! The one error shape that crosses IPC: `{ kind, message, messageZh, gateway? }`.
//!
//! It is the engine's own report, so the app shows the same words the CLI prints, in the UI's
//! language, with the gateway's message and request id.

use framecast_core::{Error, ErrorReport};

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

/// Results of commands.
pub type IpcResult<T> = Result<T, IpcError>;
