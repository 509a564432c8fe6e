//! The call itself: one chat-completions POST to a text model, its answer streamed (or read as
//! one JSON completion), bounded, raced against cancel and time, and redacted.

use super::{Action, Help, MAX_ANSWER_BYTES, PromptEvent, guide, shots};
use crate::check::{chat_models, list_models};
use crate::chunk::{self, Payload, Usage};
use crate::client::{
    Clock, Format, Sniff, network_error, not_understood, paid_client, significant, sniff,
    undecided, web_page,
};
use crate::error::{Error, ErrorKind, GatewaySaid};
use crate::proxy::Proxy;
use crate::request::{Credentials, MAX_PROMPT_CHARS, ModelProblem, endpoint, model_problem};
use crate::sse::{SseDecoder, SseEvent};
use crate::{Limits, Result};
use bytes::Bytes;
use futures_util::Stream;
use serde_json::json;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use url::Url;

/// The longest silence a text answer may keep: models start answering in seconds.
const TEXT_IDLE: Duration = Duration::from_secs(90);
/// The longest a whole text answer may take.
const TEXT_OVERALL: Duration = Duration::from_secs(5 * 60);

/// A text model's whole answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub model: String,
    pub text: String,
    pub usage: Option<Usage>,
}

/// Prompt help's client for one gateway and key.
#[derive(Debug, Clone)]
pub struct TextClient {
    base_url: String,
    endpoint: Url,
    credentials: Credentials,
    limits: Limits,
    http: reqwest::Client,
}

impl TextClient {
    /// A client for the gateway at `base_url` (any form [`endpoint`] accepts), through `proxy`,
    /// within `limits` shortened to a text model's pace (90 s of silence, 5 minutes in all).
    pub fn new(
        base_url: &str,
        credentials: Credentials,
        limits: Limits,
        proxy: &Proxy,
    ) -> Result<Self> {
        let limits = Limits {
            idle: limits.idle.min(TEXT_IDLE),
            overall: limits.overall.min(TEXT_OVERALL),
            ..limits
        };
        limits.check()?;
        credentials.check()?;
        Ok(Self {
            base_url: base_url.to_owned(),
            endpoint: endpoint(base_url)?,
            http: paid_client(&limits, proxy)?,
            credentials,
            limits,
        })
    }

    /// The model to ask: `chosen` when given, else the first chat model the gateway lists.
    pub async fn choose_model(
        &self,
        chosen: Option<&str>,
        cancel: &CancellationToken,
    ) -> Result<String> {
        if let Some(name) = chosen.map(str::trim).filter(|m| !m.is_empty()) {
            check_model(name)?;
            return Ok(name.to_owned());
        }
        let listed = tokio::select! {
            biased;
            () = cancel.cancelled() => Err(Error::cancelled()),
            r = list_models(&self.http, &self.base_url, &self.credentials, self.limits.idle) => r,
        };
        let ids = listed.map_err(|mut e| {
            self.credentials.redactor().error(&mut e);
            e
        })?;
        let chat = chat_models(&ids);
        chat.first()
            .cloned()
            .ok_or_else(|| no_chat_model(ids.len()))
    }

    /// Runs `action` on `text`: chooses the model (`chosen`, else the gateway's first chat
    /// model), streams the answer to `emit`, and reads the shots for [`Action::Shots`]. The
    /// returned [`Help`] has no price; the caller knows the profile's.
    pub async fn help(
        &self,
        chosen: Option<&str>,
        action: Action,
        text: &str,
        cancel: &CancellationToken,
        emit: &mut (dyn FnMut(PromptEvent) + Send),
    ) -> Result<Help> {
        check_text(action, text)?;
        let action = action.settled(text);
        let model = self.choose_model(chosen, cancel).await?;
        emit(PromptEvent::Model {
            model: model.clone(),
        });
        let answer = self
            .ask(&model, action, text, cancel, &mut |delta: &str| {
                emit(PromptEvent::Delta {
                    text: delta.to_owned(),
                });
            })
            .await?;
        let shots = match action {
            Action::Shots { .. } => shots::parse(&answer.text)?,
            _ => Vec::new(),
        };
        Ok(Help {
            action,
            model: answer.model,
            text: answer.text,
            shots,
            usage: answer.usage,
            usd: None,
        })
    }

