//! What is sent: the generation request, its JSON body, the endpoint URL and the auth header.
//!
//! Validation happens here, before anything touches the network, because every POST is paid.

use crate::error::{Error, Result};
use crate::redact::Redactor;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use url::Url;

/// The base URL of the gateway the protocol document describes.
pub const DEFAULT_BASE_URL: &str = "https://api.apiyi.com";

/// The model used when none is chosen.
pub const DEFAULT_MODEL: &str = "veo-3.1-fast";

/// How many videos one request may ask for.
pub const MAX_COUNT: u8 = 4;

/// The longest prompt accepted, in characters.
pub const MAX_PROMPT_CHARS: usize = 10_000;

/// The longest model name accepted, in bytes.
const MAX_MODEL_BYTES: usize = 128;

/// One generation: the prompt, the model, how many takes, and the frames as data URLs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerationRequest {
    pub prompt: String,
    pub model: String,
    /// Number of videos, 1–4.
    pub n: u8,
    /// The start frame, as a `data:` or `http(s):` URL.
    pub first_frame: Option<String>,
    /// The end frame; only with a start frame.
    pub last_frame: Option<String>,
    /// Ask for Server-Sent Events (the default) or one JSON answer at the end.
    pub stream: bool,
    /// Duration, resolution, aspect and the rest; what the route cannot carry is refused
    /// before sending (`crate::options::check`).
    #[serde(default)]
    pub options: crate::options::VideoOptions,
    /// Up to three reference images, as `data:` or `http(s):` URLs; never with frames.
    #[serde(default)]
    pub references: Vec<String>,
}

impl GenerationRequest {
    /// A streaming text-to-video request for one video with the default model.
    pub fn text(prompt: impl Into<String>) -> Self {
        Self {
            prompt: prompt.into(),
            model: DEFAULT_MODEL.to_owned(),
            n: 1,
            first_frame: None,
            last_frame: None,
            stream: true,
            options: crate::options::VideoOptions::default(),
            references: Vec::new(),
        }
    }

    /// Refuses what the gateway would refuse or what would waste a paid call.
    pub fn validate(&self) -> Result<()> {
        if !(1..=MAX_COUNT).contains(&self.n) {
            return Err(Error::invalid_input(
                format!(
                    "the number of videos must be between 1 and 4, not {}",
                    self.n
                ),
                format!("视频数量必须在 1 到 4 之间，而不是 {}", self.n),
            ));
        }
        match model_problem(&self.model) {
            None => {}
            Some(ModelProblem::Empty) => {
                return Err(Error::invalid_input("choose a model", "请选择模型"));
            }
            Some(ModelProblem::Long) => {
                return Err(Error::invalid_input(
                    format!("the model name is longer than {MAX_MODEL_BYTES} bytes"),
                    format!("模型名称超过 {MAX_MODEL_BYTES} 字节"),
                ));
            }
            Some(ModelProblem::Spaces | ModelProblem::Control) => {
                return Err(Error::invalid_input(
                    "the model name may not contain spaces or control characters",
                    "模型名称不能包含空格或控制字符",
                ));
            }
        }
        if self.prompt.chars().count() > MAX_PROMPT_CHARS {
            return Err(Error::invalid_input(
                format!("the prompt is longer than {MAX_PROMPT_CHARS} characters"),
                format!("提示词超过 {MAX_PROMPT_CHARS} 个字符"),
            ));
        }
        if self.last_frame.is_some() && self.first_frame.is_none() {
            return Err(Error::invalid_input(
                "an end frame needs a start frame",
                "设置结束帧之前需要先设置开始帧",
            ));
        }
        if self.prompt.trim().is_empty() && self.first_frame.is_none() {
            return Err(Error::invalid_input(
                "write a prompt or add a start frame",
                "请输入提示词或添加开始帧",
            ));
        }
        if self.references.len() > crate::options::MAX_REFERENCES {
            return Err(Error::invalid_input(
                format!(
                    "Veo takes at most {} reference images, not {}",
                    crate::options::MAX_REFERENCES,
                    self.references.len()
                ),
                format!(
                    "Veo 最多接受 {} 张参考图，而不是 {} 张",
                    crate::options::MAX_REFERENCES,
                    self.references.len()
                ),
            ));
        }
        if !self.references.is_empty() && self.first_frame.is_some() {
            return Err(Error::invalid_input(
                "reference images cannot be combined with start or end frames: remove one or the other",
                "参考图不能与开始帧或结束帧同时使用：请移除其中之一",
            ));
        }
        Ok(())
    }

