//! Following one generation's stream from first byte to [`Outcome`].
//!
//! The tracker is pure: it is fed decoded SSE events (or a whole JSON completion), reassembles the
//! text into whole lines (a status line may arrive in several deltas, and `content` and
//! `reasoning_content` are separate streams of text), classifies each line, emits [`Event`]s, and
//! at the end says what the job produced. Success means every requested video arrived; nothing the
//! gateway said is dropped — unrecognised lines go to the transcript.
//!
//! Guarantees:
//! - **A video link is never lost to the tracker's state.** The echo block ([`crate::echo`]) takes
//!   only JSON and fences, so status lines inside or after a badly fenced block are still acted
//!   on. As a last line of defence, before an outcome is declared failed or partial, the
//!   transcript is scanned for video links no status line announced ([`classify::video_links`]);
//!   each one found is kept as a video, with a transcript note saying so.
//! - **A link the person typed is never a delivered video** (see [`Tracker::with_prompt`]).
//! - **Every buffer is bounded:** a line at [`MAX_LINE_BYTES`] (a longer one is cut there, the
//!   same way however the text was split into deltas), the echo block, the transcript, the
//!   videos and the failures kept. A hostile stream costs time in proportion to its length.

use crate::chunk::{self, InBandError, Payload, Usage};
use crate::classify::{self, Line};
use crate::echo::Block;
use crate::error::{Error, ErrorKind, Text};
use crate::event::{Event, Phase};
use crate::http_error;
use crate::sse::{SseDecoder, SseEvent};
use crate::text::prefix;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

pub use crate::echo::Echo;

/// The longest line of gateway text; the SSE decoder's bound on one event.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The transcript keeps at most this many lines and bytes; a runaway stream cannot grow it
/// without bound.
const MAX_TRANSCRIPT_LINES: usize = 5000;
const MAX_TRANSCRIPT_BYTES: usize = 4 << 20;

/// At most this many videos are kept (a request asks for at most 4; some gateways send a watch
/// and a download link per video).
const MAX_VIDEOS: usize = 16;

/// At most this many failures are kept, each reason at most this many characters.
const MAX_FAILURES: usize = 16;
const MAX_REASON_CHARS: usize = 500;

/// A delivered video.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Video {
    pub index: u8,
    pub url: String,
}

/// A failure the gateway reported, for one video or (without an index) the job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoFailure {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u8>,
    pub reason: String,
}

/// Everything one generation produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub requested: u8,
    pub videos: Vec<Video>,
    pub failures: Vec<VideoFailure>,
    pub last_progress: Option<f32>,
    pub echo: Option<Echo>,
    /// Every line of text the gateway sent, in order.
    pub transcript: Vec<String>,
    pub usage: Option<Usage>,
    /// Why the job did not fully succeed; `None` when every requested video arrived.
    pub error: Option<Error>,
}

impl Outcome {
    /// An outcome for a job that ended before anything arrived.
    pub fn failed(requested: u8, error: Error) -> Self {
        Self {
            requested,
            videos: Vec::new(),
            failures: Vec::new(),
            last_progress: None,
            echo: None,
            transcript: Vec::new(),
            usage: None,
            error: Some(error),
        }
    }

    pub fn is_success(&self) -> bool {
        self.error.is_none()
    }
}

/// How the stream ended.
#[derive(Debug)]
pub enum End {
    /// `[DONE]` or the end of a JSON answer.
    Done,
    /// The connection ended without `[DONE]`.
    Closed,
    /// Reading stopped with an error (network, timeout, cancel, protocol).
    Failed(Error),
}

/// One text stream (`content` or `reasoning_content`) cut into whole lines of at most
/// [`MAX_LINE_BYTES`]: a longer line is cut at the last character boundary within the bound, so
/// the lines are the same however the text was split.
#[derive(Debug, Default)]
struct Lines {
    partial: String,
}

