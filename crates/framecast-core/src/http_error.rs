//! Turning a gateway's refusal into an [`Error`] a person can act on.
//!
//! Gateways of the new-api / one-api family answer `{"error":{"message":"… (request id: …)",
//! "type","code"}}`; others send plain text, and the ones behind Cloudflare send an HTML page. The
//! gateway's message and request id are kept verbatim; the kind comes from the status, the code and,
//! for the cases the status alone does not tell (quota behind a 403), the message.

use crate::error::{Error, ErrorKind, GatewaySaid, Text};

/// Reads the body of a non-2xx answer.
pub fn from_status(status: u16, body: &[u8], header_request_id: Option<String>) -> Error {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    let mut said = if trimmed.starts_with('{') {
        serde_json::from_str::<serde_json::Value>(trimmed)
            .ok()
            .and_then(|v| {
                let err = v.get("error").cloned().unwrap_or(v);
                match err {
                    serde_json::Value::Object(_) | serde_json::Value::String(_) => {
                        crate::chunk::in_band_error(err).map(|e| e.said)
                    }
                    _ => None,
                }
            })
            .unwrap_or_else(|| said_from_message(trimmed, None))
    } else if looks_like_html(trimmed) {
        GatewaySaid {
            message: html_title(trimmed),
            ..GatewaySaid::default()
        }
    } else {
        said_from_message(&crate::text::shorten(trimmed, 300), None)
    };
    said.status = Some(status);
    if said.request_id.is_none() {
        said.request_id = header_request_id;
    }
    let kind = kind_for(Some(status), said.code.as_deref(), said.message.as_deref());
    let mut error = Error::new(kind);
    if said.code.as_deref() == Some("model_not_found") {
        error = error.detail(Text::new(
            "the gateway has no channel for this model; check the model name",
            "网关没有该模型的可用渠道，请检查模型名称",
        ));
    } else if status == 413 {
        error = error.detail(Text::new(
            "the request is too large; use smaller frames",
            "请求体过大，请使用更小的图片",
        ));
    }
    error.gateway(said)
}

/// The kind for an error the gateway reported, by HTTP status (if any), code and message.
pub fn kind_for(status: Option<u16>, code: Option<&str>, message: Option<&str>) -> ErrorKind {
    let code = code.unwrap_or("").to_ascii_lowercase();
    let message = message.unwrap_or("").to_lowercase();
    let has = |words: &[&str]| {
        words
            .iter()
            .any(|w| message.contains(w) || code.contains(w))
    };
    if has(&["quota", "额度", "余额", "balance", "insufficient"]) {
        return ErrorKind::Quota;
    }
    if code == "model_not_found" {
        return ErrorKind::BadRequest;
    }
    match status {
        Some(401) => ErrorKind::Auth,
        Some(402) => ErrorKind::Quota,
        Some(403) => ErrorKind::Auth,
        Some(408) => ErrorKind::Timeout,
        Some(429) => ErrorKind::RateLimit,
        Some(s) if (400..500).contains(&s) => ErrorKind::BadRequest,
        Some(s) if s >= 500 => ErrorKind::Unavailable,
        _ if has(&["令牌", "token", "unauthorized", "api key", "apikey"]) => ErrorKind::Auth,
        _ if has(&["rate limit", "rate_limit", "饱和", "too many", "频繁"]) => {
            ErrorKind::RateLimit
        }
        _ => ErrorKind::GatewayError,
    }
}

/// Splits `"… (request id: X)"` into the message and the id.
pub(crate) fn said_from_message(message: &str, code: Option<String>) -> GatewaySaid {
    let (message, request_id) = split_request_id(message);
    GatewaySaid {
        status: None,
        message: (!message.is_empty()).then(|| message.to_owned()),
        code: code.filter(|c| !c.is_empty()),
        request_id,
    }
}

fn split_request_id(message: &str) -> (&str, Option<String>) {
    for marker in ["(request id:", "（request id:", "(request id："] {
        if let Some(start) = message.rfind(marker) {
            let rest = &message[start + marker.len()..];
            let end = rest.find([')', '）']).unwrap_or(rest.len());
            let id = rest[..end].trim();
            if !id.is_empty() {
                return (message[..start].trim_end(), Some(id.to_owned()));
            }
        }
    }
    (message.trim(), None)
}

fn looks_like_html(s: &str) -> bool {
    let head = s.get(..s.len().min(256)).unwrap_or(s).to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html") || head.contains("<head")
}

/// The page's `<title>`, which is where Cloudflare says "524: A timeout occurred".
pub(crate) fn html_title(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open_end = start + lower[start..].find('>')? + 1;
    let close = open_end + lower[open_end..].find("</title")?;
    let title = html[open_end..close]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!title.is_empty()).then(|| format!("HTML page: {title}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(status: u16, body: &str) -> Error {
        from_status(status, body.as_bytes(), None)
    }

    #[test]
    fn new_api_refusals_map_to_kinds_with_their_words() {
        let e = err(
            401,
            r#"{"error":{"message":"无效的令牌 (request id: 20251103-abc)","type":"new_api_error","param":"","code":""}}"#,
        );
        assert_eq!(e.kind(), ErrorKind::Auth);
        let said = e.gateway_said().unwrap();
        assert_eq!(said.message.as_deref(), Some("无效的令牌"));
        assert_eq!(said.request_id.as_deref(), Some("20251103-abc"));
        assert_eq!(said.status, Some(401));

        let cases = [
            (
                403,
                r#"{"error":{"message":"用户额度不足, 剩余额度: ＄0.000000","code":"insufficient_user_quota"}}"#,
                ErrorKind::Quota,
            ),
            (
                402,
                r#"{"error":{"message":"payment required"}}"#,
                ErrorKind::Quota,
            ),
            (
                403,
                r#"{"error":{"message":"该令牌无权访问模型"}}"#,
                ErrorKind::Auth,
            ),
            (
                429,
                r#"{"error":{"message":"当前分组上游负载已饱和，请稍后再试"}}"#,
                ErrorKind::RateLimit,
            ),
            (
                503,
                r#"{"error":{"message":"no channel","code":"model_not_found"}}"#,
                ErrorKind::BadRequest,
            ),
            (
                400,
                r#"{"error":{"message":"bad","code":"invalid_request"}}"#,
                ErrorKind::BadRequest,
            ),
            (413, "Request Entity Too Large", ErrorKind::BadRequest),
            (500, "internal error", ErrorKind::Unavailable),
        ];
        for (status, body, kind) in cases {
            assert_eq!(err(status, body).kind(), kind, "{status} {body}");
        }
    }

    #[test]
    fn html_pages_are_summarised_by_their_title() {
        let page = "<!DOCTYPE html>\n<html><head><title>api.example.com | 524: A timeout occurred</title></head><body>…</body></html>";
        let e = err(524, page);
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        assert_eq!(
            e.gateway_said().unwrap().message.as_deref(),
            Some("HTML page: api.example.com | 524: A timeout occurred")
        );
    }

    #[test]
    fn request_id_from_header_when_the_body_has_none() {
        let e = from_status(500, b"oops", Some("hdr-1".into()));
        assert_eq!(
            e.gateway_said().unwrap().request_id.as_deref(),
            Some("hdr-1")
        );
    }

    #[test]
    fn in_band_kinds() {
        assert_eq!(
            kind_for(None, Some("insufficient_user_quota"), None),
            ErrorKind::Quota
        );
        assert_eq!(
            kind_for(None, None, Some("upstream error")),
            ErrorKind::GatewayError
        );
        assert_eq!(kind_for(None, None, Some("无效的令牌")), ErrorKind::Auth);
    }
}
