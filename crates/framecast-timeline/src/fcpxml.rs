//! The timeline as FCPXML 1.10, which Final Cut Pro (10.6 and later) and DaVinci Resolve import.
//!
//! A `format` per distinct frame rate and size, an `asset` per original file (its `media-rep`
//! pointing at the file, its whole length, its sound), and a project whose sequence spine holds
//! one `asset-clip` per shot with its exact in point (`start`) and length, as rational seconds
//! that are whole frames at the file's own rate (`1001/24000s` per frame at 23.976 fps). The
//! document follows Apple's FCPXML 1.10 DTD.

use crate::timeline::{Rate, Timeline, gcd};
use std::fmt::Write;
use std::path::PathBuf;

/// The `.fcpxml` document for `timeline`.
pub fn to_string(timeline: &Timeline) -> String {
    let mut formats: Vec<(Rate, u32, u32)> = Vec::new();
    let mut assets: Vec<(PathBuf, usize)> = Vec::new();
    let mut resources = String::new();
    for shot in &timeline.shots {
        let key = (shot.rate, shot.width, shot.height);
        let format = match formats.iter().position(|f| *f == key) {
            Some(i) => i,
            None => {
                formats.push(key);
                let id = formats.len() - 1;
                let _ = writeln!(
                    resources,
                    r#"    <format id="f{id}" name="{}" frameDuration="{}" width="{}" height="{}"/>"#,
                    format_name(shot.rate, shot.width, shot.height),
                    seconds(shot.rate, 1),
                    shot.width,
                    shot.height,
                );
                id
            }
        };
        if assets.iter().any(|(p, _)| *p == shot.path) {
            continue;
        }
        let id = assets.len();
        assets.push((shot.path.clone(), format));
        let sound = match shot.audio {
            Some((rate, channels)) => format!(
                r#" hasAudio="1" audioSources="1" audioChannels="{channels}" audioRate="{rate}""#
            ),
            None => String::new(),
        };
        let _ = writeln!(
            resources,
            r#"    <asset id="a{id}" name="{}" start="0s" duration="{}" hasVideo="1" format="f{format}"{sound}>"#,
            escape(&shot.name),
            seconds(shot.rate, shot.available),
        );
        let _ = writeln!(
            resources,
            r#"      <media-rep kind="original-media" src="{}"/>"#,
            escape(&crate::export::file_url(&shot.path)),
        );
        resources.push_str("    </asset>\n");
    }

    let mut spine = String::new();
    let mut offset = Seconds::default();
    for shot in &timeline.shots {
        let asset = assets
            .iter()
            .position(|(p, _)| *p == shot.path)
            .unwrap_or(0);
        let format = assets.get(asset).map_or(0, |a| a.1);
        let _ = writeln!(
            spine,
            r#"            <asset-clip ref="a{asset}" offset="{offset}" name="{}" start="{}" duration="{}" format="f{format}" tcFormat="NDF"/>"#,
            escape(&shot.name),
            seconds(shot.rate, shot.in_frame),
            seconds(shot.rate, shot.frames()),
        );
        offset = offset.plus(shot.rate, shot.frames());
    }

    let first = timeline.shots.first();
    let sound = first
        .and_then(|s| s.audio)
        .map(|(rate, channels)| {
            let layout = match channels {
                1 => "mono",
                2 => "stereo",
                _ => "surround",
            };
            match audio_hz(rate) {
                Some(hz) => format!(r#" audioLayout="{layout}" audioRate="{hz}""#),
                None => format!(r#" audioLayout="{layout}""#),
            }
        })
        .unwrap_or_default();
    let name = escape(&timeline.name);
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE fcpxml>
<fcpxml version="1.10">
  <resources>
{resources}  </resources>
  <library>
    <event name="{name}">
      <project name="{name}">
        <sequence format="f0" duration="{offset}" tcStart="0s" tcFormat="NDF"{sound}>
          <spine>
{spine}          </spine>
        </sequence>
      </project>
    </event>
  </library>
</fcpxml>
"#
    )
}

/// `frames` at `rate` as FCPXML time: `0s`, `5s`, `12/24s`, `1001/24000s`.
fn seconds(rate: Rate, frames: u64) -> String {
    Seconds::default().plus(rate, frames).to_string()
}

/// An exact number of seconds, as a fraction.
#[derive(Debug, Clone, Copy)]
struct Seconds {
    num: u64,
    den: u64,
}

impl Default for Seconds {
    fn default() -> Self {
        Self { num: 0, den: 1 }
    }
}

impl Seconds {
    /// This plus `frames` at `rate`, in the smallest denominator that holds both exactly, keeping
    /// the rate's own (24000 for 23.976 fps) as editors write it.
    fn plus(self, rate: Rate, frames: u64) -> Self {
        let den = self.den / gcd(self.den, rate.num) * rate.num;
        let num = self.num * (den / self.den) + frames * rate.den * (den / rate.num);
        Self { num, den }
    }
}

impl std::fmt::Display for Seconds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.num == 0 {
            f.write_str("0s")
        } else if self.num.is_multiple_of(self.den) {
            write!(f, "{}s", self.num / self.den)
        } else {
            write!(f, "{}/{}s", self.num, self.den)
        }
    }
}

/// FCP's format names for the common sizes ("FFVideoFormat1080p24"); others are named by size.
fn format_name(rate: Rate, width: u32, height: u32) -> String {
    let fps = match (rate.num, rate.den) {
        (24000, 1001) => "2398".to_owned(),
        (30000, 1001) => "2997".to_owned(),
        (60000, 1001) => "5994".to_owned(),
        (n, 1) => n.to_string(),
        _ => format!("{:.2}", rate.fps()).replace('.', ""),
    };
    match (width, height) {
        (1920, 1080) => format!("FFVideoFormat1080p{fps}"),
        (1280, 720) => format!("FFVideoFormat720p{fps}"),
        (3840, 2160) => format!("FFVideoFormat3840x2160p{fps}"),
        (w, h) => format!("FFVideoFormat{w}x{h}p{fps}"),
    }
}

fn audio_hz(rate: u32) -> Option<&'static str> {
    Some(match rate {
        32_000 => "32k",
        44_100 => "44.1k",
        48_000 => "48k",
        88_200 => "88.2k",
        96_000 => "96k",
        176_400 => "176.4k",
        192_000 => "192k",
        _ => return None,
    })
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_whole_frames_as_fractions_of_a_second() {
        let film = Rate::new(24, 1).unwrap();
        let ntsc = Rate::new(24000, 1001).unwrap();
        assert_eq!(seconds(film, 0), "0s");
        assert_eq!(seconds(film, 48), "2s");
        assert_eq!(seconds(film, 12), "12/24s");
        assert_eq!(seconds(ntsc, 1), "1001/24000s");
        assert_eq!(seconds(ntsc, 24), "24024/24000s");
        let mixed = Seconds::default().plus(film, 12).plus(ntsc, 1);
        assert_eq!(mixed.to_string(), "13001/24000s");
    }
}