impl Lines {
    fn push(&mut self, text: &str, mut line: impl FnMut(&str)) {
        let mut rest = text;
        loop {
            let end = memchr::memchr(b'\n', rest.as_bytes());
            let piece = &rest[..end.unwrap_or(rest.len())];
            match end {
                Some(_) if self.partial.is_empty() && piece.len() <= MAX_LINE_BYTES => line(piece),
                Some(_) => {
                    self.append(piece, &mut line);
                    line(&std::mem::take(&mut self.partial));
                }
                None => {
                    self.append(piece, &mut line);
                    return;
                }
            }
            rest = &rest[piece.len() + 1..];
        }
    }

    /// Adds text without a line end, handing out each full [`MAX_LINE_BYTES`] as a line.
    fn append(&mut self, mut piece: &str, line: &mut impl FnMut(&str)) {
        while self.partial.len() + piece.len() > MAX_LINE_BYTES {
            let mut cut = MAX_LINE_BYTES - self.partial.len();
            while !piece.is_char_boundary(cut) {
                cut -= 1;
            }
            self.partial.push_str(&piece[..cut]);
            line(&std::mem::take(&mut self.partial));
            piece = &piece[cut..];
        }
        self.partial.push_str(piece);
    }

    fn flush(&mut self, mut line: impl FnMut(&str)) {
        if !self.partial.is_empty() {
            line(&std::mem::take(&mut self.partial));
        }
    }
}

/// The state of one stream being followed.
#[derive(Debug)]
pub struct Tracker {
    requested: u8,
    content: Lines,
    reasoning: Lines,
    block: Block,
    /// The links in the person's prompt.
    typed: HashSet<String>,
    phase: Option<Phase>,
    videos: Vec<Video>,
    failures: Vec<VideoFailure>,
    last_progress: Option<f32>,
    transcript: Vec<String>,
    transcript_bytes: usize,
    truncated: bool,
    too_many_videos: bool,
    usage: Option<Usage>,
    gateway_error: Option<Error>,
    done: bool,
}

impl Tracker {
    pub fn new(requested: u8) -> Self {
        Self {
            requested,
            content: Lines::default(),
            reasoning: Lines::default(),
            block: Block::default(),
            typed: HashSet::new(),
            phase: None,
            videos: Vec::new(),
            failures: Vec::new(),
            last_progress: None,
            transcript: Vec::new(),
            transcript_bytes: 0,
            truncated: false,
            too_many_videos: false,
            usage: None,
            gateway_error: None,
            done: false,
        }
    }

    /// The person's prompt. A link in it is never taken for a delivered video, however the
    /// gateway quotes it back.
    #[must_use]
    pub fn with_prompt(mut self, prompt: &str) -> Self {
        self.typed = classify::links(prompt).map(str::to_owned).collect();
        self
    }

    /// `[DONE]` was seen; nothing after it matters.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Takes one decoded SSE event; after `[DONE]`, events are ignored.
    pub fn on_event(&mut self, event: &SseEvent, emit: &mut dyn FnMut(Event)) {
        if self.done {
            return;
        }
        if event.event.as_deref() == Some("error") {
            let error = match chunk::parse(&event.data) {
                Payload::Chunk(c) if c.error.is_some() => c.error,
                _ => serde_json::from_str::<serde_json::Value>(&event.data)
                    .ok()
                    .and_then(chunk::in_band_error)
                    .or_else(|| chunk::in_band_error(event.data.clone().into())),
            };
            if let Some(e) = error {
                self.on_error(e, emit);
            }
            return;
        }
        match chunk::parse(&event.data) {
            Payload::Done => self.done = true,
            Payload::Chunk(c) => self.on_chunk(c, emit),
            Payload::Malformed(raw) => {
                tracing::warn!(len = raw.len(), "skipping a malformed chunk");
                self.record(format!("[malformed chunk] {}", prefix(&raw, 200)));
            }
        }
    }

