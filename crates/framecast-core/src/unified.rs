//! The create/query dialect some gateways speak for Veo: a generation that outlives its
//! connection, like the task route, with its own wire format.
//!
//! `POST {base}/v1/video/create` with `{model, prompt, images[], aspect_ratio, enhance_prompt,
//! enable_upsample}` is answered `{id, status}`; `GET {base}/v1/video/query?id=…` is answered
//! `{status, video_url, enhanced_prompt, detail}`. The statuses map to honest phases:
//! `pending` and `image_downloading` are queued, `video_generating`,
//! `video_generation_completed` and `video_upsampling` are generating (the gateway's own word is
//! shown), `completed` carries the video's link, `failed` and `error` carry the reason in
//! `detail`. Reference images go in `images[]`, to a reference model such as
//! `veo3.1-components` (see [`crate::options::Capabilities`]); otherwise `images[]` holds the
//! start and end frames.
//!
//! Everything that costs money or time is [`crate::poll`]'s, shared with the task route: one
//! create per take never retried, the id reported and recorded at once, capped polls and
//! `Retry-After`, the deadline with one last poll, a refused key stops the watch, the redactor,
//! relative links resolved and anything but http(s) refused.

use crate::error::{Error, ErrorKind, GatewaySaid, Result};
use crate::options::{Resolution, ratio_name};
use crate::poll::{self, Dialect, Poll, Stage, TaskPolicy, TaskState};
use crate::proxy::Proxy;
use crate::request::{Credentials, GenerationRequest, endpoint};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use url::Url;

/// A gateway's create/query route.
#[derive(Debug, Clone)]
pub struct UnifiedClient {
    /// `{base}/v1/video/create`.
    create: Url,
    /// `{base}/v1/video/query`.
    query: Url,
    credentials: Credentials,
    limits: crate::Limits,
    policy: TaskPolicy,
    http: reqwest::Client,
}

impl UnifiedClient {
    /// The create/query route of the gateway at `base_url` (any form [`endpoint`] accepts).
    pub fn with_proxy(
        base_url: &str,
        credentials: Credentials,
        limits: crate::Limits,
        policy: TaskPolicy,
        proxy: &Proxy,
    ) -> Result<Self> {
        limits.check()?;
        credentials.check()?;
        let beside = |last: &str| -> Result<Url> {
            let mut url = endpoint(base_url)?;
            if let Ok(mut path) = url.path_segments_mut() {
                path.pop().pop().push("video").push(last);
            }
            Ok(url)
        };
        Ok(Self {
            create: beside("create")?,
            query: beside("query")?,
            http: poll::http_client(&limits, proxy)?,
            credentials,
            limits,
            policy,
        })
    }

    /// `{base}/v1/video/create`: the gateway's own address, for the downloader's key rule.
    pub fn create_url(&self) -> &Url {
        &self.create
    }

    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// `{base}/v1/video/query?id=…`.
    pub fn query_url(&self, id: &str) -> Url {
        let mut url = self.query.clone();
        url.query_pairs_mut().clear().append_pair("id", id);
        url
    }
}

/// The create's body: the options this dialect has fields for, and the images (the reference
/// images, else the start and end frames). Only what was asked for is sent.
pub fn body(request: &GenerationRequest) -> Value {
    let mut body = json!({"model": request.model, "prompt": request.prompt});
    let images: Vec<&String> = if request.references.is_empty() {
        request
            .first_frame
            .iter()
            .chain(&request.last_frame)
            .collect()
    } else {
        request.references.iter().collect()
    };
    let options = &request.options;
    if !images.is_empty() {
        body["images"] = json!(images);
    }
    if let Some(a) = options.aspect {
        body["aspect_ratio"] = json!(ratio_name(a));
    }
    if let Some(e) = options.enhance_prompt {
        body["enhance_prompt"] = json!(e);
    }
    if let Some(r) = options.resolution {
        body["enable_upsample"] = json!(r != Resolution::P720);
    }
    body
}

