//! Prompt help against the mock gateway over loopback: what each action sends (model, the
//! guide's instructions, the person's text), a streamed answer and one answered as JSON, the
//! model chosen from `/v1/models`, each refusal in words a person can act on, cancellation, and
//! the key never in what comes back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use framecast_core::prompt::{Action, PromptEvent, TextClient};
use framecast_core::proxy::Proxy;
use framecast_core::{AuthScheme, CancellationToken, Credentials, ErrorKind, Lang, Limits};
use framecast_mock::text::IMPROVED_TAIL;
use framecast_mock::{MockConfig, MockGateway};
use std::time::{Duration, Instant};

const KEY: &str = "sk-prompt-help-0042";

async fn mock(tick_ms: u64) -> MockGateway {
    MockGateway::start(MockConfig {
        api_key: Some(KEY.to_owned()),
        tick: Duration::from_millis(tick_ms),
        ..MockConfig::default()
    })
    .await
    .unwrap()
}

fn client(base: &str) -> TextClient {
    TextClient::new(
        base,
        Credentials::new(KEY, AuthScheme::Bare),
        Limits::default(),
        &Proxy::None,
    )
    .unwrap()
}

async fn ask(
    base: &str,
    model: Option<&str>,
    action: Action,
    text: &str,
) -> (
    framecast_core::Result<framecast_core::prompt::Help>,
    Vec<PromptEvent>,
) {
    let mut events = Vec::new();
    let result = client(base)
        .help(model, action, text, &CancellationToken::new(), &mut |e| {
            events.push(e)
        })
        .await;
    (result, events)
}

#[tokio::test]
async fn improve_streams_from_the_first_chat_model_the_gateway_lists() {
    let mock = mock(2).await;
    let (result, events) = ask(&mock.base_url(), None, Action::Improve, "A paper boat").await;
    let help = result.unwrap();
    assert_eq!(help.model, "gpt-4o-mini", "the first chat model listed");
    assert_eq!(help.text, format!("A paper boat{IMPROVED_TAIL}"));
    let usage = help.usage.unwrap();
    assert_eq!((usage.prompt_tokens, usage.completion_tokens), (120, 48));
    assert_eq!(
        events[0],
        PromptEvent::Model {
            model: "gpt-4o-mini".into()
        }
    );
    let deltas: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            PromptEvent::Delta { text } => Some(text.as_str()),
            PromptEvent::Model { .. } => None,
        })
        .collect();
    assert!(deltas.len() > 5, "streamed in pieces: {deltas:?}");
    assert_eq!(deltas.concat(), help.text);

    // What was sent: the model, the guide as the system message, the person's text as is.
    let posts = mock.text_posts();
    assert_eq!(posts.len(), 1, "one POST, never retried");
    assert!(mock.generation_posts().is_empty());
    let body = posts[0].body.as_ref().unwrap();
    assert_eq!(body["model"], "gpt-4o-mini");
    assert_eq!(body["stream"], true);
    assert_eq!(body["messages"][0]["role"], "system");
    assert!(
        body["messages"][0]["content"]
            .as_str()
            .unwrap()
            .contains("Veo 3.1")
    );
    assert_eq!(
        body["messages"][1],
        serde_json::json!({"role": "user", "content": "A paper boat"})
    );
    assert_eq!(posts[0].authorization.as_deref(), Some(KEY));
    let listed = mock
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/models")
        .count();
    assert_eq!(listed, 1, "the model list is read once to choose");
}

