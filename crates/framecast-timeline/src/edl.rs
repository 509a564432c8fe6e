//! The timeline as a CMX 3600 EDL, the edit list that Premiere, Resolve and Avid all import.
//!
//! One event per shot, cut (`C`) edits, non-drop-frame timecode at the timeline's rate (the
//! first shot's, rounded to whole frames per second as CMX 3600 counts them: 24 for 23.976).
//! Source timecode starts at 00:00:00:00 (Veo's files carry none); the record side starts at
//! 01:00:00:00, as editors expect. Each event names its file (`* FROM CLIP NAME:`) and its full
//! path (`* FROM CLIP:`), which is how Resolve and Avid relink the media. CMX 3600 numbers events
//! with three digits, so at most 999 shots fit.

use crate::timeline::Timeline;
use framecast_core::{Error, Result};
use std::fmt::Write;

/// The `.edl` text for `timeline`.
pub fn to_string(timeline: &Timeline) -> Result<String> {
    if timeline.shots.len() > 999 {
        return Err(Error::invalid_input(
            format!(
                "an EDL holds at most 999 shots; this timeline has {}",
                timeline.shots.len()
            ),
            format!(
                "EDL 最多容纳 999 个镜头；此时间线有 {} 个",
                timeline.shots.len()
            ),
        ));
    }
    let rate = timeline.rate();
    let base = rate.timecode_base();
    let title: String = timeline
        .name
        .chars()
        .filter(|c| !c.is_control())
        .take(70)
        .collect();
    let mut out = format!("TITLE: {title}\nFCM: NON-DROP FRAME\n\n");
    let mut record = base * 3600;
    for (i, shot) in timeline.shots.iter().enumerate() {
        // A shot at another rate is placed at the nearest frames of the timeline's.
        let convert = |frames: u64| -> u64 {
            if shot.rate == rate {
                frames
            } else {
                (frames as f64 * rate.fps() / shot.rate.fps()).round() as u64
            }
        };
        let (src_in, src_out) = (convert(shot.in_frame), convert(shot.out_frame));
        let length = src_out - src_in;
        let channels = match shot.audio {
            Some((_, 1)) => "B",
            Some(_) => "AA/V",
            None => "V",
        };
        let _ = writeln!(
            out,
            "{:03}  {:<8} {:<5} C        {} {} {} {}",
            i + 1,
            "AX",
            channels,
            timecode(src_in, base),
            timecode(src_out, base),
            timecode(record, base),
            timecode(record + length, base),
        );
        let file_name = shot
            .path
            .file_name()
            .map_or_else(|| shot.name.clone(), |n| n.to_string_lossy().into_owned());
        let _ = writeln!(out, "* FROM CLIP NAME: {file_name}");
        let _ = writeln!(out, "* FROM CLIP: {}", shot.path.display());
        out.push('\n');
        record += length;
    }
    Ok(out)
}

/// `HH:MM:SS:FF` for a frame count at `base` frames per second.
fn timecode(frames: u64, base: u64) -> String {
    let (ff, secs) = (frames % base, frames / base);
    format!(
        "{:02}:{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        ff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timecode_counts_whole_frames() {
        assert_eq!(timecode(0, 24), "00:00:00:00");
        assert_eq!(timecode(47, 24), "00:00:01:23");
        assert_eq!(timecode(24 * 3600 + 25, 24), "01:00:01:01");
        assert_eq!(timecode(30 * 61, 30), "00:01:01:00");
    }
}
