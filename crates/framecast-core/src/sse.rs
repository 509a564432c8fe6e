//! A Server-Sent Events decoder: bytes in, events out, nothing else.
//!
//! It follows the WHATWG event-stream rules: LF, CRLF and lone CR end lines (a CRLF split across
//! two reads is still one line end), `:` lines are comments and keep-alives, `data:` lines of one
//! event are joined with newlines, `event:` and `id:` are kept, a leading BOM is dropped. Lines are
//! decoded as UTF-8 only once whole, so a character split across network reads survives. One
//! event may hold at most `max_event_bytes`, so a misbehaving server cannot grow memory without
//! bound. The decoder is pure and synchronous: it can be fed any split of a stream and gives the
//! same events.
//!
//! Where the standard says to drop an unterminated event at the end of the stream, this decoder
//! dispatches it instead: a gateway that forgets the final blank line must not cost a paid video.

use memchr::memchr2;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field, if any (`None` means the default, `message`).
    pub event: Option<String>,
    /// The `data:` lines, joined with `\n`.
    pub data: String,
    /// The last `id:` field seen.
    pub id: Option<String>,
}

/// An event or an unterminated line grew past the bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an event-stream line or event is larger than {limit} bytes")]
pub struct TooLarge {
    pub limit: usize,
}

