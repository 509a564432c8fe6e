//! What the CLI's tests share: running the built binary as a script would, against a library
//! of the test's own, and reading its JSON lines.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use framecast_mock::{MockConfig, MockGateway};
use serde_json::Value;
use std::path::Path;
use std::process::Stdio;
use std::sync::LazyLock;
use std::time::Duration;
use tokio::process::Command;

/// The library the tests that do not look at it share (concurrently, as processes would).
static SHARED_DATA: LazyLock<tempfile::TempDir> = LazyLock::new(|| tempfile::tempdir().unwrap());

pub struct Run {
    pub code: i32,
    pub lines: Vec<Value>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn result(&self) -> &Value {
        let last = self.lines.last().expect("no output");
        assert_eq!(
            last["type"], "result",
            "the last line is not the result: {}",
            self.stdout
        );
        last
    }

    pub fn of_type(&self, t: &str) -> Vec<&Value> {
        self.lines.iter().filter(|l| l["type"] == t).collect()
    }

    pub fn error_kind(&self) -> Option<&str> {
        self.result()["error"]["kind"].as_str()
    }

    /// The error kind of the result line, owned (for a run that is not kept).
    pub fn error_kind_of_last(&self) -> Option<String> {
        self.error_kind().map(str::to_owned)
    }
}

/// The CLI, with the shared test library.
pub fn cli() -> Command {
    cli_in(SHARED_DATA.path())
}

/// The CLI, with the library in `data`.
pub fn cli_in(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_framecast-cli"));
    c.env("FRAMECAST_DATA_DIR", data)
        .env("FRAMECAST_KEYCHAIN", "off")
        .env_remove("FRAMECAST_BASE_URL")
        .env_remove("FRAMECAST_API_KEY")
        .env("FRAMECAST_LANG", "en")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    c
}

pub async fn run(mut cmd: Command) -> Run {
    let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("the CLI did not finish")
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines = stdout
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    Run {
        code: out.status.code().unwrap_or(-1),
        lines,
        stdout,
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

pub async fn generate(base: &str, out: &Path, extra: &[&str]) -> Run {
    let mut cmd = cli();
    cmd.args([
        "generate",
        "--json",
        "--prompt",
        "a pig flying",
        "--base-url",
        base,
    ])
    .args(["--api-key", "sk-test", "--out"])
    .arg(out)
    .args(extra);
    run(cmd).await
}

pub async fn mock() -> MockGateway {
    MockGateway::start(MockConfig::default()).await.unwrap()
}
