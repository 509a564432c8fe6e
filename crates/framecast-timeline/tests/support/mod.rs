//! Test clips made with ffmpeg, like Veo's (H.264 High, yuv420p, AAC stereo at 48 kHz), each made
//! once per target folder and reused; and the ffmpeg/ffprobe readings the tests compare.
//!
//! ffmpeg is a test-only tool; `scripts/setup` installs it.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// One take to make.
#[derive(Debug, Clone)]
pub struct Take {
    pub width: u32,
    pub height: u32,
    /// Frames per second as ffmpeg takes it: `24`, `30`, `24000/1001`.
    pub fps: &'static str,
    pub seconds: f64,
    /// A lavfi video source: `testsrc2`, `testsrc`, `smptehdbars`, `rgbtestsrc`.
    pub pattern: &'static str,
    /// The sound: a tone of this frequency, with a short loud beep at 0.25 s, 0.75 s, 1.25 s… on
    /// the take's own clock (for checking sync), or no sound at all.
    pub tone: Option<u32>,
    pub sample_rate: u32,
    /// Extra x264 settings (different ones give different SPS/PPS).
    pub x264: &'static str,
    /// Keyframe interval in frames.
    pub gop: u32,
    /// Degrees the player is told to turn the pictures (the track's display matrix).
    pub rotate: u32,
}

impl Default for Take {
    fn default() -> Self {
        Self {
            width: 1280,
            height: 720,
            fps: "24",
            seconds: 2.0,
            pattern: "testsrc2",
            tone: Some(440),
            sample_rate: 48_000,
            x264: "",
            gop: 24,
            rotate: 0,
        }
    }
}

impl Take {
    fn key(&self) -> String {
        format!(
            "v2-{}x{}-{}fps-{}s-{}-{:?}-{}-{}-g{}-r{}",
            self.width,
            self.height,
            self.fps.replace('/', "_"),
            self.seconds,
            self.pattern,
            self.tone,
            self.sample_rate,
            self.x264.replace([':', '='], "_"),
            self.gop,
            self.rotate
        )
    }
}