/// A query's answer as a state.
fn state_of(v: &Value) -> TaskState {
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let status = text("status").unwrap_or_default().to_ascii_lowercase();
    let stage = match status.as_str() {
        "completed" | "succeeded" | "success" => Stage::Done,
        "failed" | "error" => Stage::Failed,
        "pending" | "queued" | "image_downloading" => Stage::Queued,
        _ => Stage::Generating,
    };
    let detail = v.get("detail").filter(|d| !d.is_null());
    let error = match detail {
        Some(Value::String(s)) => Some(GatewaySaid {
            message: Some(s.clone()),
            ..GatewaySaid::default()
        }),
        Some(d) => Some(GatewaySaid {
            message: ["message", "reason", "error"]
                .iter()
                .find_map(|k| d.get(*k).and_then(Value::as_str))
                .map(str::to_owned)
                .or_else(|| Some(d.to_string())),
            code: d.get("code").and_then(Value::as_str).map(str::to_owned),
            ..GatewaySaid::default()
        }),
        None => poll::said_error(v),
    };
    TaskState {
        stage,
        progress: v
            .get("progress")
            .and_then(Value::as_f64)
            .map(|p| p.clamp(0.0, 100.0) as f32),
        url: text("video_url").or_else(|| text("url")),
        error: error.filter(|_| stage == Stage::Failed),
        status,
    }
}

impl Dialect for UnifiedClient {
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
        &self.create
    }

    async fn create(
        &self,
        request: &GenerationRequest,
        cancel: &CancellationToken,
    ) -> std::result::Result<String, (Error, bool)> {
        let builder = self
            .http
            .post(self.create.clone())
            .header(
                reqwest::header::AUTHORIZATION,
                self.credentials.header_value(),
            )
            .json(&body(request));
        let answer = poll::send_create(builder, &self.limits, cancel).await?;
        poll::created_id(&answer, &["id", "task_id"], &self.credentials)
    }

    async fn poll(&self, id: &str) -> Poll {
        match poll::get_state(
            &self.http,
            self.query_url(id),
            &self.credentials,
            &self.limits,
            &self.policy,
        )
        .await
        {
            Ok(v) => Poll::State(state_of(&v)),
            Err(p) => p,
        }
    }

    async fn resolve(&self, _id: &str) -> Result<String> {
        // This dialect has no content route: a finished task names its video or nothing.
        Err(Error::with(
            ErrorKind::Protocol,
            "the gateway said the video was made but named no link to it",
            "网关表示视频已生成，但没有给出链接",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::ModelAspect;
    use crate::options::VideoOptions;

    #[test]
    fn the_routes_sit_beside_chat_completions() {
        let client = UnifiedClient::with_proxy(
            "https://gw.example/v1/chat/completions",
            Credentials::new("sk-x", crate::AuthScheme::Bare),
            crate::Limits::default(),
            TaskPolicy::default(),
            &Proxy::None,
        )
        .unwrap();
        assert_eq!(
            client.create_url().as_str(),
            "https://gw.example/v1/video/create"
        );
        assert_eq!(
            client.query_url("a b&c").as_str(),
            "https://gw.example/v1/video/query?id=a+b%26c"
        );
    }

    #[test]
    fn the_body_carries_the_dialects_fields_only() {
        let mut r = GenerationRequest::text("a bottle on a beach");
        r.model = "veo3.1-components".into();
        r.references = vec!["data:image/jpeg;base64,AA".into(); 2];
        r.options = VideoOptions {
            aspect: Some(ModelAspect::Landscape),
            enhance_prompt: Some(true),
            resolution: Some(Resolution::P1080),
            ..VideoOptions::default()
        };
        assert_eq!(
            body(&r),
            json!({
                "model": "veo3.1-components", "prompt": "a bottle on a beach",
                "images": ["data:image/jpeg;base64,AA", "data:image/jpeg;base64,AA"],
                "aspect_ratio": "16:9", "enhance_prompt": true, "enable_upsample": true
            })
        );
    }

    #[test]
    fn statuses_are_phases() {
        for (status, stage) in [
            ("pending", Stage::Queued),
            ("image_downloading", Stage::Queued),
            ("video_generating", Stage::Generating),
            ("video_generation_completed", Stage::Generating),
            ("video_upsampling", Stage::Generating),
            ("completed", Stage::Done),
            ("failed", Stage::Failed),
            ("error", Stage::Failed),
        ] {
            assert_eq!(state_of(&json!({"status": status})).stage, stage);
        }
        let failed = state_of(&json!({"status": "failed", "detail": "prompt rejected"}));
        assert_eq!(
            failed.error.unwrap().message.as_deref(),
            Some("prompt rejected")
        );
    }
}
