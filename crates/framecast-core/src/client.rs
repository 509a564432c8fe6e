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
//! - The key never leaves in anything the gateway said: see [`crate::redact`].
//! - Every await races the cancel token, the idle timeout (silence between bytes) and the overall
//!   deadline. Returning drops the response, which closes the connection.
//! - A `stream: true` request answered with one JSON completion, and a `stream: false` request, end
//!   in the same [`Outcome`] as a streamed one.
//! - Labels are not trusted: an answer is read as an event stream or as JSON by its first
//!   significant bytes (after a BOM and whitespace), and the `Content-Type` decides only what the
//!   bytes leave open. A web page (a captive portal, a bot check) with status 200 is a
//!   [`ErrorKind::Protocol`] failure that says it was a web page and gives its title.

use crate::error::{Error, ErrorKind, Result, Text};
use crate::event::{Event, Phase};
use crate::proxy::Proxy;
use crate::request::{Credentials, GenerationRequest, endpoint};
use crate::text::root_cause;
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

/// The longest any of a job's times may be: a week is already far beyond any generation, and
/// anything longer (`--timeout 1e19`) would overflow the clock.
pub const MAX_LIMIT: Duration = Duration::from_secs(7 * 24 * 60 * 60);

impl Limits {
    /// Refuses times of zero or beyond [`MAX_LIMIT`], before anything is recorded or sent.
    pub fn check(&self) -> Result<()> {
        for (what, zh, d) in [
            ("the connect timeout", "连接超时", self.connect),
            ("the idle timeout", "空闲超时", self.idle),
            ("the overall timeout", "总超时", self.overall),
        ] {
            if d.is_zero() || d > MAX_LIMIT {
                return Err(out_of_range(what, zh));
            }
        }
        Ok(())
    }
}

/// A number of seconds a person gave (`--timeout 90`, a profile's idle time) as a duration:
/// positive, finite, and at most [`MAX_LIMIT`].
pub fn seconds(value: f64, what: &str) -> Result<Duration> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero() && *d <= MAX_LIMIT)
        .ok_or_else(|| out_of_range(what, what))
}

