//! Generations that outlive their HTTP connection: create one task per take, then ask after each
//! until it ends. The task route ([`crate::task`]) and the create/query dialect
//! ([`crate::unified`]) differ only in their wire format — how a task is created, how its state
//! reads, where its video is — which each says through [`Dialect`]; everything that costs money
//! or time is here, once:
//!
//! - Each create is one POST, never retried. Its task id is reported ([`Event::Task`]) the moment
//!   the answer arrives, so the library records it before anything else happens. A create whose
//!   request went out but whose answer was lost is reported as such ([`Event::TaskLost`]): the
//!   gateway may have made the task, so it is never sent again, and no further take is created.
//!   A task id that contains the key is neither polled (it would go into a URL) nor kept.
//! - Polls back off from [`TaskPolicy::first_poll`] to [`TaskPolicy::max_poll`], read their answer
//!   within a cap ([`read_capped`]), honour a 429's `Retry-After` for at most
//!   [`MAX_RETRY_AFTER`], and stop at once when cancelled (the task id is kept). At the job's
//!   deadline each open task is asked after once more, then given up with its id kept.
//! - A refused key stops the watch at once; a task the gateway no longer knows (404, 410) is
//!   expired; unknown states are shown, not fatal; a constant progress is not progress.
//! - A video named by a path is fetched from the gateway's own address; anything but http(s) is
//!   refused at once. Everything reported passes the redactor.

use crate::body::{MAX_SMALL_ANSWER, Unread, read_capped};
use crate::error::{Error, ErrorKind, GatewaySaid, Result, Text};
use crate::event::{Event, Phase};
use crate::request::{Credentials, GenerationRequest};
use crate::text::root_cause;
use crate::tracker::{Outcome, Video, VideoFailure};
use serde_json::Value;
use std::future::Future;
use std::time::Duration;
use tokio::time::{Instant, sleep, timeout};
use tokio_util::sync::CancellationToken;
use url::Url;

/// How often to ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskPolicy {
    /// The first wait; it grows by half after each poll.
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

/// The longest a 429's `Retry-After` is obeyed: a gateway asking for a day is asked again
/// within a minute (and never after the job's deadline).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Where a task is, as its dialect reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Queued,
    Generating,
    Done,
    Failed,
}

/// What a task's poll said.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskState {
    /// The gateway's own word for where the task is (`queued`, `video_upsampling`, …).
    pub status: String,
    pub stage: Stage,
    pub progress: Option<f32>,
    /// The video's URL, when the state carries one.
    pub url: Option<String>,
    pub error: Option<GatewaySaid>,
}

/// One poll's answer.
#[derive(Debug)]
pub enum Poll {
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

/// A wire format of tasks: how one is created, asked after, and its video found.
pub(crate) trait Dialect: Sync {
    fn credentials(&self) -> &Credentials;
    fn limits(&self) -> &crate::Limits;
    fn policy(&self) -> &TaskPolicy;
    /// One POST. `Err((error, lost))`: `lost` when the request went out and its answer did not
    /// come back (the gateway may have made the task).
    fn create(
        &self,
        request: &GenerationRequest,
        cancel: &CancellationToken,
    ) -> impl Future<Output = std::result::Result<String, (Error, bool)>> + Send;
    fn poll(&self, id: &str) -> impl Future<Output = Poll> + Send;
    /// The video of a task that is done and named none in its state.
    fn resolve(&self, id: &str) -> impl Future<Output = Result<String>> + Send;
    /// The address relative video links are resolved against.
    fn base(&self) -> &Url;
}

/// The HTTP client of a route that polls: HTTP/1, no pooled connections, no redirects (a 307
/// would re-send a paid POST), through the job's proxy.
pub(crate) fn http_client(
    limits: &crate::Limits,
    proxy: &crate::proxy::Proxy,
) -> Result<reqwest::Client> {
    proxy
        .apply(reqwest::Client::builder().connect_timeout(limits.connect))?
        .http1_only()
        .pool_max_idle_per_host(0)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Framecast/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::with(ErrorKind::Network, e.to_string(), e.to_string()))
}