#[tokio::test]
async fn a_json_answer_to_a_stream_request_reads_the_same() {
    let mock = mock(2).await;
    let (result, events) = ask(
        &mock.base_url(),
        Some("text-plain"),
        Action::Translate { to: None },
        "一只纸船",
    )
    .await;
    let help = result.unwrap();
    assert_eq!(help.model, "text-plain");
    assert_eq!(help.text, "English: 一只纸船");
    assert_eq!(
        help.action,
        Action::Translate { to: Some(Lang::En) },
        "Chinese goes to English"
    );
    assert!(help.usage.is_some());
    assert!(
        events
            .iter()
            .any(|e| matches!(e, PromptEvent::Delta { text } if text == "English: 一只纸船"))
    );
    // A chosen model is used without asking for the list.
    assert!(!mock.requests().iter().any(|r| r.path == "/v1/models"));
    let system = mock.text_posts()[0].body.as_ref().unwrap()["messages"][0]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(system.contains("into English"), "{system}");

    let (result, _) = ask(
        &mock.base_url(),
        Some("gpt-4o-mini"),
        Action::Translate { to: Some(Lang::Zh) },
        "A paper boat",
    )
    .await;
    assert_eq!(result.unwrap().text, "中文：A paper boat");
}

#[tokio::test]
async fn shots_come_back_as_a_list_with_their_continuity() {
    let mock = mock(1).await;
    let idea = "a paper boat's journey from a gutter to the sea";
    let (result, events) = ask(
        &mock.base_url(),
        None,
        Action::Shots { count: Some(4) },
        idea,
    )
    .await;
    let help = result.unwrap();
    assert_eq!(help.shots.len(), 4);
    assert_eq!(help.shots[0].prompt, format!("Shot 1 of 4: {idea}"));
    assert_eq!(help.shots[0].continues_from, None);
    assert_eq!(help.shots[3].continues_from, Some(2));
    assert!(!events.is_empty());
    let system = mock.text_posts()[0].body.as_ref().unwrap()["messages"][0]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(system.contains("exactly 4 shots"), "{system}");
}

#[tokio::test]
async fn each_refusal_says_what_to_do() {
    let mock = mock(1).await;
    let base = mock.base_url();

    let (refused, _) = ask(&base, Some("text-refuses"), Action::Improve, "x").await;
    let e = refused.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Refused);
    assert_eq!(
        e.gateway_said().unwrap().message.as_deref(),
        Some("I can’t help with that request.")
    );

    let (missing, _) = ask(&base, Some("text-nothing"), Action::Improve, "x").await;
    let e = missing.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadRequest);
    assert!(
        e.message(Lang::En)
            .contains("no text model named text-nothing"),
        "{e}"
    );

    let (forbidden, _) = ask(&base, Some("text-forbidden"), Action::Improve, "x").await;
    let e = forbidden.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert!(
        e.message(Lang::En)
            .contains("this key may not use the text model text-forbidden"),
        "{e}"
    );
    assert!(
        e.message(Lang::Zh).contains("无权使用"),
        "{}",
        e.message(Lang::Zh)
    );

    let (none, _) = ask(&mock.scenario_url("no-chat"), None, Action::Improve, "x").await;
    let e = none.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(
        e.message(Lang::En).contains("lists no text (chat) model"),
        "{e}"
    );

    let wrong_key = TextClient::new(
        &base,
        Credentials::new("sk-wrong-key-1234", AuthScheme::Bare),
        Limits::default(),
        &Proxy::None,
    )
    .unwrap()
    .help(
        None,
        Action::Improve,
        "x",
        &CancellationToken::new(),
        &mut |_| {},
    )
    .await
    .unwrap_err();
    assert_eq!(wrong_key.kind(), ErrorKind::Auth);
    assert!(!wrong_key.message(Lang::En).contains("sk-wrong-key-1234"));

    let (empty, _) = ask(&base, None, Action::Improve, "   ").await;
    assert_eq!(empty.unwrap_err().kind(), ErrorKind::InvalidInput);
    let (too_many, _) = ask(&base, None, Action::Shots { count: Some(40) }, "x").await;
    assert_eq!(too_many.unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(
        mock.text_posts().len(),
        3,
        "nothing refused before sending was sent"
    );
}

#[tokio::test]
async fn cancel_stops_the_answer_at_once() {
    let mock = mock(400).await;
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    let started = Instant::now();
    let call = tokio::spawn(async move {
        client(&mock.base_url())
            .help(
                Some("gpt-4o-mini"),
                Action::Improve,
                "a long answer",
                &cancel,
                &mut |_| {},
            )
            .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.cancel();
    let e = call.await.unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(2));
}
