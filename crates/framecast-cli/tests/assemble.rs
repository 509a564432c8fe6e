//! `framecast-cli assemble` as a script would run it, on takes made with ffmpeg: the joined MP4
//! and the three timeline exports are written, and a bad clip is refused with exit status 2, its
//! name and the reason, and nothing written.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../framecast-timeline/tests/support/mod.rs"]
mod takes;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use takes::{Take, make, picture_hashes};

fn assemble(dir: &Path, args: &[&str], lang: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_framecast-cli"))
        .arg("assemble")
        .args(args)
        .current_dir(dir)
        .env("FRAMECAST_LANG", lang)
        .output()
        .unwrap()
}

fn takes_in(dir: &Path) -> [String; 2] {
    let a = make(&Take::default());
    let b = make(&Take {
        pattern: "testsrc",
        tone: Some(660),
        x264: "bframes=0:ref=1:cabac=0",
        ..Take::default()
    });
    std::fs::copy(&a, dir.join("a.mp4")).unwrap();
    std::fs::copy(&b, dir.join("b.mp4")).unwrap();
    ["a.mp4".into(), "b.mp4".into()]
}

#[test]
fn joins_and_exports_the_cut() {
    let dir = tempfile::tempdir().unwrap();
    let [a, b] = takes_in(dir.path());
    let out = assemble(
        dir.path(),
        &[
            &a,
            &b,
            "--out",
            "joined.mp4",
            "--otio",
            "t.otio",
            "--fcpxml",
            "t.fcpxml",
            "--edl",
            "t.edl",
        ],
        "en",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("Joined 2 takes into joined.mp4"), "{said}");
    for f in ["joined.mp4", "t.otio", "t.fcpxml", "t.edl"] {
        assert!(dir.path().join(f).is_file(), "{f} was not written");
    }
    let expected: Vec<String> = [&a, &b]
        .iter()
        .flat_map(|f| picture_hashes(&dir.path().join(f)))
        .collect();
    assert!(picture_hashes(&dir.path().join("joined.mp4")) == expected);
    let edl = std::fs::read_to_string(dir.path().join("t.edl")).unwrap();
    assert!(edl.contains("* FROM CLIP NAME: b.mp4"), "{edl}");
    let otio: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("t.otio")).unwrap()).unwrap();
    assert_eq!(otio["OTIO_SCHEMA"], "Timeline.1");
    assert_eq!(otio["name"], "joined");
}

#[test]
fn reports_cuts_snapped_to_keyframes_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let [a, b] = takes_in(dir.path());
    let cut = format!("{a}@0.3-1.4");
    let out = assemble(
        dir.path(),
        &[&cut, &b, "--out", "joined.mp4", "--json"],
        "en",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["type"], "result");
    let first = &result["joined"]["clips"][0];
    assert_eq!(first["requestedIn"], 0.3);
    assert_eq!(first["requestedOut"], 1.4);
    assert_eq!(first["inPoint"], 0.0);
    assert_eq!(first["outPoint"], 2.0);
    assert_eq!(result["joined"]["clips"][1]["startsAt"], 2.0);
}

#[test]
fn a_bad_clip_exits_2_naming_it_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let [a, _] = takes_in(dir.path());
    std::fs::write(dir.path().join("notes.txt"), "a shot list, not a video").unwrap();
    let before: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    let out = assemble(
        dir.path(),
        &[&a, "notes.txt", "--out", "joined.mp4", "--edl", "t.edl"],
        "en",
    );
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("clip 2 (notes.txt) is not an MP4 file"),
        "{said}"
    );
    let after: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(before.len(), after.len(), "something was written");

    let out = assemble(
        dir.path(),
        &[&a, "missing.mp4", "--out", "joined.mp4"],
        "zh",
    );
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("第 2 个片段（missing.mp4）无法读取"),
        "{said}"
    );

    let out = assemble(
        dir.path(),
        &[&a, &format!("{a}@1.5-0.5"), "--out", "joined.mp4"],
        "en",
    );
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("clip 2 (a.mp4) has an out point (0.5 s) that is not after its in point"),
        "{said}"
    );
    assert!(!dir.path().join("joined.mp4").exists());
}
