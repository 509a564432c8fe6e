//! What one whole line of gateway text means.
//!
//! Veo-over-chat gateways speak in free-form status lines, mostly Chinese, decorated with quote
//! markers and emoji: `> ⌛️ 视频正在生成中`, `> 🏃 进度：36.0%`, `> ✅ 第1个视频生成成功，[点击这里](URL)`,
//! `❌ … 失败`. This module turns one such line into a [`Line`]; it does not keep state (the
//! tracker does). Matching is by meaning-bearing fragments, not exact sentences, so the variants
//! other gateways send are understood too. Every line of every stream passes through here, so one
//! Aho-Corasick pass finds all the fragments a line holds, and the slower parsing (URLs, numbers)
//! runs only on the lines that need it. Everything here is linear in the line's length, however
//! many links or fragments a hostile line repeats.

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
    if has(URL)
        && let Some(url) = pick_video(line, has(SUCCESS))
    {
        return Line::Video {
            index: video_number(line),
            url: url.to_owned(),
        };
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
    /// It ends in a video extension or stands inside a `<video …>` or `<source …>` tag.
    video: bool,
}

/// The URLs of a line, in order, in one forward pass: each byte is looked at a bounded number of
/// times, however many URLs the line holds.
struct Urls<'a> {
    line: &'a str,
    /// Where to look for the next URL.
    from: usize,
    /// Where the search for tag marks has reached, and the last `<` and `>` found before it.
    tags_scanned: usize,
    last_open: Option<usize>,
    last_close: Option<usize>,
}

fn urls(line: &str) -> Urls<'_> {
    Urls {
        line,
        from: 0,
        tags_scanned: 0,
        last_open: None,
        last_close: None,
    }
}

impl<'a> Iterator for Urls<'a> {
    type Item = Found<'a>;

    fn next(&mut self) -> Option<Found<'a>> {
        let line = self.line;
        while let Some(off) = memchr::memmem::find(&line.as_bytes()[self.from..], b"http") {
            let start = self.from + off;
            let rest = &line[start..];
            if !(rest.starts_with("https://") || rest.starts_with("http://")) {
                self.from = start + 4;
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
            self.from = start + end.max(1);
            if url.len() <= "https://".len() {
                continue;
            }
            let between = &line.as_bytes()[self.tags_scanned..start];
            if let Some(i) = memchr::memrchr(b'<', between) {
                self.last_open = Some(self.tags_scanned + i);
            }
            if let Some(i) = memchr::memrchr(b'>', between) {
                self.last_close = Some(self.tags_scanned + i);
            }
            self.tags_scanned = start;
            let open_tag = self
                .last_open
                .filter(|&t| self.last_close.is_none_or(|c| c < t));
            let in_video_tag = open_tag.is_some_and(|t| {
                let tag = &line.as_bytes()[t..start];
                [&b"<video"[..], b"<source"].iter().any(|name| {
                    tag.get(..name.len())
                        .is_some_and(|h| h.eq_ignore_ascii_case(name))
                })
            });
            return Some(Found {
                url,
                video: in_video_tag || has_video_extension(url),
            });
        }
        None
    }
}

fn has_video_extension(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or(url).as_bytes();
    [".mp4", ".mov", ".webm", ".m4v"].iter().any(|e| {
        path.len() >= e.len() && path[path.len() - e.len()..].eq_ignore_ascii_case(e.as_bytes())
    })
}

/// The video's URL among a line's links: the first link to a video file, else (on a success
/// line) the first link.
fn pick_video(line: &str, success_line: bool) -> Option<&str> {
    let mut first = None;
    for found in urls(line) {
        if found.video {
            return Some(found.url);
        }
        first = first.or(Some(found.url));
    }
    first.filter(|_| success_line)
}

/// Every `http(s)://` link in a text, in order. Linear in the text's length.
pub fn links(text: &str) -> impl Iterator<Item = &str> {
    urls(text).map(|f| f.url)
}

/// Every link in a line that a video could be behind, in order: the links to video files and
/// the links in `<video>` or `<source>` tags; on a success line (`✅`, `成功`) with none of those,
/// its first link, as [`classify`] would pick it. A plain link beside a video link (the "watch"
/// page next to the download) is not one. Linear in the line's length.
pub fn video_links(raw: &str) -> impl Iterator<Item = &str> {
    let line = strip_decoration(raw);
    let success_line = features(line) & SUCCESS != 0;
    let fallback = if success_line && !urls(line).any(|f| f.video) {
        urls(line).next().map(|f| f.url)
    } else {
        None
    };
    urls(line)
        .filter(|f| f.video)
        .map(|f| f.url)
        .chain(fallback)
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
    fn video_links_are_the_links_a_video_could_be_behind() {
        let links = |l| video_links(l).collect::<Vec<_>>();
        assert_eq!(
            links("see https://a.example/x.MP4?s=1 and https://a.example/page"),
            ["https://a.example/x.MP4?s=1"]
        );
        assert_eq!(
            links("> ✅ 成功 https://a.example/1 https://a.example/2"),
            ["https://a.example/1"]
        );
        assert_eq!(
            links(
                "✅ [watch](https://a.example/w/9) | [get](https://a.example/9.mp4) https://a.example/8.webm"
            ),
            ["https://a.example/9.mp4", "https://a.example/8.webm"]
        );
        assert_eq!(
            links("<p>https://a.example/p</p><video><source src='https://a.example/s'></video>"),
            ["https://a.example/s"]
        );
        assert_eq!(links("</video> https://a.example/after"), [] as [&str; 0]);
        assert_eq!(links("httphttp https:// http://"), [] as [&str; 0]);
    }

    #[test]
    fn url_scanning_is_linear_in_the_line() {
        // 60 000 links and no `<` in 1.6 MB: a scan that looks back over the line for each link,
        // or compares each link with every earlier one, grows with the square (measured before
        // the fix in a debug build: 0.2 s for 5 000 links, 2.3 s for 20 000).
        let count = 60_000;
        let mut line = String::from("> ✅ 视频生成成功 ");
        for i in 0..count {
            line.push_str(&format!("https://h.example/p/{i} "));
        }
        line.push_str("https://h.example/last.mp4");
        assert_eq!(classify(&line), video(None, "https://h.example/last.mp4"));
        assert_eq!(video_links(&line).count(), 1);
        let files: String = (0..count)
            .map(|i| format!("https://h.example/{i}.mp4 "))
            .collect();
        assert_eq!(video_links(&files).count(), count);
        let tagged = format!(
            "<video src='https://h.example/v'>{}",
            "https://h.example/q ".repeat(count)
        );
        assert_eq!(video_links(&tagged).count(), 1);
    }

    #[test]
    fn case_insensitive_search_is_exact() {
        assert_eq!(find_ci("abcPROGRESS", "progress"), Some(3));
        assert_eq!(find_ci("progres", "progress"), None);
        assert_eq!(find_ci("进度", "进度"), Some(0));
    }
}