    /// One POST to `model` with `action`'s instructions and `text`; each piece of the answer
    /// goes to `on_delta` as it arrives. Everything returned has passed the key's redactor.
    pub async fn ask(
        &self,
        model: &str,
        action: Action,
        text: &str,
        cancel: &CancellationToken,
        on_delta: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Answer> {
        check_text(action, text)?;
        check_model(model)?;
        let redactor = self.credentials.redactor();
        let mut deltas = |d: &str| on_delta(&redactor.text(d));
        match self
            .exchange(model, action, text, cancel, &mut deltas)
            .await
        {
            Ok(mut answer) => {
                redactor.in_place(&mut answer.text);
                Ok(answer)
            }
            Err(mut e) => {
                redactor.error(&mut e);
                Err(e)
            }
        }
    }

    async fn exchange(
        &self,
        model: &str,
        action: Action,
        text: &str,
        cancel: &CancellationToken,
        on_delta: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Answer> {
        let clock = Clock::start(cancel, &self.limits, ANSWER);
        let body = json!({
            "model": model,
            "messages": guide::messages(action, text),
            "stream": true,
            "stream_options": {"include_usage": true},
        });
        let send = self
            .http
            .post(self.endpoint.clone())
            .header(
                reqwest::header::AUTHORIZATION,
                self.credentials.header_value(),
            )
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .json(&body)
            .send();
        let response = clock
            .race(self.limits.idle, send)
            .await?
            .map_err(|e| network_error(&e))?;
        let status = response.status();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let mut body = response.bytes_stream();
        if !status.is_success() {
            let bytes = clock
                .read_bounded(&mut body, 64 * 1024)
                .await
                .unwrap_or_default();
            return Err(refusal(
                crate::http_error::from_status(status.as_u16(), &bytes, None),
                model,
            ));
        }
        let mut reading = Reading::default();
        self.read_answer(&mut body, &content_type, &mut reading, &clock, on_delta)
            .await?;
        reading.finish(model)
    }

    /// Reads the answer as SSE or as one JSON completion, deciding by its first bytes.
    async fn read_answer(
        &self,
        body: &mut (impl Stream<Item = reqwest::Result<Bytes>> + Unpin),
        content_type: &str,
        reading: &mut Reading,
        clock: &Clock<'_>,
        on_delta: &mut (dyn FnMut(&str) + Send),
    ) -> Result<()> {
        let mut format = None;
        let mut head = Vec::new();
        let mut json = Vec::new();
        let mut decoder = SseDecoder::new(self.limits.max_event_bytes);
        let mut events: Vec<SseEvent> = Vec::new();
        while let Some(bytes) = clock.next(body).await? {
            let (format, bytes) = match format {
                Some(f) => (f, bytes),
                None => {
                    head.extend_from_slice(&bytes);
                    match sniff(&head, content_type) {
                        Sniff::Undecided => {
                            head = undecided(&head);
                            continue;
                        }
                        Sniff::Read(f) => {
                            (*format.insert(f), Bytes::from(std::mem::take(&mut head)))
                        }
                        Sniff::WebPage => return Err(web_page(head, body, clock).await),
                        Sniff::Unknown => return Err(not_understood(&head)),
                    }
                }
            };
            match format {
                Format::Sse => {
                    decoder
                        .feed(&bytes, &mut |e: &SseEvent| events.push(e.clone()))
                        .map_err(|e| crate::tracker::too_large(e.limit))?;
                    for event in events.drain(..) {
                        if reading.event(&event, on_delta)? {
                            return Ok(());
                        }
                    }
                }
                Format::Json => {
                    if json.len() + bytes.len() > MAX_ANSWER_BYTES {
                        return Err(crate::tracker::too_large(MAX_ANSWER_BYTES));
                    }
                    json.extend_from_slice(&bytes);
                }
            }
        }
        match format {
            None if significant(&head).is_empty() => Ok(()),
            None => Err(not_understood(&head)),
            Some(Format::Sse) => {
                decoder
                    .finish(&mut |e: &SseEvent| events.push(e.clone()))
                    .map_err(|e| crate::tracker::too_large(e.limit))?;
                for event in events.drain(..) {
                    if reading.event(&event, on_delta)? {
                        break;
                    }
                }
                Ok(())
            }
            Some(Format::Json) => {
                let text = String::from_utf8_lossy(&json);
                match chunk::parse(text.trim_start_matches(crate::client::BOM)) {
                    Payload::Chunk(c) => reading.chunk(c, on_delta),
                    _ => Err(not_understood(&json)),
                }
            }
        }
    }
}

/// What the connection was doing when it broke, for the message.
const ANSWER: (&str, &str) = ("while the answer was read", "读取回答时");

/// The answer as it arrives.
#[derive(Default)]
struct Reading {
    text: String,
    refusal: String,
    usage: Option<Usage>,
    finish_reason: Option<String>,
}

impl Reading {
    /// Takes one SSE event; `true` once the stream says it is done.
    fn event(&mut self, event: &SseEvent, on_delta: &mut (dyn FnMut(&str) + Send)) -> Result<bool> {
        if event.event.as_deref() == Some("error") {
            let said = match serde_json::from_str::<serde_json::Value>(&event.data) {
                Ok(v) => chunk::in_band_error(v.get("error").cloned().unwrap_or(v)),
                Err(_) => chunk::in_band_error(serde_json::Value::String(event.data.clone())),
            };
            return Err(in_band(said.map(|e| e.said).unwrap_or_default()));
        }
        match chunk::parse(&event.data) {
            Payload::Done => Ok(true),
            Payload::Chunk(c) => self.chunk(c, on_delta).map(|()| false),
            Payload::Malformed(_) => Ok(false),
        }
    }

    fn chunk(&mut self, c: chunk::Chunk, on_delta: &mut (dyn FnMut(&str) + Send)) -> Result<()> {
        if let Some(e) = c.error {
            return Err(in_band(e.said));
        }
        if self.text.len() + c.content.len() + self.refusal.len() > MAX_ANSWER_BYTES {
            return Err(crate::tracker::too_large(MAX_ANSWER_BYTES));
        }
        if !c.content.is_empty() {
            on_delta(&c.content);
            self.text.push_str(&c.content);
        }
        self.refusal.push_str(&c.refusal);
        if c.usage.is_some() {
            self.usage = c.usage;
        }
        if c.finish_reason.is_some() {
            self.finish_reason = c.finish_reason;
        }
        Ok(())
    }

    fn finish(self, model: &str) -> Result<Answer> {
        let filtered = self.finish_reason.as_deref() == Some("content_filter");
        if !self.refusal.trim().is_empty() || (filtered && self.text.trim().is_empty()) {
            let words = if self.refusal.trim().is_empty() {
                None
            } else {
                Some(crate::text::shorten(self.refusal.trim(), 500))
            };
            return Err(Error::with(
                ErrorKind::Refused,
                format!("{model} declined to answer"),
                format!("{model} 拒绝回答"),
            )
            .gateway(GatewaySaid {
                message: words,
                ..GatewaySaid::default()
            }));
        }
        if self.text.trim().is_empty() {
            return Err(Error::with(
                ErrorKind::GatewayError,
                format!("{model} gave an empty answer; try again, or choose another model"),
                format!("{model} 返回了空的回答；请重试，或选择其他模型"),
            ));
        }
        Ok(Answer {
            model: model.to_owned(),
            text: self.text.trim().to_owned(),
            usage: self.usage,
        })
    }
}

/// An error the gateway sent inside the answer.
fn in_band(said: GatewaySaid) -> Error {
    let kind = crate::http_error::kind_for(None, said.code.as_deref(), said.message.as_deref());
    Error::new(kind).gateway(said)
}

/// A refusal of the request, said for a text model: no channel for it, or not for this key.
fn refusal(error: Error, model: &str) -> Error {
    let said = error.gateway_said().cloned().unwrap_or_default();
    let message = said.message.as_deref().unwrap_or("").to_lowercase();
    let code = said.code.as_deref().unwrap_or("");
    let not_found = code == "model_not_found"
        || said.status == Some(404)
        || message.contains("无可用渠道")
        || message.contains("does not exist");
    let not_allowed = (said.status == Some(403) && error.kind() != ErrorKind::Quota)
        || message.contains("无权")
        || message.contains("not allowed")
        || message.contains("does not have access");
    if not_allowed {
        Error::with(
            ErrorKind::Auth,
            format!(
                "this key may not use the text model {model}: choose another model for prompt help in Settings (or --model), or allow it for this key in the gateway's console"
            ),
            format!(
                "此密钥无权使用文本模型 {model}：请在设置中（或用 --model）为提示词助手选择其他模型，或在网关控制台为此密钥开通该模型"
            ),
        )
        .gateway(said)
    } else if not_found {
        Error::with(
            ErrorKind::BadRequest,
            format!(
                "the gateway has no text model named {model}: choose another one for prompt help in Settings (or --model)"
            ),
            format!("网关没有名为 {model} 的文本模型：请在设置中（或用 --model）为提示词助手选择其他模型"),
        )
        .gateway(said)
    } else {
        error
    }
}

fn no_chat_model(listed: usize) -> Error {
    Error::invalid_input(
        format!(
            "this gateway lists no text (chat) model for prompt help ({listed} models, all for video, images or sound); name one in Settings or with --model if it serves one unlisted"
        ),
        format!(
            "此网关没有列出可用于提示词助手的文本（对话）模型（共 {listed} 个模型，都用于视频、图像或声音）；如果它提供未列出的模型，请在设置中或用 --model 指定"
        ),
    )
}

fn check_model(model: &str) -> Result<()> {
    match model_problem(model) {
        None => Ok(()),
        Some(ModelProblem::Empty) => Err(Error::invalid_input(
            "choose a text model",
            "请选择文本模型",
        )),
        Some(_) => Err(Error::invalid_input(
            "the text model's name may not contain spaces or control characters, and is at most 128 bytes",
            "文本模型名称不能包含空格或控制字符，且不超过 128 字节",
        )),
    }
}

fn check_text(action: Action, text: &str) -> Result<()> {
    if let Action::Shots { count: Some(n) } = action
        && !(1..=super::MAX_SHOTS).contains(&n)
    {
        return Err(Error::invalid_input(
            format!(
                "the number of shots must be between 1 and {}",
                super::MAX_SHOTS
            ),
            format!("分镜数量必须在 1 到 {} 之间", super::MAX_SHOTS),
        ));
    }
    if text.trim().is_empty() {
        return Err(Error::invalid_input(
            "write a prompt (or an idea) first",
            "请先输入提示词（或想法）",
        ));
    }
    if text.chars().count() > MAX_PROMPT_CHARS {
        return Err(Error::invalid_input(
            format!("the text is longer than {MAX_PROMPT_CHARS} characters"),
            format!("文本超过 {MAX_PROMPT_CHARS} 个字符"),
        ));
    }
    Ok(())
}
