//! A Veo gateway on loopback, for Framecast's tests, benchmarks and offline demo.
//!
//! It speaks the gateway's chat-completions protocol over real HTTP on `127.0.0.1`, answering from
//! a catalogue of scenarios (see [`scenario::CATALOGUE`]) chosen by a path prefix
//! (`/s/<scenario>/v1/chat/completions`), by a `#<scenario>` word in the prompt, or by the server's
//! default. It serves a real, playable H.264/AAC MP4 with `Range` support, can make downloads fail,
//! expire or redirect, and records every request so tests can check, for instance, that a job
//! never POSTed twice. Each connection is served on its own, so a scenario can also read the
//! request and hang up without answering. It speaks the task route (`/v1/videos`) and the
//! create/query dialect (`/v1/video/create`, `/v1/video/query`) too, and checks every option
//! each route receives: a misnamed or mistyped field is answered 400 ([`fields`]).
//!
//! It also serves text (chat) models for prompt help ([`text`]): a request whose model is one of
//! them is answered by that model, whatever the scenario.

pub mod fields;
pub mod proxy;
pub mod scenario;
mod tasks;
pub mod text;
mod unified;
mod videos;

pub use videos::SAMPLE_MP4;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use futures_util::StreamExt;
use futures_util::stream::{self, BoxStream};
use scenario::{Ask, Ending, Script, refusal};
use serde::Serialize;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// How the mock behaves.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// The key it accepts (bare or `Bearer`); `None` accepts any key.
    pub api_key: Option<String>,
    /// The pause between two status lines of a stream.
    pub tick: Duration,
    /// The scenario when neither the path nor the prompt names one.
    pub default_scenario: String,
    /// The port to listen on; 0 picks a free one.
    pub port: u16,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            api_key: None,
            tick: Duration::from_millis(5),
            default_scenario: "success".to_owned(),
            port: 0,
        }
    }
}

/// A request the mock received.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub range: Option<String>,
    /// The JSON body of a chat-completions POST.
    pub body: Option<Value>,
    pub scenario: Option<String>,
}

struct Shared {
    config: MockConfig,
    base: String,
    jobs: AtomicU64,
    /// Generations whose answer is still being sent, and the most there were at once.
    in_flight: std::sync::atomic::AtomicUsize,
    most_in_flight: std::sync::atomic::AtomicUsize,
    /// Prompts already refused once by `http-429-once`.
    refused_once: Mutex<std::collections::HashSet<String>>,
    requests: Mutex<Vec<Recorded>>,
    video_hits: Mutex<std::collections::HashMap<String, u32>>,
    tasks: Mutex<std::collections::HashMap<String, tasks::Task>>,
    unified: Mutex<std::collections::HashMap<String, unified::Job>>,
}

impl Shared {
    fn record(&self, r: Recorded) {
        if let Ok(mut list) = self.requests.lock() {
            list.push(r);
        }
    }
}

