//! File names for saved videos: safe on every OS, and saying what the video is.
//!
//! `20261127-101500_a-pig-flying-in-the-sky_5e0c9a1f_1of2.mp4`: when, what (a prompt excerpt,
//! letters of any script kept, everything else a dash), which job (the short form of its id, so
//! jobs with the same prompt in the same second never share a name) and which take. Nothing comes
//! from the video's URL. No name can be reserved on Windows (it starts with digits and ends in
//! `.mp4`, so no `CON`, no trailing dot or space), hidden (no leading dot) or too long (at most 40
//! characters of prompt: under 200 bytes in all).

use crate::id::JobId;
use chrono::{DateTime, Local};

/// Longest prompt excerpt, in characters.
const EXCERPT_CHARS: usize = 40;

/// The file name (with `.mp4`) for take `index` of `n` of job `job`.
pub fn video_file_name(prompt: &str, at: DateTime<Local>, job: &JobId, index: u8, n: u8) -> String {
    format!(
        "{}_{}_{}_{index}of{n}.mp4",
        at.format("%Y%m%d-%H%M%S"),
        excerpt(prompt),
        job.short()
    )
}

/// The file name (with `.mp4`) for take `index` of `n` of job `job`, named for what it is part of
/// (`007-bottle_5e0c9a1f_1of2.mp4` for a batch's row 7 named "bottle").
pub fn labelled_file_name(label: &str, job: &JobId, index: u8, n: u8) -> String {
    format!("{}_{}_{index}of{n}.mp4", excerpt(label), job.short())
}

/// The prompt's first words as a file-name piece: `"A pig, flying!"` → `a-pig-flying`.
pub fn excerpt(prompt: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in prompt.chars() {
        if out.chars().count() >= EXCERPT_CHARS {
            break;
        }
        if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        } else {
            dash = true;
        }
    }
    if out.is_empty() {
        "video".to_owned()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn names_say_when_what_and_which() {
        let at = Local.with_ymd_and_hms(2026, 11, 27, 10, 15, 0).unwrap();
        let job = JobId::parse("019ac1a2-7c1e-7def-8abc-12345e0c9a1f").unwrap();
        assert_eq!(
            video_file_name("A pig, flying in the sky!", at, &job, 1, 2),
            "20261127-101500_a-pig-flying-in-the-sky_5e0c9a1f_1of2.mp4"
        );
        assert_eq!(
            video_file_name("画只猪在天上飞", at, &job, 2, 2),
            "20261127-101500_画只猪在天上飞_5e0c9a1f_2of2.mp4"
        );
        let longest = video_file_name(&"猪".repeat(500), at, &job, 4, 4);
        assert!(longest.len() <= 255, "{}", longest.len());
    }

    #[test]
    fn excerpts_are_safe_and_bounded() {
        assert_eq!(excerpt("../../etc/passwd"), "etc-passwd");
        assert_eq!(excerpt("CON"), "con");
        assert_eq!(excerpt("a:b*c?d\"e<f>g|h\\i/j"), "a-b-c-d-e-f-g-h-i-j");
        assert_eq!(excerpt("   "), "video");
        assert_eq!(excerpt(&"x".repeat(500)).len(), EXCERPT_CHARS);
        assert!(!excerpt("\u{202e}evil\u{0}").contains(['\u{202e}', '\0']));
    }
}
