//! Keeping the API key out of everything the engine says, and the gateway's control characters
//! out of every terminal and record (they are made visible on the same pass).
//!
//! Gateways quote a refused token back: in HTTP error bodies, in in-band error frames, in status
//! lines, even in links. So the engine does not trust any one path to leave it out: every
//! [`Event`] that leaves [`crate::Gateway::generate`] and the [`Outcome`] it returns (error
//! messages, the gateway's words, failures, the echo, the transcript, video links) pass through
//! one [`Redactor`] at that boundary. A new path cannot forget it, and a new kind of event does
//! not compile until it says what it holds.
//!
//! The key is found however it is spelled: as typed (alone, or after `Bearer `), percent-encoded
//! in either hex case or any mix of encoded and plain characters (`+` for a space), JSON-escaped
//! (`\/`, `\u00XX`), and cut off at the end of a shortened text (its first 8 characters or more,
//! before an optional `…`). Keys shorter than 4 characters are not looked for: they would match
//! ordinary words.

use crate::error::{Error, ErrorReport};
use crate::event::Event;
use crate::tracker::Outcome;

/// What the key is replaced with.
pub const REDACTED: &str = "sk-…redacted";

/// The fewest characters of the key at the end of a text that count as the key cut short.
const MIN_CUT: usize = 8;

/// Finds and replaces one key in text. Holds the key only while it is borrowed.
pub struct Redactor<'a> {
    key: &'a [u8],
}

impl<'a> Redactor<'a> {
    pub(crate) fn new(key: &'a str) -> Self {
        let key = if key.len() < 4 {
            &[][..]
        } else {
            key.as_bytes()
        };
        Self { key }
    }

    /// `text` with every spelling of the key replaced by [`REDACTED`].
    pub fn text(&self, text: &str) -> String {
        let mut s = text.to_owned();
        self.in_place(&mut s);
        s
    }

    /// Replaces every spelling of the key in `text`, and makes its control characters visible
    /// ([`crate::text::visible`]): this is the one step gateway text passes on its way out.
    pub fn in_place(&self, text: &mut String) {
        crate::text::make_visible(text);
        let Some(&first) = self.key.first() else {
            return;
        };
        let bytes = text.as_bytes();
        let mut found = Vec::new();
        let mut at = 0;
        while let Some(off) = memchr::memchr3(first, b'%', b'\\', &bytes[at..]) {
            let start = at + off;
            match self.match_at(bytes, start) {
                Some(end) if text.is_char_boundary(start) && text.is_char_boundary(end) => {
                    found.push((start, end));
                    at = end;
                }
                _ => at = start + 1,
            }
        }
        for (start, end) in found.into_iter().rev() {
            text.replace_range(start..end, REDACTED);
        }
    }

    /// Where a spelling of the key that starts at `start` ends.
    fn match_at(&self, text: &[u8], start: usize) -> Option<usize> {
        let mut at = start;
        for (matched, &k) in self.key.iter().enumerate() {
            let rest = &text[at..];
            if rest.is_empty() || rest == "…".as_bytes() {
                return (matched >= MIN_CUT).then_some(text.len());
            }
            at += spelled(rest, k)?;
        }
        Some(at)
    }

    /// An event with the key taken out of every text it holds.
    pub fn event(&self, event: Event) -> Event {
        match event {
            Event::Status { phase, text } => Event::Status {
                phase,
                text: text.map(|t| self.text(&t)),
            },
            Event::Video { index, url, extra } => Event::Video {
                index,
                url: self.text(&url),
                extra,
            },
            Event::VideoFailed { index, reason } => Event::VideoFailed {
                index,
                reason: self.text(&reason),
            },
            Event::DownloadFailed { index, error } => Event::DownloadFailed {
                index,
                error: self.report(error),
            },
            Event::Task { index, id } => Event::Task {
                index,
                id: self.text(&id),
            },
            Event::Finished {
                state,
                requested,
                delivered,
                error,
                transcript,
            } => Event::Finished {
                state,
                requested,
                delivered,
                error: error.map(|e| self.report(e)),
                transcript: transcript.iter().map(|l| self.text(l)).collect(),
            },
            e @ (Event::Progress { .. }
            | Event::Download { .. }
            | Event::Saved { .. }
            | Event::TaskLost { .. }) => e,
        }
    }

