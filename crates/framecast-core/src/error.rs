//! The one error type of the engine.
//!
//! Every failure is sorted into a [`ErrorKind`] that the app and the CLI can act on (re-enter a
//! key, top up, wait, fix the input, try again), and carries a message a person understands in
//! English and Chinese. The gateway's own words and request id are kept verbatim; the API key never
//! appears in any of it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What went wrong, as a stable identifier shared by the app, the CLI and their JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The request was refused before sending: no prompt, bad count, unreadable frame.
    InvalidInput,
    /// The key was refused (401, invalid or expired token).
    Auth,
    /// The account's balance does not cover the request (402, 403 `insufficient_user_quota`).
    Quota,
    /// Too many requests, or the upstream is saturated (429).
    RateLimit,
    /// The gateway refused the request as malformed (other 4xx, unknown model, too large).
    BadRequest,
    /// The gateway or its upstream is down (5xx, an HTML error page such as Cloudflare's 524).
    Unavailable,
    /// The gateway reported an error inside the stream.
    GatewayError,
    /// The gateway said the generation failed, or the stream ended without the videos.
    GenerationFailed,
    /// The connection could not be made or was lost.
    Network,
    /// Nothing arrived within the idle timeout, or the overall deadline passed.
    Timeout,
    /// The answer was neither SSE nor JSON, or broke a size bound.
    Protocol,
    /// A delivered video could not be saved; its link is kept.
    Download,
    /// A video's link was refused or has expired (403, 404, 410, a web page); its URL is kept.
    Expired,
    /// The person cancelled the job.
    Cancelled,
    /// A text model declined to answer (prompt help): reword, or choose another model.
    Refused,
    /// Something failed inside Framecast that no input explains: a panicked task, a clipboard or
    /// file opener that did not work. The cause chain is kept in the message.
    Internal,
}

impl ErrorKind {
    /// The stable identifier, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidInput => "invalid_input",
            Self::Auth => "auth",
            Self::Quota => "quota",
            Self::RateLimit => "rate_limit",
            Self::BadRequest => "bad_request",
            Self::Unavailable => "unavailable",
            Self::GatewayError => "gateway_error",
            Self::GenerationFailed => "generation_failed",
            Self::Network => "network",
            Self::Timeout => "timeout",
            Self::Protocol => "protocol",
            Self::Download => "download",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
            Self::Refused => "refused",
            Self::Internal => "internal",
        }
    }

    /// The headline of the message: what happened and what to do about it.
    fn headline(self) -> Text {
        let (en, zh) = match self {
            Self::InvalidInput => ("The request is not valid", "请求无效"),
            Self::Auth => (
                "The gateway refused the API key. Check the key and the base URL",
                "网关拒绝了 API 密钥，请检查密钥和接口地址",
            ),
            Self::Quota => (
                "The account's balance is too low for this request. Top up, then try again",
                "账户余额不足，请充值后重试",
            ),
            Self::RateLimit => (
                "The gateway is busy or rate-limited. Wait a little, then try again",
                "网关繁忙或请求过于频繁，请稍后再试",
            ),
            Self::BadRequest => (
                "The gateway refused the request. Check the model name and the frames",
                "网关拒绝了该请求，请检查模型名称和图片",
            ),
            Self::Unavailable => (
                "The gateway or its upstream is unavailable. Try again later",
                "网关或上游服务暂时不可用，请稍后再试",
            ),
            Self::GatewayError => ("The gateway reported an error", "网关返回了错误"),
            Self::GenerationFailed => ("The video could not be generated", "视频生成失败"),
            Self::Network => ("The connection to the gateway failed", "与网关的连接失败"),
            Self::Timeout => ("The gateway did not answer in time", "网关响应超时"),
            Self::Protocol => (
                "The gateway's answer could not be understood",
                "无法解析网关的响应",
            ),
            Self::Download => (
                "A video could not be saved; its link is kept",
                "视频保存失败，已保留视频链接",
            ),
            Self::Expired => (
                "The video's link no longer works; its URL is kept",
                "视频链接已失效，已保留视频链接",
            ),
            Self::Cancelled => ("Cancelled", "已取消"),
            Self::Refused => (
                "The text model declined to answer. Reword the text, or choose another model",
                "文本模型拒绝回答。请换个说法，或选择其他模型",
            ),
            Self::Internal => (
                "Something went wrong inside Framecast. Copy the details when you report it",
                "Framecast 内部出错，反馈时请附上复制的详细信息",
            ),
        };
        Text::new(en, zh)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A language the messages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    /// Chinese when `FRAMECAST_LANG`, or else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`), says
    /// `zh…`; English otherwise.
    pub fn from_env() -> Self {
        let var = ["FRAMECAST_LANG", "LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
            .unwrap_or_default();
        if var.to_ascii_lowercase().starts_with("zh") {
            Self::Zh
        } else {
            Self::En
        }
    }
}

/// A short text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Text {
    pub en: String,
    pub zh: String,
}

