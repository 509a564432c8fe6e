//! Text models, for prompt help: what the mock's chat models answer.
//!
//! A request goes to a text model when its model's name is one of [`CHAT_MODELS`] or starts with
//! `gpt-` or `text-` (video models are Veo's and Sora's). The answers are deterministic, so tests
//! can check what was sent and what came back:
//!
//! - `gpt-4o-mini` streams its answer a few words at a time, then a usage chunk and `[DONE]`;
//! - `text-plain` answers one JSON completion even when a stream was asked for;
//! - `text-refuses` declines (a `refusal` delta, `finish_reason: content_filter`);
//! - `text-forbidden` is refused for this key (403), as a gateway refuses a model the key may not
//!   use;
//! - any other `gpt-…` or `text-…` name has no channel (503 `model_not_found`).
//!
//! What a model answers depends on the system message: a storyboard (`continues_from` in it) is a
//! JSON list of shots in a fence, as many as "exactly N shots" asks (3 otherwise); a translation
//! into English is `English: <text>`, into Chinese `中文：<text>`; anything else is an improvement,
//! the person's text followed by `IMPROVED_TAIL`.

use crate::scenario::{Ending, Script, refusal};
use bytes::Bytes;
use serde_json::{Value, json};
use std::time::Duration;

/// The chat models the mock lists and serves.
pub const CHAT_MODELS: &[&str] = &[
    "gpt-4o-mini",
    "text-plain",
    "text-refuses",
    "text-forbidden",
];

/// What an improvement adds to the person's text.
pub const IMPROVED_TAIL: &str =
    ", in a slow dolly-in at golden hour, soft warm light, gentle ambient sound of water";

/// The usage every text answer reports.
const USAGE: (u64, u64) = (120, 48);

/// Whether `model` is served as a text model.
pub fn is_text_model(model: &str) -> bool {
    CHAT_MODELS.contains(&model) || model.starts_with("gpt-") || model.starts_with("text-")
}

/// The answer of text model `model` to `request`.
pub fn script(model: &str, request: &Value, tick: Duration) -> Script {
    match model {
        "text-forbidden" => return refusal(403, &format!("该令牌无权使用模型：{model}"), ""),
        m if !CHAT_MODELS.contains(&m) => {
            return refusal(
                503,
                &format!("当前分组 default 下对于模型 {model} 无可用渠道"),
                "model_not_found",
            );
        }
        _ => {}
    }
    let messages = request["messages"].as_array().cloned().unwrap_or_default();
    let said = |role: &str| {
        messages
            .iter()
            .filter(|m| m["role"] == role)
            .filter_map(|m| m["content"].as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (system, user) = (said("system"), said("user"));
    let stream = request["stream"].as_bool().unwrap_or(false);
    if model == "text-refuses" {
        let delta = json!({"refusal": "I can’t help with that request."});
        return match stream {
            true => sse(model, &[(delta, Some("content_filter"))], tick),
            false => completion(
                model,
                json!({"role": "assistant", "content": null, "refusal": "I can’t help with that request."}),
                "content_filter",
            ),
        };
    }
    let answer = answer(&system, &user);
    if model == "text-plain" || !stream {
        return completion(
            model,
            json!({"role": "assistant", "content": answer}),
            "stop",
        );
    }
    let pieces: Vec<(Value, Option<&str>)> = split_words(&answer)
        .into_iter()
        .map(|w| (json!({"content": w}), None))
        .collect();
    sse(model, &pieces, tick)
}

/// The deterministic answer to `user` under the instructions `system`.
pub fn answer(system: &str, user: &str) -> String {
    let user = user.trim();
    if system.contains("continues_from") {
        let n = system
            .split("exactly ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(3);
        let shots: Vec<Value> = (1..=n)
            .map(|i| {
                json!({
                    "prompt": format!("Shot {i} of {n}: {user}"),
                    "continues_from": if i == 1 { Value::Null } else { json!(i - 1) },
                })
            })
            .collect();
        let list = serde_json::to_string_pretty(&json!({"shots": shots})).unwrap_or_default();
        format!("Here is the storyboard:\n```json\n{list}\n```")
    } else if system.contains("into English") {
        format!("English: {user}")
    } else if system.contains("into Simplified Chinese") {
        format!("中文：{user}")
    } else {
        format!("{user}{IMPROVED_TAIL}")
    }
}

/// The answer in pieces of a word or two (each CJK character a piece), as a model streams.
fn split_words(text: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        current.push(c);
        if c == ' ' || !c.is_ascii() || current.len() > 12 {
            pieces.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

fn usage() -> Value {
    json!({"prompt_tokens": USAGE.0, "completion_tokens": USAGE.1, "total_tokens": USAGE.0 + USAGE.1})
}

fn sse(model: &str, deltas: &[(Value, Option<&str>)], tick: Duration) -> Script {
    let frame = |v: Value| Bytes::from(format!("data: {v}\n\n"));
    let chunk = |delta: Value, finish: Option<&str>| {
        json!({"id": "chatcmpl-mock-text", "object": "chat.completion.chunk", "model": model,
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    };
    let mut writes = vec![(
        Duration::ZERO,
        frame(chunk(json!({"role": "assistant"}), None)),
    )];
    for (delta, finish) in deltas {
        writes.push((tick, frame(chunk(delta.clone(), *finish))));
    }
    if deltas.iter().all(|(_, f)| f.is_none()) {
        writes.push((Duration::ZERO, frame(chunk(json!({}), Some("stop")))));
    }
    let mut last = json!({"id": "chatcmpl-mock-text", "object": "chat.completion.chunk", "model": model, "choices": []});
    last["usage"] = usage();
    writes.push((Duration::ZERO, frame(last)));
    writes.push((Duration::ZERO, Bytes::from_static(b"data: [DONE]\n\n")));
    Script {
        status: 200,
        content_type: "text/event-stream",
        writes,
        ending: Ending::Close,
    }
}

fn completion(model: &str, message: Value, finish: &str) -> Script {
    let body = json!({
        "id": "chatcmpl-mock-text", "object": "chat.completion", "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": usage(),
    });
    Script {
        status: 200,
        content_type: "application/json",
        writes: vec![(Duration::ZERO, Bytes::from(body.to_string()))],
        ending: Ending::Close,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_follow_the_instructions() {
        assert!(answer("Rewrite", "a boat").starts_with("a boat, in a slow dolly-in"));
        assert_eq!(answer("… into English …", "纸船"), "English: 纸船");
        assert_eq!(answer("… into Simplified Chinese …", "boat"), "中文：boat");
        let shots = answer("exactly 4 shots … continues_from", "a boat's journey");
        assert_eq!(shots.matches("\"prompt\"").count(), 4);
        assert!(is_text_model("gpt-4o-mini") && is_text_model("text-nothing"));
        assert!(!is_text_model("veo-3.1-fast") && !is_text_model("sora-2"));
        assert_eq!(split_words("a 纸船").concat(), "a 纸船");
    }
}
