//! What one whole line of gateway text means.
//!
//! Veo-over-chat gateways speak in free-form status lines, mostly Chinese, decorated with quote
//! markers and emoji: `> ⌛️ 视频正在生成中`, `> 🏃 进度：36.0%`, `> ✅ 第1个视频生成成功，[点击这里](URL)`,
//! `❌ … 失败`. This module turns one such line into a [`Line`]; it does not keep state (the
//! tracker does). Matching is by meaning-bearing fragments, not exact sentences, so the variants
//! other gateways send are understood too. Every line of every stream passes through here, so one
//! Aho-Corasick pass finds all the fragments a line holds, and the slower parsing (URLs, numbers)
//! runs only on the lines that need it.

use aho_corasick::AhoCorasick;
use std::sync::LazyLock;

/// The meaning of one line.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// Nothing but whitespace and quote markers.
    Blank,
    /// The job waits in the gateway's queue.
    Queued,
    /// The video is being generated.
    Generating,
    /// A progress percentage, 0–100.
    Progress(f32),
    /// A delivered video: its number if the line gave one, and its URL.
    Video { index: Option<u8>, url: String },
    /// A failure, for one numbered video or the whole job, with the gateway's words.
    Failure { index: Option<u8>, reason: String },
    /// Anything else; kept in the transcript.
    Other,
}

/// Removes quote markers and surrounding whitespace: `> 🏃 进度` becomes `🏃 进度`.
pub fn strip_decoration(line: &str) -> &str {
    line.trim().trim_start_matches(['>', ' ', '\t']).trim()
}

/// The words of a line as a person reads them: without quote markers and without the leading
/// emoji (`> ⌛️ 视频正在生成中` becomes `视频正在生成中`), which not every system can draw.
pub fn display_text(line: &str) -> &str {
    strip_decoration(line)
        .trim_start_matches(|c: char| c.is_whitespace() || is_pictograph(c))
        .trim()
}

/// Emoji, dingbats and the joiners and variation selectors that build them; not CJK.
fn is_pictograph(c: char) -> bool {
    matches!(u32::from(c), 0x2190..=0x2BFF | 0x1F000..=0x1FAFF | 0xFE0F | 0x200D)
}

/// The fragments looked for, in groups; a line's features are the groups it matched.
const FRAGMENTS: &[(&str, u32)] = &[
    ("✅", SUCCESS),
    ("成功", SUCCESS),
    ("success", SUCCESS),
    ("http://", URL),
    ("https://", URL),
    ("❌", FAILURE),
    ("失败", FAILURE),
    ("错误", FAILURE),
    ("违规", FAILURE),
    ("拒绝", FAILURE),
    ("error", FAILURE),
    ("fail", FAILURE),
    ("filtered", FAILURE),
    ("violat", FAILURE),
    ("policy", FAILURE),
    ("could not generate", FAILURE),
    ("unable to generate", FAILURE),
    ("rejected", FAILURE),
    ("blocked", FAILURE),
    ("unsafe", FAILURE),
    ("进度", PROGRESS),
    ("progress", PROGRESS),
    ("🏃", RUNNER),
    ("%", PERCENT),
    ("队列", QUEUED),
    ("排队", QUEUED),
    ("queue", QUEUED),
    ("⌛", WAITING),
    ("生成中", WAITING),
    ("请耐心等待", WAITING),
    ("generating", WAITING),
    ("processing", WAITING),
    ("in progress", WAITING),
];

const SUCCESS: u32 = 1;
const URL: u32 = 1 << 1;
const FAILURE: u32 = 1 << 2;
const PROGRESS: u32 = 1 << 3;
const RUNNER: u32 = 1 << 4;
const PERCENT: u32 = 1 << 5;
const QUEUED: u32 = 1 << 6;
const WAITING: u32 = 1 << 7;

static MATCHER: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(FRAGMENTS.iter().map(|(f, _)| f))
        .ok()
});

/// The groups of fragments `line` holds, in one pass.
fn features(line: &str) -> u32 {
    let Some(matcher) = MATCHER.as_ref() else {
        return 0;
    };
    matcher
        .find_overlapping_iter(line)
        .fold(0, |acc, m| acc | FRAGMENTS[m.pattern().as_usize()].1)
}