impl Text {
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> Self {
        Self {
            en: en.into(),
            zh: zh.into(),
        }
    }

    /// The same words in both languages (a file name, a URL, the gateway's own text).
    pub fn same(s: impl Into<String>) -> Self {
        let s = s.into();
        Self {
            en: s.clone(),
            zh: s,
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }
}

/// What the gateway itself said about an error, kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct GatewaySaid {
    /// HTTP status, when the error came as one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub status: Option<u16>,
    /// The gateway's message, without its request-id suffix.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub message: Option<String>,
    /// The gateway's error code (`insufficient_user_quota`, `model_not_found`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub code: Option<String>,
    /// The request id, to quote when asking the gateway's support.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub request_id: Option<String>,
}

/// An engine error: a kind to act on, the specifics in two languages, and the gateway's words.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.message(Lang::En))]
pub struct Error(Box<Inner>);

#[derive(Debug, Clone, PartialEq)]
struct Inner {
    kind: ErrorKind,
    detail: Option<Text>,
    gateway: Option<GatewaySaid>,
}

impl Error {
    pub fn new(kind: ErrorKind) -> Self {
        Self(Box::new(Inner {
            kind,
            detail: None,
            gateway: None,
        }))
    }

    /// An error with specifics, e.g. "n must be between 1 and 4".
    pub fn with(kind: ErrorKind, en: impl Into<String>, zh: impl Into<String>) -> Self {
        Self::new(kind).detail(Text::new(en, zh))
    }

    pub fn invalid_input(en: impl Into<String>, zh: impl Into<String>) -> Self {
        Self::with(ErrorKind::InvalidInput, en, zh)
    }

    pub fn cancelled() -> Self {
        Self::new(ErrorKind::Cancelled)
    }