    /// An outcome with the key taken out of every text it holds.
    pub fn outcome(&self, mut outcome: Outcome) -> Outcome {
        let Outcome {
            requested: _,
            videos,
            failures,
            last_progress: _,
            echo,
            transcript,
            usage: _,
            error,
        } = &mut outcome;
        for v in videos {
            self.in_place(&mut v.url);
        }
        for f in failures {
            self.in_place(&mut f.reason);
        }
        if let Some(echo) = echo {
            echo.prompt.iter_mut().for_each(|p| self.in_place(p));
            echo.mode.iter_mut().for_each(|m| self.in_place(m));
        }
        transcript.iter_mut().for_each(|l| self.in_place(l));
        if let Some(e) = error {
            self.error(e);
        }
        outcome
    }

    /// Takes the key out of an error's specifics and the gateway's words.
    pub fn error(&self, error: &mut Error) {
        error.each_text(&mut |t| self.in_place(t));
    }

    fn report(&self, mut report: ErrorReport) -> ErrorReport {
        self.in_place(&mut report.message);
        self.in_place(&mut report.message_zh);
        if let Some(said) = &mut report.gateway {
            for t in [&mut said.message, &mut said.code, &mut said.request_id]
                .into_iter()
                .flatten()
            {
                self.in_place(t);
            }
        }
        report
    }
}

/// How many bytes at the start of `text` spell the byte `k`, if they do.
fn spelled(text: &[u8], k: u8) -> Option<usize> {
    let hex = |pair: &[u8; 2]| {
        let digit = |d: u8| char::from(d).to_digit(16);
        Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8)
    };
    match text {
        [b, ..] if *b == k => Some(1),
        [b'%', a, b, ..] if hex(&[*a, *b]) == Some(k) => Some(3),
        [b'+', ..] if k == b' ' => Some(1),
        [b'\\', b'/', ..] if k == b'/' => Some(2),
        [b'\\', b'u', b'0', b'0', a, b, ..] if hex(&[*a, *b]) == Some(k) => Some(6),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk-live-S3cr3t/K3y+9=";

    #[test]
    fn every_spelling_of_the_key_is_replaced() {
        let r = Redactor::new(KEY);
        let spellings = [
            KEY,
            "Bearer sk-live-S3cr3t/K3y+9=",
            "sk-live-S3cr3t%2FK3y%2B9%3D",
            "sk-live-S3cr3t%2fK3y%2b9%3d",
            "%73%6B%2D%6C%69%76%65%2D%53%33%63%72%33%74%2F%4B%33%79%2B%39%3D",
            "sk-live-S3cr3t\\/K3y+9=",
            "sk-live-S3cr3t\\u002fK3y\\u002B9\\u003d",
            "Bearer%20sk-live-S3cr3t%2FK3y%2B9%3D",
        ];
        for s in spellings {
            let text = format!("无效的令牌 {s} (request id: x)");
            let out = r.text(&text);
            assert!(!out.contains("S3cr3t") && !out.contains("%53%33"), "{out}");
            assert!(out.contains(REDACTED), "{out}");
            assert!(
                out.starts_with("无效的令牌 ") && out.ends_with(" (request id: x)"),
                "{out}"
            );
        }
        assert_eq!(
            r.text("a sk-live-S3cr3t/K3y+9=sk-live-S3cr3t/K3y+9= b"),
            format!("a {REDACTED}{REDACTED} b")
        );
    }

    #[test]
    fn a_key_cut_short_at_the_end_is_replaced_and_nothing_else() {
        let r = Redactor::new(KEY);
        assert_eq!(r.text("token sk-live-S3c…"), format!("token {REDACTED}"));
        assert_eq!(r.text("token sk-live-S3c"), format!("token {REDACTED}"));
        assert_eq!(
            r.text("token sk-live"),
            "token sk-live",
            "too short to be the key"
        );
        assert_eq!(r.text("sk-live-other"), "sk-live-other");
        assert_eq!(r.text("100% sure \\n"), "100% sure \\n");
        assert_eq!(Redactor::new("abc").text("abc"), "abc");
    }
}
