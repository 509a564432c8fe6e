//! What the CLI prints: JSON lines for scripts, or a progress bar and a summary for people.

use framecast_core::{Error, ErrorKind, Event, JobId, JobResult, Lang, Phase};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::io::Write;
use std::process::ExitCode;

use crate::frames::Frame;

/// Either a JSON-lines writer or a progress bar.
#[derive(Clone)]
pub struct Output {
    json: bool,
    lang: Lang,
    bar: Option<ProgressBar>,
    /// The job every JSON line is about.
    job: Option<JobId>,
}

#[derive(Serialize)]
struct Tagged<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "jobId", skip_serializing_if = "Option::is_none")]
    job: Option<JobId>,
    #[serde(flatten)]
    body: &'a T,
}

/// An event with the job it belongs to.
#[derive(Serialize)]
struct OfJob<'a> {
    #[serde(rename = "jobId", skip_serializing_if = "Option::is_none")]
    job: Option<JobId>,
    #[serde(flatten)]
    event: &'a Event,
}

impl Output {
    pub fn new(json: bool, lang: Lang, job: Option<JobId>) -> Self {
        let bar = (!json).then(|| {
            let bar = ProgressBar::new(1000);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:32} {prefix:>6} {wide_msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Self {
            json,
            lang,
            bar,
            job,
        }
    }

    fn line<T: Serialize>(&self, value: &T) {
        json_line(value);
    }

    /// A line for people (on the progress bar's terminal; JSON output stays pure).
    pub fn say(&self, en: &str, zh: &str) {
        if let Some(bar) = &self.bar {
            bar.println(pick(self.lang, en, zh));
        }
    }

    /// A frame was prepared (its facts, not its data).
    pub fn frame(&self, frame: &Frame) {
        if self.json {
            self.line(&Tagged {
                kind: "frame",
                job: self.job,
                body: &frame.facts,
            });
        } else {
            self.say(
                &format!("frame: {}", frame.summary),
                &format!("图片：{}", frame.summary),
            );
        }
    }

    pub fn event(&self, event: &Event) {
        // The `result` line that ends the output says all that `finished` does, and more.
        if matches!(event, Event::Finished { .. }) {
            return;
        }
        if self.json {
            self.line(&OfJob {
                job: self.job,
                event,
            });
            return;
        }
        let Some(bar) = &self.bar else { return };
        match event {
            Event::Status { phase, text } => {
                let phase_words = phase.map(|p| phase_text(p, self.lang));
                if let Some(msg) = text.as_deref().or(phase_words) {
                    bar.set_message(msg.to_owned());
                }
            }
            Event::Progress { percent } => {
                bar.set_position((percent * 10.0) as u64);
                bar.set_prefix(format!("{percent:.1}%"));
            }
            Event::Task { index, id } => self.say(
                &format!("  task {index} created: {id}"),
                &format!("  已创建任务 {index}：{id}"),
            ),
            Event::TaskLost { index } => self.say(
                &format!(
                    "✘ task {index}: the answer to its creation was lost; it was not sent again"
                ),
                &format!("✘ 任务 {index}：没有收到创建的应答；请求没有被重新发送"),
            ),
            Event::Video {
                index,
                url,
                extra: false,
            } => self.say(
                &format!("✔ video {index} delivered: {url}"),
                &format!("✔ 第 {index} 个视频已生成：{url}"),
            ),
            Event::Video {
                index,
                url,
                extra: true,
            } => self.say(
                &format!("✔ video {index} delivered beyond those asked for (kept as a link, not downloaded): {url}"),
                &format!("✔ 第 {index} 个视频超出了所请求的数量（仅保留链接，未下载）：{url}"),
            ),
            Event::VideoFailed { index, reason } => {
                let which = index.map(|i| format!(" {i}")).unwrap_or_default();
                self.say(
                    &format!("✘ video{which} failed: {reason}"),
                    &format!("✘ 视频{which}失败：{reason}"),
                );
            }
            Event::Download {
                index,
                bytes,
                total,
            } => {
                let total = total
                    .map(|t| format!("/{} KB", t / 1024))
                    .unwrap_or_default();
                bar.set_message(format!("↓ {index}: {} KB{total}", bytes / 1024));
            }
            Event::Saved {
                index, path, bytes, ..
            } => self.say(
                &format!(
                    "  saved video {index}: {} ({} KB)",
                    path.display(),
                    bytes / 1024
                ),
                &format!(
                    "  已保存第 {index} 个视频：{}（{} KB）",
                    path.display(),
                    bytes / 1024
                ),
            ),
            Event::DownloadFailed { index, error } => {
                let msg = match self.lang {
                    Lang::En => &error.message,
                    Lang::Zh => &error.message_zh,
                };
                self.say(
                    &format!("  video {index} not saved: {msg}"),
                    &format!("  第 {index} 个视频未保存：{msg}"),
                );
            }
            Event::Finished { .. } => {}
        }
    }

    /// Prints the result and gives the exit status.
    pub fn finish(&self, result: &JobResult) -> ExitCode {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if self.json {
            self.line(&Tagged {
                kind: "result",
                job: self.job,
                body: result,
            });
            return exit_code(result);
        }
        let arrived = result.videos.iter().filter(|v| !v.extra).count();
        let mut err = std::io::stderr().lock();
        match self.lang {
            Lang::En => {
                let _ = writeln!(err, "{arrived} of {} videos delivered.", result.requested);
            }
            Lang::Zh => {
                let _ = writeln!(err, "已生成 {arrived}/{} 个视频。", result.requested);
            }
        }
        for v in &result.videos {
            let mut out = std::io::stdout().lock();
            match &v.path {
                Some(p) => {
                    let _ = writeln!(out, "{}", p.display());
                }
                None => {
                    let _ = writeln!(out, "{}", v.url);
                }
            }
        }
        if let Some(e) = &result.error {
            let _ = writeln!(err, "{}", e.message(self.lang));
        }
        exit_code(result)
    }
}

pub fn phase_text(phase: Phase, lang: Lang) -> &'static str {
    let (en, zh) = match phase {
        Phase::Preparing => ("Preparing frames…", "正在准备图片…"),
        Phase::Sending => ("Sending the request…", "正在发送请求…"),
        Phase::Queued => ("Queued…", "排队中…"),
        Phase::Generating => ("Generating…", "生成中…"),
        Phase::Downloading => ("Downloading…", "下载中…"),
    };
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

/// The exit status for a result.
fn exit_code(result: &JobResult) -> ExitCode {
    match result.error.as_ref().map(Error::kind) {
        None => ExitCode::SUCCESS,
        Some(ErrorKind::InvalidInput) => ExitCode::from(2),
        Some(ErrorKind::Cancelled) => ExitCode::from(130),
        Some(_) if !result.videos.is_empty() => ExitCode::from(3),
        Some(_) => ExitCode::FAILURE,
    }
}

/// A JSON object on its own line of stdout.
pub fn json_line<T: Serialize>(value: &T) {
    if let Ok(s) = serde_json::to_string(value) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{s}");
        let _ = out.flush();
    }
}

/// `en` or `zh`, as `lang` says.
pub fn pick<'a>(lang: Lang, en: &'a str, zh: &'a str) -> &'a str {
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}