fn out_of_range(what: &str, zh: &str) -> Error {
    let days = MAX_LIMIT.as_secs() / 86_400;
    Error::invalid_input(
        format!("{what} must be a positive number of seconds, at most {days} days"),
        format!("{zh} 必须是正数（秒），且不超过 {days} 天"),
    )
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
        Self::with_proxy(base_url, credentials, limits, &Proxy::System)
    }

    /// A gateway reached through `proxy`.
    pub fn with_proxy(
        base_url: &str,
        credentials: Credentials,
        limits: Limits,
        proxy: &Proxy,
    ) -> Result<Self> {
        limits.check()?;
        credentials.check()?;
        let http = paid_client(&limits, proxy)?;
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
    /// failure (videos, progress, transcript) is in the [`Outcome`]. The key is taken out of
    /// every event and of the outcome, however the gateway quoted it ([`crate::redact`]).
    pub async fn generate(
        &self,
        request: &GenerationRequest,
        cancel: &CancellationToken,
        emit: &mut (dyn FnMut(Event) + Send),
    ) -> Outcome {
        let redactor = self.credentials.redactor();
        let mut emit = |event| emit(redactor.event(event));
        let outcome = self.exchange(request, cancel, &mut emit).await;
        redactor.outcome(outcome)
    }

    /// The POST and its answer, as the gateway said it.
    async fn exchange(
        &self,
        request: &GenerationRequest,
        cancel: &CancellationToken,
        emit: &mut (dyn FnMut(Event) + Send),
    ) -> Outcome {
        if let Err(e) = request.validate() {
            return Outcome::failed(request.n, e);
        }
        let clock = Clock::start(cancel, &self.limits, VIDEO);
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
        let response = match clock.race(header_wait, send).await {
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
            let bytes = clock.read_bounded(&mut body, 64 * 1024).await;
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
            .read_answer(&mut body, &content_type, &mut follower, &clock, emit)
            .await;
        follower.finish(end, emit)
    }

    /// Reads the answer as SSE, or as one JSON completion, deciding by its first bytes.
    async fn read_answer(
        &self,
        body: &mut (impl Stream<Item = reqwest::Result<Bytes>> + Unpin),
        content_type: &str,
        follower: &mut Follower,
        clock: &Clock<'_>,
        emit: &mut (dyn FnMut(Event) + Send),
    ) -> End {
        let mut format = None;
        let mut head = Vec::new();
        let mut json = Vec::new();
        loop {
            let bytes = match clock.next(body).await {
                Ok(Some(b)) => b,
                Ok(None) => break,
                Err(e) => return End::Failed(e),
            };
            let (format, bytes) = match format {
                Some(f) => (f, bytes),
                None => {
                    head.extend_from_slice(&bytes);
                    match sniff(&head, content_type) {
                        Sniff::Undecided => {
                            head = undecided(&head);
                            continue;
                        }
                        Sniff::Read(f) => {
                            (*format.insert(f), Bytes::from(std::mem::take(&mut head)))
                        }
                        Sniff::WebPage => {
                            return End::Failed(web_page(head, body, clock).await);
                        }
                        Sniff::Unknown => return End::Failed(not_understood(&head)),
                    }
                }
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
            None if significant(&head).is_empty() => End::Closed,
            None => End::Failed(not_understood(&head)),
            Some(Format::Sse) => follower.close(emit),
            Some(Format::Json) => {
                let text = String::from_utf8_lossy(&json);
                match chunk::parse(text.trim_start_matches(BOM)) {
                    chunk::Payload::Chunk(c) => {
                        follower.tracker().on_chunk(c, emit);
                        End::Done
                    }
                    _ => End::Failed(not_understood(&json)),
                }
            }
        }
    }
}

/// What the connection was doing when it broke, for [`Clock::next`]'s message.
const VIDEO: (&str, &str) = ("while the video was being generated", "生成过程中");

/// Reads a little more of a web page, for its title, and says what it was.
pub(crate) async fn web_page(
    mut head: Vec<u8>,
    body: &mut (impl Stream<Item = reqwest::Result<Bytes>> + Unpin),
    clock: &Clock<'_>,
) -> Error {
    const ENOUGH: usize = 16 * 1024;
    if head.len() < ENOUGH
        && let Ok(more) = clock.read_bounded(body, ENOUGH - head.len()).await
    {
        head.extend_from_slice(&more);
    }
    web_page_error(&head)
}

/// Runs `fut` unless `cancel` fires, `deadline` (the end of `overall`) passes, or `idle` elapses
/// first: the one race every await of a paid request goes through.
pub(crate) async fn race<T>(
    cancel: &CancellationToken,
    deadline: Instant,
    overall: Duration,
    idle: Duration,
    fut: impl Future<Output = T>,
) -> Result<T> {
    tokio::select! {
        biased;
        () = cancel.cancelled() => Err(Error::cancelled()),
        () = sleep_until(deadline) => Err(Error::with(
            ErrorKind::Timeout,
            format!("the generation took longer than {}", human(overall)),
            format!("生成时间超过了 {}", human_zh(overall)),
        )),
        r = timeout(idle, fut) => r.map_err(|_| Error::with(
            ErrorKind::Timeout,
            format!("the gateway sent nothing for {}", human(idle)),
            format!("网关在 {} 内没有任何响应", human_zh(idle)),
        )),
    }
}

/// The clock a paid exchange reads its answer under: the request's cancel, its deadline (the end
/// of `overall`) and the silence allowed between two pieces. Both chat clients — the video
/// stream's and prompt help's — read through it, so every await of theirs is raced alike.
pub(crate) struct Clock<'a> {
    pub cancel: &'a CancellationToken,
    pub deadline: Instant,
    pub overall: Duration,
    pub idle: Duration,
    /// What was under way, for the message when the connection breaks mid-answer.
    pub during: (&'static str, &'static str),
}

impl Clock<'_> {
    /// Starts the clock of a request sent now.
    pub fn start<'a>(
        cancel: &'a CancellationToken,
        limits: &Limits,
        during: (&'static str, &'static str),
    ) -> Clock<'a> {
        Clock {
            cancel,
            deadline: Instant::now() + limits.overall,
            overall: limits.overall,
            idle: limits.idle,
            during,
        }
    }

    /// Runs `fut` unless the request is cancelled, the deadline passes, or `idle` elapses first.
    pub async fn race<T>(&self, idle: Duration, fut: impl Future<Output = T>) -> Result<T> {
        race(self.cancel, self.deadline, self.overall, idle, fut).await
    }

    /// The next piece of the body, raced against cancel, silence and the deadline.
    pub async fn next(
        &self,
        body: &mut (impl Stream<Item = reqwest::Result<Bytes>> + Unpin),
    ) -> Result<Option<Bytes>> {
        match self.race(self.idle, body.next()).await? {
            None => Ok(None),
            Some(Ok(b)) => Ok(Some(b)),
            Some(Err(e)) => {
                let cause = root_cause(&e);
                Err(Error::new(ErrorKind::Network).detail(Text::new(
                    format!(
                        "the connection was lost {} ({cause}); the request was not re-sent",
                        self.during.0
                    ),
                    format!("{}连接中断（{cause}）；请求没有被重新发送", self.during.1),
                )))
            }
        }
    }

    /// Up to `max` bytes of the body (the rest left unread).
    pub async fn read_bounded(
        &self,
        body: &mut (impl Stream<Item = reqwest::Result<Bytes>> + Unpin),
        max: usize,
    ) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(b) = self.next(body).await? {
            let room = max.saturating_sub(out.len());
            out.extend_from_slice(&b[..b.len().min(room)]);
            if out.len() >= max {
                break;
            }
        }
        Ok(out)
    }
}