/// Classifies one line (without its line end).
pub fn classify(raw: &str) -> Line {
    let line = strip_decoration(raw);
    if line.is_empty() {
        return Line::Blank;
    }
    let f = features(line);
    let has = |group: u32| f & group != 0;
    if has(URL) {
        let success_mark = has(SUCCESS);
        let urls = urls(line);
        if (success_mark && !urls.is_empty() || urls.iter().any(|u| u.video))
            && let Some(url) = pick_video(&urls, success_mark)
        {
            return Line::Video {
                index: video_number(line),
                url,
            };
        }
    }
    if has(FAILURE) {
        return Line::Failure {
            index: video_number(line),
            reason: display_text(line).to_owned(),
        };
    }
    if (has(PROGRESS) || has(RUNNER) && has(PERCENT))
        && let Some(p) = progress(line)
    {
        return Line::Progress(p);
    }
    if has(QUEUED) {
        return Line::Queued;
    }
    if has(WAITING) {
        return Line::Generating;
    }
    Line::Other
}

/// The percentage after `进度` or `progress`: `进度：36.0%`, `生成进度: 12%`, `进度 76..`,
/// `Progress 40%`; or a `🏃` line that holds a percentage.
fn progress(line: &str) -> Option<f32> {
    let after = find_ci(line, "进度")
        .map(|i| i + "进度".len())
        .or_else(|| find_ci(line, "progress").map(|i| i + "progress".len()));
    let start = match after {
        Some(i) => i,
        None if line.contains('🏃') && line.contains('%') => line.find('🏃')? + '🏃'.len_utf8(),
        None => return None,
    };
    let rest = line[start..].trim_start_matches([' ', '\t', ':', '：', '=', '\u{3000}']);
    let end = rest
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit()
                || c == '.' && rest[i + 1..].starts_with(|d: char| d.is_ascii_digit()))
        })
        .map_or(rest.len(), |(i, _)| i);
    let value: f32 = rest[..end].parse().ok()?;
    (value.is_finite() && (0.0..=100.0).contains(&value)).then_some(value)
}

/// `第2个` or `video 2` / `video #2`, for 1–4 (the most a request may ask for, with room to spare).
fn video_number(line: &str) -> Option<u8> {
    let digits = |s: &str| -> Option<u8> {
        let s = s.trim_start_matches([' ', '#', 'N', 'o', '.']);
        let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        s[..end].parse().ok().filter(|n| (1..=16).contains(n))
    };
    if let Some(i) = line.find('第') {
        let rest = &line[i + '第'.len_utf8()..];
        if let Some(n) = digits(rest) {
            return Some(n);
        }
    }
    find_ci(line, "video").and_then(|i| digits(&line[i + "video".len()..]))
}

/// A URL found in a line.
#[derive(Debug)]
struct Found<'a> {
    url: &'a str,
    /// It ends in a video extension or stands in a `<video>` tag.
    video: bool,
}

fn urls(line: &str) -> Vec<Found<'_>> {
    let mut out: Vec<Found<'_>> = Vec::new();
    let mut from = 0;
    while let Some(off) = line[from..].find("http") {
        let start = from + off;
        let rest = &line[start..];
        if !(rest.starts_with("https://") || rest.starts_with("http://")) {
            from = start + 4;
            continue;
        }
        let end = rest
            .find(|c: char| {
                c.is_whitespace()
                    || matches!(c, ')' | '(' | '"' | '\'' | '<' | '>' | '[' | ']' | '`')
                    || matches!(c, '，' | '。' | '）' | '】' | '」' | '、' | '；')
            })
            .unwrap_or(rest.len());
        let url = rest[..end].trim_end_matches(['.', ',', ';', '!', '?', '~', ':']);
        from = start + end.max(1);
        if url.len() <= "https://".len() {
            continue;
        }
        let in_video_tag = line[..start].rfind('<').is_some_and(|t| {
            line[t..start].to_ascii_lowercase().starts_with("<video")
                || line[t..start].to_ascii_lowercase().starts_with("<source")
        });
        if !out.iter().any(|f| f.url == url) {
            out.push(Found {
                url,
                video: in_video_tag || has_video_extension(url),
            });
        }
    }
    out
}

fn has_video_extension(url: &str) -> bool {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .to_ascii_lowercase();
    [".mp4", ".mov", ".webm", ".m4v"]
        .iter()
        .any(|e| path.ends_with(e))
}

