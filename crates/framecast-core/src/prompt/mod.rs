//! Prompt help: a text model on the same gateway rewrites a prompt along Google's Veo prompt
//! guide, translates it between Chinese and English, or turns one idea into a storyboard's shots.
//!
//! Gateways of this family serve chat models on the very route and key the videos use
//! (`POST {base}/v1/chat/completions`), so prompt help needs nothing new from the person. What it
//! guarantees:
//!
//! - **Sent only when asked.** Nothing here runs on its own: each call is one person's click (or
//!   one CLI command), one POST, never retried ([`TextClient`] builds its HTTP client like the
//!   video stream's: HTTP/1, no pooled connections, no redirects).
//! - **The model.** The one asked for (a profile's choice, `--model`), else the first model the
//!   gateway's `/v1/models` lists that is a text model by [`crate::check::is_chat_model`]; a
//!   gateway that lists none is said so, not sent a guess.
//! - **Streamed when it can be.** The request asks for a stream; an answer that is one JSON
//!   completion is read as well, decided by the answer's first bytes as [`crate::client`] does.
//!   Every read races the cancel token, the silence timeout and the deadline; an answer is read
//!   within [`MAX_ANSWER_BYTES`].
//! - **Nothing comes back unredacted.** Every piece of text, the answer and every error pass the
//!   key's redactor ([`crate::redact`]), which also makes control characters visible.
//! - **Errors a person can act on:** no chat model on this gateway, the model declined
//!   ([`crate::ErrorKind::Refused`]), the key may not use the model, the gateway has no channel
//!   for it — each with the gateway's own words.
//!
//! The pieces: [`guide`] (what the text model is told), [`client`] (the call), [`shots`] (reading
//! a storyboard's shots from the answer, leniently).

pub mod client;
pub mod guide;
pub mod shots;

pub use client::{Answer, TextClient};
pub use shots::Shot;

use crate::chunk::Usage;
use crate::error::Lang;
use serde::{Deserialize, Serialize};

/// The largest answer read, in bytes: a rewritten prompt or a shot list is a few kilobytes.
pub const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// The most shots one idea may become.
pub const MAX_SHOTS: u8 = 12;

/// What the text model is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "action", rename_all = "camelCase")]
pub enum Action {
    /// Rewrite the prompt along the Veo guide, in the prompt's own language.
    Improve,
    /// Translate the prompt into `to`; when `None`, into the other of Chinese and English
    /// ([`other_language`]), which the finished [`Help`] then names.
    Translate {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        to: Option<Lang>,
    },
    /// Turn an idea into `count` shots (the model's choice, 2–6, when `None`).
    Shots {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        count: Option<u8>,
    },
}

impl Action {
    /// This action with its language settled for `text` (see [`Action::Translate`]).
    pub fn settled(self, text: &str) -> Self {
        match self {
            Self::Translate { to: None } => Self::Translate {
                to: Some(other_language(text)),
            },
            other => other,
        }
    }

    /// The name the ledger and the CLI use: `improve`, `translate`, `shots`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Improve => "improve",
            Self::Translate { .. } => "translate",
            Self::Shots { .. } => "shots",
        }
    }
}

/// What streams to the front end while a call runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum PromptEvent {
    /// The model that answers (chosen before anything is sent).
    Model { model: String },
    /// More of the answer, redacted.
    Delta { text: String },
}

/// A finished call: the suggestion (or the shots), which model wrote it, and what it cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Help {
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub action: Action,
    pub model: String,
    /// The whole answer: the suggestion, or the shots' raw text.
    pub text: String,
    /// The shots, for [`Action::Shots`]; empty otherwise.
    pub shots: Vec<Shot>,
    /// The tokens the gateway reported, if it did.
    pub usage: Option<Usage>,
    /// What the call cost by the profile's text prices; `None` when they are not set.
    pub usd: Option<f64>,
}

/// Whether `text` is mostly Chinese (Han characters outnumber Latin letters): such a prompt is
/// translated into English, any other into Chinese, unless the person says otherwise.
pub fn mostly_chinese(text: &str) -> bool {
    let (mut han, mut latin) = (0usize, 0usize);
    for c in text.chars() {
        if is_han(c) {
            han += 1;
        } else if c.is_ascii_alphabetic() {
            latin += 1;
        }
    }
    han > 0 && han * 3 >= latin
}

/// A CJK ideograph (the unified blocks and their first extension).
fn is_han(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{f900}'..='\u{faff}')
}

/// The language a translation goes to when none is given: English for a Chinese text, Chinese
/// for any other.
pub fn other_language(text: &str) -> Lang {
    if mostly_chinese(text) {
        Lang::En
    } else {
        Lang::Zh
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_translation_goes_to_the_other_language() {
        assert_eq!(other_language("一只纸船顺着雨水漂流"), Lang::En);
        assert_eq!(other_language("纸船 paper boat 在街上漂"), Lang::En);
        assert_eq!(other_language("A paper boat drifts, 纸船"), Lang::Zh);
        assert_eq!(other_language(""), Lang::Zh);
    }

    #[test]
    fn actions_cross_ipc_by_name() {
        let a: Action = serde_json::from_str(r#"{"action":"translate","to":"en"}"#).unwrap();
        assert_eq!(a, Action::Translate { to: Some(Lang::En) });
        let open: Action = serde_json::from_str(r#"{"action":"translate"}"#).unwrap();
        assert_eq!(
            open.settled("纸船"),
            Action::Translate { to: Some(Lang::En) }
        );
        let s: Action = serde_json::from_str(r#"{"action":"shots"}"#).unwrap();
        assert_eq!(s, Action::Shots { count: None });
        assert_eq!(
            serde_json::to_value(Action::Shots { count: Some(4) }).unwrap(),
            serde_json::json!({"action": "shots", "count": 4})
        );
    }
}
