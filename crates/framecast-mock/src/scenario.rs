//! The scenario catalogue: what the mock gateway answers, as a script of timed writes.
//!
//! Each scenario reproduces something real gateways do (the document's stream, other gateways'
//! wording, refusals, stalls, drops, odd framing), so the client is tested against behaviour, not
//! against itself.

use bytes::Bytes;
use serde_json::{Value, json};
use std::time::Duration;

/// Every scenario, with what it shows.
pub const CATALOGUE: &[(&str, &str)] = &[
    (
        "success",
        "the document's stream: echo, waiting, progress, one success line per video, [DONE]",
    ),
    (
        "partial",
        "all but the last video succeed; the last fails with a ❌ line",
    ),
    (
        "failure",
        "a ❌ failure line with Google's words, then [DONE]",
    ),
    (
        "error-frame",
        "an in-band {\"error\":…} data frame after progress, then [DONE]",
    ),
    (
        "event-error",
        "an `event: error` frame, then the stream ends",
    ),
    (
        "http-401",
        "HTTP 401 无效的令牌 (new-api body with a request id)",
    ),
    ("http-403-quota", "HTTP 403 insufficient_user_quota"),
    ("http-429", "HTTP 429 upstream saturated"),
    (
        "http-429-once",
        "HTTP 429 the first time a prompt is sent, then its videos",
    ),
    ("http-500", "HTTP 500 with a JSON error"),
    ("http-503-model", "HTTP 503 model_not_found"),
    ("http-524", "HTTP 524 with Cloudflare's HTML page"),
    (
        "stall",
        "echo and a waiting line, then silence with the connection held open",
    ),
    ("drop", "progress, then the connection is cut mid-stream"),
    ("bytewise", "the success stream, one byte per write"),
    (
        "crlf-keepalive",
        "the success stream with CRLF line ends and `: PING` comments",
    ),
    (
        "json",
        "one chat.completion JSON answer, even when a stream was asked for",
    ),
    (
        "slow",
        "realistic pacing: queued, then progress every few seconds",
    ),
    (
        "reasoning",
        "progress in reasoning_content, the result as a <video src> tag",
    ),
    (
        "unnumbered",
        "success lines without numbers, each with watch and download links",
    ),
    (
        "go-escaped",
        "Go-style \\u003e escapes and an empty id / created 0",
    ),
    ("no-done", "success, but the stream ends without [DONE]"),
    ("not-sse", "HTTP 200 with an HTML page"),
    (
        "huge-line",
        "a 2 MiB line that never ends, to test the line bound",
    ),
    (
        "echo-one-line",
        "the echo block opened and closed on one line",
    ),
    (
        "echo-unclosed",
        "the echo block is never closed; the status lines follow it",
    ),
    (
        "echo-inline-close",
        "the echo block is closed by `}```` on the JSON's last line",
    ),
    ("echo-nested", "a fenced block nested inside the echo block"),
    (
        "echo-status-inside",
        "every status line, the success lines too, inside the echo block",
    ),
    (
        "echo-tilde",
        "an unclosed ~~~ echo block; the success lines end with ~~~",
    ),
    (
        "result-in-echo",
        "the videos only as links in a JSON block at the end; no success line announces them",
    ),
    (
        "sse-as-json",
        "the success stream labelled application/json",
    ),
    ("sse-as-text", "the success stream labelled text/plain"),
    (
        "sse-unlabelled",
        "the success stream after a BOM, with no Content-Type, one byte per write",
    ),
    (
        "json-as-sse",
        "one chat.completion JSON answer after a BOM and blank lines, labelled text/event-stream",
    ),
    (
        "portal-as-sse",
        "HTTP 200 with a captive portal's web page, labelled text/event-stream",
    ),
    (
        "key-in-401",
        "HTTP 401 whose body quotes the Authorization header and the key percent-encoded",
    ),
    (
        "key-in-error-frame",
        "an in-band error frame and a malformed chunk quoting the key, plain, encoded and JSON-escaped",
    ),
    (
        "key-in-status",
        "status lines, a failure line and a video link that quote the key",
    ),
    (
        "hang-up",
        "the request is read, then the connection is closed without any answer",
    ),
    (
        "download-flaky",
        "success; each video download drops half-way once (resume by Range)",
    ),
    (
        "download-redirect",
        "success; video links redirect before the file",
    ),
    (
        "download-expired",
        "success; video links answer 403 (expired)",
    ),
    (
        "download-html",
        "success; video links answer 200 with an HTML page",
    ),
    (
        "download-5xx",
        "success; video links answer 503 twice, then the file",
    ),
    (
        "download-slow",
        "success; video links are slow (16 KiB every 40 ms)",
    ),
    (
        "download-crawl",
        "success; video links crawl (8 KiB every 150 ms, about 3 s a video)",
    ),
    (
        "download-tiny",
        "success; video links send their bytes three at a time",
    ),
    (
        "task-url",
        "task route: the finished task object carries its video's URL",
    ),
    (
        "task-json-content",
        "task route: the result is JSON carrying the video's URL",
    ),
    (
        "task-failed",
        "task route: the task fails with a policy reason",
    ),
    ("task-slow", "task route: about 40 ticks to complete"),
    (
        "unified-failed",
        "create/query route: the job fails, the reason in `detail`",
    ),
    (
        "unified-error",
        "create/query route: the job ends `error` with a detail object",
    ),
    (
        "unified-slow",
        "create/query route: about 40 ticks to complete",
    ),
    (
        "task-constant-progress",
        "task route: progress stays at 50 until the task is done",
    ),
    (
        "task-429",
        "task route: the first two polls answer 429 with Retry-After",
    ),
    (
        "task-expired",
        "task route: done, but its result is gone (410)",
    ),
    (
        "task-id-field",
        "task route: the task object names its id task_id",
    ),
    (
        "task-lost-create",
        "task route: the task is made, the answer to its creation never arrives",
    ),
    (
        "many-failures",
        "20,000 ❌ failure lines at once, then the videos (a gateway that floods)",
    ),
    (
        "many-progress",
        "20,000 progress lines at once, then the videos (the flood's baseline)",
    ),
    (
        "escapes",
        "status and failure lines carrying terminal escapes (ESC, OSC, BEL)",
    ),
    (
        "more-videos",
        "two more videos delivered than were asked for",
    ),
    (
        "download-partial",
        "success; video links answer a first request without Range with 206 and 100 bytes",
    ),
    (
        "download-partial-always",
        "success; video links always answer 206 with the first 100 bytes",
    ),
    (
        "task-id-is-key",
        "task route: the create answer's task id is the caller's API key",
    ),
    (
        "task-endless-poll",
        "task route: a poll's answer never ends",
    ),
    (
        "task-retry-after-long",
        "task route: the first poll answers 429 with Retry-After: 99999",
    ),
    (
        "task-poll-401",
        "task route: every poll is refused with 401",
    ),
    (
        "task-relative-url",
        "task route: the finished task names its video by a path on the gateway",
    ),
    (
        "task-ftp-url",
        "task route: the finished task names its video by an ftp:// link",
    ),
    (
        "task-content-slow",
        "task route: the content route (with the key) sends the video slowly",
    ),
    (
        "deliver-then-stall",
        "the first video is delivered, then silence with the connection held open",
    ),
];