/// The video's URL among a line's links: a link to a video file first, then (on a success line)
/// the first link.
fn pick_video(urls: &[Found<'_>], success_line: bool) -> Option<String> {
    urls.iter()
        .find(|f| f.video)
        .or_else(|| success_line.then(|| urls.first()).flatten())
        .map(|f| f.url.to_owned())
}

/// Finds an ASCII-lowercase (or non-ASCII) needle in `hay`, ignoring ASCII case.
fn find_ci(hay: &str, needle_lower: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle_lower.as_bytes());
    if n.is_empty() || h.len() < n.len() {
        return None;
    }
    let first = n[0];
    let alt = first.to_ascii_uppercase();
    let mut i = 0;
    while i + n.len() <= h.len() {
        let rel = memchr::memchr2(first, alt, &h[i..=h.len() - n.len()])?;
        let at = i + rel;
        if h[at..at + n.len()].eq_ignore_ascii_case(n) {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn video(index: Option<u8>, url: &str) -> Line {
        Line::Video {
            index,
            url: url.to_owned(),
        }
    }

    #[test]
    fn the_documents_lines() {
        let table = [
            ("> ⌛️ 视频正在生成中，请耐心等待...", Line::Generating),
            ("> 🏃 进度：9.0%", Line::Progress(9.0)),
            ("> 🏃 进度：90.2%", Line::Progress(90.2)),
            (
                "> ✅ 第1个视频生成成功，[点击这里](https://veo-video.gptkey.asia/assets/flow/xxx.mp4) 查看视频~~~",
                video(Some(1), "https://veo-video.gptkey.asia/assets/flow/xxx.mp4"),
            ),
            ("", Line::Blank),
            ("> ", Line::Blank),
        ];
        for (line, want) in table {
            assert_eq!(classify(line), want, "{line}");
        }
    }

    #[test]
    fn lines_other_gateways_send() {
        let table = [
            ("> ⌛️ 任务正在队列中，请耐心等待...", Line::Queued),
            ("生成进度: 12%", Line::Progress(12.0)),
            ("🏃 进度 76..", Line::Progress(76.0)),
            ("Progress: 47.5%", Line::Progress(47.5)),
            ("> 🏃 33%", Line::Progress(33.0)),
            ("进度：100%", Line::Progress(100.0)),
            ("进度：250%", Line::Other),
            (
                "> ✅ 视频生成成功，[点击这里](https://cdn.example/v/abc.mp4?sig=1&e=2) 查看视频~~~",
                video(None, "https://cdn.example/v/abc.mp4?sig=1&e=2"),
            ),
            (
                "> ✅ 第2个视频生成成功 [▶️ 在线观看](https://x.example/watch/9) | [⏬ 下载视频](https://x.example/dl/9.mp4)",
                video(Some(2), "https://x.example/dl/9.mp4"),
            ),
            (
                "<video src='https://cdn.example/play?id=7' controls></video>",
                video(None, "https://cdn.example/play?id=7"),
            ),
            (
                "https://cdn.example/out/3.mp4",
                video(None, "https://cdn.example/out/3.mp4"),
            ),
            (
                "✅ Video 3 generated: https://cdn.example/out/3.mp4.",
                video(Some(3), "https://cdn.example/out/3.mp4"),
            ),
            (
                "\u{3e} ✅ 视频生成成功，https://a.example/b",
                video(None, "https://a.example/b"),
            ),
            ("See https://docs.example/help for more", Line::Other),
            ("> 📝 提示词已提交", Line::Other),
        ];
        for (line, want) in table {
            assert_eq!(classify(line), want, "{line}");
        }
    }

    #[test]
    fn failure_lines_keep_the_gateways_words() {
        let table = [
            ("> ❌ 视频生成失败：AUDIO_FILTERED", None),
            ("> ❌ 第2个视频生成失败，请重试", Some(2)),
            ("生成错误: PROMINENT_PEOPLE_FILTER_FAILED", None),
            (
                "Veo could not generate videos because the input image violates Vertex AI's usage guidelines. Try rephrasing the prompt.",
                None,
            ),
            ("Error: upstream timeout", None),
        ];
        for (line, index) in table {
            assert_eq!(
                classify(line),
                Line::Failure {
                    index,
                    reason: display_text(line).to_owned()
                },
                "{line}"
            );
        }
    }

    #[test]
    fn success_wins_over_failure_words_in_the_same_line() {
        assert_eq!(
            classify("✅ 第1个视频生成成功 (no errors) [link](https://a.example/v.mp4)"),
            video(Some(1), "https://a.example/v.mp4")
        );
    }

    #[test]
    fn display_text_drops_decoration_but_keeps_the_words() {
        assert_eq!(
            display_text("> ⌛️ 视频正在生成中，请耐心等待..."),
            "视频正在生成中，请耐心等待..."
        );
        assert_eq!(
            display_text("> ❌ 视频生成失败：AUDIO_FILTERED"),
            "视频生成失败：AUDIO_FILTERED"
        );
        assert_eq!(display_text("🏃‍♂️ 进度 5%"), "进度 5%");
        assert_eq!(display_text("<video src='x'>"), "<video src='x'>");
        assert_eq!(display_text("「排队中」"), "「排队中」");
    }

    #[test]
    fn case_insensitive_search_is_exact() {
        assert_eq!(find_ci("abcPROGRESS", "progress"), Some(3));
        assert_eq!(find_ci("progres", "progress"), None);
        assert_eq!(find_ci("进度", "进度"), Some(0));
    }
}
