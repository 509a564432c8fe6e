//! Fuzzes the line classifier on arbitrary text. Nothing may panic, and what it reads out of a
//! line is a piece of that line: a video's URL, a failure's reason, every video link. A progress
//! is a percentage and a video number a small positive one.
#![no_main]

use framecast_core::classify::{Line, classify, display_text, video_links};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|line: &str| {
    match classify(line) {
        Line::Video { index, url } => {
            assert!(line.contains(url.as_str()), "{url:?} not in {line:?}");
            assert!(url.starts_with("http://") || url.starts_with("https://"));
            assert!(index.is_none_or(|i| (1..=16).contains(&i)));
        }
        Line::Failure { index, reason } => {
            assert!(line.contains(reason.as_str()));
            assert!(index.is_none_or(|i| (1..=16).contains(&i)));
        }
        Line::Progress(percent) => assert!((0.0..=100.0).contains(&percent)),
        Line::Blank | Line::Queued | Line::Generating | Line::Other => {}
    }
    assert!(line.contains(display_text(line)));
    for url in video_links(line) {
        assert!(line.contains(url), "{url:?} not in {line:?}");
    }
});