/// The scenario names a prompt may select with `#name` (for the demo and the end-to-end tests).
pub fn by_tag(prompt: &str) -> Option<&'static str> {
    CATALOGUE.iter().map(|(name, _)| *name).find(|name| {
        prompt
            .split_whitespace()
            .any(|w| w.strip_prefix('#') == Some(name))
    })
}

/// How a scripted answer ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The body ends normally.
    Close,
    /// The connection is held open with nothing more sent.
    Hang,
    /// The connection is cut.
    Cut,
    /// The request is read, then the connection is closed with no answer at all.
    HangUp,
}

/// An answer: status, content type, timed writes, and how it ends.
#[derive(Debug, Clone)]
pub struct Script {
    pub status: u16,
    /// The `Content-Type` header; empty for none.
    pub content_type: &'static str,
    pub writes: Vec<(Duration, Bytes)>,
    pub ending: Ending,
}

/// What the scenario needs to know about the request and the server.
pub struct Ask<'a> {
    pub prompt: &'a str,
    pub model: &'a str,
    pub n: u8,
    pub stream: bool,
    /// The mock's own base URL, for video links.
    pub base: &'a str,
    /// A unique number for this request, for video names.
    pub job: u64,
    /// The pause between two status lines.
    pub tick: Duration,
    /// The request's `Authorization` header, for scenarios that quote the key back.
    pub authorization: Option<&'a str>,
}