    /// Takes one parsed chunk or whole completion.
    pub fn on_chunk(&mut self, chunk: chunk::Chunk, emit: &mut dyn FnMut(Event)) {
        if !chunk.reasoning.is_empty() {
            let mut reasoning = std::mem::take(&mut self.reasoning);
            reasoning.push(&chunk.reasoning, |l| self.line(l, emit));
            self.reasoning = reasoning;
        }
        if !chunk.content.is_empty() {
            let mut content = std::mem::take(&mut self.content);
            content.push(&chunk.content, |l| self.line(l, emit));
            self.content = content;
        }
        if chunk.usage.is_some() {
            self.usage = chunk.usage;
        }
        if let Some(e) = chunk.error {
            self.on_error(e, emit);
        }
    }

    fn on_error(&mut self, e: InBandError, emit: &mut dyn FnMut(Event)) {
        let kind =
            match http_error::kind_for(None, e.said.code.as_deref(), e.said.message.as_deref()) {
                k @ (ErrorKind::Auth | ErrorKind::Quota | ErrorKind::RateLimit) => k,
                _ => ErrorKind::GatewayError,
            };
        let text = e.said.message.clone().unwrap_or_else(|| "error".to_owned());
        self.record(format!("[error] {text}"));
        emit(Event::Status {
            phase: None,
            text: Some(text),
        });
        if self.gateway_error.is_none() {
            self.gateway_error = Some(Error::new(kind).gateway(e.said));
        }
    }

    /// Adds a line of the gateway's to the transcript, until it is full.
    fn record(&mut self, line: String) {
        if self.truncated {
            return;
        }
        if self.transcript.len() >= MAX_TRANSCRIPT_LINES
            || self.transcript_bytes + line.len() > MAX_TRANSCRIPT_BYTES
        {
            self.truncated = true;
            self.transcript.push(TRUNCATED.to_owned());
        } else {
            self.transcript_bytes += line.len();
            self.transcript.push(line);
        }
    }

    /// Adds the tracker's own note to the transcript, full or not; there are at most
    /// [`MAX_VIDEOS`] + 1 of them.
    fn note(&mut self, line: String) {
        self.transcript.push(line);
    }

    fn set_phase(&mut self, phase: Phase, text: &str, emit: &mut dyn FnMut(Event)) {
        if self.phase != Some(phase) {
            self.phase = Some(phase);
            emit(Event::Status {
                phase: Some(phase),
                text: (!text.is_empty()).then(|| text.to_owned()),
            });
        }
    }

    fn line(&mut self, raw: &str, emit: &mut dyn FnMut(Event)) {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.trim().is_empty() {
            return;
        }
        self.record(raw.to_owned());
        if self.block.take(raw) {
            return;
        }
        let words = || classify::display_text(raw);
        match classify::classify(raw) {
            Line::Blank => {}
            Line::Queued => self.set_phase(Phase::Queued, words(), emit),
            Line::Generating => self.set_phase(Phase::Generating, words(), emit),
            Line::Progress(percent) => {
                self.set_phase(Phase::Generating, "", emit);
                self.last_progress = Some(percent);
                emit(Event::Progress { percent });
            }
            Line::Video { index, url } => self.video(index, url, emit),
            Line::Failure { index, reason } => {
                let reason = prefix(&reason, MAX_REASON_CHARS).to_owned();
                emit(Event::VideoFailed {
                    index,
                    reason: reason.clone(),
                });
                if self.failures.len() < MAX_FAILURES {
                    self.failures.push(VideoFailure { index, reason });
                }
            }
            Line::Other if self.block.is_open() => {}
            Line::Other => emit(Event::Status {
                phase: None,
                text: Some(words().to_owned()),
            }),
        }
    }

