//! `framecast-cli batch` against the mock gateway: the plan before money, never more than N jobs
//! at once, a row with a bad frame skipped with its reason while the rest are sent, 429s put back
//! in the queue, and a batch killed mid-run and run again sending each row exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use framecast_mock::{MockConfig, MockGateway};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;
use support::{cli_in, run};
use tokio::io::{AsyncBufReadExt, BufReader};

/// `framecast-cli batch FILE --json` against `base`, with the library in `data`.
fn batch(data: &Path, base: &str, file: &Path, extra: &[&str]) -> tokio::process::Command {
    let mut cmd = cli_in(data);
    cmd.args([
        "batch",
        "--json",
        "--base-url",
        base,
        "--api-key",
        "sk-test",
    ])
    .arg(file)
    .args(extra)
    .env("FRAMECAST_BATCH_BACKOFF_MS", "100");
    cmd
}

/// How many generations each prompt got.
fn sent_per_prompt(mock: &MockGateway) -> BTreeMap<String, usize> {
    let mut sent = BTreeMap::new();
    for post in mock.generation_posts() {
        let body = post.body.unwrap();
        let content = &body["messages"][0]["content"];
        let prompt = match content {
            Value::String(s) => s.clone(),
            Value::Array(parts) => parts[0]["text"].as_str().unwrap_or("").to_owned(),
            _ => String::new(),
        };
        *sent.entry(prompt).or_insert(0) += 1;
    }
    sent
}

