//! Small rules about text that every part of Framecast shares: cutting a text short, naming an
//! error's root cause, and making a gateway's words safe to print and store.
//!
//! Gateway text is hostile input. A status line may carry terminal escapes (ESC, OSC, BEL) that
//! would recolour, retitle or rewrite a person's terminal when the CLI prints it, and again when
//! `history` prints what the library stored. [`visible`] turns every control character except
//! line ends and tabs into its visible picture (`␛`, `␇`, ...), once, where gateway text enters
//! the engine, so nothing downstream can print it live.

/// `text` cut to at most `max_chars` characters, with `…` when something was cut.
pub fn shorten(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

/// The first `max_chars` characters of `text`, without a mark (a prefix of it).
pub fn prefix(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// The innermost error of a chain: what actually went wrong (`connection refused`, not
/// `error sending request`).
pub fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut last = error;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

/// Whether `c` would act on a terminal rather than show: C0 controls but tab and line ends,
/// DEL, and the C1 controls (U+0080–U+009F, which some terminals read as ESC sequences).
fn acts(c: char) -> bool {
    matches!(c, '\0'..='\x08' | '\x0b' | '\x0c' | '\x0e'..='\x1f' | '\x7f' | '\u{80}'..='\u{9f}')
}

/// `text` with every control character that would act on a terminal replaced by a visible
/// stand-in: C0 controls by their Unicode control pictures (ESC → `␛`, BEL → `␇`), DEL by `␡`,
/// C1 controls by `�`. Borrowed when there is nothing to replace (the common case).
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(acts) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| match c {
                '\0'..='\x1f' if acts(c) => char::from_u32(0x2400 + c as u32).unwrap_or('�'),
                '\x7f' => '␡',
                c if acts(c) => '�',
                c => c,
            })
            .collect(),
    )
}

/// [`visible`] in place.
pub fn make_visible(text: &mut String) {
    if let std::borrow::Cow::Owned(v) = visible(text) {
        *text = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortening_counts_characters_not_bytes() {
        assert_eq!(shorten("纸船漂向大海", 2), "纸船…");
        assert_eq!(shorten("rain", 4), "rain");
        assert_eq!(prefix("纸船漂向大海", 3), "纸船漂");
    }

    #[test]
    fn escapes_become_visible_and_ordinary_text_is_untouched() {
        assert_eq!(
            visible("\x1b]0;pwned\x07进度 50%\x1b[2J"),
            "␛]0;pwned␇进度 50%␛[2J"
        );
        assert_eq!(visible("a\u{9b}31m"), "a�31m");
        assert_eq!(visible("del\x7f"), "del␡");
        assert!(matches!(
            visible("line one\nline two\ttabbed"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[derive(Debug)]
    struct Sending(std::io::Error);

    impl std::fmt::Display for Sending {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("error sending request")
        }
    }

    impl std::error::Error for Sending {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn the_root_cause_is_the_innermost_error() {
        let outer = Sending(std::io::Error::other("connection refused"));
        assert_eq!(outer.to_string(), "error sending request");
        assert_eq!(root_cause(&outer), "connection refused");
    }
}
