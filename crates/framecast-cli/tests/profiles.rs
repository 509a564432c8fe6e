//! `framecast-cli profile`: profiles shared with the app, keys from a file or standard input and
//! never printed, `generate` using the active profile, and `profile test` in plain words.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use framecast_mock::{MockConfig, MockGateway};
use std::path::Path;
use std::process::Stdio;
use support::{cli_in, run};
use tokio::io::AsyncWriteExt;

const KEY: &str = "sk-profile-secret-7788";

/// Runs `framecast-cli profile …` with `stdin` on standard input.
async fn profile(data: &Path, args: &[&str], stdin: &str) -> support::Run {
    let mut cmd = cli_in(data);
    cmd.arg("profile").args(args).stdin(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    let out = child.wait_with_output().await.unwrap();
    support::Run {
        code: out.status.code().unwrap_or(-1),
        lines: Vec::new(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_supplies_generate_and_its_key_is_never_shown() {
    let mock = MockGateway::start(MockConfig {
        api_key: Some(KEY.to_owned()),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let (data, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let base = mock.base_url();
    let added = profile(
        data.path(),
        &[
            "add",
            "--name",
            "mock",
            "--base-url",
            &base,
            "--bearer",
            "--api-key-file",
            "-",
        ],
        &format!("{KEY}\n"),
    )
    .await;
    assert_eq!(added.code, 0, "{}", added.stderr);
    assert!(
        added.stderr.contains("a file only you can read"),
        "labelled: {}",
        added.stderr
    );
    let keyfile = data.path().join("wrong.key");
    std::fs::write(&keyfile, "sk-wrong-wrong-0000").unwrap();
    let mut cmd = cli_in(data.path());
    cmd.args([
        "profile",
        "add",
        "--name",
        "wrong",
        "--base-url",
        &base,
        "--api-key-file",
    ])
    .arg(&keyfile);
    assert_eq!(run(cmd).await.code, 0);

    let list = profile(data.path(), &["list"], "").await;
    assert!(
        list.stdout.contains("* mock"),
        "the first is active: {}",
        list.stdout
    );
    assert!(list.stdout.contains("key …7788"), "{}", list.stdout);

    let test = profile(data.path(), &["test"], "").await;
    assert_eq!(test.code, 0, "{}", test.stdout);
    assert!(
        test.stdout.contains("The key is accepted"),
        "{}",
        test.stdout
    );
    assert!(test.stdout.contains("14 Veo models"), "{}", test.stdout);
    let refused = profile(data.path(), &["test", "wrong"], "").await;
    assert_eq!(refused.code, 1);
    assert!(
        refused.stdout.contains("The key was refused"),
        "{}",
        refused.stdout
    );
    assert!(
        refused.stdout.contains("无效的令牌"),
        "the gateway's words: {}",
        refused.stdout
    );

    // generate without --base-url or --api-key: the active profile's gateway, key and scheme.
    let mut cmd = cli_in(data.path());
    cmd.args([
        "generate",
        "--json",
        "--prompt",
        "from the profile",
        "--out",
    ])
    .arg(out.path());
    let r = run(cmd).await;
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let posts = mock.generation_posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].authorization.as_deref(),
        Some(format!("Bearer {KEY}").as_str())
    );

    // Switching profiles applies to the next job.
    assert_eq!(profile(data.path(), &["use", "wrong"], "").await.code, 0);
    let mut cmd = cli_in(data.path());
    cmd.args(["generate", "--json", "--prompt", "refused", "--out"])
        .arg(out.path());
    assert_eq!(run(cmd).await.error_kind_of_last(), Some("auth".to_owned()));
    assert_eq!(profile(data.path(), &["remove", "wrong"], "").await.code, 0);
    assert!(
        !profile(data.path(), &["list"], "")
            .await
            .stdout
            .contains("wrong")
    );

    // Nothing Framecast wrote or printed holds the key.
    for output in [&added, &list, &test, &refused] {
        assert!(!output.stdout.contains(KEY) && !output.stderr.contains(KEY));
    }
    assert!(!r.stdout.contains(KEY) && !r.stderr.contains(KEY));
    for dir in [data.path(), out.path()] {
        for entry in walk(dir) {
            if entry.parent().is_some_and(|p| p.ends_with("keys")) {
                continue; // the labelled file store itself
            }
            let bytes = std::fs::read(&entry).unwrap();
            assert!(
                !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
                "the key is in {}",
                entry.display()
            );
        }
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_warns_that_a_key_on_the_command_line_is_visible() {
    let data = tempfile::tempdir().unwrap();
    let mut cmd = cli_in(data.path());
    cmd.args(["generate", "--help"]);
    let r = run(cmd).await;
    assert!(r.stdout.contains("process list"), "{}", r.stdout);
    assert!(r.stdout.contains("--api-key-file"), "{}", r.stdout);
}

/// The audit's case: a task job started with a one-off key and base URL while a profile is
/// active. Resuming it must never send the profile's key to the one-off gateway, and a base URL
/// that is not the profile's never gets the profile's key for a new job either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profiles_key_never_goes_to_a_one_off_gateway() {
    let home = MockGateway::start(MockConfig {
        api_key: Some(KEY.to_owned()),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let other = MockGateway::start(MockConfig {
        tick: std::time::Duration::from_millis(150),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let (data, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let added = profile(
        data.path(),
        &[
            "add",
            "--name",
            "home",
            "--base-url",
            &home.base_url(),
            "--api-key-file",
            "-",
        ],
        &format!("{KEY}\n"),
    )
    .await;
    assert_eq!(added.code, 0, "{}", added.stderr);

    // A one-off gateway without a one-off key: refused, nothing sent anywhere.
    let mut cmd = cli_in(data.path());
    cmd.args([
        "generate",
        "--json",
        "--prompt",
        "x",
        "--base-url",
        &other.base_url(),
    ]);
    let r = run(cmd).await;
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stdout.contains("only sent to its own gateway"),
        "{}",
        r.stdout
    );
    assert!(other.requests().is_empty() && home.requests().is_empty());

    // A task job with a one-off key, killed after its tasks were created.
    let base = other.scenario_url("task-slow");
    let mut cmd = cli_in(data.path());
    cmd.args([
        "generate",
        "--json",
        "--prompt",
        "one-off",
        "--route",
        "task",
        "--base-url",
    ])
    .arg(&base)
    .args(["--api-key", "sk-one-off-1111", "--out"])
    .arg(out.path())
    .env("FRAMECAST_POLL_MS", "50")
    .stdout(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    use tokio::io::AsyncBufReadExt;
    while lines.read_line(&mut line).await.unwrap() > 0 {
        if line.contains("\"type\":\"task\"") {
            break;
        }
        line.clear();
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();

    let mut resume = cli_in(data.path());
    resume
        .args(["resume", "--json"])
        .env("FRAMECAST_POLL_MS", "50");
    let r = run(resume).await;
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("give that key again"), "{}", r.stdout);
    let sent_profile_key = other
        .requests()
        .iter()
        .any(|q| q.authorization.as_deref().is_some_and(|a| a.contains(KEY)));
    assert!(
        !sent_profile_key,
        "the profile's key went to the one-off gateway"
    );

    // Given again for its gateway, the one-off key finishes the job.
    let mut resume = cli_in(data.path());
    resume
        .args([
            "resume",
            "--json",
            "--api-key",
            "sk-one-off-1111",
            "--base-url",
        ])
        .arg(&base)
        .env("FRAMECAST_POLL_MS", "50");
    let r = run(resume).await;
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        other.requests().iter().all(|q| q
            .authorization
            .as_deref()
            .is_none_or(|a| a.contains("sk-one-off-1111"))),
        "only the one-off key went to the one-off gateway"
    );
}
