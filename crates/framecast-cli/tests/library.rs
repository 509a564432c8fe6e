//! The CLI and the library: what `generate` records, what `history` lists, and what survives a
//! SIGKILL at any point of a job — then `resume` finishes it without a second POST.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use framecast_mock::{MockConfig, MockGateway, SAMPLE_MP4};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;
use support::{cli_in, run};
use tokio::io::{AsyncBufReadExt, BufReader};

fn generate_in(data: &Path, base: &str, out: &Path, extra: &[&str]) -> tokio::process::Command {
    let mut cmd = cli_in(data);
    cmd.args([
        "generate",
        "--json",
        "--base-url",
        base,
        "--api-key",
        "sk-test",
        "--out",
    ])
    .arg(out)
    .args(extra);
    cmd
}

async fn history(data: &Path, extra: &[&str]) -> Vec<Value> {
    let mut cmd = cli_in(data);
    cmd.args(["history", "--json"]).args(extra);
    let r = run(cmd).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.lines
}

fn integrity(data: &Path) -> String {
    let conn = rusqlite::Connection::open(data.join("library.sqlite3")).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

/// A small PNG, so a job prepares a frame (and prints it) before its POST.
fn frame(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("start.png");
    image::RgbImage::from_fn(320, 180, |x, y| image::Rgb([x as u8, y as u8, 90]))
        .save(&path)
        .unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_records_the_job_and_history_finds_it() {
    let mock = MockGateway::start(MockConfig::default()).await.unwrap();
    let (data, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = run(generate_in(
        data.path(),
        &mock.base_url(),
        out.path(),
        &["--prompt", "A paper boat on a rainy street", "-n", "2"],
    ))
    .await;
    assert_eq!(first.code, 0, "{}", first.stdout);
    let id = first.result()["jobId"].as_str().unwrap().to_owned();
    assert!(
        first.lines.iter().all(|l| l["jobId"] == id.as_str()),
        "every line names the job"
    );
    let second = run(generate_in(
        data.path(),
        &mock.scenario_url("download-expired"),
        out.path(),
        &["--prompt", "画只猪在天上飞"],
    ))
    .await;
    assert_eq!(second.code, 3);

    let jobs = history(data.path(), &[]).await;
    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs[0]["prompt"], "画只猪在天上飞", "newest first");
    assert_eq!(jobs[0]["state"], "done");
    assert_eq!(jobs[0]["videos"][0]["state"], "expired");
    assert!(
        jobs[0]["videos"][0]["url"]
            .as_str()
            .unwrap()
            .contains("status=403")
    );
    assert_eq!(jobs[0]["priceUsd"], 0.15);
    let boat = &jobs[1];
    assert_eq!(boat["id"], id.as_str());
    assert_eq!(boat["state"], "done");
    assert_eq!(boat["origin"], "cli");
    for (i, v) in boat["videos"].as_array().unwrap().iter().enumerate() {
        assert_eq!(v["state"], "saved");
        assert_eq!(v["url"], first.result()["videos"][i]["url"]);
        assert_eq!(v["path"], first.result()["videos"][i]["path"]);
        let name = Path::new(v["path"].as_str().unwrap())
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            name.contains(&id[id.len() - 8..]),
            "the short job id is in {name}"
        );
    }
    assert!(boat["transcript"].as_array().unwrap().len() > 5);

    assert_eq!(history(data.path(), &["--search", "rainy"]).await.len(), 1);
    assert_eq!(
        history(data.path(), &["--search", "猪在天"]).await[0]["prompt"],
        "画只猪在天上飞"
    );
    assert!(
        history(data.path(), &["--search", "nothing like it"])
            .await
            .is_empty()
    );
    assert_eq!(history(data.path(), &["--limit", "1"]).await.len(), 1);

    let mut people = cli_in(data.path());
    people.arg("history");
    let r = run(people).await;
    assert!(
        r.stdout.contains("A paper boat") && r.stdout.contains("saved"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("expired"), "{}", r.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_processes_writing_one_library_at_once_lose_nothing() {
    let mock = MockGateway::start(MockConfig::default()).await.unwrap();
    let (data, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let runs = (0..6).map(|i| {
        let prompt = format!("same second {}", i % 2);
        run(generate_in(
            data.path(),
            &mock.base_url(),
            out.path(),
            &["--prompt", &prompt, "-n", "2"],
        ))
    });
    for r in futures_util::future::join_all(runs).await {
        assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    }
    let jobs = history(data.path(), &["--limit", "100"]).await;
    assert_eq!(jobs.len(), 6);
    let files: BTreeSet<_> = jobs
        .iter()
        .flat_map(|j| {
            j["videos"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["path"].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(files.len(), 12, "every video has its own file");
    for f in &files {
        assert_eq!(std::fs::read(f).unwrap(), SAMPLE_MP4);
    }
    assert_eq!(integrity(data.path()), "ok");
}

// Sends SIGINT with `kill -INT`: Windows has neither signals nor `kill`, and its Ctrl+C is a
// console event that cannot be aimed at one child process.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupt_after_a_delivery_keeps_the_paid_video() {
    let mock = MockGateway::start(MockConfig::default()).await.unwrap();
    let (data, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut cmd = generate_in(
        data.path(),
        &mock.scenario_url("deliver-then-stall"),
        out.path(),
        &["--prompt", "one arrives, then silence", "-n", "2"],
    );
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut url = None;
    while let Some(line) = lines.next_line().await.unwrap() {
        let v: Value = serde_json::from_str(&line).unwrap();
        if v["type"] == "video" {
            url = v["url"].as_str().map(str::to_owned);
            break;
        }
    }
    let url = url.expect("a video was delivered");
    let pid = child.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let mut rest = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        rest.push(serde_json::from_str::<Value>(&line).unwrap());
    }
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(130));
    let result = rest.last().unwrap();
    assert_eq!(result["type"], "result");
    assert_eq!(result["error"]["kind"], "cancelled");
    assert_eq!(result["videos"][0]["url"], url.as_str());
    let saved = result["videos"][0]["path"]
        .as_str()
        .expect("the delivered video was still saved");
    assert_eq!(std::fs::read(saved).unwrap(), SAMPLE_MP4);
    let jobs = history(data.path(), &[]).await;
    assert_eq!(jobs[0]["state"], "cancelled");
    assert_eq!(jobs[0]["videos"][0]["state"], "saved");
    assert_eq!(mock.generation_posts().len(), 1);
}

/// What one kill left, and what `resume` made of it.
struct Killed {
    /// URLs the CLI printed before it was killed.
    seen: BTreeSet<String>,
    posts: usize,
    /// Partial downloads the kill left behind (continued by `resume`).
    parts: usize,
}

/// Runs a job (a start frame, two takes, slow downloads) and SIGKILLs the CLI once it has
/// printed `after` lines; then checks the library and the folder, resumes, and checks again.
async fn kill_and_resume(mock: &MockGateway, after: usize, input: &Path) -> Killed {
    let (data, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let before = mock.generation_posts().len();
    let first = frame(input);
    let mut cmd = generate_in(
        data.path(),
        &mock.scenario_url("download-slow"),
        out.path(),
        &[
            "--prompt",
            "killed at a point",
            "-n",
            "2",
            "--model",
            "veo-3.1-fast-fl",
            "--first",
        ],
    );
    cmd.arg(&first);
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = BTreeSet::new();
    let mut printed = 0;
    while printed < after {
        let Some(line) = lines.next_line().await.unwrap() else {
            break;
        };
        printed += 1;
        let v: Value = serde_json::from_str(&line).unwrap();
        if v["type"] == "video" {
            seen.insert(v["url"].as_str().unwrap().to_owned());
        }
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    let at = format!("killed after {after} lines");

    // Nothing is lost: every URL printed is recorded, and no final name holds a partial file.
    let jobs = history(data.path(), &[]).await;
    let recorded: BTreeSet<String> = jobs
        .iter()
        .flat_map(|j| {
            j["videos"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["url"].as_str().unwrap().to_owned())
        })
        .collect();
    assert!(
        seen.is_subset(&recorded),
        "{at}: printed {seen:?}, recorded {recorded:?}"
    );
    let mut parts = 0;
    for entry in std::fs::read_dir(out.path()).unwrap() {
        let path = entry.unwrap().path();
        parts += usize::from(path.extension() == Some("part".as_ref()));
        if path.extension() == Some("mp4".as_ref()) {
            assert_eq!(
                std::fs::read(&path).unwrap(),
                SAMPLE_MP4,
                "{at}: {}",
                path.display()
            );
        }
    }
    assert_eq!(integrity(data.path()), "ok", "{at}");

    let mut resume = cli_in(data.path());
    resume.args(["resume", "--json"]);
    let r = run(resume).await;
    assert_eq!(r.code, 0, "{at}: {}\n{}", r.stdout, r.stderr);
    let summary = r.lines.last().unwrap();
    assert_eq!(summary["type"], "resumed", "{at}");

    let jobs = history(data.path(), &[]).await;
    for job in &jobs {
        let state = job["state"].as_str().unwrap();
        assert!(
            ["interrupted", "done", "partial", "failed"].contains(&state),
            "{at}: {job}"
        );
        for v in job["videos"].as_array().unwrap() {
            assert_eq!(v["state"], "saved", "{at}: {v}");
            let path = v["path"].as_str().unwrap();
            assert_eq!(
                std::fs::read(path).unwrap(),
                SAMPLE_MP4,
                "{at}: resumed byte for byte"
            );
            assert!(
                Path::new(path).with_extension("json").exists(),
                "{at}: sidecar"
            );
        }
    }
    let leftovers: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "{at}: {leftovers:?}");
    assert_eq!(integrity(data.path()), "ok", "{at}");
    // A second resume finds nothing, and nothing was ever sent twice.
    let mut again = cli_in(data.path());
    again.args(["resume", "--json"]);
    assert_eq!(run(again).await.lines.last().unwrap()["jobs"], 0, "{at}");
    let posts = mock.generation_posts().len() - before;
    assert!(posts <= 1, "{at}: {posts} POSTs");
    Killed { seen, posts, parts }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_at_any_point_loses_no_paid_video() {
    let mock = MockGateway::start(MockConfig {
        tick: Duration::from_millis(20),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let input = tempfile::tempdir().unwrap();
    // How many lines a whole job prints: every kill point is one of them.
    let whole = {
        let (data, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let mut cmd = generate_in(
            data.path(),
            &mock.scenario_url("download-slow"),
            out.path(),
            &[
                "--prompt",
                "whole",
                "-n",
                "2",
                "--model",
                "veo-3.1-fast-fl",
                "--first",
            ],
        );
        cmd.arg(frame(input.path()));
        run(cmd).await.lines.len()
    };
    assert!(whole > 15, "{whole} lines");
    let mut delivered_then_killed = 0;
    let mut killed_before_post = 0;
    let mut killed_mid_download = 0;
    for after in 0..whole {
        let k = kill_and_resume(&mock, after, input.path()).await;
        killed_mid_download += usize::from(k.parts > 0);
        if k.posts == 0 {
            killed_before_post += 1;
        }
        if !k.seen.is_empty() {
            delivered_then_killed += 1;
        }
    }
    assert!(
        killed_before_post >= 1,
        "no kill point fell before the POST"
    );
    assert!(
        delivered_then_killed >= 3,
        "too few kill points after a delivery"
    );
    assert!(
        killed_mid_download >= 2,
        "too few kill points in the middle of a download ({killed_mid_download})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_created_before_a_kill_is_finished_by_resume_without_a_second_create() {
    let mock = MockGateway::start(MockConfig {
        tick: Duration::from_millis(150),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let (data, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut cmd = generate_in(
        data.path(),
        &mock.scenario_url("task-slow"),
        out.path(),
        &[
            "--prompt",
            "a task outlives its process",
            "-n",
            "2",
            "--route",
            "task",
        ],
    );
    cmd.env("FRAMECAST_POLL_MS", "50");
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut tasks = 0;
    while let Some(line) = lines.next_line().await.unwrap() {
        let v: Value = serde_json::from_str(&line).unwrap();
        if v["type"] == "task" {
            tasks += 1;
            if tasks == 2 {
                break;
            }
        }
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    let creates = || {
        mock.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/v1/videos"))
            .count()
    };
    assert_eq!(creates(), 2);
    let jobs = history(data.path(), &[]).await;
    assert_eq!(jobs[0]["route"], "task");

    // The job was sent with a one-off key: a key alone (meant for another gateway) is not used.
    let mut elsewhere = cli_in(data.path());
    elsewhere
        .args(["resume", "--json"])
        .env("FRAMECAST_API_KEY", "sk-test")
        .env("FRAMECAST_POLL_MS", "50");
    let r = run(elsewhere).await;
    assert_ne!(r.code, 0);
    assert!(r.stdout.contains("give that key again"), "{}", r.stdout);
    let polls = || {
        mock.requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path.starts_with("/v1/videos/"))
            .count()
    };
    let before = polls();

    let mut resume = cli_in(data.path());
    resume
        .args(["resume", "--json"])
        .env("FRAMECAST_API_KEY", "sk-test")
        .env("FRAMECAST_BASE_URL", mock.scenario_url("task-slow"))
        .env("FRAMECAST_POLL_MS", "50");
    let r = run(resume).await;
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(polls() > before);
    let jobs = history(data.path(), &[]).await;
    assert_eq!(jobs[0]["state"], "done", "{}", jobs[0]);
    for v in jobs[0]["videos"].as_array().unwrap() {
        assert_eq!(v["state"], "saved");
        assert_eq!(
            std::fs::read(v["path"].as_str().unwrap()).unwrap(),
            SAMPLE_MP4
        );
    }
    assert_eq!(
        creates(),
        2,
        "resume watches the tasks; it never creates one"
    );
    assert_eq!(integrity(data.path()), "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_filters_like_the_library_view_and_spend_prints_the_ledger() {
    let mock = MockGateway::start(MockConfig::default()).await.unwrap();
    let (data, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for (prompt, model, n) in [
        ("a fox in snow", "veo-3.1-fast", "2"),
        ("a kite", "veo-3.1", "1"),
    ] {
        let r = run(generate_in(
            data.path(),
            &mock.base_url(),
            out.path(),
            &["--prompt", prompt, "--model", model, "-n", n],
        ))
        .await;
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let fox = history(data.path(), &["--model", "veo-3.1-fast"]).await;
    assert_eq!(fox.len(), 1);
    assert_eq!(fox[0]["prompt"], "a fox in snow");
    assert!(history(data.path(), &["--favourites"]).await.is_empty());
    let conn = rusqlite::Connection::open(data.path().join("library.sqlite3")).unwrap();
    conn.execute(
        "UPDATE videos SET favourite = 1 WHERE job_id = ?1 AND idx = 2",
        [fox[0]["id"].as_str().unwrap()],
    )
    .unwrap();
    let favourites = history(data.path(), &["--favourites"]).await;
    assert_eq!(favourites.len(), 1);
    assert_eq!(favourites[0]["videos"][1]["favourite"], true);
    let today = chrono_today();
    assert_eq!(history(data.path(), &["--since", &today]).await.len(), 2);
    assert!(
        history(data.path(), &["--since", "2999-01-01"])
            .await
            .is_empty()
    );
    assert_eq!(
        history(data.path(), &["--since", &today, "--search", "kite"]).await[0]["prompt"],
        "a kite"
    );
    let mut bad = cli_in(data.path());
    bad.args(["history", "--since", "last tuesday"]);
    let r = run(bad).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("2026-03-31"), "{}", r.stderr);

    // The ledger: 2 fast videos at $0.15 and one at $0.40 (the default prices).
    let mut spend = cli_in(data.path());
    spend.args(["spend", "--json"]);
    let rows = run(spend).await;
    assert_eq!(rows.code, 0, "{}", rows.stderr);
    let month = &today[..7];
    let cost = |model: &str| {
        let row = rows
            .lines
            .iter()
            .find(|r| r["model"] == model)
            .unwrap_or_else(|| panic!("{model} in {:?}", rows.lines));
        assert_eq!(row["period"], month);
        (
            row["videos"].as_u64().unwrap(),
            row["usd"].as_f64().unwrap(),
        )
    };
    assert_eq!(cost("veo-3.1-fast"), (2, 0.3));
    let (videos, usd) = cost("veo-3.1");
    assert_eq!(videos, 1);
    assert!(usd > 0.0);
    let mut days = cli_in(data.path());
    days.args(["spend", "--month", month]);
    let r = run(days).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(&today) && r.stdout.contains("$0.30"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("This month"), "{}", r.stdout);
    let mut bad = cli_in(data.path());
    bad.args(["spend", "--month", "March"]);
    assert_eq!(run(bad).await.code, 2);
}

/// Today in local time, as the CLI reads dates.
fn chrono_today() -> String {
    chrono::Local::now().format("%Y-%m-%d").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_absurd_timeout_is_refused_before_the_job_is_recorded() {
    let mock = MockGateway::start(MockConfig::default()).await.unwrap();
    let (data, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for timeout in ["1e19", "inf", "-5"] {
        let flag = format!("--timeout={timeout}");
        let r = run(generate_in(
            data.path(),
            &mock.base_url(),
            out.path(),
            &["--prompt", "x", &flag],
        ))
        .await;
        assert_eq!(r.code, 2, "{timeout}: {}\n{}", r.stdout, r.stderr);
        assert_eq!(r.error_kind(), Some("invalid_input"));
    }
    assert!(
        history(data.path(), &[]).await.is_empty(),
        "nothing recorded"
    );
    assert!(mock.requests().is_empty(), "nothing sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escapes_from_the_gateway_are_printed_and_stored_as_visible_text() {
    let mock = MockGateway::start(MockConfig::default()).await.unwrap();
    let (data, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let r = run(generate_in(
        data.path(),
        &mock.scenario_url("escapes"),
        out.path(),
        &["--prompt", "x"],
    ))
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains("\\u001b") && !r.stdout.contains('\u{1b}'));
    assert!(r.stdout.contains("␛]0;pwned␇"), "{}", r.stdout);
    let mut people = cli_in(data.path());
    people.arg("history");
    let shown = run(people).await;
    assert!(!shown.stdout.contains('\u{1b}') && !shown.stdout.contains('\u{7}'));
    let stored: String = rusqlite::Connection::open(data.path().join("library.sqlite3"))
        .unwrap()
        .query_row("SELECT transcript FROM jobs", [], |r| r.get(0))
        .unwrap();
    assert!(
        !stored.contains('\u{1b}') && !stored.contains("\\u001b"),
        "{stored}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_download_killed_midway_is_finished_by_resume_with_the_key() {
    let mock = MockGateway::start(MockConfig {
        api_key: Some("sk-test".into()),
        tick: Duration::from_millis(20),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let (data, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let base = mock.scenario_url("task-content-slow");
    let mut cmd = generate_in(
        data.path(),
        &base,
        out.path(),
        &["--prompt", "slow content", "--route", "task"],
    );
    cmd.env("FRAMECAST_POLL_MS", "30");
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while let Some(line) = lines.next_line().await.unwrap() {
        let v: Value = serde_json::from_str(&line).unwrap();
        if v["type"] == "download" && v["bytes"].as_u64().unwrap_or(0) > 0 {
            break;
        }
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();

    let mut resume = cli_in(data.path());
    resume
        .args(["resume", "--json", "--api-key", "sk-test", "--base-url"])
        .arg(&base);
    let r = run(resume).await;
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let jobs = history(data.path(), &[]).await;
    let video = &jobs[0]["videos"][0];
    assert_eq!(video["state"], "saved", "{}", jobs[0]);
    assert_eq!(
        std::fs::read(video["path"].as_str().unwrap()).unwrap(),
        SAMPLE_MP4
    );
    let ranged = mock
        .requests()
        .iter()
        .any(|q| q.path.ends_with("/content") && q.authorization.as_deref() == Some("sk-test"));
    assert!(ranged, "the content route was asked with the key");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unified_job_with_references_survives_a_kill_and_history_shows_its_options() {
    let mock = MockGateway::start(MockConfig {
        tick: Duration::from_millis(150),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let (data, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let image = frame(out.path());
    let image = image.to_str().unwrap();
    let mut cmd = generate_in(
        data.path(),
        &mock.scenario_url("unified-slow"),
        out.path(),
        &[
            "--prompt",
            "the red-haired girl on a pier",
            "--route",
            "unified",
            "--ref",
            image,
            "--ref",
            image,
            "--aspect",
            "16:9",
            "--resolution",
            "1080p",
            "--enhance-prompt",
        ],
    );
    cmd.env("FRAMECAST_POLL_MS", "50");
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while let Some(line) = lines.next_line().await.unwrap() {
        let v: Value = serde_json::from_str(&line).unwrap();
        if v["type"] == "task" {
            break;
        }
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    let creates = || {
        mock.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/v1/video/create"))
            .collect::<Vec<_>>()
    };
    let sent = creates();
    assert_eq!(sent.len(), 1);
    let body = sent[0].body.clone().unwrap();
    assert_eq!(body["model"], "veo3.1-components");
    assert_eq!(body["aspect_ratio"], "16:9");
    assert_eq!(body["enable_upsample"], true);
    assert_eq!(body["enhance_prompt"], true);
    let images = body["images"].as_array().unwrap();
    assert_eq!(images.len(), 2);
    assert!(images.iter().all(|i| i == "jpeg" || i == "png"), "{body}");

    let jobs = history(data.path(), &[]).await;
    assert_eq!(jobs[0]["route"], "unified");
    assert_eq!(jobs[0]["options"]["resolution"], "1080p");
    assert_eq!(jobs[0]["options"]["aspect"], "landscape");
    assert_eq!(jobs[0]["references"].as_array().unwrap().len(), 2);

    let mut resume = cli_in(data.path());
    resume
        .args(["resume", "--json"])
        .env("FRAMECAST_API_KEY", "sk-test")
        .env("FRAMECAST_BASE_URL", mock.scenario_url("unified-slow"))
        .env("FRAMECAST_POLL_MS", "50");
    let r = run(resume).await;
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let jobs = history(data.path(), &[]).await;
    assert_eq!(jobs[0]["state"], "done", "{}", jobs[0]);
    let saved = jobs[0]["videos"][0]["path"].as_str().unwrap().to_owned();
    assert_eq!(std::fs::read(&saved).unwrap(), SAMPLE_MP4);
    let sidecar: Value = serde_json::from_slice(
        &std::fs::read(std::path::Path::new(&saved).with_extension("json")).unwrap(),
    )
    .unwrap();
    assert_eq!(sidecar["options"]["resolution"], "1080p");
    assert_eq!(sidecar["referencesSha256"].as_array().unwrap().len(), 2);
    assert_eq!(creates().len(), 1, "resume never creates");

    let mut people = cli_in(data.path());
    people.args(["history"]);
    let r = run(people).await;
    assert!(r.stdout.contains("unified · 1080p · 16:9"), "{}", r.stdout);
    assert!(r.stdout.contains("2 reference image(s)"), "{}", r.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn combinations_veo_refuses_send_and_record_nothing() {
    let mock = MockGateway::start(MockConfig::default()).await.unwrap();
    let (data, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let image = frame(out.path());
    let image = image.to_str().unwrap();
    for extra in [
        vec!["--route", "task", "--duration", "4", "--resolution", "4k"],
        vec!["--route", "stream", "--seed", "7"],
        vec!["--route", "unified", "--ref", image, "--first", image],
        vec![
            "--route", "unified", "--ref", image, "--ref", image, "--ref", image, "--ref", image,
        ],
        vec!["--route", "task", "--ref", image],
        vec!["--route", "task", "--duration", "5"],
    ] {
        let mut args = vec!["--prompt", "nothing is sent"];
        args.extend(extra.iter().copied());
        let r = run(generate_in(
            data.path(),
            &mock.base_url(),
            out.path(),
            &args,
        ))
        .await;
        assert_eq!(r.code, 2, "{extra:?}: {}\n{}", r.stdout, r.stderr);
    }
    assert!(mock.requests().is_empty(), "nothing was sent");
    assert!(
        history(data.path(), &[]).await.is_empty(),
        "nothing recorded"
    );
}
