//! The create/query dialect: `POST /v1/video/create` with `{model, prompt, images[],
//! aspect_ratio, enhance_prompt, enable_upsample}` answered `{id, status}`, and
//! `GET /v1/video/query?id=…` answered `{status, video_url, enhanced_prompt, detail}`.
//!
//! A job's life is told by the ticks since it was created: `pending`, `image_downloading` (when
//! it has images), `video_generating`, `video_generation_completed`, `video_upsampling` (when
//! upsampling was asked for), then `completed` with its video's link. Scenarios (by path or by a
//! `#name` word in the prompt): `unified-failed` ends `failed` with the gateway's reason in
//! `detail`, `unified-error` ends `error` with a detail object, `unified-slow` takes about 40
//! ticks. Every create's fields are checked ([`crate::fields`]): a misnamed one is answered 400.

use crate::{Recorded, Shared, check_key, play, scenario};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// One job of this dialect.
pub(crate) struct Job {
    scenario: String,
    created: Instant,
    images: bool,
    upsample: bool,
    prompt: String,
}

pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    create_in(&shared, None, &headers, &body)
}

pub(crate) async fn create_in_scenario(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    create_in(&shared, Some(name), &headers, &body)
}

fn create_in(shared: &Shared, named: Option<String>, headers: &HeaderMap, body: &[u8]) -> Response {
    let authorization = auth(headers).map(str::to_owned);
    let parsed: Option<serde_json::Map<String, Value>> = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.as_object().cloned());
    let text = |k: &str| {
        parsed
            .as_ref()
            .and_then(|p| p.get(k))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (model, prompt) = (text("model"), text("prompt"));
    let chosen = named
        .clone()
        .or_else(|| scenario::by_tag(&prompt).map(str::to_owned))
        .unwrap_or_default();
    // The images are recorded by what their bytes are, not as the bytes.
    let recorded = parsed.as_ref().map(|p| {
        let mut body = Value::Object(p.clone());
        if let Some(images) = p.get("images").and_then(Value::as_array) {
            let kinds: Vec<&str> = images
                .iter()
                .map(|i| crate::fields::image_kind(i.as_str().unwrap_or_default()))
                .collect();
            body["images"] = json!(kinds);
        }
        body
    });
    shared.record(Recorded {
        method: "POST".into(),
        path: named.map_or_else(
            || "/v1/video/create".to_owned(),
            |n| format!("/s/{n}/v1/video/create"),
        ),
        authorization: authorization.clone(),
        range: None,
        body: recorded,
        scenario: Some(chosen.clone()),
    });
    if let Some(refused) = check_key(shared, authorization.as_deref()) {
        return play(refused);
    }
    let Some(fields) = parsed else {
        return play(scenario::refusal(
            400,
            "invalid request body",
            "invalid_request",
        ));
    };
    if let Err(wrong) = crate::fields::check_unified(&fields) {
        return play(scenario::refusal(400, &wrong, "invalid_request"));
    }
    if model.is_empty() {
        return play(scenario::refusal(
            400,
            "model is required",
            "invalid_request",
        ));
    }
    let images = fields
        .get("images")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if images > 0 && model.contains("components") && images > 3 {
        return play(scenario::refusal(
            400,
            "at most 3 images for components",
            "invalid_request",
        ));
    }
    let number = shared.jobs.fetch_add(1, Ordering::SeqCst) + 1;
    let id = format!("veo3:mock-{number:04}");
    let scenario = if chosen.starts_with("unified-") {
        chosen
    } else {
        "success".to_owned()
    };
    if let Ok(mut jobs) = shared.unified.lock() {
        jobs.insert(
            id.clone(),
            Job {
                scenario,
                created: Instant::now(),
                images: images > 0,
                upsample: fields.get("enable_upsample") == Some(&json!(true)),
                prompt: if fields.get("enhance_prompt") == Some(&json!(true)) {
                    format!("{prompt}, cinematic lighting, shallow depth of field")
                } else {
                    prompt
                },
            },
        );
    }
    Json(json!({"id": id, "status": "pending", "status_update_time": 1_762_181_811_000u64}))
        .into_response()
}

pub(crate) async fn query(
    State(shared): State<Arc<Shared>>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    answer(&shared, &params, &headers)
}

pub(crate) async fn query_in_scenario(
    State(shared): State<Arc<Shared>>,
    Path(_): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    answer(&shared, &params, &headers)
}

fn answer(shared: &Shared, params: &HashMap<String, String>, headers: &HeaderMap) -> Response {
    let id = params.get("id").cloned().unwrap_or_default();
    shared.record(Recorded {
        method: "GET".into(),
        path: format!("/v1/video/query?id={id}"),
        authorization: auth(headers).map(str::to_owned),
        range: None,
        body: None,
        scenario: None,
    });
    if let Some(refused) = check_key(shared, auth(headers)) {
        return play(refused);
    }
    let Ok(jobs) = shared.unified.lock() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Some(job) = jobs.get(&id) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"detail": format!("task {id} not found")})),
        )
            .into_response();
    };
    let tick = shared.config.tick.as_millis().max(1);
    let ticks = u32::try_from(job.created.elapsed().as_millis() / tick).unwrap_or(u32::MAX);
    let total = if job.scenario == "unified-slow" {
        40
    } else {
        8
    };
    let mut body = json!({"id": id, "enhanced_prompt": job.prompt, "detail": null});
    // Each stage lasts at least two ticks, so a poll sees it.
    let status = match (job.scenario.as_str(), ticks) {
        ("unified-failed", 2..) => {
            body["detail"] =
                json!("The prompt was rejected by the safety system: it names a real person.");
            "failed"
        }
        ("unified-error", 2..) => {
            body["detail"] =
                json!({"code": "upstream_error", "message": "Veo is overloaded, try later"});
            "error"
        }
        (_, t) if t >= total => {
            body["video_url"] = json!(format!("{}/videos/{id}.mp4", shared.base));
            "completed"
        }
        (_, 0) => "pending",
        (_, 1 | 2) if job.images => "image_downloading",
        (_, 1 | 2) => "pending",
        (_, t) if t + 2 >= total && job.upsample => "video_upsampling",
        (_, t) if t + 3 >= total => "video_generation_completed",
        _ => "video_generating",
    };
    body["status"] = json!(status);
    ([(header::CACHE_CONTROL, "no-cache")], Json(body)).into_response()
}

fn auth(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
}
