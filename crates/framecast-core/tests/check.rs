//! "Test connection" against the mock gateway, a closed port and small loopback proxies: each
//! way of getting it wrong has its own words, and a proxy that is set is really used.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use framecast_core::check::{CheckReport, Step, check};
use framecast_core::proxy::Proxy;
use framecast_core::{
    AuthScheme, CancellationToken, Credentials, Gateway, GenerationRequest, Lang, Limits,
};
use framecast_mock::proxy::ForwardProxy;
use framecast_mock::{MockConfig, MockGateway};
use std::time::Duration;

const KEY: &str = "sk-check-right-0042";

async fn mock() -> MockGateway {
    MockGateway::start(MockConfig {
        api_key: Some(KEY.to_owned()),
        ..MockConfig::default()
    })
    .await
    .unwrap()
}

async fn run(base: &str, key: &str, proxy: &str) -> CheckReport {
    check(
        base,
        &Credentials::new(key, AuthScheme::Bearer),
        proxy,
        Duration::from_secs(3),
        framecast_core::RouteKind::Stream,
    )
    .await
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn failed(report: &CheckReport) -> (Step, String, String) {
    assert!(!report.ok, "{report:#?}");
    let last = report.findings.last().unwrap();
    assert!(!last.ok);
    (last.step, last.message.clone(), last.message_zh.clone())
}

#[tokio::test]
async fn a_good_gateway_lists_its_veo_models() {
    let mock = mock().await;
    let report = run(&mock.base_url(), KEY, "none").await;
    assert!(report.ok, "{report:#?}");
    assert_eq!(report.models.len(), 14);
    assert!(
        report
            .models
            .iter()
            .all(|m| m.starts_with("veo-3.1") || m.starts_with("veo3.1"))
    );
    let summary = report.summary(Lang::En);
    assert!(summary.contains("The key is accepted"), "{summary}");
    assert_eq!(
        report.chat_models,
        [
            "gpt-4o-mini",
            "text-plain",
            "text-refuses",
            "text-forbidden"
        ]
    );
    assert!(
        summary.contains("4 text models for prompt help: gpt-4o-mini"),
        "{summary}"
    );
    assert!(summary.contains("14 Veo models offered"), "{summary}");
    assert!(report.summary(Lang::Zh).contains("提供 14 个 Veo 模型"));
    assert!(
        summary.contains("also answers on the task route"),
        "{summary}"
    );
    assert!(mock.generation_posts().is_empty(), "a test never generates");
}

#[tokio::test]
async fn each_mistake_has_its_own_words() {
    let mock = mock().await;
    let closed = format!("http://127.0.0.1:{}", closed_port());
    let cases: [(String, &str, &str, Step, &str, &str); 5] = [
        (
            "api.example.com".into(),
            KEY,
            "none",
            Step::Url,
            "is not a URL",
            "不是有效的网址",
        ),
        (
            mock.base_url(),
            KEY,
            "127.0.0.1:7890",
            Step::Proxy,
            "is not a URL",
            "代理地址",
        ),
        (
            closed.clone(),
            KEY,
            "none",
            Step::Host,
            "cannot be reached",
            "无法连接",
        ),
        (
            mock.base_url(),
            "sk-wrong-key-9999",
            "none",
            Step::Key,
            "The key was refused",
            "密钥被拒绝",
        ),
        (
            mock.base_url(),
            KEY,
            &closed,
            Step::Proxy,
            "The proxy at",
            "无法连接代理",
        ),
    ];
    for (base, key, proxy, step, en, zh) in cases {
        let report = run(&base, key, proxy).await;
        let (at, message, message_zh) = failed(&report);
        assert_eq!(at, step, "{base} {proxy}: {message}");
        assert!(message.contains(en), "{message}");
        assert!(message_zh.contains(zh), "{message_zh}");
        assert!(!message.contains("sk-wrong-key-9999") && !message_zh.contains("sk-wrong"));
    }
    let refused = run(&mock.base_url(), "sk-wrong-key-9999", "none").await;
    assert!(
        failed(&refused).1.contains("无效的令牌"),
        "the gateway's own words"
    );
}

#[tokio::test]
async fn a_proxy_that_refuses_is_told_apart_from_a_host_that_is_down() {
    let mock = mock().await;
    let proxy = ForwardProxy::refusing().await.unwrap();
    let report = run(&mock.base_url(), KEY, &proxy.url()).await;
    let (step, message, zh) = failed(&report);
    assert_eq!(step, Step::Proxy, "{message}");
    assert!(message.contains("did not pass the request on"), "{message}");
    assert!(zh.contains("代理没有把请求转发"), "{zh}");
    assert!(
        report.findings[1].ok,
        "the proxy itself answered: {report:#?}"
    );
}

#[tokio::test]
async fn requests_really_go_through_the_proxy() {
    let mock = mock().await;
    let proxy = ForwardProxy::start().await.unwrap();
    let report = run(&mock.base_url(), KEY, &proxy.url()).await;
    assert!(report.ok, "{report:#?}");
    assert_eq!(proxy.passed(), 1);

    let gateway = Gateway::with_proxy(
        &mock.base_url(),
        Credentials::new(KEY, AuthScheme::Bare),
        Limits::default(),
        &Proxy::parse(&proxy.url()).unwrap(),
    )
    .unwrap();
    let outcome = gateway
        .generate(
            &GenerationRequest::text("through the proxy"),
            &CancellationToken::new(),
            &mut |_| {},
        )
        .await;
    assert!(outcome.is_success(), "{:?}", outcome.error);
    assert_eq!(proxy.passed(), 2, "the generation went through the proxy");
    assert_eq!(mock.generation_posts().len(), 1);
}