/// The HTTP client for a paid POST: HTTP/1 only, no idle pooled connections, no redirects (see
/// the module docs: nothing underneath may re-send it).
pub(crate) fn paid_client(limits: &Limits, proxy: &Proxy) -> Result<reqwest::Client> {
    let builder = reqwest::Client::builder().connect_timeout(limits.connect);
    proxy
        .apply(builder)?
        .http1_only()
        .pool_max_idle_per_host(0)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Framecast/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::with(ErrorKind::Network, e.to_string(), e.to_string()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Sse,
    Json,
}

/// The UTF-8 byte order mark, as a character and as bytes.
pub(crate) const BOM: char = '\u{feff}';
const BOM_BYTES: &[u8] = b"\xEF\xBB\xBF";

/// What the first bytes of an answer say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sniff {
    /// Not enough bytes yet (whitespace, part of a BOM, part of a field name).
    Undecided,
    Read(Format),
    /// An HTML page.
    WebPage,
    /// Neither an event stream nor JSON.
    Unknown,
}

/// The first significant bytes of an answer: without a BOM and leading whitespace.
pub(crate) fn significant(head: &[u8]) -> &[u8] {
    let head = head.strip_prefix(BOM_BYTES).unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    &head[start..]
}

/// The part of an undecided head worth keeping: a BOM and the significant bytes (at most a few:
/// an unfinished field name). Leading whitespace means nothing to either format.
pub(crate) fn undecided(head: &[u8]) -> Vec<u8> {
    let mut kept = Vec::new();
    if head.starts_with(BOM_BYTES) {
        kept.extend_from_slice(BOM_BYTES);
    }
    kept.extend_from_slice(significant(head));
    kept
}

/// Decides how to read an answer from its first bytes; the content type decides only what the
/// bytes leave open.
pub(crate) fn sniff(head: &[u8], content_type: &str) -> Sniff {
    if head.len() < BOM_BYTES.len() && BOM_BYTES.starts_with(head) {
        return Sniff::Undecided;
    }
    let text = significant(head);
    let by_label = || {
        if content_type.contains("event-stream") {
            Sniff::Read(Format::Sse)
        } else if content_type.contains("json") {
            Sniff::Read(Format::Json)
        } else {
            Sniff::Unknown
        }
    };
    match text.first() {
        None => Sniff::Undecided,
        Some(b'{' | b'[') => Sniff::Read(Format::Json),
        Some(b'<') => Sniff::WebPage,
        Some(b':') => Sniff::Read(Format::Sse),
        Some(_) => {
            for field in [&b"data"[..], b"event", b"id", b"retry"] {
                if field.starts_with(text) {
                    return Sniff::Undecided;
                }
                if text.starts_with(field) && matches!(text[field.len()], b':' | b'\r' | b'\n') {
                    return Sniff::Read(Format::Sse);
                }
            }
            by_label()
        }
    }
}

