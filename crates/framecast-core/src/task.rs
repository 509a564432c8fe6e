//! The gateway's task route: a generation that outlives its HTTP connection.
//!
//! `POST {base}/v1/videos` creates a task (JSON for text; `multipart/form-data` with one
//! `input_reference` part per frame), `GET {base}/v1/videos/{id}` tells where it is, and
//! `GET {base}/v1/videos/{id}/content` gives its video (the MP4 itself, or JSON with its URL).
//! One task makes one video: `n` takes are `n` tasks, created one after another.
//!
//! Guarantees, as for the stream:
//! - Each create is one POST, never retried. Its task id is reported ([`Event::Task`]) the moment
//!   the answer arrives, so the library records it before anything else happens. A create whose
//!   request went out but whose answer was lost is reported as such ([`Event::TaskLost`]): the
//!   gateway may have made the task, so it is never sent again, and no further take is created.
//! - Polls back off from [`TaskPolicy::first_poll`] to [`TaskPolicy::max_poll`], honour a 429's
//!   `Retry-After`, stop at the overall deadline, and stop at once when cancelled (the gateway may
//!   still finish: the task id is kept, and recovery can watch it again).
//! - A task the gateway no longer knows (404, 410) is expired; unknown states are shown, not fatal.
//! - A constant progress (some gateways report one until the end) is not reported as progress.
//! - The key goes only to the gateway's own origin, and is taken out of everything reported.

use crate::body::{MAX_SMALL_ANSWER, Unread, read_capped};
use crate::error::{Error, ErrorKind, GatewaySaid, Result, Text};
use crate::event::{Event, Phase};
use crate::proxy::Proxy;
use crate::request::{Credentials, GenerationRequest, endpoint};
use crate::text::root_cause;
use crate::tracker::{Outcome, Video, VideoFailure};
use base64::Engine;
use serde_json::Value;
use std::time::Duration;
use tokio::time::{Instant, sleep, timeout};
use tokio_util::sync::CancellationToken;
use url::Url;

/// How often to ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskPolicy {
    /// The first wait; it grows by half after each poll that saw no change.
    pub first_poll: Duration,
    /// The longest wait between two polls.
    pub max_poll: Duration,
}

impl Default for TaskPolicy {
    fn default() -> Self {
        Self {
            first_poll: Duration::from_secs(3),
            max_poll: Duration::from_secs(20),
        }
    }
}

/// A gateway's task route.
#[derive(Debug, Clone)]
pub struct TaskClient {
    /// `{base}/v1/videos`.
    videos: Url,
    credentials: Credentials,
    limits: crate::Limits,
    policy: TaskPolicy,
    http: reqwest::Client,
}

/// What a task's poll said.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskState {
    /// `queued`, `processing`, `in_progress`, `completed`, `failed`, or whatever else it said.
    pub status: String,
    pub progress: Option<f32>,
    /// The video's URL, when the task object carries one.
    pub url: Option<String>,
    pub error: Option<GatewaySaid>,
}

impl TaskState {
    fn done(&self) -> bool {
        matches!(self.status.as_str(), "completed" | "succeeded" | "success")
    }

    fn failed(&self) -> bool {
        matches!(self.status.as_str(), "failed" | "error" | "cancelled")
    }
}

/// One poll's answer.
#[derive(Debug)]
enum Poll {
    State(TaskState),
    /// The gateway no longer knows the task (404, 410).
    Expired,
    /// Rate-limited: wait this long.
    Wait(Duration),
    /// A 5xx or a network failure: said, and asked again later.
    Trouble(Error),
    /// The key was refused: asking again with it cannot help, so the watch stops (the tasks are
    /// kept, to be watched again with a key that works, until the job's deadline).
    Refused(Error),
}

/// The longest a 429's `Retry-After` is obeyed: a gateway asking for a day is asked again
/// within a minute (and never after the job's deadline).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