    fn video(&mut self, index: Option<u8>, url: String, emit: &mut dyn FnMut(Event)) {
        if self.videos.iter().any(|v| v.url == url) || self.typed.contains(&url) {
            return;
        }
        if self.videos.len() >= MAX_VIDEOS {
            if !self.too_many_videos {
                self.too_many_videos = true;
                self.note(format!(
                    "[more than {MAX_VIDEOS} video links; the rest are not kept] {url}"
                ));
            }
            return;
        }
        let taken = |i: u8| self.videos.iter().any(|v| v.index == i);
        let index = match index {
            Some(i) if !taken(i) => i,
            _ => (1..=u8::MAX).find(|&i| !taken(i)).unwrap_or(u8::MAX),
        };
        emit(Event::Video {
            index,
            url: url.clone(),
            extra: false,
        });
        self.videos.push(Video { index, url });
    }

    /// Ends the stream and says what it produced.
    pub fn finish(mut self, end: End, emit: &mut dyn FnMut(Event)) -> Outcome {
        let mut content = std::mem::take(&mut self.content);
        content.flush(|l| self.line(l, emit));
        let mut reasoning = std::mem::take(&mut self.reasoning);
        reasoning.flush(|l| self.line(l, emit));
        let echo = std::mem::take(&mut self.block).finish();
        if self.videos.len() < usize::from(self.requested) {
            self.keep_unannounced_videos(emit);
        }
        self.videos.sort_by_key(|v| v.index);
        let arrived = self.videos.len();
        let all_arrived = arrived >= usize::from(self.requested);
        let error = match end {
            _ if all_arrived => None,
            End::Failed(e) if e.kind() == ErrorKind::Cancelled => Some(e),
            End::Failed(e) => Some(self.gateway_error.take().unwrap_or(e)),
            End::Done | End::Closed => Some(match self.gateway_error.take() {
                Some(e) => e,
                None => self.missing_videos(arrived, matches!(end, End::Closed)),
            }),
        };
        Outcome {
            requested: self.requested,
            videos: self.videos,
            failures: self.failures,
            last_progress: self.last_progress,
            echo,
            transcript: self.transcript,
            usage: self.usage,
            error,
        }
    }

    /// The last line of defence: keeps every video link in the transcript that no status line
    /// announced, noting each in the transcript.
    fn keep_unannounced_videos(&mut self, emit: &mut dyn FnMut(Event)) {
        let mut seen = HashSet::new();
        let mut found = Vec::new();
        for url in self
            .transcript
            .iter()
            .flat_map(|l| classify::video_links(l))
        {
            if found.len() + self.videos.len() >= MAX_VIDEOS {
                break;
            }
            if seen.insert(url)
                && !self.typed.contains(url)
                && !self.videos.iter().any(|v| v.url == url)
            {
                found.push(url.to_owned());
            }
        }
        for url in found {
            self.note(format!(
                "[video link kept from the transcript: no status line announced it / 保留了未经状态行通知的视频链接] {url}"
            ));
            self.video(None, url, emit);
        }
    }

    fn missing_videos(&self, arrived: usize, closed: bool) -> Error {
        let requested = self.requested;
        let reasons: Vec<&str> = self.failures.iter().map(|f| f.reason.as_str()).collect();
        let said = if reasons.is_empty() {
            if closed {
                Text::new(
                    "the stream ended without the videos",
                    "数据流在视频送达之前结束了",
                )
            } else {
                Text::new(
                    "the gateway finished without sending the videos",
                    "网关结束了响应，但没有返回视频",
                )
            }
        } else {
            Text::same(reasons.join(" / "))
        };
        let detail = if arrived == 0 {
            said
        } else {
            Text::new(
                format!("{arrived} of {requested} videos arrived; {}", said.en),
                format!("{requested} 个视频中只收到 {arrived} 个；{}", said.zh),
            )
        };
        Error::new(ErrorKind::GenerationFailed).detail(detail)
    }
}

