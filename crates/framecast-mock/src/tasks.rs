//! The gateway's asynchronous task route, as the gateways of this family document it: create a
//! task (`POST /v1/videos`, JSON for text, `multipart/form-data` with `input_reference` images for
//! frames), poll it (`GET /v1/videos/{id}`), fetch its result (`GET /v1/videos/{id}/content`:
//! the MP4 itself, or JSON carrying its URL). One task makes one video.
//!
//! A task's life is told by the time since it was created, in ticks of the mock's pace, so tests
//! and the demo see a real progression. The scenario (`/s/<name>/v1/videos` or a `#name` word in
//! the prompt) picks how it goes: `success` (the default: the result comes as bytes from the
//! content route), `task-url` (the finished task carries its video's URL), `task-json-content`,
//! `task-failed`
//! (a policy refusal), `task-slow`, `task-constant-progress`, `task-429` (the first polls are
//! rate-limited, with `Retry-After`), `task-expired` (done, but its result is gone), `task-id-field`
//! (answers `task_id`), `task-lost-create` (the task is made, the answer never arrives), and the
//! hostile ones: `task-id-is-key`, `task-endless-poll`, `task-retry-after-long`,
//! `task-poll-401`, `task-relative-url`, `task-ftp-url`; `task-content-slow` sends its content
//! slowly (with `Range`, so a cut download continues). Every create's fields are checked
//! ([`crate::fields`]): a misnamed or mistyped option is answered 400.

use crate::{HangUp, Recorded, Shared, check_key, play, scenario};
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// One task the mock is working on.
pub(crate) struct Task {
    scenario: String,
    model: String,
    created: Instant,
    polls: u32,
}

/// The ticks a task's scenario takes to complete.
fn ticks_to_finish(scenario: &str) -> u32 {
    match scenario {
        "task-slow" => 40,
        "task-failed" => 2,
        _ => 6,
    }
}

/// What the request asked for: its fields, however they came.
struct Ask {
    model: String,
    prompt: String,
    images: usize,
    /// What each `input_reference` part is, by its bytes.
    kinds: Vec<&'static str>,
    /// Every field but the images, as received (`metadata` read as JSON in a form).
    fields: serde_json::Map<String, Value>,
}

async fn read_ask(request: Request) -> Option<Ask> {
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("multipart/form-data"));
    if is_multipart {
        let mut form = Multipart::from_request(request, &()).await.ok()?;
        let mut ask = Ask {
            model: String::new(),
            prompt: String::new(),
            images: 0,
            kinds: Vec::new(),
            fields: serde_json::Map::new(),
        };
        while let Ok(Some(field)) = form.next_field().await {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "input_reference" {
                let bytes = field.bytes().await.ok()?;
                if bytes.len() > 8 {
                    ask.images += 1;
                }
                ask.kinds.push(crate::fields::kind_of(&bytes));
                continue;
            }
            let text = field.text().await.ok()?;
            match name.as_str() {
                "model" => ask.model.clone_from(&text),
                "prompt" => ask.prompt.clone_from(&text),
                _ => {}
            }
            let value = match name.as_str() {
                "metadata" => serde_json::from_str(&text).unwrap_or(Value::String(text)),
                _ => Value::String(text),
            };
            ask.fields.insert(name, value);
        }
        Some(ask)
    } else {
        let body = Bytes::from_request(request, &()).await.ok()?;
        let v: Value = serde_json::from_slice(&body).ok()?;
        Some(Ask {
            model: v.get("model")?.as_str()?.to_owned(),
            prompt: v
                .get("prompt")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            images: 0,
            kinds: Vec::new(),
            fields: v.as_object().cloned().unwrap_or_default(),
        })
    }
}

pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    Extension(hang_up): Extension<HangUp>,
    request: Request,
) -> Response {
    create_in(shared, hang_up, None, request).await
}

pub(crate) async fn create_in_scenario(
    State(shared): State<Arc<Shared>>,
    Extension(hang_up): Extension<HangUp>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    create_in(shared, hang_up, Some(name), request).await
}