/// Builds the answer for `scenario`; `None` if there is no such scenario.
pub fn script(scenario: &str, ask: &Ask<'_>) -> Option<Script> {
    let lines = |videos: VideoLinks| success_lines(ask, videos);
    let s = match scenario {
        "success" => sse(ask, lines(VideoLinks::Plain), Style::default()),
        "partial" => {
            let mut l = text_head(ask);
            let ok = ask.n.saturating_sub(1);
            for i in 1..=ok {
                l.push(format!("> ✅ 第{i}个视频生成成功，[点击这里]({}) 查看视频~~~\n\n", video_url(ask, i, "")));
            }
            l.push(format!("> ❌ 第{}个视频生成失败：PUBLIC_ERROR_AUDIO_FILTERED\n\n", ok + 1));
            sse(ask, l, Style::default())
        }
        "failure" => {
            let mut l = text_head(ask);
            l.push("> ❌ 视频生成失败：Veo could not generate videos because the input image violates Vertex AI's usage guidelines. Try rephrasing the prompt.\n\n".into());
            sse(ask, l, Style::default())
        }
        "error-frame" => {
            let mut l = text_head(ask);
            l.push(RAW_PREFIX.to_owned() + r#"{"error":{"message":"upstream error: do_request_failed (request id: 20261127-mock-err)","type":"new_api_error","param":"","code":"do_request_failed"}}"#);
            sse(ask, l, Style::default())
        }
        "event-error" => {
            let mut s = sse(ask, text_head(ask), Style { done: false, ..Style::default() });
            s.writes.push((ask.tick, Bytes::from_static(b"event: error\ndata: {\"error\":{\"message\":\"upstream connection reset\",\"type\":\"upstream_error\"}}\n\n")));
            s
        }
        "http-401" => refusal(401, "无效的令牌", ""),
        "http-403-quota" => refusal(403, "用户额度不足, 剩余额度: ＄0.000000", "insufficient_user_quota"),
        "http-429" => refusal(429, "当前分组上游负载已饱和，请稍后再试", ""),
        "http-500" => refusal(500, "internal server error", "internal_error"),
        "http-503-model" => refusal(503, &format!("当前分组 default 下对于模型 {} 无可用渠道", ask.model), "model_not_found"),
        "http-524" => Script {
            status: 524,
            content_type: "text/html; charset=UTF-8",
            writes: vec![(Duration::ZERO, Bytes::from_static(CLOUDFLARE_524.as_bytes()))],
            ending: Ending::Close,
        },
        "stall" => {
            let mut s = sse(ask, head_only(ask), Style { done: false, finish: false, ..Style::default() });
            s.ending = Ending::Hang;
            s
        }
        "drop" => {
            let mut l = head_only(ask);
            l.push("> 🏃 进度：12.0%\n\n".into());
            l.push("> 🏃 进度：24.0%\n\n".into());
            let mut s = sse(ask, l, Style { done: false, finish: false, ..Style::default() });
            s.ending = Ending::Cut;
            s
        }
        "bytewise" => bytewise(sse(ask, lines(VideoLinks::Plain), Style::default())),
        "crlf-keepalive" => sse(ask, lines(VideoLinks::Plain), Style { crlf: true, ping: true, ..Style::default() }),
        "json" => json_answer(ask, lines(VideoLinks::Plain)),
        "slow" => {
            let mut l = vec![echo(ask), "> ⌛️ 任务正在队列中，请耐心等待...\n\n".to_owned(), "> ⌛️ 视频正在生成中，请耐心等待...\n\n".to_owned()];
            for p in [3.0, 9.0, 18.0, 27.5, 36.0, 45.0, 54.5, 63.0, 72.0, 81.0, 90.2] {
                l.push(format!("> 🏃 进度：{p:.1}%\n\n"));
            }
            l.extend(success_only(ask, VideoLinks::Plain));
            let tick = ask.tick.max(Duration::from_secs(2));
            sse(&Ask { tick, ..*ask }, l, Style::default())
        }
        "reasoning" => sse(ask, lines(VideoLinks::Plain), Style { reasoning: true, ..Style::default() }),
        "unnumbered" => {
            let mut l = head_only(ask);
            l.push("> 🏃 进度：50.0%\n\n".into());
            for i in 1..=ask.n {
                let url = video_url(ask, i, "");
                l.push(format!("> ✅ 视频生成成功，[▶️ 在线观看]({url}) | [⏬ 下载视频]({url}) 查看视频~~~\n\n"));
            }
            sse(ask, l, Style::default())
        }
        "go-escaped" => sse(ask, lines(VideoLinks::Plain), Style { go: true, ..Style::default() }),
        "no-done" => sse(ask, lines(VideoLinks::Plain), Style { done: false, ..Style::default() }),
        "not-sse" => Script {
            status: 200,
            content_type: "text/html",
            writes: vec![(Duration::ZERO, Bytes::from_static(b"<!DOCTYPE html><html><head><title>Welcome</title></head><body>Portal</body></html>"))],
            ending: Ending::Close,
        },
        "huge-line" => {
            let mut s = sse(ask, head_only(ask), Style { done: false, finish: false, ..Style::default() });
            let blob = Bytes::from(vec![b'x'; 64 * 1024]);
            s.writes.push((Duration::ZERO, Bytes::from_static(b"data: ")));
            s.writes.extend((0..32).map(|_| (Duration::ZERO, blob.clone())));
            s
        }
        "echo-one-line" | "echo-unclosed" | "echo-inline-close" | "echo-nested" | "echo-tilde" => {
            let mut l = lines(VideoLinks::Plain);
            l[0] = echo_shaped(ask, scenario);
            sse(ask, l, Style::default())
        }
        "echo-status-inside" => {
            let mut l = lines(VideoLinks::Plain);
            l[0] = echo_shaped(ask, scenario);
            l.push("```\n\n".to_owned());
            sse(ask, l, Style::default())
        }
        "result-in-echo" => {
            let mut l = text_head(ask);
            let urls: Vec<String> = (1..=ask.n).map(|i| video_url(ask, i, "")).collect();
            let result = json!({"status": "completed", "video_urls": urls});
            let pretty = serde_json::to_string_pretty(&result).unwrap_or_default();
            l.push(format!("```json\n{pretty}\n```\n\n"));
            sse(ask, l, Style::default())
        }
        "sse-as-json" | "sse-as-text" => Script {
            content_type: if scenario == "sse-as-json" { "application/json" } else { "text/plain; charset=utf-8" },
            ..sse(ask, lines(VideoLinks::Plain), Style::default())
        },
        "sse-unlabelled" => {
            let mut s = sse(ask, lines(VideoLinks::Plain), Style::default());
            s.content_type = "";
            s.writes.insert(0, (Duration::ZERO, Bytes::from_static(BOM)));
            bytewise(s)
        }
        "json-as-sse" => {
            let mut s = json_answer(ask, lines(VideoLinks::Plain));
            s.content_type = "text/event-stream";
            s.writes.insert(0, (Duration::ZERO, Bytes::from_static(b"\xEF\xBB\xBF\r\n\n")));
            s
        }
        "portal-as-sse" => Script {
            status: 200,
            content_type: "text/event-stream",
            writes: vec![(Duration::ZERO, Bytes::from_static(CAPTIVE_PORTAL.as_bytes()))],
            ending: Ending::Close,
        },
        "key-in-401" => {
            let (header, key) = quoted_key(ask);
            refusal(401, &format!("无效的令牌 {header} ({}, {})", percent(&key, false), percent(&key, true)), "invalid_api_key")
        }
        "key-in-error-frame" => {
            let (header, key) = quoted_key(ask);
            let mut l = text_head(ask);
            let error = json!({"error": {"message": format!("invalid token: {header}"), "type": "new_api_error", "code": percent(&key, false)}});
            l.push(format!("{RAW_PREFIX}{{\"oops\": \"{}", key.replace('/', "\\/")));
            l.push(format!("{RAW_PREFIX}{error}"));
            sse(ask, l, Style::default())
        }
        "key-in-status" => {
            let (header, key) = quoted_key(ask);
            let mut l = head_only(ask);
            l.push(format!("> 🔑 令牌已验证：{header}\n\n"));
            l.push(format!("> ❌ 第2个视频生成失败：token={} 无权限\n\n", percent(&key, true)));
            l.push(format!("> ✅ 第1个视频生成成功，[点击这里]({}?token={}) 查看视频~~~\n\n", video_url(ask, 1, ""), percent(&key, false)));
            sse(ask, l, Style::default())
        }
        "hang-up" => Script {
            status: 200,
            content_type: "",
            writes: Vec::new(),
            ending: Ending::HangUp,
        },
        "long-stream" => {
            let mut s = sse(ask, head_only(ask), Style { done: false, finish: false, ..Style::default() });
            let fast = Ask { tick: Duration::ZERO, ..*ask };
            let progress: Vec<String> = (0..100_000).map(|i| format!("> 🏃 进度：{:.1}%\n\n", f64::from(i % 1000) / 10.0)).collect();
            let rest = sse(&fast, progress.into_iter().chain(success_only(ask, VideoLinks::Plain)).collect(), Style::default());
            s.writes.extend(rest.writes.into_iter().skip(1));
            s
        }
        "big-video" => sse(ask, lines(VideoLinks::Big), Style::default()),
        "many-failures" | "many-progress" => {
            let mut s = sse(ask, head_only(ask), Style { done: false, finish: false, ..Style::default() });
            let fast = Ask { tick: Duration::ZERO, ..*ask };
            let flood: Vec<String> = (0..20_000)
                .map(|i| match scenario {
                    "many-failures" => format!("> ❌ 第{}个视频生成失败：retrying upstream {i}\n\n", 1 + i % u32::from(ask.n.max(1))),
                    _ => format!("> 🏃 进度：{:.1}%\n\n", f64::from(i % 1000) / 10.0),
                })
                .collect();
            let rest = sse(&fast, flood.into_iter().chain(success_only(ask, VideoLinks::Plain)).collect(), Style::default());
            s.writes.extend(rest.writes.into_iter().skip(1));
            s
        }
        "escapes" => {
            let mut l = head_only(ask);
            l.push("> \u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31m🏃 进度：40.0%\n\n".into());
            l.push("> \u{1b}]8;;https://evil.example\u{7}click\u{1b}]8;;\u{7} still working\n\n".into());
            l.extend(success_only(ask, VideoLinks::Plain));
            sse(ask, l, Style::default())
        }
        "more-videos" => {
            let mut l = text_head(ask);
            for i in 1..=ask.n + 2 {
                l.push(format!("> ✅ 第{i}个视频生成成功，[点击这里]({}) 查看视频~~~\n\n", video_url(ask, i, "")));
            }
            sse(ask, l, Style::default())
        }
        "download-partial" => sse(ask, lines(VideoLinks::Query("partial=100")), Style::default()),
        "download-partial-always" => sse(ask, lines(VideoLinks::Query("partial=100&times=1000")), Style::default()),
        "download-flaky" => sse(ask, lines(VideoLinks::Query("fail_after=60000")), Style::default()),
        "download-redirect" => sse(ask, lines(VideoLinks::Redirect), Style::default()),
        "download-expired" => sse(ask, lines(VideoLinks::Query("status=403")), Style::default()),
        "download-html" => sse(ask, lines(VideoLinks::Query("html=1")), Style::default()),
        "download-5xx" => sse(ask, lines(VideoLinks::Query("status=503&times=2")), Style::default()),
        "download-slow" => sse(ask, lines(VideoLinks::Query("pace_ms=40")), Style::default()),
        "download-crawl" => sse(ask, lines(VideoLinks::Query("chunk=8192&pace_ms=150")), Style::default()),
        "download-tiny" => sse(ask, lines(VideoLinks::Query("chunk=3")), Style::default()),
        "deliver-then-stall" => {
            let mut l = text_head(ask);
            l.extend(success_only(ask, VideoLinks::Plain).into_iter().take(1));
            let mut s = sse(ask, l, Style { done: false, finish: false, ..Style::default() });
            s.ending = Ending::Hang;
            s
        }
        _ => return None,
    };
    Some(
        if ask.stream || scenario.starts_with("http-") || VERBATIM.contains(&scenario) {
            s
        } else {
            non_streaming(s, ask, scenario)
        },
    )
}

/// Scenarios answered as scripted whether or not a stream was asked for.
const VERBATIM: &[&str] = &[
    "not-sse",
    "sse-as-json",
    "sse-as-text",
    "sse-unlabelled",
    "json-as-sse",
    "portal-as-sse",
    "key-in-401",
    "hang-up",
];

/// The `Authorization` header as received, and the key in it.
fn quoted_key(ask: &Ask<'_>) -> (String, String) {
    let header = ask.authorization.unwrap_or_default().to_owned();
    let key = header.strip_prefix("Bearer ").unwrap_or(&header).to_owned();
    (header, key)
}

/// Percent-encodes what is not unreserved (RFC 3986), or every byte.
fn percent(text: &str, every_byte: bool) -> String {
    text.bytes()
        .map(|b| {
            if !every_byte && (b.is_ascii_alphanumeric() || b"-._~".contains(&b)) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The same answer, one byte per write.
fn bytewise(mut s: Script) -> Script {
    let all: Vec<u8> = s.writes.iter().flat_map(|(_, b)| b.to_vec()).collect();
    s.writes = all
        .into_iter()
        .map(|b| (Duration::ZERO, Bytes::from(vec![b])))
        .collect();
    s
}

/// A line that goes out as a raw `data:` payload, not wrapped in a chunk.
const RAW_PREFIX: &str = "\u{0}raw:";

#[derive(Clone, Copy)]
enum VideoLinks {
    Plain,
    Query(&'static str),
    Redirect,
    /// A 256 MB video.
    Big,
}

#[derive(Clone, Copy)]
struct Style {
    done: bool,
    finish: bool,
    crlf: bool,
    ping: bool,
    reasoning: bool,
    go: bool,
}

impl Default for Style {
    fn default() -> Self {
        Self {
            done: true,
            finish: true,
            crlf: false,
            ping: false,
            reasoning: false,
            go: false,
        }
    }
}

fn video_url(ask: &Ask<'_>, index: u8, query: &str) -> String {
    let q = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    format!("{}/videos/job{}-{index}.mp4{q}", ask.base, ask.job)
}

/// What the gateway repeats about the task.
fn echo_json(ask: &Ask<'_>) -> Value {
    let mode = if ask.model.contains("landscape") {
        "横屏模式"
    } else {
        "竖屏模式"
    };
    json!({"prompt": ask.prompt, "mode": mode})
}

/// The echo block as the document shows it.
fn echo(ask: &Ask<'_>) -> String {
    echo_shaped(ask, "")
}

/// The echo block in the shape a scenario names; the document's shape otherwise.
fn echo_shaped(ask: &Ask<'_>, scenario: &str) -> String {
    let echo = echo_json(ask);
    let json = serde_json::to_string_pretty(&echo).unwrap_or_default();
    match scenario {
        "echo-one-line" => format!("```json {echo} ```\n\n"),
        "echo-unclosed" => format!("```json\n{json}\n\n"),
        "echo-inline-close" => format!("```json\n{json}```\n\n"),
        "echo-nested" => format!("```json\n```json\n{json}\n```\n```\n\n"),
        "echo-status-inside" => format!("```json\n{json}\n"),
        "echo-tilde" => format!("~~~json\n{json}\n\n"),
        _ => format!("```json\n{json}\n```\n\n"),
    }
}

fn head_only(ask: &Ask<'_>) -> Vec<String> {
    vec![
        echo(ask),
        "> ⌛️ 视频正在生成中，请耐心等待...\n\n".to_owned(),
    ]
}

fn text_head(ask: &Ask<'_>) -> Vec<String> {
    let mut l = head_only(ask);
    for p in [9.0, 18.0, 36.0, 54.0, 72.0, 90.2] {
        l.push(format!("> 🏃 进度：{p:.1}%\n\n"));
    }
    l
}

fn success_only(ask: &Ask<'_>, links: VideoLinks) -> Vec<String> {
    (1..=ask.n)
        .map(|i| {
            let url = match links {
                VideoLinks::Plain => video_url(ask, i, ""),
                VideoLinks::Query(q) => video_url(ask, i, q),
                VideoLinks::Redirect => format!("{}/redirect/job{}-{i}.mp4", ask.base, ask.job),
                VideoLinks::Big => format!("{}/big/256/job{}-{i}.mp4", ask.base, ask.job),
            };
            format!("> ✅ 第{i}个视频生成成功，[点击这里]({url}) 查看视频~~~\n\n")
        })
        .collect()
}

fn success_lines(ask: &Ask<'_>, links: VideoLinks) -> Vec<String> {
    let mut l = text_head(ask);
    l.extend(success_only(ask, links));
    l
}

fn chunk(ask: &Ask<'_>, delta: Value, finish: Option<&str>, usage: bool, go: bool) -> String {
    let (id, created) = if go {
        (String::new(), 0)
    } else {
        (format!("foaicmpl-mock{}", ask.job), 1_762_181_811)
    };
    let mut v = json!({
        "id": id, "object": "chat.completion.chunk", "created": created, "model": ask.model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    });
    if usage {
        v["usage"] = json!({"prompt_tokens": 16, "completion_tokens": 292, "total_tokens": 308});
    }
    let s = v.to_string();
    if go {
        s.replace('>', "\\u003e")
            .replace('<', "\\u003c")
            .replace('&', "\\u0026")
    } else {
        s
    }
}

fn sse(ask: &Ask<'_>, lines: Vec<String>, style: Style) -> Script {
    let nl = if style.crlf { "\r\n" } else { "\n" };
    let frame = |payload: &str| Bytes::from(format!("data: {payload}{nl}{nl}"));
    let mut writes = vec![(
        Duration::ZERO,
        frame(&chunk(
            ask,
            json!({"role": "assistant"}),
            None,
            false,
            style.go,
        )),
    )];
    for line in lines {
        if style.ping {
            writes.push((Duration::ZERO, Bytes::from(format!(": PING{nl}{nl}"))));
        }
        let payload = match line.strip_prefix(RAW_PREFIX) {
            Some(raw) => raw.to_owned(),
            None => {
                let is_result = line.contains("✅");
                let delta = if style.reasoning && !is_result {
                    json!({"reasoning_content": line})
                } else if style.reasoning {
                    let url = line
                        .split("](")
                        .nth(1)
                        .and_then(|r| r.split(')').next())
                        .unwrap_or_default();
                    json!({"content": format!("<video src='{url}' controls></video>\n")})
                } else {
                    json!({"content": line})
                };
                chunk(ask, delta, None, false, style.go)
            }
        };
        writes.push((ask.tick, frame(&payload)));
    }
    if style.finish {
        writes.push((
            Duration::ZERO,
            frame(&chunk(ask, json!({}), Some("stop"), true, style.go)),
        ));
    }
    if style.done {
        writes.push((Duration::ZERO, frame("[DONE]")));
    }
    Script {
        status: 200,
        content_type: "text/event-stream",
        writes,
        ending: Ending::Close,
    }
}

fn json_answer(ask: &Ask<'_>, lines: Vec<String>) -> Script {
    let content: String = lines.concat();
    let body = json!({
        "id": format!("chatcmpl-mock{}", ask.job), "object": "chat.completion", "created": 1_762_181_811,
        "model": ask.model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 16, "completion_tokens": 292, "total_tokens": 308},
    });
    let wait = ask.tick * 4;
    Script {
        status: 200,
        content_type: "application/json",
        writes: vec![(wait, Bytes::from(body.to_string()))],
        ending: Ending::Close,
    }
}

/// The same scenario answered as one JSON completion (`stream: false`): the text of every chunk
/// joined, sent after the whole generation time.
fn non_streaming(s: Script, ask: &Ask<'_>, scenario: &str) -> Script {
    if matches!(s.ending, Ending::Hang | Ending::Cut) || scenario == "event-error" {
        let mut s = s;
        s.writes.clear();
        s.content_type = "application/json";
        return s;
    }
    if scenario == "error-frame" {
        let body = r#"{"error":{"message":"upstream error: do_request_failed (request id: 20261127-mock-err)","type":"new_api_error","param":"","code":"do_request_failed"}}"#;
        return refusal_body(500, body);
    }
    let mut text = String::new();
    for (_, b) in &s.writes {
        for line in String::from_utf8_lossy(b).lines() {
            let Some(payload) = line.strip_prefix("data: ") else {
                continue;
            };
            if let Ok(v) = serde_json::from_str::<Value>(payload) {
                for key in ["content", "reasoning_content"] {
                    if let Some(t) = v["choices"][0]["delta"][key].as_str() {
                        text.push_str(t);
                    }
                }
            }
        }
    }
    let total: Duration = s.writes.iter().map(|(d, _)| *d).sum();
    let mut answer = json_answer(ask, vec![text]);
    answer.writes[0].0 = total;
    answer
}

/// A new-api style refusal with a request id.
pub(crate) fn refusal(status: u16, message: &str, code: &str) -> Script {
    let body = json!({"error": {
        "message": format!("{message} (request id: 20261127{status}mock)"),
        "type": "new_api_error", "param": "", "code": code,
    }});
    refusal_body(status, &body.to_string())
}

fn refusal_body(status: u16, body: &str) -> Script {
    Script {
        status,
        content_type: "application/json",
        writes: vec![(Duration::ZERO, Bytes::from(body.to_owned()))],
        ending: Ending::Close,
    }
}

const CAPTIVE_PORTAL: &str = "\n<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Hotel Wi-Fi: sign in</title></head>\n<body><form action=\"/login\"><button>Connect</button></form></body></html>\n";

const CLOUDFLARE_524: &str = r#"<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<html class="no-js" lang="en-US">
<head>
<title>api.example.com | 524: A timeout occurred</title>
<meta charset="UTF-8" />
</head>
<body>
<div id="cf-wrapper"><h1>A timeout occurred <span>Error code 524</span></h1>
<p>The origin web server timed out responding to this request.</p></div>
</body>
</html>
"#;