impl TaskClient {
    /// The task route of the gateway at `base_url` (any form [`endpoint`] accepts).
    pub fn with_proxy(
        base_url: &str,
        credentials: Credentials,
        limits: crate::Limits,
        policy: TaskPolicy,
        proxy: &Proxy,
    ) -> Result<Self> {
        limits.check()?;
        credentials.check()?;
        let mut videos = endpoint(base_url)?;
        if let Ok(mut path) = videos.path_segments_mut() {
            path.pop().pop().push("videos");
        }
        let http = proxy
            .apply(reqwest::Client::builder().connect_timeout(limits.connect))?
            .http1_only()
            .pool_max_idle_per_host(0)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Framecast/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::with(ErrorKind::Network, e.to_string(), e.to_string()))?;
        Ok(Self {
            videos,
            credentials,
            limits,
            policy,
            http,
        })
    }

    /// `{base}/v1/videos`.
    pub fn tasks_url(&self) -> &Url {
        &self.videos
    }

    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    fn task_url(&self, id: &str, content: bool) -> Url {
        let mut url = self.videos.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.push(id);
            if content {
                path.push("content");
            }
        }
        url
    }

    /// The URL of a task's video on the gateway itself (fetched with the key).
    pub fn content_url(&self, id: &str) -> String {
        self.task_url(id, true).to_string()
    }

    /// Runs the generation part of a task-route job: creates `request.n` tasks one after
    /// another, then watches them until each has ended. Whatever arrived is in the outcome.
    pub async fn generate(
        &self,
        request: &GenerationRequest,
        cancel: &CancellationToken,
        emit: &mut (dyn FnMut(Event) + Send),
    ) -> Outcome {
        let redactor = self.credentials.redactor();
        let mut emit = |event| emit(redactor.event(event));
        if let Err(e) = request.validate() {
            return Outcome::failed(request.n, e);
        }
        let deadline = Instant::now() + self.limits.overall;
        let mut log = Vec::new();
        let mut created = Vec::new();
        let mut stop = None;
        for index in 1..=request.n {
            emit(Event::Status {
                phase: Some(Phase::Sending),
                text: None,
            });
            match self.create(request, cancel).await {
                Ok(id) => {
                    log.push(format!("task {index} created: {id}"));
                    emit(Event::Task {
                        index,
                        id: id.clone(),
                    });
                    created.push((index, id));
                }
                Err((error, lost)) => {
                    if lost {
                        log.push(format!("task {index}: the answer to its creation was lost"));
                        emit(Event::TaskLost { index });
                    }
                    stop = Some(error);
                    break;
                }
            }
        }
        let mut outcome = self
            .watch_tasks(request.n, created, deadline, cancel, &mut emit)
            .await;
        log.append(&mut outcome.transcript);
        outcome.transcript = log;
        if let Some(error) = stop
            && outcome.videos.len() < usize::from(request.n)
        {
            outcome.error = Some(error);
        }
        redactor.outcome(outcome)
    }

    /// Watches tasks created earlier (by this process, or one that stopped): never creates.
    /// `left` is what remains of the job's time; once it is gone, each task is asked after
    /// one last time and then given up (its id stays in the library).
    pub async fn watch(
        &self,
        requested: u8,
        tasks: Vec<(u8, String)>,
        left: Duration,
        cancel: &CancellationToken,
        emit: &mut (dyn FnMut(Event) + Send),
    ) -> Outcome {
        let redactor = self.credentials.redactor();
        let mut emit = |event| emit(redactor.event(event));
        let deadline = Instant::now() + left.min(self.limits.overall);
        let outcome = self
            .watch_tasks(requested, tasks, deadline, cancel, &mut emit)
            .await;
        redactor.outcome(outcome)
    }

    /// One POST. `Err((error, lost))`: `lost` when the request went out and its answer did not
    /// come back (the gateway may have made the task).
    async fn create(
        &self,
        request: &GenerationRequest,
        cancel: &CancellationToken,
    ) -> std::result::Result<String, (Error, bool)> {
        let builder = self.http.post(self.videos.clone()).header(
            reqwest::header::AUTHORIZATION,
            self.credentials.header_value(),
        );
        let frames: Vec<&String> = request
            .first_frame
            .iter()
            .chain(&request.last_frame)
            .collect();
        let builder = if frames.is_empty() {
            builder.json(&serde_json::json!({"model": request.model, "prompt": request.prompt}))
        } else {
            let mut form = reqwest::multipart::Form::new()
                .text("model", request.model.clone())
                .text("prompt", request.prompt.clone());
            for (i, frame) in frames.iter().enumerate() {
                let (mime, bytes) = decode_data_url(frame).ok_or_else(|| {
                    (
                        Error::invalid_input(
                            "a frame could not be read for the task route",
                            "无法为任务接口读取图片",
                        ),
                        false,
                    )
                })?;
                let name = format!(
                    "frame-{}.{}",
                    i + 1,
                    mime.rsplit('/').next().unwrap_or("jpg")
                );
                let part = reqwest::multipart::Part::bytes(bytes)
                    .file_name(name)
                    .mime_str(&mime)
                    .map_err(|e| (Error::invalid_input(e.to_string(), e.to_string()), false))?;
                form = form.part("input_reference", part);
            }
            builder.multipart(form)
        };
        let sent = tokio::select! {
            () = cancel.cancelled() => return Err((Error::cancelled(), false)),
            r = timeout(self.limits.idle, builder.send()) => r,
        };
        let response = match sent {
            Err(_) => return Err((lost("the gateway did not answer in time"), true)),
            Ok(Err(e)) if e.is_connect() => {
                return Err((
                    Error::new(ErrorKind::Network).detail(Text::new(
                        format!("could not reach the gateway ({})", root_cause(&e)),
                        format!("无法连接到网关（{}）", root_cause(&e)),
                    )),
                    false,
                ));
            }
            Ok(Err(e)) => return Err((lost(&root_cause(&e)), true)),
            Ok(Ok(r)) => r,
        };
        let status = response.status();
        let body = match read_capped(response, MAX_SMALL_ANSWER, self.limits.idle).await {
            Ok(b) => b,
            Err(Unread::TooLarge) if status.is_success() => {
                return Err((lost("the answer was far too large to read"), true));
            }
            Err(_) if status.is_success() => return Err((lost("the answer was cut short"), true)),
            Err(_) => Default::default(),
        };
        if !status.is_success() {
            return Err((
                crate::http_error::from_status(status.as_u16(), &body, None),
                false,
            ));
        }
        let object: Option<Value> = serde_json::from_slice(&body).ok();
        let id = object
            .as_ref()
            .and_then(|o| o.get("id").or_else(|| o.get("task_id")))
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty() && id.len() <= 256);
        if let Some(id) = id
            && self.credentials.redact(id) != id
        {
            // Polling it would put the key in a URL, and storing it would put it on disk.
            return Err((
                Error::with(
                    ErrorKind::Protocol,
                    "the gateway answered with a task id that contains your API key; it was not used or kept. The gateway may have made the task: check its console",
                    "网关返回的任务 ID 中含有您的 API 密钥，未使用也未保存。网关可能已创建任务，请查看网关控制台",
                ),
                true,
            ));
        }
        id.map(str::to_owned).ok_or_else(|| {
            let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
            (
                Error::with(
                    ErrorKind::Protocol,
                    "the gateway's answer to the task's creation has no task id",
                    "网关对创建任务的应答中没有任务 ID",
                )
                .gateway(GatewaySaid {
                    message: Some(text),
                    ..GatewaySaid::default()
                }),
                true,
            )
        })
    }

    async fn poll(&self, id: &str) -> Poll {
        let sent = self
            .http
            .get(self.task_url(id, false))
            .header(
                reqwest::header::AUTHORIZATION,
                self.credentials.header_value(),
            )
            .send();
        let response = match timeout(self.limits.idle, sent).await {
            Err(_) => return Poll::Trouble(lost("the gateway did not answer the poll in time")),
            Ok(Err(e)) => return Poll::Trouble(lost(&root_cause(&e))),
            Ok(Ok(r)) => r,
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|s| Duration::from_secs(s).min(MAX_RETRY_AFTER));
        let body = match read_capped(response, MAX_SMALL_ANSWER, self.limits.idle).await {
            Ok(b) => b,
            Err(e @ Unread::TooLarge) => {
                return Poll::Trouble(e.error("the task's state", "任务状态"));
            }
            Err(Unread::Cut) => Default::default(),
        };
        match status.as_u16() {
            404 | 410 => return Poll::Expired,
            429 => return Poll::Wait(retry_after.unwrap_or(self.policy.max_poll)),
            401 | 403 => {
                let error = crate::http_error::from_status(status.as_u16(), &body, None);
                if error.kind() == ErrorKind::Auth {
                    return Poll::Refused(error);
                }
                return Poll::Trouble(error);
            }
            s if !status.is_success() => {
                return Poll::Trouble(crate::http_error::from_status(s, &body, None));
            }
            _ => {}
        }
        let Ok(v) = serde_json::from_slice::<Value>(&body) else {
            return Poll::Trouble(Error::with(
                ErrorKind::Protocol,
                "the task's state could not be read",
                "无法读取任务状态",
            ));
        };
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let error = v
            .get("error")
            .filter(|e| !e.is_null())
            .map(|e| GatewaySaid {
                message: e
                    .get("message")
                    .and_then(Value::as_str)
                    .or_else(|| e.as_str())
                    .map(str::to_owned),
                code: e.get("code").and_then(Value::as_str).map(str::to_owned),
                ..GatewaySaid::default()
            });
        Poll::State(TaskState {
            status: text("status").unwrap_or_default().to_ascii_lowercase(),
            progress: v
                .get("progress")
                .and_then(Value::as_f64)
                .map(|p| p.clamp(0.0, 100.0) as f32),
            url: text("video_url").or_else(|| text("url")),
            error,
        })
    }

    /// The video of a completed task: the URL the content route carries as JSON, or the
    /// content route itself when it answers with the video.
    async fn resolve(&self, id: &str) -> Result<String> {
        let url = self.task_url(id, true);
        let response = timeout(
            self.limits.idle,
            self.http
                .get(url.clone())
                .header(
                    reqwest::header::AUTHORIZATION,
                    self.credentials.header_value(),
                )
                .send(),
        )
        .await
        .map_err(|_| lost("the gateway did not answer in time"))?
        .map_err(|e| lost(&root_cause(&e)))?;
        let status = response.status();
        if matches!(status.as_u16(), 404 | 410) {
            return Err(expired());
        }
        let json = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.contains("json"));
        if !status.is_success() || !json {
            // The video itself: the download fetches it (with the key) from here.
            return Ok(url.to_string());
        }
        let body = read_capped(response, MAX_SMALL_ANSWER, self.limits.idle)
            .await
            .map_err(|e| e.error("the task's result", "任务结果"))?;
        let v: Value = serde_json::from_slice(&body).unwrap_or_default();
        let named = ["url", "video_url"]
            .iter()
            .find_map(|k| v.get(*k).and_then(Value::as_str))
            .or_else(|| v.pointer("/data/0/url").and_then(Value::as_str))
            .ok_or_else(|| {
                Error::with(
                    ErrorKind::Protocol,
                    "the task's result names no video",
                    "任务结果中没有视频",
                )
            })?;
        self.video_url(named)
    }

    /// A video link as a task names it, made absolute against the gateway's own address (some
    /// gateways answer `/files/abc.mp4`). Anything but http(s) is refused at once: it can never
    /// be fetched, so waiting on it would only wait.
    fn video_url(&self, named: &str) -> Result<String> {
        match self.videos.join(named.trim()) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(url.to_string()),
            _ => Err(Error::with(
                ErrorKind::Protocol,
                format!(
                    "the task's video link “{}” is not a web address Framecast can fetch",
                    crate::text::shorten(named, 80)
                ),
                format!(
                    "任务的视频链接“{}”不是 Framecast 可以下载的网址",
                    crate::text::shorten(named, 80)
                ),
            )),
        }
    }

    async fn watch_tasks(
        &self,
        requested: u8,
        tasks: Vec<(u8, String)>,
        deadline: Instant,
        cancel: &CancellationToken,
        emit: &mut (dyn FnMut(Event) + Send),
    ) -> Outcome {
        let mut outcome = Outcome::failed(requested, Error::new(ErrorKind::GenerationFailed));
        outcome.error = None;
        let mut open: Vec<Watched> = tasks
            .into_iter()
            .map(|(index, id)| Watched {
                index,
                id,
                first: None,
                moved: false,
                progress: 0.0,
            })
            .collect();
        let mut wait = self.policy.first_poll;
        let mut phase = None;
        let mut last_round = false;
        let mut refused = None;
        while !open.is_empty() {
            tokio::select! {
                biased;
                () = cancel.cancelled() => {
                    outcome.error = Some(Error::cancelled());
                    break;
                }
                () = tokio::time::sleep_until(deadline) => last_round = true,
                () = sleep(wait) => {}
            }
            let mut next_wait = (wait + wait / 2).min(self.policy.max_poll);
            let mut still = Vec::new();
            for mut task in std::mem::take(&mut open) {
                if refused.is_some() {
                    still.push(task);
                    continue;
                }
                match self.poll(&task.id).await {
                    Poll::Wait(after) => {
                        next_wait = next_wait.max(after);
                        still.push(task);
                    }
                    Poll::Refused(e) => {
                        outcome.transcript.push(format!(
                            "task {}: {}",
                            task.index,
                            e.message(crate::Lang::En)
                        ));
                        refused = Some(e);
                        still.push(task);
                    }
                    Poll::Trouble(e) => {
                        outcome.transcript.push(format!(
                            "task {}: {}",
                            task.index,
                            e.message(crate::Lang::En)
                        ));
                        still.push(task);
                    }
                    Poll::Expired => {
                        let reason = format!(
                            "task {} is no longer known to the gateway (expired)",
                            task.id
                        );
                        outcome.transcript.push(reason.clone());
                        take_failed(&mut outcome, task.index, reason, emit);
                    }
                    Poll::State(state) => {
                        let said = format!("task {}: {}", task.index, state.status);
                        if outcome.transcript.last() != Some(&said) {
                            outcome.transcript.push(said);
                        }
                        if state.done() {
                            let url = match state.url.as_deref() {
                                Some(u) => self.video_url(u),
                                None => self.resolve(&task.id).await,
                            };
                            match url {
                                Ok(url) => {
                                    emit(Event::Video {
                                        index: task.index,
                                        url: url.clone(),
                                        extra: false,
                                    });
                                    outcome.videos.push(Video {
                                        index: task.index,
                                        url,
                                    });
                                }
                                Err(e) => {
                                    let reason = e.message(crate::Lang::En);
                                    take_failed(&mut outcome, task.index, reason, emit);
                                }
                            }
                        } else if state.failed() {
                            let reason = state
                                .error
                                .as_ref()
                                .and_then(|e| e.message.clone().or_else(|| e.code.clone()))
                                .unwrap_or_else(|| format!("task {} failed", task.id));
                            take_failed(&mut outcome, task.index, reason, emit);
                        } else {
                            let now = match state.status.as_str() {
                                "queued" | "pending" | "submitted" => Phase::Queued,
                                _ => Phase::Generating,
                            };
                            if phase != Some(now) {
                                phase = Some(now);
                                emit(Event::Status {
                                    phase: Some(now),
                                    text: Some(state.status.clone()),
                                });
                            }
                            if let Some(p) = state.progress {
                                task.seen(p);
                            }
                            still.push(task);
                        }
                    }
                }
            }
            open = still;
            if let Some(e) = refused.take() {
                outcome.error = Some(e);
                break;
            }
            if last_round && !open.is_empty() {
                give_up(&open, &mut outcome, emit);
                break;
            }
            // Progress only when every open task reports a moving one: the takes that ended
            // count as whole, the rest as they say.
            if !open.is_empty() && open.iter().all(|t| t.moved) {
                let ended = usize::from(requested).saturating_sub(open.len()) as f32;
                let sum: f32 = open.iter().map(|t| t.progress).sum();
                let percent = ((sum + 100.0 * ended) / f32::from(requested.max(1))).min(99.0);
                if outcome.last_progress != Some(percent) {
                    outcome.last_progress = Some(percent);
                    emit(Event::Progress { percent });
                }
            }
            wait = next_wait;
        }
        outcome.videos.sort_by_key(|v| v.index);
        let arrived = outcome.videos.len();
        if outcome.error.is_none() && arrived < usize::from(requested) {
            let reasons: Vec<&str> = outcome.failures.iter().map(|f| f.reason.as_str()).collect();
            let said = if reasons.is_empty() {
                Text::new("not every task was made", "并非所有任务都已创建")
            } else {
                Text::same(reasons.join(" / "))
            };
            outcome.error = Some(
                Error::new(ErrorKind::GenerationFailed).detail(if arrived == 0 {
                    said
                } else {
                    Text::new(
                        format!("{arrived} of {requested} videos arrived; {}", said.en),
                        format!("{requested} 个视频中只收到 {arrived} 个；{}", said.zh),
                    )
                }),
            );
        }
        if arrived >= usize::from(requested) {
            outcome.error = None;
        }
        outcome
    }
}