async fn create_in(
    shared: Arc<Shared>,
    hang_up: HangUp,
    named: Option<String>,
    request: Request,
) -> Response {
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let ask = read_ask(request).await;
    let chosen = named
        .clone()
        .or_else(|| {
            ask.as_ref()
                .and_then(|a| scenario::by_tag(&a.prompt).map(str::to_owned))
        })
        .unwrap_or_else(|| shared.config.default_scenario.clone());
    shared.record(Recorded {
        method: "POST".into(),
        path: named.map_or_else(|| "/v1/videos".to_owned(), |n| format!("/s/{n}/v1/videos")),
        authorization: authorization.clone(),
        range: None,
        body: ask.as_ref().map(|a| {
            let mut body = Value::Object(a.fields.clone());
            body["model"] = json!(a.model);
            body["prompt"] = json!(a.prompt);
            body["input_reference"] = json!(a.images);
            body["images"] = json!(a.kinds);
            body
        }),
        scenario: Some(chosen.clone()),
    });
    if let Some(refused) = check_key(&shared, authorization.as_deref()) {
        return play(refused);
    }
    if let Some(Err(wrong)) = ask.as_ref().map(|a| crate::fields::check_task(&a.fields)) {
        return play(scenario::refusal(400, &wrong, "invalid_request"));
    }
    let Some(ask) = ask.filter(|a| !a.model.is_empty()) else {
        return play(scenario::refusal(
            400,
            "model is required",
            "invalid_request",
        ));
    };
    if ask.prompt.trim().is_empty() && ask.images == 0 {
        return play(scenario::refusal(
            400,
            "prompt is required",
            "invalid_request",
        ));
    }
    let number = shared.jobs.fetch_add(1, Ordering::SeqCst) + 1;
    let scenario = match chosen.as_str() {
        // A chat scenario named for a task job means the ordinary course.
        s if s.starts_with("task-") => s.to_owned(),
        _ => "success".to_owned(),
    };
    let id = match (scenario.as_str(), authorization.as_deref()) {
        ("task-id-is-key", Some(a)) => a.strip_prefix("Bearer ").unwrap_or(a).to_owned(),
        _ => format!("video_mock{number:04}"),
    };
    if let Ok(mut tasks) = shared.tasks.lock() {
        tasks.insert(
            id.clone(),
            Task {
                scenario: scenario.clone(),
                model: ask.model.clone(),
                created: Instant::now(),
                polls: 0,
            },
        );
    }
    if scenario == "task-lost-create" {
        hang_up.0.notify_one();
        std::future::pending::<()>().await;
    }
    let id_field = if scenario == "task-id-field" {
        "task_id"
    } else {
        "id"
    };
    Json(json!({
        id_field: id,
        "object": "video",
        "status": "queued",
        "model": ask.model,
        "created": 1_762_181_811,
    }))
    .into_response()
}

/// Where task `id` is now, by the ticks since it was created.
fn status_of(task: &Task, tick: Duration) -> (&'static str, Option<u32>) {
    let ticks = u32::try_from(task.created.elapsed().as_millis() / tick.as_millis().max(1))
        .unwrap_or(u32::MAX);
    let total = ticks_to_finish(&task.scenario);
    if task.scenario == "task-failed" && ticks >= total {
        return ("failed", None);
    }
    if ticks >= total {
        return ("completed", Some(100));
    }
    if ticks == 0 {
        return ("queued", None);
    }
    let progress = if task.scenario == "task-constant-progress" {
        50
    } else {
        ticks * 100 / total
    };
    ("in_progress", Some(progress))
}

pub(crate) async fn poll(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    poll_task(&shared, &id, &headers)
}