    /// An unexpected failure: what was being done, then `cause` and every `source()` under it,
    /// outermost first, so "Copy details" shows the whole chain.
    pub fn internal(context: Text, cause: &(dyn std::error::Error + 'static)) -> Self {
        let mut chain = vec![cause.to_string()];
        let mut next = cause.source();
        while let Some(e) = next {
            let text = e.to_string();
            if chain.last() != Some(&text) {
                chain.push(text);
            }
            next = e.source();
        }
        let chain_en = chain.join("; caused by: ");
        let chain_zh = chain.join("；原因：");
        Self::new(ErrorKind::Internal).detail(Text::new(
            format!("{} ({chain_en})", context.en),
            format!("{}（{chain_zh}）", context.zh),
        ))
    }

    #[must_use]
    pub fn detail(mut self, detail: Text) -> Self {
        self.0.detail = Some(detail);
        self
    }

    #[must_use]
    pub fn gateway(mut self, said: GatewaySaid) -> Self {
        self.0.gateway = Some(said);
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    pub fn gateway_said(&self) -> Option<&GatewaySaid> {
        self.0.gateway.as_ref()
    }

    pub fn specifics(&self) -> Option<&Text> {
        self.0.detail.as_ref()
    }

    /// Calls `f` on every text the error holds: its specifics and the gateway's words.
    pub(crate) fn each_text(&mut self, f: &mut dyn FnMut(&mut String)) {
        if let Some(detail) = &mut self.0.detail {
            f(&mut detail.en);
            f(&mut detail.zh);
        }
        if let Some(said) = &mut self.0.gateway {
            for text in [&mut said.message, &mut said.code, &mut said.request_id]
                .into_iter()
                .flatten()
            {
                f(text);
            }
        }
    }

    /// The whole message in one language: headline, specifics, the gateway's words and request id.
    pub fn message(&self, lang: Lang) -> String {
        let mut out = self.0.kind.headline().get(lang).to_owned();
        if let Some(detail) = &self.0.detail {
            out.push_str(match lang {
                Lang::En => ": ",
                Lang::Zh => "：",
            });
            out.push_str(detail.get(lang));
        }
        if let Some(said) = &self.0.gateway {
            let status = said.status.map(|s| format!("HTTP {s}"));
            let words = said.message.as_deref().filter(|m| !m.is_empty());
            let lead = match lang {
                Lang::En => " — the gateway said",
                Lang::Zh => " — 网关返回",
            };
            match (status, words) {
                (Some(s), Some(w)) => out.push_str(&format!("{lead} ({s}): “{w}”")),
                (Some(s), None) => out.push_str(&format!("{lead} {s}")),
                (None, Some(w)) => out.push_str(&format!("{lead}: “{w}”")),
                (None, None) => {}
            }
            if let Some(id) = &said.request_id {
                out.push_str(match lang {
                    Lang::En => " (request id: ",
                    Lang::Zh => "（请求 ID：",
                });
                out.push_str(id);
                out.push_str(match lang {
                    Lang::En => ")",
                    Lang::Zh => "）",
                });
            }
        }
        out
    }

    /// Both messages, for JSON and IPC.
    pub fn messages(&self) -> Text {
        Text::new(self.message(Lang::En), self.message(Lang::Zh))
    }
}

/// The shape an error takes in JSON: `{ "kind", "message", "messageZh", "gateway" }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ErrorReport {
    pub kind: ErrorKind,
    pub message: String,
    pub message_zh: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub gateway: Option<GatewaySaid>,
}

impl From<&Error> for ErrorReport {
    fn from(e: &Error) -> Self {
        Self {
            kind: e.kind(),
            message: e.message(Lang::En),
            message_zh: e.message(Lang::Zh),
            gateway: e.0.gateway.clone(),
        }
    }
}

impl Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ErrorReport::from(self).serialize(s)
    }
}

/// Results of the engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_keeps_gateway_words_and_request_id() {
        let e = Error::new(ErrorKind::Auth).gateway(GatewaySaid {
            status: Some(401),
            message: Some("无效的令牌".into()),
            code: None,
            request_id: Some("2025110312345".into()),
        });
        let en = e.message(Lang::En);
        assert!(en.starts_with("The gateway refused the API key"), "{en}");
        assert!(en.contains("HTTP 401") && en.contains("无效的令牌"), "{en}");
        assert!(en.contains("request id: 2025110312345"), "{en}");
        let zh = e.message(Lang::Zh);
        assert!(zh.starts_with("网关拒绝了 API 密钥"), "{zh}");
        assert!(zh.contains("请求 ID：2025110312345"), "{zh}");
    }

    #[test]
    fn internal_errors_keep_the_whole_cause_chain() {
        #[derive(Debug, thiserror::Error)]
        #[error("clipboard unavailable")]
        struct Outer(#[source] std::io::Error);
        let cause = Outer(std::io::Error::other("no display"));
        let e = Error::internal(Text::new("copying the link", "复制链接"), &cause);
        assert_eq!(e.kind(), ErrorKind::Internal);
        assert_eq!(ErrorKind::Internal.as_str(), "internal");
        assert_eq!(
            e.message(Lang::En),
            "Something went wrong inside Framecast. Copy the details when you report it: \
             copying the link (clipboard unavailable; caused by: no display)"
        );
        let zh = e.message(Lang::Zh);
        assert!(zh.starts_with("Framecast 内部出错"), "{zh}");
        assert!(
            zh.ends_with("复制链接（clipboard unavailable；原因：no display）"),
            "{zh}"
        );
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["kind"], "internal");
    }

    #[test]
    fn serializes_as_kind_and_messages() {
        let e = Error::invalid_input("n must be between 1 and 4", "n 必须在 1 到 4 之间");
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["kind"], "invalid_input");
        assert_eq!(
            v["message"],
            "The request is not valid: n must be between 1 and 4"
        );
        assert_eq!(v["messageZh"], "请求无效：n 必须在 1 到 4 之间");
        assert!(v.get("gateway").is_none());
    }
}