/// Creates `request.n` tasks one after another, then watches them until each has ended.
pub(crate) async fn generate<D: Dialect>(
    dialect: &D,
    request: &GenerationRequest,
    cancel: &CancellationToken,
    emit: &mut (dyn FnMut(Event) + Send),
) -> Outcome {
    let redactor = dialect.credentials().redactor();
    let mut emit = |event| emit(redactor.event(event));
    if let Err(e) = request.validate() {
        return Outcome::failed(request.n, e);
    }
    let deadline = Instant::now() + dialect.limits().overall;
    let mut log = Vec::new();
    let mut created = Vec::new();
    let mut stop = None;
    for index in 1..=request.n {
        emit(Event::Status {
            phase: Some(Phase::Sending),
            text: None,
        });
        match dialect.create(request, cancel).await {
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
    let mut outcome = watch_tasks(dialect, request.n, created, deadline, cancel, &mut emit).await;
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
/// `left` is what remains of the job's time.
pub(crate) async fn watch<D: Dialect>(
    dialect: &D,
    requested: u8,
    tasks: Vec<(u8, String)>,
    left: Duration,
    cancel: &CancellationToken,
    emit: &mut (dyn FnMut(Event) + Send),
) -> Outcome {
    let redactor = dialect.credentials().redactor();
    let mut emit = |event| emit(redactor.event(event));
    let deadline = Instant::now() + left.min(dialect.limits().overall);
    let outcome = watch_tasks(dialect, requested, tasks, deadline, cancel, &mut emit).await;
    redactor.outcome(outcome)
}

/// Sends a create and reads its answer's body; `Err((error, lost))` as [`Dialect::create`].
pub(crate) async fn send_create(
    builder: reqwest::RequestBuilder,
    limits: &crate::Limits,
    cancel: &CancellationToken,
) -> std::result::Result<bytes::Bytes, (Error, bool)> {
    let sent = tokio::select! {
        () = cancel.cancelled() => return Err((Error::cancelled(), false)),
        r = timeout(limits.idle, builder.send()) => r,
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
    let body = match read_capped(response, MAX_SMALL_ANSWER, limits.idle).await {
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
    Ok(body)
}

/// The task id in a create's answer, under the first of `fields` it has; refused when it holds
/// the key, or missing (the gateway may have made a task either way: `lost`).
pub(crate) fn created_id(
    body: &[u8],
    fields: &[&str],
    credentials: &Credentials,
) -> std::result::Result<String, (Error, bool)> {
    let object: Option<Value> = serde_json::from_slice(body).ok();
    let id = object
        .as_ref()
        .and_then(|o| fields.iter().find_map(|f| o.get(*f)))
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty() && id.len() <= 256);
    if let Some(id) = id
        && credentials.redact(id) != id
    {
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

/// Asks `url` where a task is: the answer as JSON, or what to do instead.
pub(crate) async fn get_state(
    http: &reqwest::Client,
    url: Url,
    credentials: &Credentials,
    limits: &crate::Limits,
    policy: &TaskPolicy,
) -> std::result::Result<Value, Poll> {
    let sent = http
        .get(url)
        .header(reqwest::header::AUTHORIZATION, credentials.header_value())
        .send();
    let response = match timeout(limits.idle, sent).await {
        Err(_) => {
            return Err(Poll::Trouble(lost(
                "the gateway did not answer the poll in time",
            )));
        }
        Ok(Err(e)) => return Err(Poll::Trouble(lost(&root_cause(&e)))),
        Ok(Ok(r)) => r,
    };
    let status = response.status();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|s| Duration::from_secs(s).min(MAX_RETRY_AFTER));
    let body = match read_capped(response, MAX_SMALL_ANSWER, limits.idle).await {
        Ok(b) => b,
        Err(e @ Unread::TooLarge) => {
            return Err(Poll::Trouble(e.error("the task's state", "任务状态")));
        }
        Err(Unread::Cut) => Default::default(),
    };
    match status.as_u16() {
        404 | 410 => return Err(Poll::Expired),
        429 => return Err(Poll::Wait(retry_after.unwrap_or(policy.max_poll))),
        401 | 403 => {
            let error = crate::http_error::from_status(status.as_u16(), &body, None);
            if error.kind() == ErrorKind::Auth {
                return Err(Poll::Refused(error));
            }
            return Err(Poll::Trouble(error));
        }
        s if !status.is_success() => {
            return Err(Poll::Trouble(crate::http_error::from_status(
                s, &body, None,
            )));
        }
        _ => {}
    }
    serde_json::from_slice::<Value>(&body).map_err(|_| {
        Poll::Trouble(Error::with(
            ErrorKind::Protocol,
            "the task's state could not be read",
            "无法读取任务状态",
        ))
    })
}

/// A video link as a task names it, made absolute against the gateway's own address (some
/// gateways answer `/files/abc.mp4`). Anything but http(s) is refused at once: it can never be
/// fetched, so waiting on it would only wait.
pub(crate) fn video_url(base: &Url, named: &str) -> Result<String> {
    match base.join(named.trim()) {
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

async fn watch_tasks<D: Dialect>(
    dialect: &D,
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
    let policy = *dialect.policy();
    let mut wait = policy.first_poll;
    let mut said: Option<(Phase, String)> = None;
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
        let mut next_wait = (wait + wait / 2).min(policy.max_poll);
        let mut still = Vec::new();
        for mut task in std::mem::take(&mut open) {
            if refused.is_some() {
                still.push(task);
                continue;
            }
            match dialect.poll(&task.id).await {
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
                    let line = format!("task {}: {}", task.index, state.status);
                    if outcome.transcript.last() != Some(&line) {
                        outcome.transcript.push(line);
                    }
                    match state.stage {
                        Stage::Done => {
                            let url = match state.url.as_deref() {
                                Some(u) => video_url(dialect.base(), u),
                                None => dialect.resolve(&task.id).await,
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
                        }
                        Stage::Failed => {
                            let reason = state
                                .error
                                .as_ref()
                                .and_then(|e| e.message.clone().or_else(|| e.code.clone()))
                                .unwrap_or_else(|| format!("task {} failed", task.id));
                            take_failed(&mut outcome, task.index, reason, emit);
                        }
                        Stage::Queued | Stage::Generating => {
                            let now = if state.stage == Stage::Queued {
                                Phase::Queued
                            } else {
                                Phase::Generating
                            };
                            let news = (now, state.status.clone());
                            if said.as_ref() != Some(&news) {
                                emit(Event::Status {
                                    phase: Some(now),
                                    text: Some(state.status.clone()),
                                });
                                said = Some(news);
                            }
                            if let Some(p) = state.progress {
                                task.seen(p);
                            }
                            still.push(task);
                        }
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
        // Progress only when every open task reports a moving one: the takes that ended count
        // as whole, the rest as they say.
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

/// A request sent whose answer was lost: the gateway may have made the task.
pub(crate) fn lost(cause: &str) -> Error {
    Error::new(ErrorKind::Network).detail(Text::new(
        format!(
            "the request was sent but its answer was lost ({cause}); the gateway may have made the task, so check its console — it was not sent again"
        ),
        format!("请求已发送，但没有收到应答（{cause}）；网关可能已创建任务，请查看网关控制台——请求没有被重新发送"),
    ))
}

pub(crate) fn expired() -> Error {
    Error::with(
        ErrorKind::Expired,
        "the gateway no longer has this task's video (it has expired)",
        "网关已不再保留该任务的视频（已过期）",
    )
}

/// The gateway's message in a state's `error` (an object with `message` and `code`, or text).
pub(crate) fn said_error(v: &Value) -> Option<GatewaySaid> {
    v.get("error")
        .filter(|e| !e.is_null())
        .map(|e| GatewaySaid {
            message: e
                .get("message")
                .and_then(Value::as_str)
                .or_else(|| e.as_str())
                .map(str::to_owned),
            code: e.get("code").and_then(Value::as_str).map(str::to_owned),
            ..GatewaySaid::default()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn relative_links_are_the_gateways_and_ftp_is_refused() {
        let base = Url::parse("https://gw.example/v1/videos").unwrap();
        assert_eq!(
            video_url(&base, "/files/a.mp4").unwrap(),
            "https://gw.example/files/a.mp4"
        );
        assert!(video_url(&base, "ftp://x/a.mp4").is_err());
    }
}
