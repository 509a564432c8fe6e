//! `framecast-cli` as a script would run it, against the mock gateway on loopback: every scenario's
//! JSON lines and exit status, input refused before sending, timeouts, interruption, and never a
//! second POST.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::Value;
use std::path::Path;
use std::time::Duration;
use support::{cli, generate, mock, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_through_the_cli() {
    let mock = mock().await;
    // scenario, n, exit status, error kind, videos delivered, videos saved
    type Row<'a> = (&'a str, &'a str, i32, Option<&'a str>, usize, usize);
    let table: &[Row] = &[
        ("success", "1", 0, None, 1, 1),
        ("success", "2", 0, None, 2, 2),
        ("success", "3", 0, None, 3, 3),
        ("success", "4", 0, None, 4, 4),
        ("partial", "3", 3, Some("generation_failed"), 2, 2),
        ("failure", "1", 1, Some("generation_failed"), 0, 0),
        ("error-frame", "1", 1, Some("gateway_error"), 0, 0),
        ("event-error", "1", 1, Some("gateway_error"), 0, 0),
        ("http-401", "1", 1, Some("auth"), 0, 0),
        ("http-403-quota", "1", 1, Some("quota"), 0, 0),
        ("http-429", "1", 1, Some("rate_limit"), 0, 0),
        ("http-500", "1", 1, Some("unavailable"), 0, 0),
        ("http-503-model", "1", 1, Some("bad_request"), 0, 0),
        ("http-524", "1", 1, Some("unavailable"), 0, 0),
        ("drop", "1", 1, Some("network"), 0, 0),
        ("bytewise", "2", 0, None, 2, 2),
        ("crlf-keepalive", "2", 0, None, 2, 2),
        ("json", "2", 0, None, 2, 2),
        ("reasoning", "1", 0, None, 1, 1),
        ("unnumbered", "2", 0, None, 2, 2),
        ("go-escaped", "1", 0, None, 1, 1),
        ("no-done", "1", 0, None, 1, 1),
        ("not-sse", "1", 1, Some("protocol"), 0, 0),
        ("huge-line", "1", 1, Some("protocol"), 0, 0),
        ("download-flaky", "1", 0, None, 1, 1),
        ("download-redirect", "1", 0, None, 1, 1),
        ("download-5xx", "1", 0, None, 1, 1),
        ("download-expired", "1", 3, Some("expired"), 1, 0),
        ("download-html", "1", 3, Some("expired"), 1, 0),
    ];
    for (i, &(scenario, n, code, kind, delivered, saved)) in table.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let r = generate(&mock.scenario_url(scenario), dir.path(), &["-n", n]).await;
        let what = format!("{scenario} n={n}: {}\n{}", r.stdout, r.stderr);
        assert_eq!(r.code, code, "{what}");
        assert_eq!(r.error_kind(), kind, "{what}");
        assert_eq!(r.result()["ok"], kind.is_none(), "{what}");
        assert_eq!(r.result()["requested"], n.parse::<u64>().unwrap(), "{what}");
        let videos = r.result()["videos"].as_array().unwrap();
        assert_eq!(videos.len(), delivered, "{what}");
        assert_eq!(r.of_type("video").len(), delivered, "{what}");
        assert_eq!(r.of_type("saved").len(), saved, "{what}");
        for s in r.of_type("saved") {
            let bytes = std::fs::read(s["path"].as_str().unwrap()).unwrap();
            assert_eq!(bytes.len() as u64, s["bytes"].as_u64().unwrap());
            assert_eq!(&bytes[4..8], b"ftyp");
        }
        if let Some(kind) = kind {
            let message = r.result()["error"]["message"].as_str().unwrap();
            assert!(
                !message.is_empty() && !message.contains("sk-test"),
                "{what}"
            );
            assert!(
                !r.result()["error"]["messageZh"]
                    .as_str()
                    .unwrap()
                    .is_empty()
            );
            assert_ne!(kind, "invalid_input");
        }
        assert_eq!(
            mock.generation_posts().len(),
            i + 1,
            "{scenario} POSTed more than once"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_and_status_lines_come_as_the_gateway_sends_them() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let r = generate(&mock.base_url(), dir.path(), &["-n", "2"]).await;
    let percents: Vec<f64> = r
        .of_type("progress")
        .iter()
        .map(|p| p["percent"].as_f64().unwrap())
        .collect();
    assert_eq!(percents, [9.0, 18.0, 36.0, 54.0, 72.0, 90.2]);
    assert!(
        r.of_type("status")
            .iter()
            .any(|s| s["text"].as_str().unwrap_or("").contains("视频正在生成中"))
    );
    // Each video is announced before it is saved, and the result lists its file.
    let pos = |t: &str, i: u64| {
        r.lines
            .iter()
            .position(|l| l["type"] == t && l["index"] == i)
            .unwrap()
    };
    assert!(pos("video", 1) < pos("saved", 1));
    for v in r.result()["videos"].as_array().unwrap() {
        assert!(v["path"].as_str().unwrap().ends_with(".mp4"));
        assert!(v["url"].as_str().unwrap().starts_with("http://127.0.0.1"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_is_refused_before_anything_is_sent() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let text_png = dir.path().join("notes.png");
    std::fs::write(&text_png, "this is a text file").unwrap();
    let cases: Vec<Vec<String>> = vec![
        vec!["--last".into(), "data:image/png;base64,iVBORw0KGgo=".into()],
        vec!["-n".into(), "0".into()],
        vec!["-n".into(), "5".into()],
        vec!["--prompt".into(), "   ".into()],
        vec![
            "--first".into(),
            dir.path()
                .join("missing.jpg")
                .to_string_lossy()
                .into_owned(),
        ],
        vec!["--first".into(), text_png.to_string_lossy().into_owned()],
        vec!["--idle-timeout".into(), "0".into()],
        vec!["--base-url".into(), "not a url".into()],
    ];
    for extra in cases {
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let r = generate(&mock.base_url(), dir.path(), &extra).await;
        assert_eq!(r.code, 2, "{extra:?}: {}", r.stdout);
        assert_eq!(r.error_kind(), Some("invalid_input"), "{extra:?}");
    }
    let mut no_key = cli();
    no_key.args([
        "generate",
        "--json",
        "--prompt",
        "x",
        "--base-url",
        &mock.base_url(),
    ]);
    let r = run(no_key).await;
    assert_eq!(r.code, 2);
    assert!(
        r.result()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("FRAMECAST_API_KEY")
    );
    assert!(
        mock.requests().is_empty(),
        "something was sent: {:?}",
        mock.requests()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stall_ends_at_the_idle_timeout() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let r = generate(
        &mock.scenario_url("stall"),
        dir.path(),
        &["--idle-timeout", "0.5"],
    )
    .await;
    // What the CLI said, if not a timeout (this is how a shared new library's "database is
    // locked" at open was found: Library::open now tries that again).
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(
        r.error_kind(),
        Some("timeout"),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(mock.generation_posts().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_download_and_no_stream() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let r = generate(
        &mock.base_url(),
        dir.path(),
        &["-n", "2", "--no-download", "--no-stream"],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.result()["videos"].as_array().unwrap().len(), 2);
    assert!(r.result()["videos"][0].get("path").is_none());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    assert_eq!(
        mock.generation_posts()[0].body.as_ref().unwrap()["stream"],
        false
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_supplies_the_gateway_and_key() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = cli();
    cmd.args(["generate", "--json", "--prompt", "x", "--bearer", "--out"])
        .arg(dir.path())
        .env("FRAMECAST_BASE_URL", format!("{}/v1", mock.base_url()))
        .env("FRAMECAST_API_KEY", "sk-from-env");
    let r = run(cmd).await;
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(
        mock.generation_posts()[0].authorization.as_deref(),
        Some("Bearer sk-from-env")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_get_a_progress_bar_and_a_summary() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = cli();
    cmd.args([
        "generate",
        "--prompt",
        "a pig",
        "-n",
        "2",
        "--api-key",
        "k",
        "--base-url",
        &mock.base_url(),
        "--out",
    ])
    .arg(dir.path());
    let r = run(cmd).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("2 of 2 videos delivered"), "{}", r.stderr);
    assert_eq!(
        r.stdout.lines().filter(|l| l.ends_with(".mp4")).count(),
        2,
        "{}",
        r.stdout
    );

    let mut cmd = cli();
    cmd.env("FRAMECAST_LANG", "zh").args([
        "generate",
        "--prompt",
        "a pig",
        "--api-key",
        "k",
        "--base-url",
        &mock.scenario_url("http-403-quota"),
    ]);
    let r = run(cmd).await;
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("账户余额不足"), "{}", r.stderr);
    assert!(r.stderr.contains("用户额度不足"), "{}", r.stderr);
}

// Sends SIGINT with `kill -INT`: Windows has neither signals nor `kill`, and its Ctrl+C is a
// console event that cannot be aimed at one child process.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupt_cancels_at_once_and_still_reports() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = cli();
    cmd.args([
        "generate",
        "--json",
        "--prompt",
        "slow one",
        "--api-key",
        "k",
        "--base-url",
        &mock.scenario_url("stall"),
        "--out",
    ])
    .arg(dir.path());
    let child = cmd.spawn().unwrap();
    let pid = child.id().unwrap();
    // Wait until the request is in flight, then interrupt.
    for _ in 0..100 {
        if !mock.generation_posts().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = tokio::time::timeout(Duration::from_secs(5), child.wait_with_output())
        .await
        .expect("the CLI did not stop on interrupt")
        .unwrap();
    assert_eq!(out.status.code(), Some(130));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let last: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["error"]["kind"], "cancelled");
    assert_eq!(mock.generation_posts().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_are_prepared_reported_and_sent_before_anything_else() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let start = dir.path().join("start.jpg");
    let end = dir.path().join("end.png");
    image::RgbImage::from_fn(3000, 2000, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    })
    .save(&start)
    .unwrap();
    image::RgbaImage::from_fn(640, 360, |x, _| {
        image::Rgba([200, 100, (x % 256) as u8, 128])
    })
    .save(&end)
    .unwrap();
    let model = "veo-3.1-landscape-fast-fl";
    let (first, last) = (
        start.to_string_lossy().into_owned(),
        end.to_string_lossy().into_owned(),
    );
    let r = generate(
        &mock.base_url(),
        dir.path(),
        &["--model", model, "--first", &first, "--last", &last],
    )
    .await;
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);

    // The frame lines come first, with the facts but never the data.
    assert_eq!(r.lines[0]["type"], "frame");
    assert_eq!(r.lines[1]["type"], "frame");
    let (s, e) = (&r.lines[0], &r.lines[1]);
    assert_eq!(s["role"], "start");
    assert_eq!(
        (s["width"].as_u64(), s["height"].as_u64()),
        (Some(1920), Some(1280))
    );
    assert_eq!(s["source"]["format"], "jpeg");
    assert!(s["actions"].as_array().unwrap().contains(&"resized".into()));
    assert_eq!(e["role"], "end");
    assert!(
        !r.stdout.contains("base64"),
        "frame data must not be printed"
    );

    // The request carries them as data URLs, start then end, and their hashes match.
    let body = mock.generation_posts()[0].body.clone().unwrap();
    let parts = body["messages"][0]["content"].as_array().unwrap().clone();
    assert_eq!(parts.len(), 3);
    assert!(
        parts[1]["image_url"]["url"]
            .as_str()
            .unwrap()
            .starts_with("data:image/jpeg;base64,")
    );
    assert!(
        parts[2]["image_url"]["url"]
            .as_str()
            .unwrap()
            .starts_with("data:image/")
    );
    let saved = r.of_type("saved")[0]["path"].as_str().unwrap().to_owned();
    let sidecar: Value =
        serde_json::from_slice(&std::fs::read(Path::new(&saved).with_extension("json")).unwrap())
            .unwrap();
    assert_eq!(sidecar["framesSha256"][0], s["sha256"]);
    assert_eq!(sidecar["framesSha256"][1], e["sha256"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_is_not_an_image_is_named_for_what_it_is() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("photo.jpg");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body>not a photo</body></html>",
    )
    .unwrap();
    let r = generate(
        &mock.base_url(),
        dir.path(),
        &["--first", &page.to_string_lossy()],
    )
    .await;
    assert_eq!(r.code, 2);
    let message = r.result()["error"]["message"].as_str().unwrap();
    assert!(message.contains("start frame"), "{message}");
    assert!(message.to_lowercase().contains("html"), "{message}");
    assert!(mock.requests().is_empty());
}
