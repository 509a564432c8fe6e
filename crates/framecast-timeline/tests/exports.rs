//! The timeline exports read back by OpenTimelineIO's own adapters (its JSON reader,
//! otio-fcpx-xml-adapter, the cmx_3600 adapter): the clips, their exact cuts at the files' own
//! frame rate, and the media paths must be the ones written.
//!
//! The adapters run from a virtualenv under the target folder, made on first use from
//! scripts/otio-requirements.txt (PyPI only).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use framecast_timeline::{ClipSpec, Timeline, edl, fcpxml, otio, probe_all, sidecar, write_export};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use support::{Take, make};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The virtualenv's python, with OpenTimelineIO and the adapters installed.
fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../otio-venv");
        let python = venv.join("bin/python");
        let requirements = root().join("scripts/otio-requirements.txt");
        let stamp = venv.join("requirements.txt");
        let current = std::fs::read(&stamp).ok() == std::fs::read(&requirements).ok();
        if !python.exists() || !current {
            let made = Command::new("python3")
                .args(["-m", "venv", "--clear"])
                .arg(&venv)
                .status()
                .expect("python3 is needed for this test: run scripts/setup");
            assert!(
                made.success(),
                "python3 -m venv failed: run scripts/setup (python3-venv)"
            );
            let installed = Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "-r",
                ])
                .arg(&requirements)
                .status()
                .unwrap();
            assert!(
                installed.success(),
                "installing OpenTimelineIO from PyPI failed"
            );
            std::fs::copy(&requirements, &stamp).unwrap();
        }
        python
    })
}

/// What OpenTimelineIO reads from an export.
fn read_back(kind: &str, path: &Path, rate: &str) -> Value {
    let out = Command::new(python())
        .arg(root().join("scripts/otio-check.py"))
        .arg(kind)
        .arg(path)
        .arg(rate)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "OpenTimelineIO could not read the {kind} export: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn timeline(name: &str, specs: &[ClipSpec]) -> Timeline {
    let probes = probe_all(specs).unwrap();
    Timeline::new(name, specs, &probes).unwrap()
}

/// Every export of `timeline` into `dir`, read back: (otio, fcpxml, edl).
fn exported(timeline: &Timeline, dir: &Path, rate: &str) -> (Value, Value, Value) {
    let paths = [
        dir.join("cut.otio"),
        dir.join("cut.fcpxml"),
        dir.join("cut.edl"),
    ];
    write_export(&paths[0], &otio::to_string(timeline)).unwrap();
    write_export(&paths[1], &fcpxml::to_string(timeline)).unwrap();
    write_export(&paths[2], &edl::to_string(timeline).unwrap()).unwrap();
    (
        read_back("otio", &paths[0], rate),
        read_back("fcpxml", &paths[1], rate),
        read_back("edl", &paths[2], rate),
    )
}

fn url(path: &Path) -> String {
    url::Url::from_file_path(std::fs::canonicalize(path).unwrap())
        .unwrap()
        .to_string()
}

/// (name, in, frames, media) of each clip read back.
fn clips(read: &Value) -> Vec<(String, i64, i64, String)> {
    read["clips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["in"].as_i64().unwrap(),
                c["frames"].as_i64().unwrap(),
                c["media"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_cut_reads_back_from_otio_fcpxml_and_edl_with_exact_frames_and_paths() {
    let a = make(&Take::default());
    let b = make(&Take {
        pattern: "testsrc",
        tone: Some(660),
        ..Take::default()
    });
    let dir = tempfile::tempdir().unwrap();
    // Cuts between keyframes (every 24 frames) stay exact in the timeline.
    let specs = [
        ClipSpec {
            in_point: Some(0.5),
            out_point: Some(1.75),
            prompt: Some("a red kite over the dunes".into()),
            job_id: Some("job-1".into()),
            ..ClipSpec::new(&a)
        },
        ClipSpec::new(&b),
        ClipSpec {
            in_point: Some(1.25),
            ..ClipSpec::new(&a)
        },
    ];
    let cut = timeline("Storyboard", &specs);
    let (otio_read, fcpxml_read, edl_read) = exported(&cut, dir.path(), "24");

    let name_a = a.file_stem().unwrap().to_string_lossy().into_owned();
    let name_b = b.file_stem().unwrap().to_string_lossy().into_owned();
    let expected_cuts = [(12, 30), (0, 48), (30, 18)];
    let names = [&name_a, &name_b, &name_a];
    let urls = [url(&a), url(&b), url(&a)];

    let read = clips(&otio_read);
    assert_eq!(read.len(), 3);
    for (i, (name, start, frames, media)) in read.iter().enumerate() {
        assert_eq!(name, names[i]);
        assert_eq!((*start, *frames), expected_cuts[i], "otio clip {}", i + 1);
        assert_eq!(media, &urls[i]);
    }
    assert!(
        otio_read["clips"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["rate"] == 24.0)
    );
    assert_eq!(otio_read["audio_tracks"], 1);
    assert_eq!(
        otio_read["metadata"][0]["framecast"]["prompt"],
        "a red kite over the dunes"
    );

    let read = clips(&fcpxml_read);
    assert_eq!(fcpxml_read["name"], "Storyboard");
    assert_eq!(read.len(), 3);
    for (i, (name, start, frames, media)) in read.iter().enumerate() {
        assert_eq!(name, names[i]);
        assert_eq!((*start, *frames), expected_cuts[i], "fcpxml clip {}", i + 1);
        assert_eq!(media, &urls[i]);
    }

    let read = clips(&edl_read);
    assert_eq!(edl_read["name"], "Storyboard");
    assert_eq!(read.len(), 3);
    let paths = [&a, &b, &a].map(|p| std::fs::canonicalize(p).unwrap().display().to_string());
    for (i, (name, start, frames, media)) in read.iter().enumerate() {
        assert!(name.starts_with(names[i].as_str()), "{name}");
        assert_eq!((*start, *frames), expected_cuts[i], "edl clip {}", i + 1);
        assert_eq!(media, &paths[i]);
    }

    let side: Value = serde_json::from_str(&sidecar::to_string(&cut)).unwrap();
    let shots = side["shots"].as_array().unwrap();
    assert_eq!(shots.len(), 3);
    assert_eq!(shots[0]["prompt"], "a red kite over the dunes");
    assert_eq!(shots[0]["jobId"], "job-1");
    assert_eq!(shots[1]["prompt"], Value::Null);
    assert_eq!(shots[2]["inFrame"], 30);
    assert_eq!(shots[2]["startsAt"], 3.25);
}

#[test]
fn a_take_at_another_frame_rate_is_exported_at_its_own() {
    let thirty = make(&Take {
        fps: "30",
        seconds: 1.0,
        ..Take::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let specs = [ClipSpec {
        in_point: Some(0.1),
        out_point: Some(0.9),
        ..ClipSpec::new(&thirty)
    }];
    let cut = timeline("Thirty", &specs);
    assert_eq!(cut.rate().num, 30);
    let (otio_read, fcpxml_read, edl_read) = exported(&cut, dir.path(), "30");
    for read in [&otio_read, &fcpxml_read, &edl_read] {
        let c = &read["clips"][0];
        assert_eq!(c["rate"], 30.0, "{read}");
        assert_eq!(
            (c["in"].as_i64(), c["frames"].as_i64()),
            (Some(3), Some(24)),
            "{read}"
        );
    }
}