/// An event-stream decoder feeding a tracker: bytes in, events and an outcome out.
#[derive(Debug)]
pub struct Follower {
    decoder: SseDecoder,
    tracker: Tracker,
    max_event_bytes: usize,
}

impl Follower {
    pub fn new(requested: u8, max_event_bytes: usize) -> Self {
        Self {
            decoder: SseDecoder::new(max_event_bytes),
            tracker: Tracker::new(requested),
            max_event_bytes,
        }
    }

    /// See [`Tracker::with_prompt`].
    #[must_use]
    pub fn with_prompt(mut self, prompt: &str) -> Self {
        self.tracker = self.tracker.with_prompt(prompt);
        self
    }

    /// The tracker, for answers that are not event streams.
    pub fn tracker(&mut self) -> &mut Tracker {
        &mut self.tracker
    }

    /// Feeds bytes of the stream; `Some` once nothing more is to be read (`[DONE]`, or a bound
    /// was broken).
    pub fn feed(&mut self, bytes: &[u8], emit: &mut dyn FnMut(Event)) -> Option<End> {
        let tracker = &mut self.tracker;
        if self
            .decoder
            .feed(bytes, &mut |ev| tracker.on_event(ev, emit))
            .is_err()
        {
            return Some(End::Failed(too_large(self.max_event_bytes)));
        }
        tracker.is_done().then_some(End::Done)
    }

    /// The connection ended: delivers what the decoder still holds and says how it ended.
    pub fn close(&mut self, emit: &mut dyn FnMut(Event)) -> End {
        let tracker = &mut self.tracker;
        if self
            .decoder
            .finish(&mut |ev| tracker.on_event(ev, emit))
            .is_err()
        {
            return End::Failed(too_large(self.max_event_bytes));
        }
        if tracker.is_done() {
            End::Done
        } else {
            End::Closed
        }
    }

    pub fn finish(self, end: End, emit: &mut dyn FnMut(Event)) -> Outcome {
        self.tracker.finish(end, emit)
    }
}

/// Follows a whole recorded stream, delivered in the given pieces, as the client would: the pure
/// core of a generation, for tests, benchmarks and fuzzing.
pub fn replay<'a>(
    pieces: impl IntoIterator<Item = &'a [u8]>,
    requested: u8,
    max_event_bytes: usize,
    emit: &mut dyn FnMut(Event),
) -> Outcome {
    let mut follower = Follower::new(requested, max_event_bytes);
    for piece in pieces {
        if let Some(end) = follower.feed(piece, emit) {
            return follower.finish(end, emit);
        }
    }
    let end = follower.close(emit);
    follower.finish(end, emit)
}

/// A line, an event or a JSON answer broke the size bound.
pub(crate) fn too_large(limit: usize) -> Error {
    Error::with(
        ErrorKind::Protocol,
        format!(
            "one event of the stream is larger than {} KiB",
            limit / 1024
        ),
        format!("数据流中单个事件超过 {} KiB", limit / 1024),
    )
}

const TRUNCATED: &str = "[transcript truncated]";

#[cfg(test)]
mod tests {
    use super::*;

    fn run(chunks: &[&str], requested: u8, end: End) -> (Outcome, Vec<Event>) {
        let mut events = Vec::new();
        let mut t = Tracker::new(requested);
        for c in chunks {
            t.on_chunk(
                chunk::Chunk {
                    content: (*c).to_owned(),
                    ..Default::default()
                },
                &mut |e| events.push(e),
            );
        }
        let outcome = t.finish(end, &mut |e| events.push(e));
        (outcome, events)
    }

