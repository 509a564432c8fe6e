//! The conversation with the gateway: one POST, then its stream, to an [`Outcome`].
//!
//! Guarantees:
//! - The POST is sent at most once. Nothing here retries it: not after a drop, a timeout or a
//!   missing `[DONE]`. The HTTP client is built so that nothing underneath can either:
//!   - HTTP/1 only: no HTTP/2 connection whose refused streams a client may replay;
//!   - no idle pooled connections: every POST opens a fresh connection, so the "stale pooled
//!     connection" retry of hyper's client never applies;
//!   - no redirects: a 307 or 308 would re-send the body.
//!
//!   A connection that closes before the answer, or mid-answer, ends the job as a network error
//!   that says the request was not re-sent.
//! - The HTTP status is checked before any decoding; refusals become errors with the gateway's words.
//! - Every await races the cancel token, the idle timeout (silence between bytes) and the overall
//!   deadline. Returning drops the response, which closes the connection.
//! - A `stream: true` request answered with one JSON completion, and a `stream: false` request, end
//!   in the same [`Outcome`] as a streamed one.

use crate::error::{Error, ErrorKind, Result, Text};
use crate::event::{Event, Phase};
use crate::request::{Credentials, GenerationRequest, endpoint};
use crate::tracker::{End, Follower, Outcome, too_large};
use crate::{chunk, http_error};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use std::time::Duration;
use tokio::time::{Instant, sleep_until, timeout};
use tokio_util::sync::CancellationToken;
use url::Url;

/// Timeouts and size bounds of a generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Time to open the TCP (and TLS) connection.
    pub connect: Duration,
    /// Longest silence between two reads. Queued jobs can be silent for minutes.
    pub idle: Duration,
    /// Longest time for the whole generation.
    pub overall: Duration,
    /// Largest single SSE line or event, and largest JSON answer.
    pub max_event_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(20),
            idle: Duration::from_secs(6 * 60),
            overall: Duration::from_secs(20 * 60),
            max_event_bytes: 1 << 20,
        }
    }
}

/// A gateway: where to send, with which key, within which limits.
#[derive(Debug, Clone)]
pub struct Gateway {
    endpoint: Url,
    credentials: Credentials,
    limits: Limits,
    http: reqwest::Client,
}