pub fn fixtures() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("timeline-fixtures");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The take's file, made on first use.
pub fn make(take: &Take) -> PathBuf {
    require("ffmpeg");
    let path = fixtures().join(format!("{}.mp4", take.key()));
    if path.exists() {
        return path;
    }
    // Tests in parallel may make the same take: each writes its own file, the last rename wins.
    static MADE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_extension(format!("{}-{n}.tmp.mp4", std::process::id()));
    let video = format!(
        "{}=size={}x{}:rate={}",
        take.pattern, take.width, take.height, take.fps
    );
    let mut args: Vec<String> = ["-v", "error", "-y", "-f", "lavfi", "-i", &video]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if let Some(tone) = take.tone {
        let sound = format!(
            "aevalsrc=0.3*sin(2*PI*{tone}*t)*lt(mod(t+0.25\\,0.5)\\,0.45)+0.9*sin(2*PI*2000*t)*lt(mod(t+0.25\\,0.5)\\,0.03):s={}:c=stereo",
            take.sample_rate
        );
        args.extend(["-f".into(), "lavfi".into(), "-i".into(), sound]);
    }
    args.extend(
        [
            "-t",
            &take.seconds.to_string(),
            "-c:v",
            "libx264",
            "-profile:v",
            "high",
            "-pix_fmt",
            "yuv420p",
            "-g",
            &take.gop.to_string(),
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    if !take.x264.is_empty() {
        args.extend(["-x264-params".into(), take.x264.into()]);
    }
    if take.tone.is_some() {
        args.extend(
            ["-c:a", "aac", "-ac", "2", "-shortest"]
                .iter()
                .map(|s| s.to_string()),
        );
    }
    args.push(tmp.display().to_string());
    run("ffmpeg", &args);
    if take.rotate != 0 {
        turn(&tmp, take.rotate);
    }
    std::fs::rename(&tmp, &path).unwrap();
    path
}

/// Sets the first track's (the video's) display matrix to a turn of `degrees`, as a phone does;
/// ffmpeg 5 no longer writes one from `-metadata rotate`.
fn turn(path: &Path, degrees: u32) {
    let mut data = std::fs::read(path).unwrap();
    let at = data.windows(4).position(|w| w == b"tkhd").unwrap() + 4;
    assert_eq!(data[at], 0, "a version 0 tkhd");
    let one = 0x10000i32;
    let (a, b, c, d) = match degrees {
        90 => (0, one, -one, 0),
        180 => (-one, 0, 0, -one),
        270 => (0, -one, one, 0),
        _ => (one, 0, 0, one),
    };
    let matrix = at + 40;
    for (i, v) in [(0, a), (4, b), (12, c), (16, d)] {
        data[matrix + i..matrix + i + 4].copy_from_slice(&v.to_be_bytes());
    }
    std::fs::write(path, data).unwrap();
}

/// Panics with what to install when `tool` is missing.
pub fn require(tool: &str) {
    let found = Command::new(tool).arg("-version").output().is_ok();
    assert!(
        found,
        "{tool} is needed for this test: run scripts/setup (or apt-get install ffmpeg)"
    );
}

pub fn run(tool: &str, args: &[String]) -> String {
    let out = Command::new(tool).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{tool} {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Each decoded picture's MD5, in order, as ffmpeg's framemd5 gives them.
pub fn picture_hashes(path: &Path) -> Vec<String> {
    let out = run(
        "ffmpeg",
        &[
            "-v".into(),
            "error".into(),
            "-i".into(),
            path.display().to_string(),
            "-map".into(),
            "0:v".into(),
            "-f".into(),
            "framemd5".into(),
            "-".into(),
        ],
    );
    out.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit(',').next().map(|h| h.trim().to_owned()))
        .collect()
}

/// The MD5s of `count` pictures decoded after seeking to `seconds` (ffmpeg seeks to the
/// keyframe before and starts a fresh decoder there).
pub fn picture_hashes_from(path: &Path, seconds: f64, count: usize) -> Vec<String> {
    let out = run(
        "ffmpeg",
        &[
            "-v".into(),
            "error".into(),
            "-ss".into(),
            seconds.to_string(),
            "-i".into(),
            path.display().to_string(),
            "-map".into(),
            "0:v".into(),
            "-frames:v".into(),
            count.to_string(),
            "-f".into(),
            "framemd5".into(),
            "-".into(),
        ],
    );
    out.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit(',').next().map(|h| h.trim().to_owned()))
        .collect()
}

/// A stream's (duration in seconds, frame count) as ffprobe reads them.
pub fn stream(path: &Path, which: &str) -> Option<(f64, u64)> {
    let out = run(
        "ffprobe",
        &[
            "-v".into(),
            "error".into(),
            "-count_frames".into(),
            "-select_streams".into(),
            which.into(),
            "-show_entries".into(),
            "stream=duration,nb_read_frames".into(),
            "-of".into(),
            "default=noprint_wrappers=1".into(),
            path.display().to_string(),
        ],
    );
    let mut duration = None;
    let mut frames = None;
    for line in out.lines() {
        if let Some(v) = line.strip_prefix("duration=") {
            duration = v.parse().ok();
        }
        if let Some(v) = line.strip_prefix("nb_read_frames=") {
            frames = v.parse().ok();
        }
    }
    Some((duration?, frames?))
}

/// The sound decoded to mono 48 kHz samples.
pub fn sound(path: &Path) -> Vec<f32> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args([
            "-map", "0:a", "-ac", "1", "-ar", "48000", "-f", "f32le", "-",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// When the beeps (30 ms loud bursts) start, in seconds. A click where two takes meet is loud
/// too, but only for a moment: a beep is loud for most of the 10 ms after its start.
pub fn beeps(samples: &[f32]) -> Vec<f64> {
    let loud = |x: &f32| x.abs() > 0.6;
    let mut onsets = Vec::new();
    let mut quiet_until = 0usize;
    for i in 0..samples.len() {
        if !loud(&samples[i]) || i < quiet_until {
            continue;
        }
        let next = &samples[i..(i + 480).min(samples.len())];
        if next.iter().filter(|x| loud(x)).count() >= 120 {
            onsets.push(i as f64 / 48_000.0);
            quiet_until = i + 4_800;
        }
    }
    onsets
}

/// The top-level box names of an MP4, in order.
pub fn top_level_boxes(path: &Path) -> Vec<String> {
    let data = std::fs::read(path).unwrap();
    let mut at = 0usize;
    let mut names = Vec::new();
    while at + 8 <= data.len() {
        let size32 = u32::from_be_bytes(data[at..at + 4].try_into().unwrap()) as usize;
        let size = if size32 == 1 {
            u64::from_be_bytes(data[at + 8..at + 16].try_into().unwrap()) as usize
        } else if size32 == 0 {
            data.len() - at
        } else {
            size32
        };
        names.push(String::from_utf8_lossy(&data[at + 4..at + 8]).into_owned());
        at += size.max(8);
    }
    names
}

/// Each picture's MD5 as GStreamer decodes the file (qtdemux and avdec_h264, the
/// demuxer and decoder WebKitGTK plays with), hashed the way [`picture_hashes`] hashes ffmpeg's.
pub fn gstreamer_picture_hashes(path: &Path, width: u32, height: u32) -> Vec<String> {
    use std::process::Stdio;
    require("gst-launch-1.0");
    let mut gst = Command::new("gst-launch-1.0")
        .args(["-q", "filesrc"])
        .arg(format!("location={}", path.display()))
        .args([
            "!",
            "qtdemux",
            "name=demux",
            "demux.video_0",
            "!",
            "queue",
            "!",
            "avdec_h264",
            "!",
            "videoconvert",
            "!",
            "video/x-raw,format=I420",
            "!",
            "fdsink",
            "fd=1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let raw = gst.stdout.take().unwrap();
    let hashed = Command::new("ffmpeg")
        .args(["-v", "error", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s"])
        .arg(format!("{width}x{height}"))
        .args(["-i", "-", "-f", "framemd5", "-"])
        .stdin(raw)
        .output()
        .unwrap();
    let status = gst.wait_with_output().unwrap();
    assert!(
        status.status.success(),
        "GStreamer could not play {}: {}",
        path.display(),
        String::from_utf8_lossy(&status.stderr)
    );
    assert!(
        hashed.status.success(),
        "{}",
        String::from_utf8_lossy(&hashed.stderr)
    );
    String::from_utf8_lossy(&hashed.stdout)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit(',').next().map(|h| h.trim().to_owned()))
        .collect()
}
