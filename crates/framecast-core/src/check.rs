//! "Test connection": what a person needs to know before paying for a job — is the base URL a
//! URL, does the proxy answer, is the gateway's host reachable, is the key accepted, and which Veo
//! models does the gateway offer — each said in plain words, in English and Chinese.
//!
//! It asks `GET {base}/v1/models`, which gateways of this family serve and check the key on. It
//! never sends a generation request, never retries, and keeps the key out of what it reports.
//!
//! The model list is read here for prompt help too ([`list_models`]), and sorted by one rule
//! ([`is_chat_model`]): a text model is any model whose name names no other kind of model.

use crate::error::{ErrorKind, Lang, Text};
use crate::job::RouteKind;
use crate::proxy::Proxy;
use crate::request::{Credentials, endpoint};
use crate::text::root_cause;
use serde::Serialize;
use std::time::Duration;
use tokio::net::TcpStream;
use url::Url;

/// One thing the test looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Step {
    /// The base URL can be used.
    Url,
    /// The proxy answers and passes requests on.
    Proxy,
    /// The gateway's host answers.
    Host,
    /// The gateway accepts the key.
    Key,
    /// The gateway offers Veo models.
    Models,
    /// The gateway answers on its task route (create, poll, fetch).
    Tasks,
}

/// What one step found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub step: Step,
    pub ok: bool,
    pub message: String,
    pub message_zh: String,
}

/// What a connection test found, step by step; it stops at the first step that fails.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    /// Every step passed.
    pub ok: bool,
    pub findings: Vec<Finding>,
    /// The Veo models the gateway offers, as it names them.
    pub models: Vec<String>,
    /// The text (chat) models it offers, for prompt help, in the gateway's order.
    pub chat_models: Vec<String>,
}

impl CheckReport {
    fn pass(&mut self, step: Step, text: Text) {
        self.findings.push(Finding {
            step,
            ok: true,
            message: text.en,
            message_zh: text.zh,
        });
    }

    fn fail(mut self, step: Step, text: Text) -> Self {
        self.findings.push(Finding {
            step,
            ok: false,
            message: text.en,
            message_zh: text.zh,
        });
        self.ok = false;
        self
    }

