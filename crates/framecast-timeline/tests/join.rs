//! The joiner on real H.264 + AAC takes made with ffmpeg: the joined file must decode to exactly
//! the takes' pictures, keep the sound in step at every join, put its index first, and refuse
//! what it cannot join without leaving a file behind.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use framecast_core::{ErrorKind, Lang};
use framecast_timeline::{ClipSpec, JoinReport, join, probe_all};
use std::path::{Path, PathBuf};
use support::{Take, beeps, make, picture_hashes, sound, stream, top_level_boxes};

const AUDIO_FRAME: f64 = 1024.0 / 48_000.0;

fn joined(specs: &[ClipSpec], dir: &Path) -> (PathBuf, JoinReport) {
    let out = dir.join("joined.mp4");
    let probes = probe_all(specs).unwrap();
    let report = join(specs, &probes, &out).unwrap();
    (out, report)
}

fn spec(path: &Path, cut: (Option<f64>, Option<f64>)) -> ClipSpec {
    ClipSpec {
        in_point: cut.0,
        out_point: cut.1,
        ..ClipSpec::new(path)
    }
}

/// Every beep of every take, where it should be heard in the joined file.
fn expected_beeps(report: &JoinReport) -> Vec<f64> {
    let mut at = Vec::new();
    for c in &report.clips {
        let mut t = ((c.in_point - 0.25) * 2.0).ceil() / 2.0 + 0.25;
        while t < c.out_point - 0.05 {
            at.push(c.starts_at + t - c.in_point);
            t += 0.5;
        }
    }
    at
}

fn assert_in_step(out: &Path, report: &JoinReport) {
    let heard = beeps(&sound(out));
    let expected = expected_beeps(report);
    assert_eq!(
        heard.len(),
        expected.len(),
        "beeps heard at {heard:?}, expected at {expected:?}"
    );
    for (h, e) in heard.iter().zip(&expected) {
        assert!(
            (h - e).abs() <= AUDIO_FRAME,
            "a beep expected at {e:.4} s was heard at {h:.4} s ({:.1} ms off); all: {heard:?}",
            (h - e) * 1000.0
        );
    }
}

fn assert_no_leftovers(dir: &Path) {
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
}

#[test]
fn joins_takes_into_exactly_their_pictures_with_the_sound_in_step() {
    let takes = [
        make(&Take::default()),
        make(&Take {
            pattern: "testsrc",
            tone: Some(660),
            ..Take::default()
        }),
        // Other encoder settings: no B-frames, CAVLC, one reference; a different SPS and PPS.
        make(&Take {
            pattern: "rgbtestsrc",
            tone: Some(550),
            x264: "bframes=0:ref=1:cabac=0",
            ..Take::default()
        }),
        make(&Take {
            pattern: "smptehdbars",
            tone: Some(330),
            seconds: 3.0,
            ..Take::default()
        }),
    ];
    let dir = tempfile::tempdir().unwrap();
    let specs: Vec<_> = takes.iter().map(ClipSpec::new).collect();
    let (out, report) = joined(&specs, dir.path());

    let mut expected = Vec::new();
    let mut frames = 0;
    let mut seconds = 0.0;
    for t in &takes {
        expected.extend(picture_hashes(t));
        let (d, n) = stream(t, "v:0").unwrap();
        frames += n;
        seconds += d;
    }
    let pictures = picture_hashes(&out);
    assert_eq!(pictures.len(), expected.len(), "picture count");
    assert!(
        pictures == expected,
        "the joined pictures differ from the takes'"
    );

    let (video_seconds, video_frames) = stream(&out, "v:0").unwrap();
    assert_eq!(video_frames, frames);
    assert_eq!(report.frames, frames);
    assert!(
        (video_seconds - seconds).abs() < 1e-3,
        "{video_seconds} vs {seconds}"
    );
    assert!((report.duration - seconds).abs() < 1e-3);
    let (audio_seconds, _) = stream(&out, "a:0").unwrap();
    assert!(
        (audio_seconds - video_seconds).abs() <= AUDIO_FRAME,
        "sound {audio_seconds} s, pictures {video_seconds} s"
    );
    assert!(
        report.in_band_parameter_sets,
        "the take with other settings carries its own SPS/PPS"
    );
    // A player that seeks into the third take's second GOP starts decoding there, far from where
    // the take began, and must still have the take's own parameter sets.
    let seeked = support::picture_hashes_from(&out, 5.0, 6);
    assert_eq!(
        seeked,
        picture_hashes(&takes[2])[24..30],
        "pictures after a seek"
    );
    for c in &report.clips {
        assert!(c.audio_offset.unwrap().abs() <= AUDIO_FRAME / 2.0, "{c:?}");
    }
    assert_in_step(&out, &report);

    let boxes = top_level_boxes(&out);
    let moov = boxes.iter().position(|b| b == "moov").unwrap();
    let mdat = boxes.iter().position(|b| b == "mdat").unwrap();
    assert!(moov < mdat, "moov must come first: {boxes:?}");
}

