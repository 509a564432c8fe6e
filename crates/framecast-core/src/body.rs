//! Reading a small HTTP answer whole — a task's state, a create's answer, a model list — with a
//! cap on its size and on the silence between its pieces.
//!
//! A gateway that answers a poll with an endless body must cost a bounded amount of memory and
//! time: the body is read piece by piece and refused once it passes the cap, and a piece that
//! does not come within `idle` ends the read. Answers this small never need more than a few
//! kilobytes; the cap is far above any real one.

use crate::error::{Error, ErrorKind};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use std::time::Duration;
use tokio::time::timeout;

/// The largest small answer accepted: a model list of thousands of models fits many times over.
pub const MAX_SMALL_ANSWER: usize = 1 << 20;

/// Why a body could not be read whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unread {
    /// It passed the cap.
    TooLarge,
    /// It stopped coming: silence past `idle`, or the connection broke.
    Cut,
}

impl Unread {
    /// The error a person reads, for an answer that was `what` ("the task's state").
    pub fn error(self, what: &str, what_zh: &str) -> Error {
        match self {
            Self::TooLarge => Error::with(
                ErrorKind::Protocol,
                format!(
                    "{what} was larger than {} KiB, far beyond any real one; it was not read",
                    MAX_SMALL_ANSWER / 1024
                ),
                format!(
                    "{what_zh}超过了 {} KiB，远大于正常大小，未读取",
                    MAX_SMALL_ANSWER / 1024
                ),
            ),
            Self::Cut => Error::with(
                ErrorKind::Network,
                format!("{what} was cut short"),
                format!("{what_zh}不完整"),
            ),
        }
    }
}

/// Reads `response`'s body whole, up to `max` bytes, each piece within `idle`.
pub async fn read_capped(
    response: reqwest::Response,
    max: usize,
    idle: Duration,
) -> Result<Bytes, Unread> {
    if response.content_length().is_some_and(|n| n > max as u64) {
        return Err(Unread::TooLarge);
    }
    let mut body = response.bytes_stream();
    let mut read = BytesMut::new();
    loop {
        match timeout(idle, body.next()).await {
            Err(_) | Ok(Some(Err(_))) => return Err(Unread::Cut),
            Ok(None) => return Ok(read.freeze()),
            Ok(Some(Ok(piece))) => {
                if read.len() + piece.len() > max {
                    return Err(Unread::TooLarge);
                }
                read.extend_from_slice(&piece);
            }
        }
    }
}
