//! The task echo: the fenced block in which a gateway repeats the request back.
//!
//! The document's gateway opens a stream with a ```` ```json ```` block holding
//! `{"prompt": …, "mode": …}`. Other gateways open and close it on one line, never close it,
//! close it with `}```` instead of a line of its own, nest a second fence inside, or write status
//! lines inside it. Whatever the shape, a block must never swallow the lines that carry progress
//! and videos, so a [`Block`] guarantees:
//! - **Only JSON is block content.** Inside a block, a line whose first character (after quote
//!   markers) is `{`, `}`, `[`, `]` or `"`, or a fence, is part of the echo; any other line is
//!   handed back to be classified as a status line, whether or not the block was ever closed. So
//!   the echoed prompt is never read as a status ("a car that fails" is not a failure), and a
//!   status line is never swallowed (`> ✅ … 查看视频~~~` does not close a `~~~` block either).
//! - **Bounded.** A block holds at most [`MAX_LINES`] lines and [`MAX_BYTES`] bytes of content;
//!   past either it stops being a block and its lines are read as ordinary lines again.
//! - **Closed the ways gateways close it:** by a line that is, or ends with, three or more of the
//!   opening fence's character (`` ``` ``, `}```` ); a fence with an info string inside a block
//!   (```` ```json ````) opens a nested one that is closed in turn. A block opened and closed on
//!   one line is read at once.
//! - **Lenient reading.** The echo is the first JSON object in the block's text that holds a
//!   prompt or a mode; anything around it (an info string, a trailing fence) is ignored, and a
//!   block that does not read as an echo (another JSON block, broken JSON) leaves the last echo
//!   in place rather than an error.

use crate::classify::strip_decoration;
use serde::{Deserialize, Serialize};

/// The most content lines one block may hold.
pub const MAX_LINES: usize = 200;

/// The most content bytes one block may hold: a 10 000-character prompt escaped as `\uXXXX`
/// fits with room to spare.
pub const MAX_BYTES: usize = 256 * 1024;

/// What the gateway echoed back about the task.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Echo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// The gateway's words for the orientation, e.g. `竖屏模式` (portrait).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
}

impl Echo {
    /// The first JSON object in `text`, if it holds a prompt or a mode.
    pub fn find(text: &str) -> Option<Self> {
        let start = text.find('{')?;
        serde_json::Deserializer::from_str(&text[start..])
            .into_iter::<Self>()
            .next()?
            .ok()
            .filter(|e| e.prompt.is_some() || e.mode.is_some())
    }
}

/// The fence `text` opens with (three or more `` ` `` or `~`), and the text after it.
fn leading_fence(text: &str) -> Option<(u8, &str)> {
    let mark = *text
        .as_bytes()
        .first()
        .filter(|&&b| b == b'`' || b == b'~')?;
    let run = text.bytes().take_while(|&b| b == mark).count();
    (run >= 3).then(|| (mark, &text[run..]))
}

/// The text before a closing fence of `mark` that `text` ends with.
fn trailing_fence(text: &str, mark: u8) -> Option<&str> {
    let run = text.bytes().rev().take_while(|&b| b == mark).count();
    (run >= 3).then(|| text[..text.len() - run].trim_end())
}

/// An open block.
#[derive(Debug)]
struct Open {
    mark: u8,
    /// Fences opened inside it and not yet closed.
    nested: usize,
    text: String,
    lines: usize,
}

/// The echo-block state of a stream, and the last echo read.
#[derive(Debug, Default)]
pub struct Block {
    open: Option<Open>,
    echo: Option<Echo>,
}

impl Block {
    /// A block is open: lines that are not status lines belong to it.
    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    /// Takes one line (without its line end); `true` if it belonged to a block, `false` if it is
    /// a status line to classify.
    pub fn take(&mut self, raw: &str) -> bool {
        let text = strip_decoration(raw);
        let Some(open) = &mut self.open else {
            let Some((mark, rest)) = leading_fence(text) else {
                return false;
            };
            match trailing_fence(rest, mark) {
                Some(inner) => self.read(inner),
                None => {
                    self.open = Some(Open {
                        mark,
                        nested: 0,
                        text: String::new(),
                        lines: 0,
                    });
                }
            }
            return true;
        };
        let (content, opens, closes) = match leading_fence(text).filter(|f| f.0 == open.mark) {
            Some((_, "")) => ("", false, true),
            Some((mark, rest)) => match trailing_fence(rest, mark) {
                Some(inner) => (inner, false, false),
                None => ("", true, false),
            },
            None => {
                let (body, closes) = match trailing_fence(text, open.mark) {
                    Some(before) => (before, true),
                    None => (text, false),
                };
                if !(body.is_empty() || body.starts_with(['{', '}', '[', ']', '"'])) {
                    return false;
                }
                (body, false, closes)
            }
        };
        if open.lines >= MAX_LINES || open.text.len() + content.len() >= MAX_BYTES {
            self.open = None;
            return false;
        }
        open.text.push_str(content);
        open.text.push('\n');
        open.lines += 1;
        if opens {
            open.nested += 1;
        } else if closes && open.nested > 0 {
            open.nested -= 1;
        } else if closes {
            self.close();
        }
        true
    }

