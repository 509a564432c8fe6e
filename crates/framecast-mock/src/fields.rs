//! What each create route accepts, field by field, so a test fails the moment Framecast
//! misnames or mistypes an option: a real gateway would silently ignore `duration` where it
//! reads `seconds`, and the person would pay for an 8-second video they did not ask for. Here a
//! field the route does not know, or a value of the wrong type, is answered 400 naming it.

use serde_json::{Map, Value};

/// The task route's fields besides `model`, `prompt` and the `input_reference` images:
/// `seconds` a string of 4, 6 or 8; `size` `WxH`; `metadata` Google's parameters.
pub fn check_task(fields: &Map<String, Value>) -> Result<(), String> {
    for (name, value) in fields {
        match name.as_str() {
            "model" | "prompt" if !value.is_string() => {
                return Err(format!("{name} must be a string, not {value}"));
            }
            "model" | "prompt" => {}
            "seconds" => match value.as_str() {
                Some("4" | "6" | "8") => {}
                _ => {
                    return Err(format!(
                        "seconds must be \"4\", \"6\" or \"8\", not {value}"
                    ));
                }
            },
            "size" => {
                let ok = value
                    .as_str()
                    .and_then(|s| s.split_once('x'))
                    .is_some_and(|(w, h)| w.parse::<u32>().is_ok() && h.parse::<u32>().is_ok());
                if !ok {
                    return Err(format!("size must be WIDTHxHEIGHT, not {value}"));
                }
            }
            "metadata" => check_metadata(value)?,
            other => return Err(format!("unknown field “{other}”")),
        }
    }
    Ok(())
}

fn check_metadata(value: &Value) -> Result<(), String> {
    let Some(metadata) = value.as_object() else {
        return Err(format!("metadata must be an object, not {value}"));
    };
    for (name, value) in metadata {
        let ok = match name.as_str() {
            "durationSeconds" => matches!(value.as_u64(), Some(4 | 6 | 8)),
            "resolution" => matches!(value.as_str(), Some("720p" | "1080p" | "4k")),
            "aspectRatio" => matches!(value.as_str(), Some("16:9" | "9:16")),
            "negativePrompt" => value.is_string(),
            "seed" => value.as_u64().is_some_and(|s| s <= u64::from(u32::MAX)),
            "generateAudio" | "enhancePrompt" => value.is_boolean(),
            other => return Err(format!("unknown metadata field “{other}”")),
        };
        if !ok {
            return Err(format!("metadata.{name} cannot be {value}"));
        }
    }
    Ok(())
}

/// The create/query dialect's fields.
pub fn check_unified(body: &Map<String, Value>) -> Result<(), String> {
    for (name, value) in body {
        let ok = match name.as_str() {
            "model" | "prompt" => value.is_string(),
            "images" => value
                .as_array()
                .is_some_and(|a| a.len() <= 3 && a.iter().all(Value::is_string)),
            "aspect_ratio" => matches!(value.as_str(), Some("16:9" | "9:16")),
            "enhance_prompt" | "enable_upsample" => value.is_boolean(),
            other => return Err(format!("unknown field “{other}”")),
        };
        if !ok {
            return Err(format!("{name} cannot be {value}"));
        }
    }
    Ok(())
}

/// What an image sent as a URL is, by its bytes: `jpeg`, `png`, `webp`, a `link`, or
/// `not an image`.
pub fn image_kind(url: &str) -> &'static str {
    use base64::Engine;
    if url.starts_with("http://") || url.starts_with("https://") {
        return "link";
    }
    let bytes = url
        .split_once(";base64,")
        .and_then(|(_, b64)| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .unwrap_or_default();
    kind_of(&bytes)
}

/// What image `bytes` are.
pub fn kind_of(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "jpeg"
    } else if bytes.starts_with(b"\x89PNG") {
        "png"
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        "webp"
    } else {
        "not an image"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn a_misnamed_or_mistyped_field_is_refused() {
        assert!(check_task(&object(json!({"model": "m", "seconds": "8"}))).is_ok());
        assert!(check_task(&object(json!({"duration": 8}))).is_err());
        assert!(check_task(&object(json!({"seconds": 8}))).is_err());
        assert!(check_task(&object(json!({"metadata": {"duration": 8}}))).is_err());
        assert!(check_task(&object(json!({"metadata": {"seed": "7"}}))).is_err());
        assert!(check_unified(&object(json!({"aspect_ratio": "16:9"}))).is_ok());
        assert!(check_unified(&object(json!({"aspectRatio": "16:9"}))).is_err());
        assert_eq!(kind_of(b"\x89PNG\r\n"), "png");
    }
}