#[test]
fn cuts_between_keyframes_snap_to_them_and_say_so() {
    let half_second_gops = |pattern, tone| Take {
        pattern,
        tone: Some(tone),
        gop: 12,
        ..Take::default()
    };
    let a = make(&half_second_gops("testsrc2", 440));
    let b = make(&half_second_gops("testsrc", 660));
    let dir = tempfile::tempdir().unwrap();
    let specs = [
        spec(&a, (Some(0.3), Some(1.4))),
        spec(&b, (Some(0.7), None)),
        spec(&a, (Some(1.0), Some(1.5))),
    ];
    let (out, report) = joined(&specs, dir.path());

    assert!(
        !report.in_band_parameter_sets,
        "takes made alike share one description"
    );
    let cuts: Vec<_> = report
        .clips
        .iter()
        .map(|c| (c.in_point, c.out_point))
        .collect();
    assert_eq!(cuts, [(0.0, 1.5), (0.5, 2.0), (1.0, 1.5)]);
    assert_eq!(report.clips[1].requested_in, 0.7);
    let starts: Vec<_> = report.clips.iter().map(|c| c.starts_at).collect();
    assert_eq!(starts, [0.0, 1.5, 3.0]);

    let (ha, hb) = (picture_hashes(&a), picture_hashes(&b));
    let expected: Vec<String> = [&ha[0..36], &hb[12..48], &ha[24..36]].concat();
    assert!(
        picture_hashes(&out) == expected,
        "the joined pictures are not the snapped cuts"
    );
    let (video_seconds, _) = stream(&out, "v:0").unwrap();
    assert!((video_seconds - 3.5).abs() < 1e-3, "{video_seconds}");
    let (audio_seconds, _) = stream(&out, "a:0").unwrap();
    assert!((audio_seconds - video_seconds).abs() <= AUDIO_FRAME);
    assert_in_step(&out, &report);
}

#[test]
fn takes_that_differ_are_refused_by_what_differs_and_nothing_is_left() {
    let landscape = make(&Take::default());
    let portrait = make(&Take {
        width: 720,
        height: 1280,
        ..Take::default()
    });
    let cd_rate = make(&Take {
        sample_rate: 44_100,
        ..Take::default()
    });
    let silent = make(&Take {
        tone: None,
        ..Take::default()
    });
    let turned = make(&Take {
        rotate: 90,
        ..Take::default()
    });
    let cases = [
        (
            vec![&landscape, &landscape, &portrait],
            "clip 3",
            "is 720×1280, the others 1280×720",
        ),
        (
            vec![&landscape, &cd_rate],
            "clip 2",
            "has sound at 44100 Hz, clip 1",
        ),
        (vec![&landscape, &silent], "clip 2", "has no sound"),
        (vec![&landscape, &turned], "clip 2", "is turned 90°"),
    ];
    for (paths, clip, says) in cases {
        let dir = tempfile::tempdir().unwrap();
        let specs: Vec<_> = paths.iter().map(ClipSpec::new).collect();
        let probes = probe_all(&specs).unwrap();
        let e = join(&specs, &probes, &dir.path().join("joined.mp4")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let en = e.message(Lang::En);
        assert!(en.contains(clip) && en.contains(says), "{en}");
        assert!(
            e.message(Lang::Zh).contains("不重新编码"),
            "{}",
            e.message(Lang::Zh)
        );
        assert_no_leftovers(dir.path());
    }
}

#[test]
fn clips_that_are_not_whole_mp4s_with_pictures_are_refused_with_the_reason() {
    let good = make(&Take::default());
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.mp4");
    std::fs::write(&text, "not a video at all").unwrap();
    // ffmpeg writes the index last: half a file has none.
    let bytes = std::fs::read(&good).unwrap();
    let half = dir.path().join("half.mp4");
    std::fs::write(&half, &bytes[..bytes.len() / 2]).unwrap();
    // With the index first, half a file has it, but not the pictures it lists.
    let faststart = dir.path().join("faststart.mp4");
    support::run(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-i",
            &good.display().to_string(),
            "-c",
            "copy",
            "-movflags",
            "+faststart",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([faststart.display().to_string()])
        .collect::<Vec<_>>(),
    );
    let bytes = std::fs::read(&faststart).unwrap();
    let cut_short = dir.path().join("cut-short.mp4");
    std::fs::write(&cut_short, &bytes[..bytes.len() / 2]).unwrap();
    let sound_only = dir.path().join("song.m4a");
    support::run(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=48000",
            "-t",
            "1",
            "-c:a",
            "aac",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([sound_only.display().to_string()])
        .collect::<Vec<_>>(),
    );
    let cases = [
        (
            &text,
            "clip 2 (notes.mp4) is not an MP4 file",
            "不是 MP4 文件",
        ),
        (&half, "clip 2 (half.mp4) is truncated", "不完整"),
        (
            &cut_short,
            "clip 2 (cut-short.mp4) is truncated: its pictures or sound run past the end",
            "超出了文件末尾",
        ),
        (
            &sound_only,
            "clip 2 (song.m4a) has no video track",
            "没有视频轨道",
        ),
    ];
    for (bad, en, zh) in cases {
        let specs = [ClipSpec::new(&good), ClipSpec::new(bad)];
        let e = probe_all(&specs).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.message(Lang::En).contains(en), "{}", e.message(Lang::En));
        assert!(e.message(Lang::Zh).contains(zh), "{}", e.message(Lang::Zh));
    }
}

#[test]
fn gstreamer_plays_a_join_of_takes_with_different_parameter_sets() {
    let takes = [
        make(&Take::default()),
        make(&Take {
            pattern: "rgbtestsrc",
            tone: Some(550),
            x264: "bframes=0:ref=1:cabac=0",
            ..Take::default()
        }),
        make(&Take {
            pattern: "testsrc",
            tone: Some(660),
            ..Take::default()
        }),
    ];
    let dir = tempfile::tempdir().unwrap();
    let specs: Vec<_> = takes.iter().map(ClipSpec::new).collect();
    let (out, report) = joined(&specs, dir.path());
    assert!(report.in_band_parameter_sets);
    let expected: Vec<String> = takes.iter().flat_map(|t| picture_hashes(t)).collect();
    let played = support::gstreamer_picture_hashes(&out, 1280, 720);
    assert_eq!(played.len(), expected.len(), "pictures GStreamer decoded");
    assert!(
        played == expected,
        "GStreamer's pictures differ from the takes'"
    );
}