    /// The chat-completions body: `content` is a plain string for text-to-video, and a parts array
    /// (text, start frame, end frame — or the reference images) for images-to-video.
    pub fn body(&self) -> Value {
        // The images: the start and end frames, or the reference images (an `-r2v` model).
        let images: Vec<&String> = self
            .first_frame
            .iter()
            .chain(&self.last_frame)
            .chain(&self.references)
            .collect();
        let content = if images.is_empty() {
            Value::String(self.prompt.clone())
        } else {
            let mut parts = Vec::with_capacity(4);
            if !self.prompt.trim().is_empty() {
                parts.push(json!({"type": "text", "text": self.prompt}));
            }
            for url in images {
                parts.push(json!({"type": "image_url", "image_url": {"url": url}}));
            }
            Value::Array(parts)
        };
        json!({
            "messages": [{"role": "user", "content": content}],
            "model": self.model,
            "stream": self.stream,
            "n": self.n,
        })
    }
}

/// Why a model name cannot be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelProblem {
    Empty,
    Spaces,
    Control,
    Long,
}

/// What is wrong with a model name, if anything (leading and trailing blanks are trimmed). The
/// UI keeps the same rule (`models.ts`), pinned by the shared cases in `tests/rules.json`.
pub fn model_problem(model: &str) -> Option<ModelProblem> {
    let name = model.trim();
    if name.is_empty() {
        Some(ModelProblem::Empty)
    } else if name.chars().any(char::is_whitespace) {
        Some(ModelProblem::Spaces)
    } else if name.chars().any(char::is_control) {
        Some(ModelProblem::Control)
    } else if name.len() > MAX_MODEL_BYTES {
        Some(ModelProblem::Long)
    } else {
        None
    }
}

/// How the key goes into the `Authorization` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum AuthScheme {
    /// `Authorization: sk-...`, as the gateway document shows.
    #[default]
    Bare,
    /// `Authorization: Bearer sk-...`, for gateways that want it.
    Bearer,
}

/// The key and how to present it. The key is never printed.
#[derive(Clone)]
pub struct Credentials {
    key: SecretString,
    scheme: AuthScheme,
}

impl Credentials {
    pub fn new(key: impl Into<String>, scheme: AuthScheme) -> Self {
        Self {
            key: SecretString::from(key.into().trim().to_owned()),
            scheme,
        }
    }

    /// How the key is presented.
    pub fn scheme(&self) -> AuthScheme {
        self.scheme
    }

    /// Refuses a key that cannot go in an HTTP header (a line break, a non-ASCII character
    /// pasted with it), before anything is recorded or sent.
    pub fn check(&self) -> Result<()> {
        let key = self.key.expose_secret();
        match key.chars().all(|c| c.is_ascii_graphic()) {
            true if !key.is_empty() => Ok(()),
            true => Err(Error::invalid_input("the API key is empty", "API 密钥为空")),
            false => Err(Error::invalid_input(
                "the API key contains characters that cannot be sent (a line break or a non-ASCII character pasted with it?); paste it again",
                "API 密钥中含有无法发送的字符（可能连同换行或非 ASCII 字符一起粘贴了）；请重新粘贴",
            )),
        }
    }

    /// The header value. The only place the key is exposed.
    pub(crate) fn header_value(&self) -> String {
        match self.scheme {
            AuthScheme::Bare => self.key.expose_secret().to_owned(),
            AuthScheme::Bearer => format!("Bearer {}", self.key.expose_secret()),
        }
    }

    /// Replaces the key wherever it appears in `text`, however it is spelled.
    pub fn redact(&self, text: &str) -> String {
        self.redactor().text(text)
    }

    /// What takes the key out of events, outcomes and errors (see [`crate::redact`]).
    pub fn redactor(&self) -> Redactor<'_> {
        Redactor::new(self.key.expose_secret())
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("key", &"[redacted]")
            .field("scheme", &self.scheme)
            .finish()
    }
}

