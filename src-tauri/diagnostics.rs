//! A log a person can send: every `tracing` message of the app (a failed record on a full disk,
//! a notification that could not be shown) goes to `logs/framecast.log` in the data folder, one
//! file a day, the last seven kept, with anything shaped like an API key taken out first. The
//! last errors are also kept in memory for About's "Copy diagnostics", beside the versions that
//! decide how videos play (the app, the OS, WebKitGTK, GStreamer).

use crate::state::lock;
use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// How many errors and warnings "Copy diagnostics" lists.
const KEPT: usize = 20;

/// The log's folder inside the data folder.
pub fn log_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("logs")
}

/// The last errors and warnings, newest last.
#[derive(Clone, Default)]
pub struct Recent(Arc<Mutex<VecDeque<String>>>);

impl Recent {
    pub fn lines(&self) -> Vec<String> {
        lock(&self.0).iter().cloned().collect()
    }

    fn push(&self, line: String) {
        let mut kept = lock(&self.0);
        if kept.len() == KEPT {
            kept.pop_front();
        }
        kept.push_back(line);
    }
}

/// Starts logging to `data_dir`'s log folder (and to standard error in a debug build);
/// `FRAMECAST_LOG` sets the level (`info` by default). Returns the recent errors, and the guard
/// that flushes the file when the app ends.
pub fn start(data_dir: &Path) -> (Recent, Option<tracing_appender::non_blocking::WorkerGuard>) {
    let recent = Recent::default();
    let filter =
        || EnvFilter::try_from_env("FRAMECAST_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let file = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("framecast")
        .filename_suffix("log")
        .max_log_files(7)
        .build(log_dir(data_dir));
    let (writer, guard) = match file {
        Ok(file) => {
            let (w, g) = tracing_appender::non_blocking(Redacting(file));
            (Some(w), Some(g))
        }
        Err(e) => {
            eprintln!("Framecast cannot write its log: {e}");
            (None, None)
        }
    };
    let to_file = writer.map(|w| {
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(w)
            .with_filter(filter())
    });
    let to_stderr = cfg!(debug_assertions).then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_filter(filter())
    });
    let _ = tracing_subscriber::registry()
        .with(to_file)
        .with(to_stderr)
        .with(Remember(recent.clone()))
        .try_init();
    (recent, guard)
}

/// Keeps the last errors and warnings for the diagnostics.
struct Remember(Recent);

impl<S: tracing::Subscriber> Layer<S> for Remember {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let level = *event.metadata().level();
        if level > tracing::Level::WARN {
            return;
        }
        let mut text = String::new();
        event.record(&mut Fields(&mut text));
        let at = chrono::Local::now().format("%Y-%m-%d %H:%M:%S");
        self.0.push(redact(&format!("{at} {level} {text}")));
    }
}

/// An event's fields as `message key=value …`.
struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        if field.name() == "message" {
            self.0.push_str(&format!("{value:?}"));
        } else {
            self.0.push_str(&format!("{}={value:?}", field.name()));
        }
    }
}

/// The log file, written through [`redact`].
struct Redacting<W>(W);

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// `text` with anything shaped like an API key (`sk-` and at least eight key characters) or a
/// bearer token replaced: the engine never logs a key, and this makes sure a log never holds one.
pub fn redact(text: &str) -> String {
    let key_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = [rest.find("sk-"), rest.find("Bearer ")]
            .into_iter()
            .flatten()
            .min();
        let Some(at) = next else {
            out.push_str(rest);
            return out;
        };
        let skip = if rest[at..].starts_with("sk-") { 3 } else { 7 };
        let token_len = rest[at + skip..]
            .find(|c: char| !key_char(c))
            .unwrap_or(rest.len() - at - skip);
        out.push_str(&rest[..at]);
        if token_len >= 8 {
            out.push_str(&rest[at..at + skip]);
            out.push_str("…redacted");
        } else {
            out.push_str(&rest[at..at + skip + token_len]);
        }
        rest = &rest[at + skip + token_len..];
    }
}

/// What "Copy diagnostics" copies: the versions that matter and the last errors.
pub fn report(recent: &Recent, data_dir: &Path) -> String {
    let mut lines = vec![
        format!("Framecast {}", env!("CARGO_PKG_VERSION")),
        format!("OS: {}", os()),
    ];
    lines.extend(packages());
    lines.push(format!("Log folder: {}", log_dir(data_dir).display()));
    let errors = recent.lines();
    lines.push(String::new());
    if errors.is_empty() {
        lines.push("No errors or warnings since Framecast started.".to_owned());
    } else {
        lines.push("Last errors and warnings:".to_owned());
        lines.extend(errors);
    }
    lines.join("\n")
}

/// The OS, as its release file names it.
fn os() -> String {
    let pretty = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|release| {
            release.lines().find_map(|l| {
                l.strip_prefix("PRETTY_NAME=")
                    .map(|v| v.trim_matches('"').to_owned())
            })
        });
    format!(
        "{} ({} {})",
        pretty.unwrap_or_else(|| std::env::consts::OS.to_owned()),
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// WebKitGTK's and GStreamer's versions on Linux, as the package manager knows them.
fn packages() -> Vec<String> {
    if !cfg!(target_os = "linux") {
        return Vec::new();
    }
    let query = |args: &[&str]| {
        std::process::Command::new(args[0])
            .args(&args[1..])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    [
        ("WebKitGTK", "libwebkit2gtk-4.1-0", "webkit2gtk4.1"),
        ("GStreamer", "libgstreamer1.0-0", "gstreamer1"),
        ("GStreamer libav", "gstreamer1.0-libav", "gstreamer1-libav"),
    ]
    .into_iter()
    .map(|(name, deb, rpm)| {
        let version = query(&["dpkg-query", "-W", "-f=${Version}", deb])
            .or_else(|| query(&["rpm", "-q", "--qf", "%{VERSION}", rpm]))
            .unwrap_or_else(|| "not found".to_owned());
        format!("{name}: {version}")
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_tokens_never_reach_the_log() {
        assert_eq!(
            redact("refused sk-live-S3cr3tK3y9 and Bearer abcdefghijkl; sk-ab ok"),
            "refused sk-…redacted and Bearer …redacted; sk-ab ok"
        );
        assert_eq!(redact("no key here 纸船"), "no key here 纸船");
    }

    #[test]
    fn the_report_names_the_versions_and_the_last_errors() {
        let recent = Recent::default();
        for i in 0..(KEPT + 5) {
            recent.push(format!("error {i}"));
        }
        let text = report(&recent, Path::new("/data"));
        assert!(text.starts_with("Framecast "));
        assert!(text.contains("OS: "));
        assert!(text.contains("error 24") && !text.contains("error 4\n"));
        assert_eq!(recent.lines().len(), KEPT);
    }
}