    #[test]
    fn follows_the_documents_stream() {
        let (o, events) = run(
            &[
                "```json\n{\n    \"prompt\": \"画只猪在天上飞\",\n    \"mode\": \"竖屏模式\"\n}\n```\n\n",
                "> ⌛️ 视频正在生成中，请耐心等待...\n\n",
                "> 🏃 进度：9.0%\n\n",
                "> 🏃 进度：90.2%\n\n",
                "> ✅ 第1个视频生成成功，[点击这里](https://h.example/a.mp4) 查看视频~~~\n\n",
                "> ✅ 第2个视频生成成功，[点击这里](https://h.example/b.mp4) 查看视频~~~\n\n",
            ],
            2,
            End::Done,
        );
        assert!(o.is_success(), "{:?}", o.error);
        assert_eq!(o.videos.len(), 2);
        assert_eq!(
            o.videos[1],
            Video {
                index: 2,
                url: "https://h.example/b.mp4".into()
            }
        );
        assert_eq!(o.last_progress, Some(90.2));
        let echo = o.echo.unwrap();
        assert_eq!(echo.prompt.as_deref(), Some("画只猪在天上飞"));
        assert_eq!(echo.mode.as_deref(), Some("竖屏模式"));
        assert!(events.contains(&Event::Progress { percent: 9.0 }));
        assert!(matches!(
            events[0],
            Event::Status {
                phase: Some(Phase::Generating),
                ..
            }
        ));
        assert_eq!(o.transcript.len(), 11);
    }

    #[test]
    fn lines_split_across_deltas_are_whole_again() {
        let (o, _) = run(
            &[
                "> 🏃 进",
                "度：4",
                "7.5%\n",
                "> ✅ 第1个视频生成成功，[x](https://h.example/",
                "a.mp4)",
            ],
            1,
            End::Closed,
        );
        assert_eq!(o.last_progress, Some(47.5));
        assert_eq!(o.videos[0].url, "https://h.example/a.mp4");
        assert!(o.is_success());
    }

    #[test]
    fn same_url_twice_is_one_video() {
        let line = "✅ 第1个视频生成成功 [看](https://h.example/a.mp4)\n";
        let (o, _) = run(&[line, line, "https://h.example/a.mp4\n"], 1, End::Done);
        assert_eq!(o.videos.len(), 1);
    }

    #[test]
    fn partial_success_keeps_the_videos_and_says_what_failed() {
        let (o, _) = run(
            &[
                "✅ 第1个视频生成成功 [x](https://h.example/1.mp4)\n",
                "✅ 第2个视频生成成功 [x](https://h.example/2.mp4)\n",
                "❌ 第3个视频生成失败：AUDIO_FILTERED\n",
            ],
            3,
            End::Done,
        );
        assert_eq!(o.videos.len(), 2);
        let e = o.error.unwrap();
        assert_eq!(e.kind(), ErrorKind::GenerationFailed);
        assert!(e.message(crate::Lang::En).contains("2 of 3 videos arrived"));
        assert!(e.message(crate::Lang::En).contains("AUDIO_FILTERED"));
        assert_eq!(o.failures[0].index, Some(3));
    }

    #[test]
    fn finish_reason_stop_without_videos_is_not_success() {
        let (o, _) = run(&["> 🏃 进度：50%\n"], 1, End::Done);
        assert_eq!(o.error.unwrap().kind(), ErrorKind::GenerationFailed);
    }

    #[test]
    fn a_drop_after_all_videos_is_still_success() {
        let (o, _) = run(
            &["✅ [x](https://h.example/1.mp4)\n"],
            1,
            End::Failed(Error::new(ErrorKind::Network)),
        );
        assert!(o.is_success());
    }

    #[test]
    fn a_drop_before_the_videos_is_a_network_error_with_partial_videos() {
        let (o, _) = run(
            &["✅ [x](https://h.example/1.mp4)\n"],
            2,
            End::Failed(Error::new(ErrorKind::Network)),
        );
        assert_eq!(o.error.unwrap().kind(), ErrorKind::Network);
        assert_eq!(o.videos.len(), 1);
    }