/// The chat-completions URL for a base URL given any of the ways people write it:
/// `https://host`, `https://host/`, `https://host/v1`, `https://host/prefix/v1/`, or the full
/// `https://host/v1/chat/completions`.
pub fn endpoint(base: &str) -> Result<Url> {
    let trimmed = base.trim();
    let bad = |why_en: &str, why_zh: &str| {
        Error::invalid_input(
            format!("the base URL “{trimmed}” {why_en}"),
            format!("接口地址“{trimmed}”{why_zh}"),
        )
    };
    let mut url = Url::parse(trimmed).map_err(|_| bad("is not a URL", "不是有效的网址"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(bad(
            "must start with http:// or https://",
            "必须以 http:// 或 https:// 开头",
        ));
    }
    url.set_query(None);
    url.set_fragment(None);
    let mut segments: Vec<String> = url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default();
    if segments.ends_with(&["chat".to_owned(), "completions".to_owned()]) {
        segments.truncate(segments.len() - 2);
    }
    if segments.last().map(String::as_str) != Some("v1") {
        segments.push("v1".to_owned());
    }
    segments.extend(["chat".to_owned(), "completions".to_owned()]);
    url.set_path(&format!("/{}", segments.join("/")));
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_accepts_every_way_of_writing_the_base() {
        let want = "https://api.example.com/v1/chat/completions";
        for base in [
            "https://api.example.com",
            "https://api.example.com/",
            "https://api.example.com/v1",
            "https://api.example.com/v1/",
            "https://api.example.com/v1/chat/completions",
            "  https://api.example.com/v1/chat/completions/ ",
        ] {
            assert_eq!(endpoint(base).unwrap().as_str(), want, "{base}");
        }
        assert_eq!(
            endpoint("http://127.0.0.1:8080/s/slow/").unwrap().as_str(),
            "http://127.0.0.1:8080/s/slow/v1/chat/completions"
        );
        assert_eq!(
            endpoint("https://gw.example/openai/v1?x=1")
                .unwrap()
                .as_str(),
            "https://gw.example/openai/v1/chat/completions"
        );
    }

    #[test]
    fn endpoint_refuses_what_is_not_an_http_url() {
        for base in ["", "api.example.com", "ftp://x/y", "file:///tmp"] {
            let e = endpoint(base).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput, "{base}");
        }
    }

    #[test]
    fn text_body_sends_content_as_a_string() {
        let mut r = GenerationRequest::text("画只猪在天上飞");
        r.model = "veo-3.1".into();
        r.n = 2;
        assert_eq!(
            r.body(),
            json!({"messages":[{"role":"user","content":"画只猪在天上飞"}],
                   "model":"veo-3.1","stream":true,"n":2})
        );
    }

    #[test]
    fn frames_body_sends_text_then_start_then_end() {
        let mut r = GenerationRequest::text("transition");
        r.first_frame = Some("data:image/jpeg;base64,AAA".into());
        r.last_frame = Some("data:image/png;base64,BBB".into());
        r.stream = false;
        let body = r.body();
        let parts = body["messages"][0]["content"].as_array().unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], json!({"type":"text","text":"transition"}));
        assert_eq!(parts[1]["image_url"]["url"], "data:image/jpeg;base64,AAA");
        assert_eq!(parts[2]["image_url"]["url"], "data:image/png;base64,BBB");
        assert_eq!(body["stream"], false);
    }

    #[test]
    fn validation_refuses_before_sending() {
        let ok = GenerationRequest::text("a cat");
        assert!(ok.validate().is_ok());
        for bad in [
            GenerationRequest { n: 0, ..ok.clone() },
            GenerationRequest { n: 5, ..ok.clone() },
            GenerationRequest {
                prompt: "  ".into(),
                ..ok.clone()
            },
            GenerationRequest {
                last_frame: Some("data:,".into()),
                ..ok.clone()
            },
            GenerationRequest {
                model: "".into(),
                ..ok.clone()
            },
            GenerationRequest {
                model: "veo 3".into(),
                ..ok.clone()
            },
            GenerationRequest {
                model: "v".repeat(MAX_MODEL_BYTES + 1),
                ..ok.clone()
            },
            GenerationRequest {
                prompt: "猫".repeat(MAX_PROMPT_CHARS + 1),
                ..ok.clone()
            },
        ] {
            assert_eq!(
                bad.validate().unwrap_err().kind(),
                crate::ErrorKind::InvalidInput
            );
        }
        let frame_only = GenerationRequest {
            prompt: String::new(),
            first_frame: Some("data:image/png;base64,AA".into()),
            ..ok
        };
        assert!(frame_only.validate().is_ok());
        let longest = GenerationRequest {
            prompt: "猫".repeat(MAX_PROMPT_CHARS),
            model: " veo-3.1-fast ".into(),
            ..frame_only
        };
        assert!(longest.validate().is_ok());
    }

    #[test]
    fn credentials_never_show_the_key() {
        let c = Credentials::new("sk-secret-123", AuthScheme::Bearer);
        assert_eq!(c.header_value(), "Bearer sk-secret-123");
        assert!(!format!("{c:?}").contains("secret"));
        assert_eq!(c.redact("key sk-secret-123 here"), "key sk-…redacted here");
    }
}
