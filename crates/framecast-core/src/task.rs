//! The gateway's task route: a generation that outlives its HTTP connection.
//!
//! `POST {base}/v1/videos` creates a task (JSON for text; `multipart/form-data` with one
//! `input_reference` part per frame), `GET {base}/v1/videos/{id}` tells where it is, and
//! `GET {base}/v1/videos/{id}/content` gives its video (the MP4 itself, or JSON with its URL).
//! One task makes one video: `n` takes are `n` tasks, created one after another.
//!
//! The options go the way these gateways read them: `seconds` as a string (a field called
//! `duration` is silently ignored by some), `size` from the aspect and the resolution, and
//! `metadata` with Google's own names (`durationSeconds`, `resolution`, `aspectRatio`,
//! `negativePrompt`, `seed`, `generateAudio`), passed on to Veo as they are: a JSON field in a
//! JSON body, a JSON-text form field in a multipart one.
//!
//! What costs money or time — one create per take never retried, the id reported at once,
//! capped polls, the deadline, a refused key, the redactor — is [`crate::poll`]'s, shared with
//! the create/query dialect; the key goes only to the gateway's own origin.

use crate::error::{Error, ErrorKind, Result};
use crate::options::{Resolution, VideoOptions, ratio_name};
use crate::poll::{self, Dialect, Poll, Stage};
use crate::proxy::Proxy;
use crate::request::{Credentials, GenerationRequest, endpoint};
use crate::text::root_cause;
use base64::Engine;
use serde_json::{Map, Value, json};
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;
use url::Url;

pub use crate::poll::{MAX_RETRY_AFTER, TaskPolicy, TaskState};

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
        Ok(Self {
            videos,
            http: poll::http_client(&limits, proxy)?,
            credentials,
            limits,
            policy,
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

    /// The video of a completed task: the URL the content route carries as JSON, or the
    /// content route itself when it answers with the video.
    async fn content(&self, id: &str) -> Result<String> {
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
        .map_err(|_| poll::lost("the gateway did not answer in time"))?
        .map_err(|e| poll::lost(&root_cause(&e)))?;
        let status = response.status();
        if matches!(status.as_u16(), 404 | 410) {
            return Err(poll::expired());
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
        let body =
            crate::body::read_capped(response, crate::body::MAX_SMALL_ANSWER, self.limits.idle)
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
        poll::video_url(&self.videos, named)
    }
}

impl Dialect for TaskClient {
    fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    fn limits(&self) -> &crate::Limits {
        &self.limits
    }

    fn policy(&self) -> &TaskPolicy {
        &self.policy
    }

    fn base(&self) -> &Url {
        &self.videos
    }

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
        let fields = fields(&request.options);
        let builder = if frames.is_empty() {
            let mut body = json!({"model": request.model, "prompt": request.prompt});
            if let Value::Object(object) = &mut body {
                object.extend(fields);
            }
            builder.json(&body)
        } else {
            let mut form = reqwest::multipart::Form::new()
                .text("model", request.model.clone())
                .text("prompt", request.prompt.clone());
            for (name, value) in fields {
                // A multipart body carries text: `metadata` as JSON text, `seconds` as it is.
                let text = match value {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                form = form.text(name, text);
            }
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
        let body = poll::send_create(builder, &self.limits, cancel).await?;
        poll::created_id(&body, &["id", "task_id"], &self.credentials)
    }

    async fn poll(&self, id: &str) -> Poll {
        let v = match poll::get_state(
            &self.http,
            self.task_url(id, false),
            &self.credentials,
            &self.limits,
            &self.policy,
        )
        .await
        {
            Ok(v) => v,
            Err(p) => return p,
        };
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let status = text("status").unwrap_or_default().to_ascii_lowercase();
        let stage = match status.as_str() {
            "completed" | "succeeded" | "success" => Stage::Done,
            "failed" | "error" | "cancelled" => Stage::Failed,
            "queued" | "pending" | "submitted" => Stage::Queued,
            _ => Stage::Generating,
        };
        Poll::State(TaskState {
            stage,
            progress: v
                .get("progress")
                .and_then(Value::as_f64)
                .map(|p| p.clamp(0.0, 100.0) as f32),
            url: text("video_url").or_else(|| text("url")),
            error: poll::said_error(&v),
            status,
        })
    }

    async fn resolve(&self, id: &str) -> Result<String> {
        self.content(id).await
    }
}

/// The options as the `/v1/videos` gateways read them: `seconds` (a string), `size`, and
/// `metadata` with Google's names. Only what was asked for is sent.
pub fn fields(options: &VideoOptions) -> Map<String, Value> {
    let mut fields = Map::new();
    let mut metadata = Map::new();
    if let Some(d) = options.duration {
        fields.insert("seconds".into(), json!(d.to_string()));
        metadata.insert("durationSeconds".into(), json!(d));
    }
    if options.aspect.is_some() || options.resolution.is_some() {
        let aspect = options.aspect.unwrap_or_default();
        let (w, h) = options.resolution.unwrap_or(Resolution::P720).size(aspect);
        fields.insert("size".into(), json!(format!("{w}x{h}")));
    }
    if let Some(r) = options.resolution {
        metadata.insert("resolution".into(), json!(r.as_str()));
    }
    if let Some(a) = options.aspect {
        metadata.insert("aspectRatio".into(), json!(ratio_name(a)));
    }
    if let Some(n) = &options.negative_prompt {
        metadata.insert("negativePrompt".into(), json!(n));
    }
    if let Some(s) = options.seed {
        metadata.insert("seed".into(), json!(s));
    }
    if let Some(a) = options.audio {
        metadata.insert("generateAudio".into(), json!(a));
    }
    if let Some(e) = options.enhance_prompt {
        metadata.insert("enhancePrompt".into(), json!(e));
    }
    if !metadata.is_empty() {
        fields.insert("metadata".into(), Value::Object(metadata));
    }
    fields
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
    fn options_go_as_seconds_size_and_googles_metadata() {
        use crate::frames::ModelAspect;
        let all = VideoOptions {
            duration: Some(8),
            resolution: Some(Resolution::P1080),
            aspect: Some(ModelAspect::Portrait),
            negative_prompt: Some("rain".into()),
            seed: Some(42),
            audio: Some(false),
            enhance_prompt: None,
        };
        assert_eq!(
            Value::Object(fields(&all)),
            json!({
                "seconds": "8",
                "size": "1080x1920",
                "metadata": {
                    "durationSeconds": 8, "resolution": "1080p", "aspectRatio": "9:16",
                    "negativePrompt": "rain", "seed": 42, "generateAudio": false
                }
            })
        );
        assert!(fields(&VideoOptions::default()).is_empty());
    }
}