    #[test]
    fn in_band_errors_win_and_keep_the_gateway_words() {
        let mut t = Tracker::new(1);
        let ev = SseEvent {
            event: None,
            data: r#"{"error":{"message":"upstream error: do_request_failed (request id: r-1)","type":"new_api_error","code":"do_request_failed"}}"#.into(),
            id: None,
        };
        t.on_event(&ev, &mut |_| {});
        t.on_event(
            &SseEvent {
                event: None,
                data: "[DONE]".into(),
                id: None,
            },
            &mut |_| {},
        );
        assert!(t.is_done());
        let e = t.finish(End::Done, &mut |_| {}).error.unwrap();
        assert_eq!(e.kind(), ErrorKind::GatewayError);
        assert_eq!(e.gateway_said().unwrap().request_id.as_deref(), Some("r-1"));
    }

    #[test]
    fn event_error_frames_are_gateway_errors() {
        let mut t = Tracker::new(1);
        let ev = SseEvent {
            event: Some("error".into()),
            data: "upstream went away".into(),
            id: None,
        };
        t.on_event(&ev, &mut |_| {});
        let e = t.finish(End::Closed, &mut |_| {}).error.unwrap();
        assert_eq!(e.kind(), ErrorKind::GatewayError);
        assert_eq!(
            e.gateway_said().unwrap().message.as_deref(),
            Some("upstream went away")
        );
    }

    #[test]
    fn reasoning_and_content_are_separate_streams() {
        let mut t = Tracker::new(1);
        let mut events = Vec::new();
        t.on_chunk(
            chunk::Chunk {
                reasoning: "进度 3".into(),
                ..Default::default()
            },
            &mut |e| events.push(e),
        );
        t.on_chunk(
            chunk::Chunk {
                content: "<video src='https://h.example/p?id=1'>".into(),
                ..Default::default()
            },
            &mut |e| events.push(e),
        );
        t.on_chunk(
            chunk::Chunk {
                reasoning: "0%\n".into(),
                ..Default::default()
            },
            &mut |e| events.push(e),
        );
        let o = t.finish(End::Done, &mut |e| events.push(e));
        assert_eq!(o.last_progress, Some(30.0));
        assert_eq!(o.videos[0].url, "https://h.example/p?id=1");
    }

    #[test]
    fn nothing_after_done_counts_however_the_bytes_were_cut() {
        let stream = b"data: [DONE]\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"https://h.example/late.mp4\\n\"}}]}\n\n";
        let whole = replay([&stream[..]], 1, 1 << 20, &mut |_| {});
        let cut = replay([&stream[..15], &stream[15..]], 1, 1 << 20, &mut |_| {});
        assert_eq!(whole, cut);
        assert!(whole.videos.is_empty());
    }

    #[test]
    fn malformed_chunks_are_skipped_and_recorded() {
        let mut t = Tracker::new(1);
        t.on_event(
            &SseEvent {
                event: None,
                data: "{oops".into(),
                id: None,
            },
            &mut |_| {},
        );
        let o = t.finish(End::Closed, &mut |_| {});
        assert_eq!(o.transcript, ["[malformed chunk] {oops"]);
    }

    #[test]
    fn a_second_video_on_one_line_is_kept_from_the_transcript() {
        let (o, events) = run(
            &["✅ 第1个 https://h.example/1.mp4 ✅ 第2个 https://h.example/2.mp4\n"],
            2,
            End::Done,
        );
        assert!(o.is_success(), "{:?}", o.error);
        assert_eq!(
            o.videos.iter().map(|v| v.url.as_str()).collect::<Vec<_>>(),
            ["https://h.example/1.mp4", "https://h.example/2.mp4"]
        );
        assert!(events.contains(&Event::Video {
            index: 2,
            url: "https://h.example/2.mp4".into(),
            extra: false,
        }));
        assert!(o.transcript[1].ends_with("https://h.example/2.mp4"));
    }