/// The incremental decoder.
#[derive(Debug)]
pub struct SseDecoder {
    max_event_bytes: usize,
    /// Bytes of a line whose end has not arrived yet.
    partial: Vec<u8>,
    /// The last byte fed was a CR: an LF first in the next read belongs to it.
    after_cr: bool,
    /// Still at the very start of the stream, where a BOM may stand.
    at_start: bool,
    /// The event being assembled; handed out by reference when dispatched, then reused.
    current: SseEvent,
    has_data: bool,
    comments: u64,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl SseDecoder {
    pub fn new(max_event_bytes: usize) -> Self {
        Self {
            max_event_bytes,
            partial: Vec::new(),
            after_cr: false,
            at_start: true,
            current: SseEvent {
                event: None,
                data: String::new(),
                id: None,
            },
            has_data: false,
            comments: 0,
        }
    }

    /// How many comment lines (keep-alives) were seen.
    pub fn comments(&self) -> u64 {
        self.comments
    }

    /// Decodes `input`, calling `emit` for every event it completes.
    pub fn feed(
        &mut self,
        mut input: &[u8],
        emit: &mut impl FnMut(&SseEvent),
    ) -> Result<(), TooLarge> {
        if self.after_cr && !input.is_empty() {
            self.after_cr = false;
            if input[0] == b'\n' {
                input = &input[1..];
            }
        }
        while let Some(pos) = memchr2(b'\n', b'\r', input) {
            if self.partial.is_empty() {
                self.line(&input[..pos], emit)?;
            } else {
                self.check_partial(pos)?;
                let mut line = std::mem::take(&mut self.partial);
                line.extend_from_slice(&input[..pos]);
                self.line(&line, emit)?;
                line.clear();
                self.partial = line;
            }
            let cr = input[pos] == b'\r';
            input = &input[pos + 1..];
            if cr {
                match input.first() {
                    Some(b'\n') => input = &input[1..],
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
        }
        if !input.is_empty() {
            self.check_partial(input.len())?;
            self.partial.extend_from_slice(input);
        }
        Ok(())
    }

    /// Ends the stream: a last line without its line end, and an event without its blank line,
    /// are still delivered.
    pub fn finish(&mut self, emit: &mut impl FnMut(&SseEvent)) -> Result<(), TooLarge> {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.line(&line, emit)?;
        }
        self.dispatch(emit);
        Ok(())
    }

    fn check_partial(&self, more: usize) -> Result<(), TooLarge> {
        if self.partial.len() + more > self.max_event_bytes {
            return Err(TooLarge {
                limit: self.max_event_bytes,
            });
        }
        Ok(())
    }

    fn line(&mut self, mut line: &[u8], emit: &mut impl FnMut(&SseEvent)) -> Result<(), TooLarge> {
        if line.len() > self.max_event_bytes {
            return Err(TooLarge {
                limit: self.max_event_bytes,
            });
        }
        if self.at_start {
            self.at_start = false;
            line = line.strip_prefix(BOM).unwrap_or(line);
        }
        if line.is_empty() {
            self.dispatch(emit);
            return Ok(());
        }
        if line[0] == b':' {
            self.comments += 1;
            return Ok(());
        }
        let (field, value) = match memchr::memchr(b':', line) {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &b""[..]),
        };
        match field {
            b"data" => {
                let data = &mut self.current.data;
                if data.len() + value.len() + 1 > self.max_event_bytes {
                    return Err(TooLarge {
                        limit: self.max_event_bytes,
                    });
                }
                if self.has_data {
                    data.push('\n');
                }
                match std::str::from_utf8(value) {
                    Ok(text) => data.push_str(text),
                    Err(_) => data.push_str(&String::from_utf8_lossy(value)),
                }
                self.has_data = true;
            }
            b"event" => self.current.event = Some(String::from_utf8_lossy(value).into_owned()),
            b"id" if !value.contains(&0) => {
                self.current.id = Some(String::from_utf8_lossy(value).into_owned());
            }
            _ => {}
        }
        Ok(())
    }

    fn dispatch(&mut self, emit: &mut impl FnMut(&SseEvent)) {
        if self.has_data {
            self.has_data = false;
            emit(&self.current);
        }
        self.current.event = None;
        self.current.data.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut d = SseDecoder::new(1 << 20);
        let mut out = Vec::new();
        for c in chunks {
            d.feed(c, &mut |e| out.push(e.clone())).unwrap();
        }
        d.finish(&mut |e| out.push(e.clone())).unwrap();
        out
    }

    fn data(events: &[SseEvent]) -> Vec<&str> {
        events.iter().map(|e| e.data.as_str()).collect()
    }

    #[test]
    fn every_line_ending_is_a_line_ending() {
        for input in [
            &b"data: a\n\ndata: b\n\n"[..],
            b"data: a\r\n\r\ndata: b\r\n\r\n",
            b"data: a\r\rdata: b\r\r",
            b"data: a\r\n\ndata: b\n\r\n",
        ] {
            assert_eq!(data(&decode_in(&[input])), ["a", "b"], "{input:?}");
        }
    }

    #[test]
    fn crlf_split_across_reads_is_one_line_end() {
        let events = decode_in(&[b"data: a\r", b"\n\r", b"\ndata: b\r\n\r\n"]);
        assert_eq!(data(&events), ["a", "b"]);
    }

    #[test]
    fn comments_are_keepalives_and_multi_line_data_joins() {
        let mut d = SseDecoder::new(1024);
        let mut out = Vec::new();
        d.feed(b": PING\n\ndata: one\ndata:two\ndata\n\n", &mut |e| {
            out.push(e.clone())
        })
        .unwrap();
        assert_eq!(data(&out), ["one\ntwo\n"]);
        assert_eq!(d.comments(), 1);
    }

    #[test]
    fn event_and_id_fields_are_kept() {
        let events = decode_in(&[b"event: error\nid: 7\ndata: {\"x\":1}\n\ndata: y\n\n"]);
        assert_eq!(events[0].event.as_deref(), Some("error"));
        assert_eq!(events[0].id.as_deref(), Some("7"));
        assert_eq!(events[1].event, None);
        assert_eq!(events[1].id.as_deref(), Some("7"));
    }

    #[test]
    fn a_leading_bom_is_dropped_even_when_split() {
        let events = decode_in(&[b"\xEF\xBB", b"\xBFdata: x\n\n"]);
        assert_eq!(data(&events), ["x"]);
    }

    #[test]
    fn utf8_split_across_reads_survives() {
        let s = "data: 进度：9.0%\n\n".as_bytes();
        for cut in 0..s.len() {
            assert_eq!(
                data(&decode_in(&[&s[..cut], &s[cut..]])),
                ["进度：9.0%"],
                "cut {cut}"
            );
        }
    }

    #[test]
    fn an_unterminated_last_event_is_still_delivered() {
        assert_eq!(
            data(&decode_in(&[b"data: a\n\ndata: [DONE]"])),
            ["a", "[DONE]"]
        );
        assert_eq!(data(&decode_in(&[b"data: a\n"])), ["a"]);
    }

    #[test]
    fn events_without_data_are_not_dispatched() {
        assert!(decode_in(&[b"event: ping\n\n\n\nid: 3\n\n"]).is_empty());
    }

    #[test]
    fn lines_and_events_are_bounded() {
        let mut d = SseDecoder::new(16);
        let mut sink = |_: &SseEvent| {};
        assert!(d.feed(&[b'x'; 10], &mut sink).is_ok());
        assert_eq!(d.feed(&[b'x'; 10], &mut sink), Err(TooLarge { limit: 16 }));

        let mut d = SseDecoder::new(16);
        assert!(d.feed(b"data: 0123456789\n", &mut sink).is_ok());
        assert!(d.feed(b"data: 0123456789\n", &mut sink).is_err());

        // A long line is refused whether it arrives whole or in pieces.
        let mut d = SseDecoder::new(16);
        assert!(d.feed(b"event: 0123456789abcdef\n", &mut sink).is_err());
    }
}