    /// The last echo read, closing a block the stream never closed.
    pub fn finish(mut self) -> Option<Echo> {
        self.close();
        self.echo
    }

    fn close(&mut self) {
        if let Some(open) = self.open.take() {
            self.read(&open.text);
        }
    }

    fn read(&mut self, text: &str) {
        if let Some(echo) = Echo::find(text) {
            self.echo = Some(echo);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds the lines; gives back the status lines handed back, and the echo's prompt.
    fn run(text: &str) -> (Vec<String>, Option<String>) {
        let mut block = Block::default();
        let status = text
            .lines()
            .filter(|l| !block.take(l))
            .map(str::to_owned)
            .collect();
        (status, block.finish().and_then(|e| e.prompt))
    }

    const STATUS: &str =
        "> ⌛️ 视频正在生成中\n> ✅ 视频生成成功，[看](https://h.example/1.mp4) 查看视频~~~";

    #[test]
    fn every_shape_gives_the_echo_and_keeps_the_status_lines() {
        let shapes = [
            "```json\n{\n  \"prompt\": \"猫\",\n  \"mode\": \"竖屏模式\"\n}\n```",
            "```json {\"prompt\": \"猫\"} ```",
            "```json\n{\"prompt\": \"猫\"}```",
            "```json\n{\n  \"prompt\": \"猫\"\n} ```",
            "```json\n{\"prompt\": \"猫\"}",
            "> ```json\n> {\"prompt\": \"猫\"}\n> ```",
            "```json\n```json\n{\"prompt\": \"猫\"}\n```\n```",
            "````\n{\"prompt\": \"猫\"}\n````",
            "~~~json\n{\"prompt\": \"猫\"}",
        ];
        for shape in shapes {
            let (status, prompt) = run(&format!("{shape}\n{STATUS}"));
            assert_eq!(status, STATUS.lines().collect::<Vec<_>>(), "{shape}");
            assert_eq!(prompt.as_deref(), Some("猫"), "{shape}");
        }
    }

    #[test]
    fn status_lines_inside_a_block_are_handed_back() {
        let (status, prompt) = run(&format!(
            "```json\n{{\n{STATUS}\n\"prompt\": \"a car that fails at https://x.example/a.mp4\"\n}}\n```\n> 🏃 进度：5%"
        ));
        let mut want: Vec<&str> = STATUS.lines().collect();
        want.push("> 🏃 进度：5%");
        assert_eq!(status, want);
        assert_eq!(
            prompt.as_deref(),
            Some("a car that fails at https://x.example/a.mp4")
        );
    }

    #[test]
    fn a_nested_block_is_closed_in_turn() {
        let mut block = Block::default();
        for line in ["```json", "```text", "inner words", "```"] {
            block.take(line);
        }
        assert!(block.is_open());
        assert!(block.take("```"));
        assert!(!block.is_open());
        assert!(block.take("```text words```"));
        assert!(!block.is_open(), "a block on one line");
    }

    #[test]
    fn a_block_is_bounded_in_lines_and_bytes() {
        let mut block = Block::default();
        assert!(block.take("```json"));
        for _ in 0..MAX_LINES {
            assert!(block.take("\"x\","));
        }
        assert!(!block.take("\"one line too many\""));
        assert!(!block.is_open());
        assert!(!block.take("\"after\""), "no longer a block");

        let mut block = Block::default();
        block.take("```");
        let long = format!("\"{}\"", "字".repeat(MAX_BYTES / 6));
        assert!(block.take(&long));
        assert!(!block.take(&long));
        assert!(!block.is_open());
    }

    #[test]
    fn other_json_blocks_leave_the_echo_in_place() {
        let (_, prompt) = run(
            "```json\n{\"prompt\": \"猫\"}\n```\n```json\n{\"status\": \"completed\"}\n```\n```\n{broken\n```",
        );
        assert_eq!(prompt.as_deref(), Some("猫"));
    }
}
