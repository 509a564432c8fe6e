//! Lenient reading of `chat.completion.chunk` (and `chat.completion`) objects.
//!
//! Gateways differ: `id` may be empty, `created` zero, `choices` empty or missing, `finish_reason`
//! anything, `content` a string, null or an array of parts, the progress text in
//! `reasoning_content`, an error object in the middle of the stream. Only the text, the usage and
//! an error matter here; everything else is ignored, and a chunk that is not JSON at all is
//! reported as malformed rather than ending the job.

use crate::error::GatewaySaid;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What one `data:` payload said.
// Nearly every payload is a chunk: boxing it would add an allocation per event on the hot path
// to make the rare `Done` smaller.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// The `[DONE]` sentinel.
    Done,
    /// A chunk (or a whole non-streaming completion).
    Chunk(Chunk),
    /// Not a JSON object; the raw text is kept for the transcript.
    Malformed(String),
}

/// The parts of a chunk that carry meaning.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Chunk {
    /// `delta.content` (or `message.content`), all choices joined.
    pub content: String,
    /// `delta.reasoning_content`, where some gateways put the progress text.
    pub reasoning: String,
    /// `delta.refusal` (or `message.refusal`): a text model declining to answer.
    pub refusal: String,
    /// The last `finish_reason` that was a string (`stop`, `length`, `content_filter`, ...).
    pub finish_reason: Option<String>,
    pub usage: Option<Usage>,
    /// An in-band `{"error": ...}` object.
    pub error: Option<InBandError>,
}

/// Token counts as the gateway reported them (not meaningful for video; what a text model's
/// prompt help costs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
}

/// An error object sent inside the stream.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InBandError {
    pub said: GatewaySaid,
    /// The error's `type` field, e.g. `new_api_error`.
    pub kind: Option<String>,
}

/// Reads one `data:` payload.
pub fn parse(data: &str) -> Payload {
    let trimmed = data.trim();
    if trimmed == "[DONE]" {
        return Payload::Done;
    }
    match serde_json::from_str::<RawChunk>(trimmed) {
        Ok(raw) => Payload::Chunk(raw.into_chunk()),
        Err(_) => Payload::Malformed(data.to_owned()),
    }
}

