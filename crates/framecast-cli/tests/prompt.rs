//! `framecast-cli prompt` as a script would run it against the mock gateway: improve, translate
//! and shots with generate's gateway and key options, `--json` lines, the errors and their exit
//! codes, and the calls in `spend` as "Prompt help".
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{cli_in, mock, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn improve_translate_and_shots_from_the_command_line() {
    let mock = mock().await;
    let data = tempfile::tempdir().unwrap();
    let base = mock.base_url();
    let prompt = |args: &[&str]| {
        let mut cmd = cli_in(data.path());
        cmd.arg("prompt")
            .args(args)
            .args(["--base-url", &base, "--api-key", "sk-cli-prompt"]);
        cmd
    };

    let r = run(prompt(&["improve", "A kite over the harbour", "--json"])).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.lines.len(), 1, "one object: {}", r.stdout);
    let line = &r.lines[0];
    assert_eq!(line["type"], "suggestion");
    assert_eq!(line["action"], "improve");
    assert_eq!(line["model"], "gpt-4o-mini");
    assert!(
        line["text"]
            .as_str()
            .unwrap()
            .starts_with("A kite over the harbour, in a slow dolly-in"),
        "{line}"
    );
    assert_eq!(line["usage"]["totalTokens"], 168);
    assert!(line["usd"].is_null(), "no price is set");

    // Without --json the suggestion streams to stdout, what it cost to stderr.
    let r = run(prompt(&["translate", "一只纸船", "--model", "text-plain"])).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.trim(), "English: 一只纸船");
    assert!(
        r.stderr
            .contains("text-plain · 168 tokens · no token price set"),
        "{}",
        r.stderr
    );
    let r = run(prompt(&["translate", "a boat", "--to", "zh", "--json"])).await;
    assert_eq!(r.lines[0]["to"], "zh");
    assert_eq!(r.lines[0]["text"], "中文：a boat");

    let r = run(prompt(&[
        "shots",
        "a paper boat's journey",
        "--count",
        "3",
        "--json",
    ]))
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let shots = r.lines[0]["shots"].as_array().unwrap();
    assert_eq!(shots.len(), 3);
    assert_eq!(shots[1]["continuesFrom"], 0);
    let r = run(prompt(&["shots", "a paper boat's journey", "--count", "2"])).await;
    assert!(r.stdout.contains("2. Shot 2 of 2"), "{}", r.stdout);
    assert!(r.stdout.contains("(continues from shot 1)"), "{}", r.stdout);

    // The errors: the model declined, a base URL with no key, nothing to send.
    let r = run(prompt(&["improve", "x", "--model", "text-refuses"])).await;
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("declined to answer"), "{}", r.stderr);
    let mut no_key = cli_in(data.path());
    no_key.args(["prompt", "improve", "x", "--base-url", &base]);
    let r = run(no_key).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("API key"), "{}", r.stderr);
    let r = run(prompt(&["improve", "  "])).await;
    assert_eq!(r.code, 2);
    assert_eq!(mock.text_posts().len(), 6, "refused input sends nothing");
    assert!(mock.generation_posts().is_empty());

    // The ledger: prompt help is its own line.
    let mut spend = cli_in(data.path());
    spend.args(["spend", "--json"]);
    let rows = run(spend).await;
    let help: Vec<_> = rows
        .lines
        .iter()
        .filter(|r| r["kind"] == "promptHelp")
        .collect();
    assert_eq!(help.len(), 2, "{}", rows.stdout);
    let calls: u64 = help.iter().map(|r| r["jobs"].as_u64().unwrap()).sum();
    assert_eq!(calls, 5, "the refused call is not in the ledger");
    let mut spend = cli_in(data.path());
    spend.arg("spend");
    let table = run(spend).await;
    assert!(
        table.stdout.contains("Prompt help (gpt-4o-mini)"),
        "{}",
        table.stdout
    );
}