    /// The findings in one language, a line each.
    pub fn summary(&self, lang: Lang) -> String {
        self.findings
            .iter()
            .map(|f| {
                let mark = if f.ok { "✔" } else { "✘" };
                let text = match lang {
                    Lang::En => &f.message,
                    Lang::Zh => &f.message_zh,
                };
                format!("{mark} {text}")
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Tests the gateway at `base_url` with `credentials` through `proxy` (`system`, `none` or a URL).
/// Everything the report says, the gateway's model names included, has passed the redactor.
pub async fn check(
    base_url: &str,
    credentials: &Credentials,
    proxy: &str,
    connect: Duration,
    route: RouteKind,
) -> CheckReport {
    let mut report = steps(base_url, credentials, proxy, connect, route).await;
    let redactor = credentials.redactor();
    for f in &mut report.findings {
        redactor.in_place(&mut f.message);
        redactor.in_place(&mut f.message_zh);
    }
    report.models.iter_mut().for_each(|m| redactor.in_place(m));
    report
        .chat_models
        .iter_mut()
        .for_each(|m| redactor.in_place(m));
    report
}

async fn steps(
    base_url: &str,
    credentials: &Credentials,
    proxy: &str,
    connect: Duration,
    route: RouteKind,
) -> CheckReport {
    let mut report = CheckReport::default();
    let url = match models_url(base_url) {
        Ok(u) => u,
        Err(e) => return report.fail(Step::Url, e.specifics().cloned().unwrap_or_default()),
    };
    report.pass(
        Step::Url,
        Text::new(
            format!("The base URL is {}", shown(&url)),
            format!("接口地址为 {}", shown(&url)),
        ),
    );
    let proxy = match Proxy::parse(proxy) {
        Ok(p) => p,
        Err(e) => return report.fail(Step::Proxy, e.specifics().cloned().unwrap_or_default()),
    };
    if let Some((host, port)) = proxy.address() {
        let at = format!("{host}:{port}");
        match tokio::time::timeout(connect, TcpStream::connect((host.as_str(), port))).await {
            Ok(Ok(_)) => report.pass(
                Step::Proxy,
                Text::new(
                    format!("The proxy at {at} answers"),
                    format!("代理 {at} 可以连接"),
                ),
            ),
            Ok(Err(e)) => {
                return report.fail(
                    Step::Proxy,
                    Text::new(
                        format!(
                            "The proxy at {at} cannot be reached ({e}); check the proxy setting"
                        ),
                        format!("无法连接代理 {at}（{e}）；请检查代理设置"),
                    ),
                );
            }
            Err(_) => {
                return report.fail(
                    Step::Proxy,
                    Text::new(
                        format!(
                            "The proxy at {at} did not answer within {} s",
                            connect.as_secs()
                        ),
                        format!("代理 {at} 在 {} 秒内没有响应", connect.as_secs()),
                    ),
                );
            }
        }
    }
    let client = match proxy.apply(
        reqwest::Client::builder()
            .connect_timeout(connect)
            .timeout(connect * 3)
            .http1_only()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Framecast/", env!("CARGO_PKG_VERSION"))),
    ) {
        Ok(b) => match b.build() {
            Ok(c) => c,
            Err(e) => return report.fail(Step::Proxy, Text::same(e.to_string())),
        },
        Err(e) => return report.fail(Step::Proxy, e.specifics().cloned().unwrap_or_default()),
    };
    let host = url.host_str().unwrap_or_default().to_owned();
    let answer = client
        .get(url.clone())
        .header(reqwest::header::AUTHORIZATION, credentials.header_value())
        .send()
        .await;
    let response = match answer {
        Ok(r) => r,
        Err(e) => {
            let cause = root_cause(&e);
            let text = if proxy.address().is_some() {
                Text::new(
                    format!("The proxy did not pass the request on to {host} ({cause})"),
                    format!("代理没有把请求转发到 {host}（{cause}）"),
                )
            } else if e.is_timeout() {
                Text::new(
                    format!("{host} did not answer in time ({cause})"),
                    format!("{host} 响应超时（{cause}）"),
                )
            } else {
                Text::new(
                    format!(
                        "{host} cannot be reached ({cause}); check the base URL and the network"
                    ),
                    format!("无法连接 {host}（{cause}）；请检查接口地址和网络"),
                )
            };
            let step = if proxy.address().is_some() {
                Step::Proxy
            } else {
                Step::Host
            };
            return report.fail(step, text);
        }
    };
    let status = response.status();
    if status.as_u16() == 407 {
        return report.fail(
            Step::Proxy,
            Text::new(
                "The proxy wants a user name and password (HTTP 407); put them in the proxy URL",
                "代理需要用户名和密码（HTTP 407）；请写在代理地址中",
            ),
        );
    }
    if proxy.address().is_some() {
        report.pass(
            Step::Proxy,
            Text::new(
                format!("The proxy passes requests on to {host}"),
                format!("代理可以把请求转发到 {host}"),
            ),
        );
    }
    report.pass(
        Step::Host,
        Text::new(format!("{host} answers"), format!("{host} 可以连接")),
    );
    let body = crate::body::read_capped(response, crate::body::MAX_SMALL_ANSWER, connect * 3)
        .await
        .unwrap_or_default();
    if !status.is_success() {
        let error = crate::http_error::from_status(status.as_u16(), &body, None);
        let said = error.message(Lang::En);
        let said_zh = error.message(Lang::Zh);
        let (step, text) = match (status.as_u16(), error.kind()) {
            (_, ErrorKind::Auth) => (
                Step::Key,
                Text::new(
                    format!("The key was refused: {said}"),
                    format!("密钥被拒绝：{said_zh}"),
                ),
            ),
            (404, _) => (
                Step::Models,
                Text::new(
                    format!(
                        "{host} has no model list at {} (HTTP 404); check the base URL",
                        url.path()
                    ),
                    format!(
                        "{host} 在 {} 没有模型列表（HTTP 404）；请检查接口地址",
                        url.path()
                    ),
                ),
            ),
            _ => (Step::Key, Text::new(said, said_zh)),
        };
        return report.fail(step, text);
    }
    let Some(ids) = model_ids(&body) else {
        return report.fail(
            Step::Models,
            Text::new(
                "The base URL answers, but not with the gateway's model list (a web page?); check the base URL",
                "接口地址有响应，但返回的不是网关的模型列表（可能是网页）；请检查接口地址",
            ),
        );
    };
    report.pass(Step::Key, Text::new("The key is accepted", "密钥有效"));
    report.chat_models = chat_models(&ids);
    report.models = ids
        .into_iter()
        .filter(|m| m.to_ascii_lowercase().contains("veo"))
        .collect();
    if report.models.is_empty() {
        return report.fail(
            Step::Models,
            Text::new(
                "The gateway offers no Veo model to this key",
                "网关没有为此密钥提供 Veo 模型",
            ),
        );
    }
    let n = report.models.len();
    report.pass(
        Step::Models,
        Text::new(
            format!(
                "{n} Veo model{} offered: {}",
                if n == 1 { "" } else { "s" },
                report.models.join(", ")
            ),
            format!("提供 {n} 个 Veo 模型：{}", report.models.join("、")),
        ),
    );
    // Prompt help's text models: said, never a failure (videos do not need them).
    let text = match report.chat_models.len() {
        0 => Text::new(
            "No text model for prompt help is listed",
            "没有列出可用于提示词助手的文本模型",
        ),
        n => Text::new(
            format!(
                "{n} text model{} for prompt help: {}",
                if n == 1 { "" } else { "s" },
                report.chat_models.join(", ")
            ),
            format!(
                "{n} 个可用于提示词助手的文本模型：{}",
                report.chat_models.join("、")
            ),
        ),
    };
    report.pass(Step::Models, text);
    // The task route: `GET {base}/v1/videos` is answered (200, or 405 for a route that only
    // creates) where the route exists, and 404 where it does not.
    let tasks = models_url(base_url).map(|mut u| {
        if let Ok(mut path) = u.path_segments_mut() {
            path.pop().push("videos");
        }
        u
    });
    let answered = match &tasks {
        Ok(u) => client
            .get(u.clone())
            .header(reqwest::header::AUTHORIZATION, credentials.header_value())
            .send()
            .await
            .ok()
            .map(|r| r.status().as_u16()),
        Err(_) => None,
    };
    match (answered, route) {
        // Asking after a task that does not exist tells nothing of this dialect: the models and
        // the key are what can be known before a job.
        (_, RouteKind::Unified) => report.pass(
            Step::Tasks,
            Text::new(
                "This profile uses the create/query route (/v1/video/create), which is only known to work once a job is made",
                "此配置使用创建/查询接口（/v1/video/create），只有在生成任务后才能确认其可用",
            ),
        ),
        (Some(404) | None, RouteKind::Task) => {
            return report.fail(
                Step::Tasks,
                Text::new(
                    "The gateway has no task route here; choose the stream for this profile",
                    "此网关没有任务接口；请为此配置选择流式接口",
                ),
            );
        }
        (Some(404) | None, RouteKind::Stream) => report.pass(
            Step::Tasks,
            Text::new(
                "The gateway has no task route here; this profile uses the stream",
                "此网关没有任务接口；此配置使用流式接口",
            ),
        ),
        (Some(_), _) => report.pass(
            Step::Tasks,
            Text::new(
                "The gateway also answers on the task route",
                "网关也支持任务接口",
            ),
        ),
    }
    report.ok = true;
    report
}

/// `{base}/v1/models` for a base URL written any way [`endpoint`] understands.
pub fn models_url(base_url: &str) -> crate::Result<Url> {
    let mut url = endpoint(base_url)?;
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop().pop().push("models");
    }
    Ok(url)
}

/// Words in a model's name that say it makes something other than text: video (Veo, Sora,
/// Kling, …), images, speech, transcripts, embeddings, moderation. Matched anywhere in the
/// lowercased name; a name with none of them is a text (chat) model.
pub const NOT_TEXT: &[&str] = &[
    "veo",
    "video",
    "sora",
    "kling",
    "hailuo",
    "runway",
    "pika",
    "luma",
    "seedance",
    "vidu",
    "image",
    "imagen",
    "dall-e",
    "dalle",
    "flux",
    "midjourney",
    "stable-diffusion",
    "sdxl",
    "tts",
    "whisper",
    "audio",
    "speech",
    "transcribe",
    "realtime",
    "music",
    "suno",
    "embedding",
    "embed",
    "moderation",
    "rerank",
];

/// Whether a model of this name answers in text, by [`NOT_TEXT`].
pub fn is_chat_model(id: &str) -> bool {
    let name = id.trim().to_ascii_lowercase();
    !name.is_empty() && !NOT_TEXT.iter().any(|w| name.contains(w))
}

/// The chat models of a model list, in its order.
pub fn chat_models(ids: &[String]) -> Vec<String> {
    ids.iter().filter(|m| is_chat_model(m)).cloned().collect()
}

/// The gateway's model list (`GET {base}/v1/models`), read within the cap of small answers. A
/// refusal is the gateway's own error; an answer that is not a model list says so.
pub async fn list_models(
    http: &reqwest::Client,
    base_url: &str,
    credentials: &Credentials,
    idle: Duration,
) -> crate::Result<Vec<String>> {
    let url = models_url(base_url)?;
    let response = http
        .get(url)
        .header(reqwest::header::AUTHORIZATION, credentials.header_value())
        .timeout(idle)
        .send()
        .await
        .map_err(|e| crate::client::network_error(&e))?;
    let status = response.status();
    let body = crate::body::read_capped(response, crate::body::MAX_SMALL_ANSWER, idle)
        .await
        .map_err(|e| e.error("the model list", "模型列表"))?;
    if !status.is_success() {
        return Err(crate::http_error::from_status(status.as_u16(), &body, None));
    }
    model_ids(&body).ok_or_else(|| {
        crate::Error::with(
            ErrorKind::Protocol,
            "the gateway's model list could not be read (a web page?); check the base URL",
            "无法读取网关的模型列表（可能是网页）；请检查接口地址",
        )
    })
}

/// The ids in an OpenAI-style model list: `{"data": [{"id": …}, …]}`.
fn model_ids(body: &[u8]) -> Option<Vec<String>> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let data = v.get("data")?.as_array()?;
    Some(
        data.iter()
            .filter_map(|m| m.get("id")?.as_str().map(str::to_owned))
            .collect(),
    )
}

fn shown(url: &Url) -> String {
    let mut base = url.clone();
    if let Ok(mut path) = base.path_segments_mut() {
        path.pop().pop();
    }
    base.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_list_sits_beside_chat_completions() {
        for base in [
            "https://gw.example",
            "https://gw.example/v1/",
            "https://gw.example/v1/chat/completions",
        ] {
            assert_eq!(
                models_url(base).unwrap().as_str(),
                "https://gw.example/v1/models"
            );
        }
        assert_eq!(
            model_ids(br#"{"data":[{"id":"veo-3.1"},{"id":"gpt-4o"},{"x":1}]}"#),
            Some(vec!["veo-3.1".to_owned(), "gpt-4o".to_owned()])
        );
        assert_eq!(model_ids(b"<html>"), None);
    }

    #[test]
    fn chat_models_are_those_named_for_no_other_kind() {
        let ids: Vec<String> = [
            "veo-3.1-fast",
            "sora-2",
            "gpt-4o-mini",
            "dall-e-3",
            "text-embedding-3-small",
            "whisper-1",
            "tts-1",
            "gpt-image-1",
            "kling-v2",
            "deepseek-chat",
            "gpt-4o-audio-preview",
            "qwen-max",
            "gemini-2.5-flash",
            "omni-moderation-latest",
            "Claude-3.5-Sonnet",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(
            chat_models(&ids),
            [
                "gpt-4o-mini",
                "deepseek-chat",
                "qwen-max",
                "gemini-2.5-flash",
                "Claude-3.5-Sonnet"
            ]
        );
        assert!(!is_chat_model("  "));
    }
}