#[derive(Deserialize)]
struct RawChunk {
    #[serde(default)]
    choices: Choices,
    #[serde(default, deserialize_with = "lenient")]
    usage: Option<RawUsage>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawChoice {
    #[serde(default, deserialize_with = "container")]
    delta: Option<RawMessage>,
    #[serde(default, deserialize_with = "container")]
    message: Option<RawMessage>,
    #[serde(default)]
    finish_reason: TextField,
}

#[derive(Deserialize)]
struct RawMessage {
    #[serde(default)]
    content: TextField,
    #[serde(default)]
    reasoning_content: TextField,
    #[serde(default)]
    refusal: TextField,
}

#[derive(Deserialize)]
struct RawUsage {
    #[serde(default, deserialize_with = "lenient")]
    prompt_tokens: Option<u64>,
    #[serde(default, deserialize_with = "lenient")]
    completion_tokens: Option<u64>,
    #[serde(default, deserialize_with = "lenient")]
    total_tokens: Option<u64>,
}

impl RawChunk {
    fn into_chunk(self) -> Chunk {
        let mut chunk = Chunk {
            content: self.choices.content,
            reasoning: self.choices.reasoning,
            refusal: self.choices.refusal,
            finish_reason: self.choices.finish_reason,
            ..Chunk::default()
        };
        chunk.usage = self.usage.map(|u| Usage {
            prompt_tokens: u.prompt_tokens.unwrap_or(0),
            completion_tokens: u.completion_tokens.unwrap_or(0),
            total_tokens: u.total_tokens.unwrap_or(0),
        });
        chunk.error = self.error.and_then(in_band_error);
        chunk
    }
}

/// The text of all choices, gathered while the array is read (no intermediate `Vec`: this is the
/// hot path). Anything but an array reads as no choices.
#[derive(Default)]
struct Choices {
    content: String,
    reasoning: String,
    refusal: String,
    finish_reason: Option<String>,
}

impl<'de> Deserialize<'de> for Choices {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Choices;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of choices")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Choices, A::Error> {
                let mut all = Choices::default();
                while let Some(choice) = seq.next_element::<RawChoice>()? {
                    for m in [choice.delta, choice.message].into_iter().flatten() {
                        append(&mut all.content, m.content.0);
                        append(&mut all.reasoning, m.reasoning_content.0);
                        append(&mut all.refusal, m.refusal.0);
                    }
                    if !choice.finish_reason.0.is_empty() {
                        all.finish_reason = Some(choice.finish_reason.0);
                    }
                }
                Ok(all)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Choices, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Choices::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<Choices, E> {
                Ok(Choices::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<Choices, E> {
                Ok(Choices::default())
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Choices, E> {
                Ok(Choices::default())
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Choices, E> {
                Ok(Choices::default())
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Choices, E> {
                Ok(Choices::default())
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Choices, E> {
                Ok(Choices::default())
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Choices, E> {
                Ok(Choices::default())
            }
        }
        d.deserialize_any(V)
    }
}

/// Appends `more` to `text`, taking it over when `text` is empty (the usual one-choice chunk).
fn append(text: &mut String, more: String) {
    if text.is_empty() {
        *text = more;
    } else {
        text.push_str(&more);
    }
}

/// Reads `{"message","type","code"}`, a bare string, or anything else that is not null.
pub(crate) fn in_band_error(v: serde_json::Value) -> Option<InBandError> {
    use serde_json::Value;
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    match &v {
        Value::Null | Value::Bool(false) => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(InBandError {
            said: crate::http_error::said_from_message(s, None),
            kind: None,
        }),
        Value::Object(o) => {
            let message = text(o.get("message")).unwrap_or_default();
            let mut said = crate::http_error::said_from_message(&message, text(o.get("code")));
            if said.message.is_none() && said.code.is_none() {
                said.message = Some(v.to_string());
            }
            Some(InBandError {
                said,
                kind: text(o.get("type")),
            })
        }
        other => Some(InBandError {
            said: crate::http_error::said_from_message(&other.to_string(), None),
            kind: None,
        }),
    }
}

/// Accepts any JSON for an optional field, yielding `None` where it has the wrong shape.
fn lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let v = serde_json::Value::deserialize(d)?;
    Ok(T::deserialize(v).ok())
}

/// An array or object read in place (no intermediate `Value`, this is the hot path), and `None`
/// for a scalar or null where a container was expected.
fn container<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct V<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array or an object")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            T::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Some)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(V(std::marker::PhantomData))
}

/// Text that may come as a string, null, a number, or an array of `{type, text}` parts.
#[derive(Default)]
struct TextField(String);

impl<'de> Deserialize<'de> for TextField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor).map(TextField)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("text")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        Ok(String::new())
    }
    fn visit_none<E: de::Error>(self) -> Result<String, E> {
        Ok(String::new())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<String, E> {
        Ok(String::new())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<String, A::Error> {
        let mut out = String::new();
        while let Some(part) = seq.next_element::<TextField>()? {
            out.push_str(&part.0);
        }
        Ok(out)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<String, A::Error> {
        let mut out = String::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "text" {
                out.push_str(&map.next_value::<TextField>()?.0);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(data: &str) -> Chunk {
        match parse(data) {
            Payload::Chunk(c) => c,
            other => panic!("not a chunk: {other:?}"),
        }
    }

    #[test]
    fn reads_the_documents_chunks() {
        let c = chunk(
            r#"{"id":"foaicmpl-xxx","object":"chat.completion.chunk","created":1762181811,"model":"veo-3.1-fast","choices":[{"index":0,"delta":{"content":"> 🏃 进度：9.0%\n\n"},"finish_reason":null}]}"#,
        );
        assert_eq!(c.content, "> 🏃 进度：9.0%\n\n");
        let c = chunk(
            r#"{"id":"x","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":16,"completion_tokens":292,"total_tokens":308}}"#,
        );
        assert_eq!(c.content, "");
        assert_eq!(c.usage.unwrap().total_tokens, 308);
        assert_eq!(parse(" [DONE] "), Payload::Done);
    }

    #[test]
    fn tolerates_what_gateways_send() {
        // Empty id, created 0, usage-only chunk with empty choices.
        let c = chunk(r#"{"id":"","created":0,"choices":[],"usage":{"total_tokens":1}}"#);
        assert_eq!(c.usage.unwrap().total_tokens, 1);
        // Missing and null choices, odd finish_reason, unknown fields.
        assert_eq!(chunk(r#"{"object":"x"}"#), Chunk::default());
        assert_eq!(chunk(r#"{"choices":null}"#), Chunk::default());
        let c = chunk(r#"{"choices":[{"delta":{"content":"a"},"finish_reason":7,"extra":{}}]}"#);
        assert_eq!(c.content, "a");
        // Go's escaping of '>' decodes before any matching.
        assert_eq!(
            chunk(r#"{"choices":[{"delta":{"content":"\u003e ok"}}]}"#).content,
            "> ok"
        );
        // Progress in reasoning_content, result in content.
        let c = chunk(r#"{"choices":[{"delta":{"reasoning_content":"进度 5%","content":null}}]}"#);
        assert_eq!((c.reasoning.as_str(), c.content.as_str()), ("进度 5%", ""));
        // Content as parts.
        let c = chunk(
            r#"{"choices":[{"delta":{"content":[{"type":"text","text":"x"},{"type":"text","text":"y"}]}}]}"#,
        );
        assert_eq!(c.content, "xy");
        // Usage with the wrong shape is dropped, not fatal.
        assert_eq!(
            chunk(r#"{"usage":"n/a","choices":[{"delta":{"content":"z"}}]}"#).content,
            "z"
        );
    }

    #[test]
    fn reads_a_whole_completion() {
        let c = chunk(
            r#"{"object":"chat.completion","choices":[{"message":{"role":"assistant","content":"> ✅ done"}}]}"#,
        );
        assert_eq!(c.content, "> ✅ done");
        let c = chunk(
            r#"{"choices":[{"delta":{"refusal":"I can't help"},"finish_reason":"content_filter"}]}"#,
        );
        assert_eq!(c.refusal, "I can't help");
        assert_eq!(c.finish_reason.as_deref(), Some("content_filter"));
        assert_eq!(
            chunk(r#"{"choices":[{"finish_reason":null}]}"#).finish_reason,
            None
        );
    }

    #[test]
    fn reads_in_band_errors() {
        let c = chunk(
            r#"{"error":{"message":"upstream failed (request id: abc123)","type":"new_api_error","code":"bad_response"}}"#,
        );
        let e = c.error.unwrap();
        assert_eq!(e.said.message.as_deref(), Some("upstream failed"));
        assert_eq!(e.said.request_id.as_deref(), Some("abc123"));
        assert_eq!(e.said.code.as_deref(), Some("bad_response"));
        assert_eq!(e.kind.as_deref(), Some("new_api_error"));
        assert_eq!(
            chunk(r#"{"error":"boom"}"#)
                .error
                .unwrap()
                .said
                .message
                .as_deref(),
            Some("boom")
        );
        assert_eq!(chunk(r#"{"error":null}"#).error, None);
    }

    #[test]
    fn a_non_json_payload_is_malformed_not_fatal() {
        assert_eq!(parse("{not json"), Payload::Malformed("{not json".into()));
        assert!(matches!(parse("hello"), Payload::Malformed(_)));
    }
}