pub(crate) fn web_page_error(page: &[u8]) -> Error {
    let text = String::from_utf8_lossy(page);
    let said = http_error::html_title(&text).unwrap_or_else(|| {
        let start = text.trim_start_matches(BOM).trim_start();
        start.chars().take(200).collect()
    });
    Error::with(
        ErrorKind::Protocol,
        "the gateway answered with a web page, not a stream: a captive portal, a bot check or a \
         wrong base URL",
        "网关返回的是网页而不是数据流：可能是网络登录页、人机验证，或接口地址有误",
    )
    .gateway(crate::error::GatewaySaid {
        message: Some(said),
        ..Default::default()
    })
}

pub(crate) fn not_understood(bytes: &[u8]) -> Error {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
        .trim_start_matches(BOM)
        .trim()
        .to_owned();
    Error::with(
        ErrorKind::Protocol,
        "the answer is neither an event stream nor JSON",
        "响应既不是事件流也不是 JSON",
    )
    .gateway(crate::error::GatewaySaid {
        message: Some(text),
        ..Default::default()
    })
}

/// A failure to connect, or to get an answer to the request once sent.
pub(crate) fn network_error(e: &reqwest::Error) -> Error {
    let cause = root_cause(e);
    if e.is_timeout() {
        return Error::with(
            ErrorKind::Timeout,
            format!("could not connect in time ({cause})"),
            format!("连接超时（{cause}）"),
        );
    }
    if e.is_connect() {
        return Error::new(ErrorKind::Network).detail(Text::new(
            format!("could not reach the gateway ({cause})"),
            format!("无法连接到网关（{cause}）"),
        ));
    }
    Error::new(ErrorKind::Network).detail(Text::new(
        format!(
            "the connection closed before the gateway answered ({cause}); the request was not re-sent, and the gateway may have started it"
        ),
        format!("网关应答之前连接已关闭（{cause}）；请求没有被重新发送，网关可能已开始处理"),
    ))
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
    fn the_first_bytes_decide_and_the_label_breaks_ties() {
        use Sniff::*;
        let sse = Read(Format::Sse);
        let json = Read(Format::Json);
        let table: &[(&[u8], &str, Sniff)] = &[
            (b"  {\"id\":1}", "text/event-stream", json),
            (b"\xEF\xBB\xBF\r\n\n{", "", json),
            (b"data: x\n\n", "application/json", sse),
            (b"data:x", "text/plain", sse),
            (b": ping\n", "", sse),
            (b"\xEF\xBB\xBFdata: x", "", sse),
            (b"event: error\n", "", sse),
            (b"id\n", "", sse),
            (b"retry: 5\n", "", sse),
            (b"<!DOCTYPE html>", "text/event-stream", WebPage),
            (b"\n <html>", "application/json", WebPage),
            (b"   ", "", Undecided),
            (b"\xEF", "", Undecided),
            (b"\xEF\xBB", "", Undecided),
            (b"d", "", Undecided),
            (b"\n\nev", "", Undecided),
            (b"data", "", Undecided),
            (b"identity: x", "", Unknown),
            (b"identity: x", "text/event-stream", sse),
            (b"hello", "application/json", json),
            (b"hello", "text/plain", Unknown),
        ];
        for (head, label, want) in table {
            assert_eq!(
                &sniff(head, label),
                want,
                "{:?} as {label}",
                String::from_utf8_lossy(head)
            );
        }
        assert_eq!(undecided(b"\xEF\xBB\xBF \r\n\t da"), b"\xEF\xBB\xBFda");
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human(Duration::from_secs(360)), "6 minutes");
        assert_eq!(human(Duration::from_secs(90)), "90 seconds");
        assert_eq!(human_zh(Duration::from_secs(360)), "6 分钟");
    }
}
