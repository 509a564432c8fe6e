//! A storyboard's shots, read from a text model's answer.
//!
//! Models asked for JSON often wrap it in a Markdown fence, write a sentence before or after it,
//! name the fields a little differently, or number the shots from 1. This reads the first JSON
//! value in the answer (an object with a `shots` list, or a list), takes each shot's prompt from
//! `prompt` (or `text`, `description`, or the shot itself when it is a string), and keeps a
//! continuity note only when it names an *earlier* shot. An answer with no shot in it is an error
//! that shows what the model said.

use crate::error::{Error, ErrorKind, GatewaySaid};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One shot: the prompt it is generated from, and the earlier shot it continues, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Shot {
    pub prompt: String,
    /// The index (from 0) of the earlier shot this one picks up from; `None` for a new moment.
    pub continues_from: Option<usize>,
}

/// The shots in `answer`, or an error quoting it.
pub fn parse(answer: &str) -> Result<Vec<Shot>, Error> {
    let shots = first_json(answer)
        .map(|v| from_value(&v))
        .unwrap_or_default();
    if shots.is_empty() {
        return Err(Error::with(
            ErrorKind::Protocol,
            "the text model's answer has no shots that could be read; try again, or choose another model",
            "无法从文本模型的回答中读出分镜；请重试，或选择其他模型",
        )
        .gateway(GatewaySaid {
            message: Some(crate::text::shorten(answer.trim(), 300)),
            ..GatewaySaid::default()
        }));
    }
    Ok(shots)
}

/// The first JSON object or array in `text` that parses, whatever surrounds it.
fn first_json(text: &str) -> Option<Value> {
    for (at, _) in text.match_indices(['{', '[']) {
        let mut values = serde_json::Deserializer::from_str(&text[at..]).into_iter::<Value>();
        if let Some(Ok(v @ (Value::Object(_) | Value::Array(_)))) = values.next() {
            return Some(v);
        }
    }
    None
}

fn from_value(v: &Value) -> Vec<Shot> {
    let list = match v {
        Value::Array(list) => list,
        Value::Object(o) => match ["shots", "storyboard", "scenes"]
            .iter()
            .find_map(|k| o.get(*k)?.as_array())
        {
            Some(list) => list,
            None => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    let mut shots = Vec::new();
    for item in list {
        let (prompt, continues) = match item {
            Value::String(s) => (s.clone(), None),
            Value::Object(o) => {
                let prompt = ["prompt", "text", "description"]
                    .iter()
                    .find_map(|k| o.get(*k)?.as_str())
                    .unwrap_or_default()
                    .to_owned();
                let continues = ["continues_from", "continuesFrom", "continues"]
                    .iter()
                    .find_map(|k| o.get(*k))
                    .and_then(shot_number);
                (prompt, continues)
            }
            _ => continue,
        };
        let prompt = prompt.trim().to_owned();
        if prompt.is_empty() {
            continue;
        }
        let index = shots.len();
        // Shots are numbered from 1 in the answer; only an earlier shot can be continued.
        let continues_from = continues
            .and_then(|n: usize| n.checked_sub(1))
            .filter(|&i| i < index);
        shots.push(Shot {
            prompt,
            continues_from,
        });
    }
    shots
}

/// `2`, `"2"`, `"shot 2"`, `"#2"` as 2; anything else as none.
fn shot_number(v: &Value) -> Option<usize> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
        Value::String(s) => s
            .chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompts(shots: &[Shot]) -> Vec<(&str, Option<usize>)> {
        shots
            .iter()
            .map(|s| (s.prompt.as_str(), s.continues_from))
            .collect()
    }

    #[test]
    fn reads_the_asked_shape_fenced_and_with_words_around_it() {
        let answer = "Here is your storyboard:\n```json\n{\"shots\": [\
            {\"prompt\": \"A paper boat in a gutter\", \"continues_from\": null},\
            {\"prompt\": \"The boat reaches a drain\", \"continues_from\": 1},\
            {\"prompt\": \"The sea at dawn\", \"continues_from\": \"shot 2\"}]}\n```\nEnjoy!";
        assert_eq!(
            prompts(&parse(answer).unwrap()),
            [
                ("A paper boat in a gutter", None),
                ("The boat reaches a drain", Some(0)),
                ("The sea at dawn", Some(1)),
            ]
        );
    }

    #[test]
    fn reads_other_shapes_and_drops_impossible_continuity() {
        let answer = r#"[{"text":"一","continuesFrom":3},"二",{"description":"三","continues":2},{"prompt":"  "}]"#;
        assert_eq!(
            prompts(&parse(answer).unwrap()),
            [("一", None), ("二", None), ("三", Some(1))]
        );
        // A stray brace before the real JSON is skipped.
        let answer = "Shots {1-3}: {\"shots\":[\"a\",\"b\"]}";
        assert_eq!(parse(answer).unwrap().len(), 2);
    }

    #[test]
    fn an_unreadable_answer_is_an_error_that_quotes_it() {
        for answer in [
            "I would rather not.",
            "{\"shots\": []}",
            "{\"other\": 1}",
            "",
        ] {
            let e = parse(answer).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Protocol, "{answer}");
        }
        let e = parse("Sorry, no JSON today").unwrap_err();
        assert_eq!(
            e.gateway_said().unwrap().message.as_deref(),
            Some("Sorry, no JSON today")
        );
    }
}