    #[test]
    fn the_watch_page_beside_a_video_is_not_a_second_video() {
        let (o, _) = run(
            &[
                "✅ [watch](https://h.example/w/1) | [get](https://h.example/1.mp4)\n",
                "❌ 第2个视频生成失败\n",
            ],
            2,
            End::Done,
        );
        assert_eq!(o.videos.len(), 1);
        assert_eq!(o.error.unwrap().kind(), ErrorKind::GenerationFailed);
    }

    #[test]
    fn typed_links_are_never_videos() {
        let mut t = Tracker::new(1).with_prompt("like https://ref.example/a.mp4 please");
        t.on_chunk(
            chunk::Chunk {
                content: "> 📝 https://ref.example/a.mp4\n".into(),
                ..Default::default()
            },
            &mut |_| {},
        );
        let o = t.finish(End::Done, &mut |_| {});
        assert!(o.videos.is_empty());
    }

    #[test]
    fn long_lines_are_cut_the_same_however_they_arrive() {
        let long = format!(
            "{}✅ https://h.example/1.mp4\nnext\n",
            "进度".repeat(MAX_LINE_BYTES / 5)
        );
        let lines = |pieces: &[&str]| {
            let mut lines = Lines::default();
            let mut out = Vec::new();
            for p in pieces {
                lines.push(p, |l| out.push(l.to_owned()));
                assert!(lines.partial.len() <= MAX_LINE_BYTES);
            }
            lines.flush(|l| out.push(l.to_owned()));
            out
        };
        let whole = lines(&[&long]);
        assert_eq!(whole.len(), 3);
        assert!(whole.iter().all(|l| l.len() <= MAX_LINE_BYTES));
        assert_eq!(whole.concat(), long.replace('\n', ""));
        for cut in [1, 3, 300_000, MAX_LINE_BYTES - 1, MAX_LINE_BYTES + 2] {
            let cut = (cut..).find(|&c| long.is_char_boundary(c)).unwrap();
            assert_eq!(lines(&[&long[..cut], &long[cut..]]), whole, "cut at {cut}");
        }
        let endless: Vec<String> = (0..5).map(|_| "x".repeat(MAX_LINE_BYTES / 2 + 1)).collect();
        let endless: Vec<&str> = endless.iter().map(String::as_str).collect();
        assert_eq!(lines(&endless).len(), 3);
    }

    #[test]
    fn the_transcript_failures_and_videos_are_bounded() {
        let mut t = Tracker::new(4);
        let big = format!("{}\n", "话".repeat(300_000));
        for i in 0..40 {
            t.on_chunk(
                chunk::Chunk {
                    content: format!(
                        "{big}❌ 第{i}个视频生成失败：{}\nhttps://h.example/{i}.mp4\n",
                        "原因".repeat(1000)
                    ),
                    ..Default::default()
                },
                &mut |_| {},
            );
        }
        let o = t.finish(End::Done, &mut |_| {});
        let bytes: usize = o.transcript.iter().map(String::len).sum();
        assert!(bytes <= MAX_TRANSCRIPT_BYTES + 64, "{bytes}");
        assert!(o.transcript.iter().any(|l| l == TRUNCATED));
        assert!(
            o.transcript
                .last()
                .unwrap()
                .starts_with("[more than 16 video links")
        );
        assert_eq!(o.failures.len(), MAX_FAILURES);
        assert!(
            o.failures
                .iter()
                .all(|f| f.reason.chars().count() <= MAX_REASON_CHARS)
        );
        assert_eq!(o.videos.len(), MAX_VIDEOS);
        assert!(o.videos.iter().all(|v| v.index <= MAX_VIDEOS as u8));
    }

    #[test]
    fn cancel_is_reported_even_with_partial_videos() {
        let (o, _) = run(
            &["✅ [x](https://h.example/1.mp4)\n"],
            2,
            End::Failed(Error::cancelled()),
        );
        assert_eq!(o.error.unwrap().kind(), ErrorKind::Cancelled);
        assert_eq!(o.videos.len(), 1);
    }
}