impl Gateway {
    /// Accepts the base URL in any of the forms [`endpoint`] understands.
    pub fn new(base_url: &str, credentials: Credentials, limits: Limits) -> Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(limits.connect)
            .http1_only()
            .pool_max_idle_per_host(0)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Framecast/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::with(ErrorKind::Network, e.to_string(), e.to_string()))?;
        Ok(Self {
            endpoint: endpoint(base_url)?,
            credentials,
            limits,
            http,
        })
    }

    /// The chat-completions URL requests go to.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Runs one generation. Never returns early with a bare error: whatever arrived before a
    /// failure (videos, progress, transcript) is in the [`Outcome`].
    pub async fn generate(
        &self,
        request: &GenerationRequest,
        cancel: &CancellationToken,
        emit: &mut (dyn FnMut(Event) + Send),
    ) -> Outcome {
        if let Err(e) = request.validate() {
            return Outcome::failed(request.n, e);
        }
        let deadline = Instant::now() + self.limits.overall;
        emit(Event::Status {
            phase: Some(Phase::Sending),
            text: None,
        });
        let send = self
            .http
            .post(self.endpoint.clone())
            .header(
                reqwest::header::AUTHORIZATION,
                self.credentials.header_value(),
            )
            .header(
                reqwest::header::ACCEPT,
                if request.stream {
                    "text/event-stream"
                } else {
                    "application/json"
                },
            )
            .json(&request.body())
            .send();
        // A streamed answer starts at once; a non-streaming one holds its headers until the end.
        let header_wait = if request.stream {
            self.limits.idle
        } else {
            self.limits.overall
        };
        let response = match self.race(cancel, deadline, header_wait, send).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => return Outcome::failed(request.n, network_error(&e)),
            Err(e) => return Outcome::failed(request.n, e),
        };
        let status = response.status();
        if !status.is_success() {
            let request_id = ["x-oneapi-request-id", "x-request-id", "request-id"]
                .iter()
                .find_map(|h| response.headers().get(*h)?.to_str().ok().map(str::to_owned));
            let mut body = response.bytes_stream();
            let bytes = self
                .read_bounded(&mut body, cancel, deadline, 64 * 1024)
                .await;
            let error = match bytes {
                Ok(b) => http_error::from_status(status.as_u16(), &b, request_id),
                Err(e) if e.kind() == ErrorKind::Cancelled => e,
                Err(_) => http_error::from_status(status.as_u16(), b"", request_id),
            };
            return Outcome::failed(request.n, error);
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let mut body = response.bytes_stream();
        let mut follower =
            Follower::new(request.n, self.limits.max_event_bytes).with_prompt(&request.prompt);
        let end = self
            .read_answer(
                &mut body,
                &content_type,
                &mut follower,
                cancel,
                deadline,
                emit,
            )
            .await;
        follower.finish(end, emit)
    }

    /// Reads the answer as SSE, or as one JSON completion, deciding by content type and, when that
    /// says neither, by the first byte.
    async fn read_answer(
        &self,
        body: &mut (impl Stream<Item = reqwest::Result<Bytes>> + Unpin),
        content_type: &str,
        follower: &mut Follower,
        cancel: &CancellationToken,
        deadline: Instant,
        emit: &mut (dyn FnMut(Event) + Send),
    ) -> End {
        let mut format = if content_type.contains("event-stream") {
            Some(Format::Sse)
        } else if content_type.contains("json") {
            Some(Format::Json)
        } else {
            None
        };
        let mut json = Vec::new();
        loop {
            let bytes = match self.next_read(body, cancel, deadline).await {
                Ok(Some(b)) => b,
                Ok(None) => break,
                Err(e) => return End::Failed(e),
            };
            let format = match format {
                Some(f) => f,
                None => match sniff(&bytes) {
                    Some(f) => *format.insert(f),
                    None if bytes.iter().all(u8::is_ascii_whitespace) => continue,
                    None => return End::Failed(not_understood(&bytes)),
                },
            };
            match format {
                Format::Sse => {
                    if let Some(end) = follower.feed(&bytes, emit) {
                        return end;
                    }
                }
                Format::Json => {
                    if json.len() + bytes.len() > self.limits.max_event_bytes {
                        return End::Failed(too_large(self.limits.max_event_bytes));
                    }
                    json.extend_from_slice(&bytes);
                }
            }
        }
        match format {
            Some(Format::Sse) => follower.close(emit),
            Some(Format::Json) => match chunk::parse(&String::from_utf8_lossy(&json)) {
                chunk::Payload::Chunk(c) => {
                    follower.tracker().on_chunk(c, emit);
                    End::Done
                }
                _ => End::Failed(not_understood(&json)),
            },
            None => End::Closed,
        }
    }

    /// The next piece of the body, raced against cancel, silence and the deadline.
    async fn next_read(
        &self,
        body: &mut (impl Stream<Item = reqwest::Result<Bytes>> + Unpin),
        cancel: &CancellationToken,
        deadline: Instant,
    ) -> Result<Option<Bytes>> {
        match self
            .race(cancel, deadline, self.limits.idle, body.next())
            .await?
        {
            None => Ok(None),
            Some(Ok(b)) => Ok(Some(b)),
            Some(Err(e)) => Err(lost_connection(&e)),
        }
    }

    async fn read_bounded(
        &self,
        body: &mut (impl Stream<Item = reqwest::Result<Bytes>> + Unpin),
        cancel: &CancellationToken,
        deadline: Instant,
        max: usize,
    ) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(b) = self.next_read(body, cancel, deadline).await? {
            let room = max.saturating_sub(out.len());
            out.extend_from_slice(&b[..b.len().min(room)]);
            if out.len() >= max {
                break;
            }
        }
        Ok(out)
    }

    /// Runs `fut` unless the job is cancelled, the deadline passes, or `idle` elapses first.
    async fn race<T>(
        &self,
        cancel: &CancellationToken,
        deadline: Instant,
        idle: Duration,
        fut: impl Future<Output = T>,
    ) -> Result<T> {
        tokio::select! {
            biased;
            () = cancel.cancelled() => Err(Error::cancelled()),
            () = sleep_until(deadline) => Err(Error::with(
                ErrorKind::Timeout,
                format!("the generation took longer than {}", human(self.limits.overall)),
                format!("生成时间超过了 {}", human_zh(self.limits.overall)),
            )),
            r = timeout(idle, fut) => r.map_err(|_| Error::with(
                ErrorKind::Timeout,
                format!("the gateway sent nothing for {}", human(idle)),
                format!("网关在 {} 内没有任何响应", human_zh(idle)),
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Sse,
    Json,
}

/// Guesses the format of an answer whose content type does not say.
fn sniff(bytes: &[u8]) -> Option<Format> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &bytes[start..];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if head.starts_with(b"{") {
        Some(Format::Json)
    } else if [&b"data"[..], b"event", b"id", b":", b"retry"]
        .iter()
        .any(|p| head.starts_with(p))
    {
        Some(Format::Sse)
    } else {
        None
    }
}

fn not_understood(bytes: &[u8]) -> Error {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
        .trim()
        .to_owned();
    let (en, zh) = if text.to_ascii_lowercase().starts_with("<") {
        (
            "the gateway answered with an HTML page instead of a stream",
            "网关返回的是网页而不是数据流",
        )
    } else {
        (
            "the answer is neither an event stream nor JSON",
            "响应既不是事件流也不是 JSON",
        )
    };
    Error::with(ErrorKind::Protocol, en, zh).gateway(crate::error::GatewaySaid {
        message: Some(text),
        ..Default::default()
    })
}

/// A failure to connect or send.
fn network_error(e: &reqwest::Error) -> Error {
    let cause = root_cause(e);
    if e.is_timeout() {
        return Error::with(
            ErrorKind::Timeout,
            format!("could not connect in time ({cause})"),
            format!("连接超时（{cause}）"),
        );
    }
    Error::new(ErrorKind::Network).detail(Text::new(
        format!("could not reach the gateway ({cause})"),
        format!("无法连接到网关（{cause}）"),
    ))
}

/// A failure while reading the answer.
fn lost_connection(e: &reqwest::Error) -> Error {
    let cause = root_cause(e);
    Error::new(ErrorKind::Network).detail(Text::new(
        format!("the connection was lost while the video was being generated ({cause}); the request was not re-sent"),
        format!("生成过程中连接中断（{cause}）；请求没有被重新发送"),
    ))
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last = e;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

/// `6 minutes`, `90 seconds`.
pub(crate) fn human(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 120 && s.is_multiple_of(60) {
        format!("{} minutes", s / 60)
    } else if s == 1 {
        "1 second".to_owned()
    } else if s == 0 {
        format!("{} ms", d.as_millis())
    } else {
        format!("{s} seconds")
    }
}

pub(crate) fn human_zh(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 120 && s.is_multiple_of(60) {
        format!("{} 分钟", s / 60)
    } else if s == 0 {
        format!("{} 毫秒", d.as_millis())
    } else {
        format!("{s} 秒")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing() {
        assert_eq!(sniff(b"  {\"id\":1}"), Some(Format::Json));
        assert_eq!(sniff(b"data: x\n\n"), Some(Format::Sse));
        assert_eq!(sniff(b": ping\n"), Some(Format::Sse));
        assert_eq!(sniff(b"\xEF\xBB\xBFdata: x"), Some(Format::Sse));
        assert_eq!(sniff(b"<html>"), None);
        assert_eq!(sniff(b"   "), None);
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human(Duration::from_secs(360)), "6 minutes");
        assert_eq!(human(Duration::from_secs(90)), "90 seconds");
        assert_eq!(human_zh(Duration::from_secs(360)), "6 分钟");
    }
}