/// Take `index` failed for `reason`: said, and kept among the outcome's failures.
fn take_failed(
    outcome: &mut Outcome,
    index: u8,
    reason: String,
    emit: &mut (dyn FnMut(Event) + Send),
) {
    emit(Event::VideoFailed {
        index: Some(index),
        reason: reason.clone(),
    });
    outcome.failures.push(VideoFailure {
        index: Some(index),
        reason,
    });
}

/// Gives up the tasks still open at the job's deadline: each is a failure that says so (its id
/// stays in the library, and the gateway may still finish it), so no later start watches it
/// again.
fn give_up(open: &[Watched], outcome: &mut Outcome, emit: &mut (dyn FnMut(Event) + Send)) {
    for task in open {
        let reason = format!(
            "task {} did not finish within the job's time and was given up; it may still finish on the gateway (task id {})",
            task.index, task.id
        );
        outcome.transcript.push(reason.clone());
        take_failed(outcome, task.index, reason, emit);
    }
    outcome.error = Some(Error::with(
        ErrorKind::Timeout,
        "the task took longer than allowed and was given up; it may still finish on the gateway, and its id is kept",
        "任务超过了允许的时间，已停止等待；网关仍可能完成，任务 ID 已保留",
    ));
}

/// A task being watched.
struct Watched {
    index: u8,
    id: String,
    /// The first progress the gateway reported.
    first: Option<f32>,
    /// The progress has changed at least once: it is worth showing.
    moved: bool,
    progress: f32,
}