/// A running mock gateway; it stops when dropped.
pub struct MockGateway {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl MockGateway {
    /// Starts listening on `127.0.0.1`.
    pub async fn start(config: MockConfig) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            config,
            base: format!("http://{addr}"),
            jobs: AtomicU64::new(0),
            in_flight: Default::default(),
            most_in_flight: Default::default(),
            refused_once: Mutex::default(),
            requests: Mutex::new(Vec::new()),
            video_hits: Mutex::new(Default::default()),
            tasks: Mutex::new(Default::default()),
            unified: Mutex::new(Default::default()),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(chat))
            .route("/s/{scenario}/v1/chat/completions", post(chat_in_scenario))
            .route("/v1/models", get(models))
            .route("/v1/videos", post(tasks::create))
            .route("/s/{scenario}/v1/videos", post(tasks::create_in_scenario))
            .route("/v1/videos/{id}", get(tasks::poll))
            .route("/s/{scenario}/v1/videos/{id}", get(tasks::poll_in_scenario))
            .route("/v1/videos/{id}/content", get(tasks::content))
            .route(
                "/s/{scenario}/v1/videos/{id}/content",
                get(tasks::content_in_scenario),
            )
            .route("/v1/video/create", post(unified::create))
            .route(
                "/s/{scenario}/v1/video/create",
                post(unified::create_in_scenario),
            )
            .route("/v1/video/query", get(unified::query))
            .route(
                "/s/{scenario}/v1/video/query",
                get(unified::query_in_scenario),
            )
            .route("/s/{scenario}/v1/models", get(models_in_scenario))
            .route("/videos/{name}", get(videos::video))
            .route("/redirect/{name}", get(videos::redirect))
            .route("/big/{megabytes}/{name}", get(videos::big))
            .route("/__mock/requests", get(list_requests))
            .route(
                "/__mock/scenarios",
                get(|| async { axum::Json(scenario::CATALOGUE) }),
            )
            .with_state(shared.clone());
        let server = tokio::spawn(accept(listener, app));
        Ok(Self {
            addr,
            shared,
            server,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`: the default scenario.
    pub fn base_url(&self) -> String {
        self.shared.base.clone()
    }

    /// A base URL whose requests always get `scenario`.
    pub fn scenario_url(&self, scenario: &str) -> String {
        format!("{}/s/{scenario}", self.shared.base)
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared
            .requests
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default()
    }

    /// The most generations whose answers were being sent at the same time.
    pub fn most_in_flight(&self) -> usize {
        self.shared.most_in_flight.load(Ordering::SeqCst)
    }

    /// The chat-completions POSTs for video received so far (each one a paid generation on a
    /// real gateway); prompt help's are [`Self::text_posts`].
    pub fn generation_posts(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && !is_text(r))
            .collect()
    }

    /// The chat-completions POSTs to text models (prompt help) received so far.
    pub fn text_posts(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && is_text(r))
            .collect()
    }
}

/// Whether a recorded request went to a text model.
fn is_text(r: &Recorded) -> bool {
    r.body
        .as_ref()
        .and_then(|b| b["model"].as_str())
        .is_some_and(text::is_text_model)
}

impl Drop for MockGateway {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Serves each connection with its own [`HangUp`] handle.
async fn accept(listener: tokio::net::TcpListener, app: Router) {
    while let Ok((stream, _)) = listener.accept().await {
        let hang_up = HangUp::default();
        let service = hyper_util::service::TowerToHyperService::new(
            app.clone().layer(Extension(hang_up.clone())),
        );
        tokio::spawn(async move {
            let io = hyper_util::rt::TokioIo::new(stream);
            let connection =
                hyper::server::conn::http1::Builder::new().serve_connection(io, service);
            tokio::select! {
                _ = connection => {}
                () = hang_up.0.notified() => {}
            }
        });
    }
}

/// Closes the connection it belongs to, with nothing sent.
#[derive(Clone, Default)]
struct HangUp(Arc<Notify>);

async fn list_requests(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    axum::Json(
        shared
            .requests
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default(),
    )
}

async fn chat(
    State(shared): State<Arc<Shared>>,
    Extension(hang_up): Extension<HangUp>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let script = answer(&shared, None, &headers, &body);
    respond(script, hang_up, InFlight::enter(&shared)).await
}

async fn chat_in_scenario(
    State(shared): State<Arc<Shared>>,
    Extension(hang_up): Extension<HangUp>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let script = answer(&shared, Some(name), &headers, &body);
    respond(script, hang_up, InFlight::enter(&shared)).await
}

/// A generation being answered, counted until its answer's body is sent or dropped.
struct InFlight(Arc<Shared>);

impl InFlight {
    fn enter(shared: &Arc<Shared>) -> Self {
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.most_in_flight.fetch_max(now, Ordering::SeqCst);
        Self(shared.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Plays the script, or hangs up without a word when that is the script; `counted` is held
/// until the answer's body is over.
async fn respond(script: Script, hang_up: HangUp, counted: InFlight) -> Response {
    if script.ending == Ending::HangUp {
        hang_up.0.notify_one();
        std::future::pending::<()>().await;
    }
    let response = play(script);
    let (parts, body) = response.into_parts();
    let body = body.into_data_stream().map(move |piece| {
        let _held = &counted;
        piece
    });
    Response::from_parts(parts, Body::from_stream(body))
}

fn answer(shared: &Shared, named: Option<String>, headers: &HeaderMap, body: &[u8]) -> Script {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let prompt = parsed.as_ref().map(prompt_of).unwrap_or_default();
    let text_model = parsed
        .as_ref()
        .and_then(|b| b["model"].as_str())
        .filter(|m| text::is_text_model(m))
        .map(str::to_owned);
    let mut chosen = named
        .clone()
        .or_else(|| scenario::by_tag(&prompt).map(str::to_owned))
        .unwrap_or_else(|| shared.config.default_scenario.clone());
    if chosen == "http-429-once" {
        let first = shared
            .refused_once
            .lock()
            .map(|mut seen| seen.insert(prompt.clone()))
            .unwrap_or(false);
        chosen = if first { "http-429" } else { "success" }.to_owned();
    }
    shared.record(Recorded {
        method: "POST".into(),
        path: named.map_or_else(
            || "/v1/chat/completions".to_owned(),
            |n| format!("/s/{n}/v1/chat/completions"),
        ),
        authorization: authorization.clone(),
        range: None,
        body: parsed.clone(),
        scenario: text_model.is_none().then(|| chosen.clone()),
    });

    if let Some(refused) = check_key(shared, authorization.as_deref()) {
        return refused;
    }
    if let (Some(model), Some(req)) = (&text_model, &parsed) {
        return text::script(model, req, shared.config.tick);
    }
    let Some(req) = parsed.filter(Value::is_object) else {
        return refusal(400, "invalid request body", "invalid_request");
    };
    let n = req.get("n").and_then(Value::as_u64).unwrap_or(1);
    if !(1..=4).contains(&n) {
        return refusal(400, "n must be between 1 and 4", "invalid_request");
    }
    let model = req.get("model").and_then(Value::as_str).unwrap_or("");
    if model.is_empty() {
        return refusal(400, "model is required", "invalid_request");
    }
    let ask = Ask {
        prompt: &prompt,
        model,
        n: n as u8,
        stream: req.get("stream").and_then(Value::as_bool).unwrap_or(false),
        base: &shared.base,
        job: shared.jobs.fetch_add(1, Ordering::SeqCst) + 1,
        tick: shared.config.tick,
        authorization: authorization.as_deref(),
    };
    scenario::script(&chosen, &ask).unwrap_or_else(|| {
        refusal(
            404,
            &format!("unknown mock scenario “{chosen}”"),
            "invalid_request",
        )
    })
}

/// The text of the user's message, whether `content` is a string or a parts array.
fn prompt_of(req: &Value) -> String {
    let content = &req["messages"][0]["content"];
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    }
}

/// Sends a script: its writes at their times, then its ending.
fn play(script: Script) -> Response {
    let writes = stream::iter(script.writes).then(|(wait, bytes)| async move {
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        Ok::<_, std::io::Error>(bytes)
    });
    let body: BoxStream<'static, std::io::Result<Bytes>> = match script.ending {
        Ending::Close | Ending::HangUp => writes.boxed(),
        Ending::Hang => writes.chain(stream::pending()).boxed(),
        Ending::Cut => writes
            .chain(stream::once(async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Err(std::io::Error::other("connection cut by the mock"))
            }))
            .boxed(),
    };
    let mut response = Response::builder()
        .status(StatusCode::from_u16(script.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    if !script.content_type.is_empty() {
        response = response.header(header::CONTENT_TYPE, script.content_type);
    }
    response
        .header(header::CACHE_CONTROL, "no-cache")
        .header("x-oneapi-request-id", "20261127mockreq")
        .body(Body::from_stream(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// The new-api refusal for a missing or wrong key, when the mock checks keys.
fn check_key(shared: &Shared, authorization: Option<&str>) -> Option<Script> {
    let key = shared.config.api_key.as_ref()?;
    let given = authorization.map(|a| a.strip_prefix("Bearer ").unwrap_or(a).trim());
    match given {
        None | Some("") => Some(refusal(401, "未提供令牌", "")),
        Some(k) if k != key => Some(refusal(401, "无效的令牌", "")),
        Some(_) => None,
    }
}

/// The model list under a scenario: `no-chat` lists no text model (a gateway for video alone).
async fn models_in_scenario(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    list_models(&shared, &headers, name == "no-chat")
}

/// The model list (`GET /v1/models`): the document's eight Veo models, the variants that carry
/// options in their names (reference images, 1080p, 4k), the create/query dialect's reference
/// model, the text models of [`text::CHAT_MODELS`] and Sora, after the same key check as a
/// generation.
async fn models(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    list_models(&shared, &headers, false)
}

fn list_models(shared: &Shared, headers: &HeaderMap, video_only: bool) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    shared.record(Recorded {
        method: "GET".into(),
        path: "/v1/models".into(),
        authorization: authorization.clone(),
        range: None,
        body: None,
        scenario: None,
    });
    if let Some(refused) = check_key(shared, authorization.as_deref()) {
        return play(refused);
    }
    let ids = [
        "veo-3.1",
        "veo-3.1-fl",
        "veo-3.1-fast",
        "veo-3.1-fast-fl",
        "veo-3.1-landscape",
        "veo-3.1-landscape-fl",
        "veo-3.1-landscape-fast",
        "veo-3.1-landscape-fast-fl",
        "veo-3.1-fast-r2v",
        "veo-3.1-landscape-fast-r2v",
        "veo-3.1_1080p",
        "veo-3.1-landscape_1080p",
        "veo-3.1-fast_4k",
        "veo3.1-components",
        "gpt-4o-mini",
        "text-plain",
        "text-refuses",
        "text-forbidden",
        "sora-2",
    ];
    let data: Vec<Value> = ids
        .iter()
        .filter(|id| !(video_only && text::is_text_model(id)))
        .map(|id| serde_json::json!({"id": id, "object": "model", "owned_by": "mock"}))
        .collect();
    axum::Json(serde_json::json!({"object": "list", "data": data})).into_response()
}