pub(crate) async fn poll_in_scenario(
    State(shared): State<Arc<Shared>>,
    Path((_, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    poll_task(&shared, &id, &headers)
}

fn poll_task(shared: &Shared, id: &str, headers: &HeaderMap) -> Response {
    record_get(shared, &format!("/v1/videos/{id}"), headers);
    if let Some(refused) = check_key(shared, auth(headers)) {
        return play(refused);
    }
    let Ok(mut tasks) = shared.tasks.lock() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Some(task) = tasks.get_mut(id) else {
        return not_found(id);
    };
    task.polls += 1;
    match task.scenario.as_str() {
        "task-poll-401" => return play(scenario::refusal(401, "无效的令牌", "")),
        "task-retry-after-long" if task.polls == 1 => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, "99999")],
                Json(json!({"error": {"message": "slow down", "type": "new_api_error"}})),
            )
                .into_response();
        }
        "task-endless-poll" => {
            let piece = Bytes::from(vec![b' '; 64 * 1024]);
            let endless = futures_util::stream::repeat(piece).map(Ok::<_, std::io::Error>);
            return Response::builder()
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from_stream(
                    futures_util::stream::once(async { Ok(Bytes::from_static(b"{\"status\":")) })
                        .chain(endless),
                ))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
        }
        _ => {}
    }
    if task.scenario == "task-429" && task.polls <= 2 {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "1")],
            Json(json!({"error": {"message": "当前分组上游负载已饱和，请稍后再试", "type": "new_api_error"}})),
        )
            .into_response();
    }
    let (status, progress) = status_of(task, shared.config.tick);
    let mut body = json!({
        "id": id, "object": "video", "status": status, "model": task.model,
        "created": 1_762_181_811,
    });
    if let Some(p) = progress {
        body["progress"] = json!(p);
    }
    if status == "failed" {
        body["error"] = json!({
            "message": "Veo could not generate videos because the input violates Vertex AI's usage guidelines.",
            "code": "content_policy_violation",
        });
    }
    if status == "completed" {
        match task.scenario.as_str() {
            "task-url" => {
                body["video_url"] = json!(format!("{}/videos/{id}.mp4", shared.base));
                body["expires_at"] = json!(1_762_268_211);
            }
            "task-relative-url" => body["video_url"] = json!(format!("/videos/{id}.mp4")),
            "task-ftp-url" => body["video_url"] = json!(format!("ftp://files.example/{id}.mp4")),
            _ => {}
        }
    }
    Json(body).into_response()
}

pub(crate) async fn content(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    content_of(&shared, &id, &headers)
}

pub(crate) async fn content_in_scenario(
    State(shared): State<Arc<Shared>>,
    Path((_, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    content_of(&shared, &id, &headers)
}

fn content_of(shared: &Shared, id: &str, headers: &HeaderMap) -> Response {
    record_get(shared, &format!("/v1/videos/{id}/content"), headers);
    if let Some(refused) = check_key(shared, auth(headers)) {
        return play(refused);
    }
    let (scenario, status) = {
        let Ok(tasks) = shared.tasks.lock() else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let Some(task) = tasks.get(id) else {
            return not_found(id);
        };
        (task.scenario.clone(), status_of(task, shared.config.tick).0)
    };
    if status != "completed" {
        return (
            StatusCode::CONFLICT,
            Json(json!({"error": {"message": format!("task {id} is {status}"), "type": "invalid_request"}})),
        )
            .into_response();
    }
    match scenario.as_str() {
        "task-expired" => (
            StatusCode::GONE,
            Json(json!({"error": {"message": "the video has expired", "type": "invalid_request"}})),
        )
            .into_response(),
        "task-json-content" => {
            Json(json!({"url": format!("{}/videos/{id}.mp4", shared.base)})).into_response()
        }
        "task-content-slow" => {
            let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
            crate::videos::sample(range, 8 * 1024, Duration::from_millis(100))
        }
        _ => Response::builder()
            .header(header::CONTENT_TYPE, "video/mp4")
            .header(header::CONTENT_LENGTH, crate::SAMPLE_MP4.len())
            .body(Body::from(Bytes::from_static(crate::SAMPLE_MP4)))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
    }
}

fn auth(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
}

fn record_get(shared: &Shared, path: &str, headers: &HeaderMap) {
    shared.record(Recorded {
        method: "GET".into(),
        path: path.to_owned(),
        authorization: auth(headers).map(str::to_owned),
        range: None,
        body: None,
        scenario: None,
    });
}

fn not_found(id: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": {"message": format!("task {id} not found"), "type": "invalid_request", "code": "not_found"}})),
    )
        .into_response()
}