impl Watched {
    fn seen(&mut self, p: f32) {
        match self.first {
            None => self.first = Some(p),
            Some(f) if (f - p).abs() > f32::EPSILON => self.moved = true,
            Some(_) => {}
        }
        self.progress = p;
    }
}

fn lost(cause: &str) -> Error {
    Error::new(ErrorKind::Network).detail(Text::new(
        format!(
            "the request was sent but its answer was lost ({cause}); the gateway may have made the task, so check its console — it was not sent again"
        ),
        format!("请求已发送，但没有收到应答（{cause}）；网关可能已创建任务，请查看网关控制台——请求没有被重新发送"),
    ))
}

fn expired() -> Error {
    Error::with(
        ErrorKind::Expired,
        "the gateway no longer has this task's video (it has expired)",
        "网关已不再保留该任务的视频（已过期）",
    )
}

/// `data:<mime>;base64,<bytes>` to the mime type and the bytes.
fn decode_data_url(url: &str) -> Option<(String, Vec<u8>)> {
    let rest = url.strip_prefix("data:")?;
    let (mime, b64) = rest.split_once(";base64,")?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    Some((mime.to_owned(), bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_task_routes_sit_beside_chat_completions() {
        let client = TaskClient::with_proxy(
            "https://gw.example/v1/chat/completions",
            Credentials::new("sk-x", crate::AuthScheme::Bare),
            crate::Limits::default(),
            TaskPolicy::default(),
            &Proxy::None,
        )
        .unwrap();
        assert_eq!(client.tasks_url().as_str(), "https://gw.example/v1/videos");
        assert_eq!(
            client.content_url("video_1"),
            "https://gw.example/v1/videos/video_1/content"
        );
        assert_eq!(
            decode_data_url("data:image/png;base64,AAEC"),
            Some(("image/png".to_owned(), vec![0, 1, 2]))
        );
    }

    #[test]
    fn a_constant_progress_is_not_progress() {
        let mut t = Watched {
            index: 1,
            id: "x".into(),
            first: None,
            moved: false,
            progress: 0.0,
        };
        t.seen(50.0);
        t.seen(50.0);
        assert!(!t.moved);
        t.seen(70.0);
        assert!(t.moved);
    }
}