fn png(dir: &Path, name: &str) {
    image::RgbImage::from_fn(64, 36, |x, y| image::Rgb([x as u8 * 3, y as u8 * 5, 80]))
        .save(dir.join(name))
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twelve_rows_one_bad_frame_eleven_sent_never_more_than_two_at_once() {
    let mock = MockGateway::start(MockConfig {
        tick: Duration::from_millis(30),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let (data, dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    png(dir.path(), "start.png");
    let mut csv = String::from("prompt,first,count,name,notes\n");
    for i in 1..=12 {
        let frame = match i {
            5 => "missing.png",
            3 | 8 => "start.png",
            _ => "",
        };
        csv.push_str(&format!("\"shot {i}, at dawn\",{frame},1,s{i},note {i}\n"));
    }
    let file = dir.path().join("shots.csv");
    std::fs::write(&file, csv).unwrap();
    let r = run(batch(
        data.path(),
        &mock.base_url(),
        &file,
        &["--concurrency", "2"],
    ))
    .await;
    assert_eq!(
        r.code, 1,
        "a skipped row: not every row succeeded\n{}",
        r.stdout
    );
    let plan = &r.of_type("plan")[0];
    assert_eq!(plan["sendable"], 11);
    assert_eq!(plan["rows"][4]["state"], "skipped");
    assert!(
        plan["rows"][4]["problem"]
            .as_str()
            .unwrap()
            .contains("missing")
    );
    let sent = sent_per_prompt(&mock);
    assert_eq!(sent.len(), 11, "{sent:?}");
    assert!(sent.values().all(|&n| n == 1));
    assert!(
        mock.most_in_flight() <= 2,
        "{} at once",
        mock.most_in_flight()
    );
    assert!(
        mock.most_in_flight() >= 2,
        "the queue ran rows side by side"
    );
    let summary = r.of_type("summary")[0];
    assert_eq!(
        (summary["done"].as_u64(), summary["skipped"].as_u64()),
        (Some(11), Some(1))
    );

    // Videos are named by their row; the results sit next to them, with the file's other columns.
    let out = dir.path().join("shots");
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("003-s3_") && n.ends_with(".mp4")),
        "{names:?}"
    );
    let results = std::fs::read_to_string(out.join("shots-results.csv")).unwrap();
    assert!(
        results.lines().next().unwrap().ends_with(",notes"),
        "{results}"
    );
    assert!(results.contains("note 5"));
    let jsonl = std::fs::read_to_string(out.join("shots-results.jsonl")).unwrap();
    assert_eq!(jsonl.lines().count(), 12);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_and_an_over_cap_batch_send_nothing() {
    let mock = MockGateway::start(MockConfig::default()).await.unwrap();
    let (data, dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let file = dir.path().join("prompts.txt");
    std::fs::write(
        &file,
        "a harbour at dawn\n\n纸船漂向大海\nrain on a window\n",
    )
    .unwrap();
    let dry = run(batch(
        data.path(),
        &mock.base_url(),
        &file,
        &["--dry-run", "-n", "2"],
    ))
    .await;
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    let plan = &dry.of_type("plan")[0];
    assert_eq!(
        (plan["sendable"].as_u64(), plan["videos"].as_u64()),
        (Some(3), Some(6))
    );
    assert_eq!(plan["estimateUsd"], 0.9, "veo-3.1-fast at $0.15 a video");

    let capped = run(batch(
        data.path(),
        &mock.base_url(),
        &file,
        &["--max-spend", "0.40"],
    ))
    .await;
    assert_eq!(capped.code, 2, "{}", capped.stdout);
    assert!(capped.stderr.contains("--max-spend"), "{}", capped.stderr);
    assert!(mock.generation_posts().is_empty(), "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_before_starting_go_back_to_the_queue_and_end_done() {
    let mock = MockGateway::start(MockConfig::default()).await.unwrap();
    let (data, dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let file = dir.path().join("busy.txt");
    std::fs::write(&file, "one #http-429-once\ntwo #http-429-once\nthree\n").unwrap();
    let r = run(batch(data.path(), &mock.base_url(), &file, &[])).await;
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(!r.of_type("waiting").is_empty(), "the queue slowed down");
    let sent = sent_per_prompt(&mock);
    assert_eq!(
        sent["one #http-429-once"], 2,
        "refused once, then sent: {sent:?}"
    );
    assert_eq!(sent["three"], 1);
    assert_eq!(r.of_type("summary")[0]["done"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_killed_mid_run_and_run_again_sends_each_row_once() {
    let mock = MockGateway::start(MockConfig {
        tick: Duration::from_millis(60),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let (data, dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let file = dir.path().join("night.jsonl");
    let lines: String = (1..=6)
        .map(|i| format!("{{\"prompt\": \"night shot {i}\", \"name\": \"n{i}\"}}\n"))
        .collect();
    std::fs::write(&file, lines).unwrap();

    let mut first = batch(
        data.path(),
        &mock.base_url(),
        &file,
        &["--concurrency", "2"],
    );
    first.stdout(std::process::Stdio::piped());
    let mut child = first.spawn().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut finished = 0;
    while let Some(line) = out.next_line().await.unwrap() {
        let v: Value = serde_json::from_str(&line).unwrap();
        if v["type"] == "row" && v["state"] == "done" {
            finished += 1;
        }
        // Killed while two rows are on the wire and some have not started.
        if finished == 2 && v["type"] == "progress" {
            break;
        }
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    let before = mock.generation_posts().len();
    assert!(before < 6, "killed before the end ({before} sent)");

    let again = run(batch(data.path(), &mock.base_url(), &file, &[])).await;
    // The rows whose streams the kill cut are failed, saying so; they were not sent again.
    assert_eq!(again.code, 1, "{}\n{}", again.stdout, again.stderr);
    let cut: Vec<_> = again
        .of_type("row")
        .into_iter()
        .filter(|r| r["state"] == "failed")
        .collect();
    assert!(
        cut.iter()
            .all(|r| r["problem"].as_str().unwrap().contains("not sent again")),
        "{cut:?}"
    );
    let continued = &again.of_type("continued")[0];
    assert!(!continued["notSentAgain"].as_array().unwrap().is_empty());
    let sent = sent_per_prompt(&mock);
    assert_eq!(sent.len(), 6, "{sent:?}");
    assert!(
        sent.values().all(|&n| n == 1),
        "each row sent exactly once: {sent:?}"
    );
    let summary = again.of_type("summary")[0];
    assert_eq!(
        summary["done"].as_u64().unwrap() + summary["failed"].as_u64().unwrap(),
        6
    );
}
