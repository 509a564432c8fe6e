//! The engine against the mock gateway over real loopback sockets: every scenario's outcome, the
//! request on the wire, timeouts, cancellation, downloads — and never a second POST.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use framecast_core::{
    AuthScheme, CancellationToken, Controls, Credentials, DownloadPolicy, Downloader, ErrorKind,
    Event, Gateway, GenerationRequest, JobId, JobResult, JobSpec, Lang, Limits, Outcome,
};
use framecast_mock::{MockConfig, MockGateway};
use std::sync::Mutex;
use std::time::{Duration, Instant};

async fn mock() -> MockGateway {
    MockGateway::start(MockConfig::default()).await.unwrap()
}

fn gateway(base: &str, limits: Limits) -> Gateway {
    Gateway::new(base, Credentials::new("sk-test", AuthScheme::Bare), limits).unwrap()
}

fn request(n: u8) -> GenerationRequest {
    GenerationRequest {
        n,
        ..GenerationRequest::text("a pig flying in the sky")
    }
}

async fn generate(base: &str, req: &GenerationRequest, limits: Limits) -> (Outcome, Vec<Event>) {
    let mut events = Vec::new();
    let outcome = gateway(base, limits)
        .generate(req, &CancellationToken::new(), &mut |e| events.push(e))
        .await;
    (outcome, events)
}

fn quick_downloads() -> Downloader {
    Downloader::new(DownloadPolicy {
        backoff: Duration::from_millis(20),
        idle: Duration::from_secs(5),
        ..DownloadPolicy::default()
    })
    .unwrap()
}

fn spec(n: u8, dir: &std::path::Path) -> JobSpec {
    JobSpec {
        id: JobId::new(),
        request: request(n),
        frames_sha256: vec!["ab".repeat(32)],
        references_sha256: Vec::new(),
        save_dir: Some(dir.to_owned()),
        label: None,
    }
}

async fn job(base: &str, n: u8, dir: &std::path::Path) -> (JobResult, Vec<Event>) {
    job_with(base, &spec(n, dir), &Controls::new(), |_| {}).await
}

/// Runs `spec`, calling `watch` with every event as it happens.
async fn job_with(
    base: &str,
    spec: &JobSpec,
    controls: &Controls,
    watch: impl Fn(&Event) + Send + Sync,
) -> (JobResult, Vec<Event>) {
    let events = Mutex::new(Vec::new());
    let result = framecast_core::job::run(
        &gateway(base, Limits::default()),
        &quick_downloads(),
        spec,
        controls,
        &|e| {
            watch(&e);
            events.lock().unwrap().push(e);
        },
    )
    .await;
    (result, events.into_inner().unwrap())
}

#[tokio::test]
async fn success_for_every_count_with_one_post_each() {
    let mock = mock().await;
    for n in 1..=4 {
        let (o, events) = generate(&mock.base_url(), &request(n), Limits::default()).await;
        assert!(o.is_success(), "n={n}: {:?}", o.error);
        assert_eq!(o.videos.len(), usize::from(n));
        assert_eq!(
            o.videos.iter().map(|v| v.index).collect::<Vec<_>>(),
            (1..=n).collect::<Vec<_>>()
        );
        assert_eq!(o.last_progress, Some(90.2));
        assert!(events.iter().any(|e| matches!(e, Event::Progress { .. })));
    }
    assert_eq!(mock.generation_posts().len(), 4);
}

#[tokio::test]
async fn the_request_on_the_wire_is_the_documents() {
    let mock = mock().await;
    let mut req = request(2);
    req.model = "veo-3.1-landscape-fast-fl".into();
    req.first_frame = Some("data:image/jpeg;base64,/9j/AA==".into());
    generate(&format!("{}/v1/", mock.base_url()), &req, Limits::default()).await;
    let posts = mock.generation_posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].authorization.as_deref(), Some("sk-test"));
    assert_eq!(posts[0].path, "/v1/chat/completions");
    let body = posts[0].body.as_ref().unwrap();
    assert_eq!(body["model"], "veo-3.1-landscape-fast-fl");
    assert_eq!(body["n"], 2);
    assert_eq!(body["stream"], true);
    let parts = body["messages"][0]["content"].as_array().unwrap();
    assert_eq!(parts[0]["type"], "text");
    assert_eq!(
        parts[1]["image_url"]["url"],
        "data:image/jpeg;base64,/9j/AA=="
    );
}

#[tokio::test]
async fn bearer_is_a_per_profile_choice_and_the_key_is_checked() {
    let mock = MockGateway::start(MockConfig {
        api_key: Some("sk-right".into()),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let bearer = Gateway::new(
        &mock.base_url(),
        Credentials::new("sk-right", AuthScheme::Bearer),
        Limits::default(),
    )
    .unwrap();
    let o = bearer
        .generate(&request(1), &CancellationToken::new(), &mut |_| {})
        .await;
    assert!(o.is_success(), "{:?}", o.error);
    assert_eq!(
        mock.generation_posts()[0].authorization.as_deref(),
        Some("Bearer sk-right")
    );

    let (o, _) = generate(&mock.base_url(), &request(1), Limits::default()).await;
    let e = o.error.unwrap();
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert!(!e.message(Lang::En).contains("sk-test"));
    assert!(e.message(Lang::Zh).contains("无效的令牌"));
}

#[tokio::test]
async fn every_scenario_ends_as_a_person_would_expect() {
    let mock = mock().await;
    let table: &[(&str, u8, Option<ErrorKind>, usize)] = &[
        ("success", 2, None, 2),
        ("partial", 3, Some(ErrorKind::GenerationFailed), 2),
        ("failure", 1, Some(ErrorKind::GenerationFailed), 0),
        ("error-frame", 1, Some(ErrorKind::GatewayError), 0),
        ("event-error", 1, Some(ErrorKind::GatewayError), 0),
        ("http-401", 1, Some(ErrorKind::Auth), 0),
        ("http-403-quota", 1, Some(ErrorKind::Quota), 0),
        ("http-429", 1, Some(ErrorKind::RateLimit), 0),
        ("http-500", 1, Some(ErrorKind::Unavailable), 0),
        ("http-503-model", 1, Some(ErrorKind::BadRequest), 0),
        ("http-524", 1, Some(ErrorKind::Unavailable), 0),
        ("drop", 1, Some(ErrorKind::Network), 0),
        ("bytewise", 2, None, 2),
        ("crlf-keepalive", 2, None, 2),
        ("json", 2, None, 2),
        ("reasoning", 2, None, 2),
        ("unnumbered", 3, None, 3),
        ("go-escaped", 1, None, 1),
        ("no-done", 1, None, 1),
        ("not-sse", 1, Some(ErrorKind::Protocol), 0),
        ("huge-line", 1, Some(ErrorKind::Protocol), 0),
    ];
    for (i, &(scenario, n, kind, videos)) in table.iter().enumerate() {
        let (o, _) = generate(&mock.scenario_url(scenario), &request(n), Limits::default()).await;
        assert_eq!(
            o.error.as_ref().map(|e| e.kind()),
            kind,
            "{scenario}: {:?}",
            o.error
        );
        assert_eq!(o.videos.len(), videos, "{scenario}");
        assert_eq!(
            mock.generation_posts().len(),
            i + 1,
            "{scenario} POSTed more than once"
        );
    }
}

#[tokio::test]
async fn however_the_echo_is_fenced_the_videos_and_the_echo_arrive() {
    let mock = mock().await;
    let shapes = [
        "echo-one-line",
        "echo-unclosed",
        "echo-inline-close",
        "echo-nested",
        "echo-status-inside",
        "echo-tilde",
    ];
    let mut posts = 0;
    for shape in shapes {
        for stream in [true, false] {
            let mut req = request(2);
            req.stream = stream;
            let (o, events) = generate(&mock.scenario_url(shape), &req, Limits::default()).await;
            posts += 1;
            assert!(o.is_success(), "{shape} stream={stream}: {:?}", o.error);
            assert_eq!(o.videos.len(), 2, "{shape}");
            assert_eq!(o.last_progress, Some(90.2), "{shape}");
            let echo = o
                .echo
                .as_ref()
                .unwrap_or_else(|| panic!("{shape}: no echo"));
            assert_eq!(
                echo.prompt.as_deref(),
                Some("a pig flying in the sky"),
                "{shape}"
            );
            assert_eq!(echo.mode.as_deref(), Some("竖屏模式"), "{shape}");
            assert!(
                !o.transcript
                    .iter()
                    .any(|l| l.contains("kept from the transcript")),
                "{shape}: the videos were announced, no rescue needed"
            );
            assert!(
                !events
                    .iter()
                    .any(|e| matches!(e, Event::Status { text: Some(t), .. } if t.contains('"'))),
                "{shape}: a line of the echo was shown as a status: {events:?}"
            );
            assert_eq!(mock.generation_posts().len(), posts, "{shape}");
        }
    }
}

#[tokio::test]
async fn videos_no_status_line_announced_are_kept_with_a_note() {
    let mock = mock().await;
    let (o, events) = generate(
        &mock.scenario_url("result-in-echo"),
        &request(2),
        Limits::default(),
    )
    .await;
    assert!(o.is_success(), "{:?}", o.error);
    assert_eq!(o.videos.len(), 2);
    assert!(o.videos.iter().all(|v| v.url.ends_with(".mp4")));
    let videos = events
        .iter()
        .filter(|e| matches!(e, Event::Video { .. }))
        .count();
    assert_eq!(videos, 2);
    let notes = o
        .transcript
        .iter()
        .filter(|l| l.starts_with("[video link kept from the transcript"))
        .count();
    assert_eq!(notes, 2);
    assert_eq!(mock.generation_posts().len(), 1);
}

#[tokio::test]
async fn a_link_the_person_typed_is_never_a_delivered_video() {
    let mock = mock().await;
    let mut req = request(1);
    req.prompt = "like this: https://ref.example/style.mp4".into();
    let (o, events) = generate(&mock.scenario_url("failure"), &req, Limits::default()).await;
    assert_eq!(o.error.unwrap().kind(), ErrorKind::GenerationFailed);
    assert!(o.videos.is_empty(), "{:?}", o.videos);
    assert!(!events.iter().any(|e| matches!(e, Event::Video { .. })));
    let echoed = o.echo.unwrap().prompt.unwrap();
    assert!(echoed.contains("https://ref.example/style.mp4"));
}

#[tokio::test]
async fn answers_are_read_by_their_bytes_not_their_label() {
    let mock = mock().await;
    let mut posts = 0;
    for scenario in [
        "sse-as-json",
        "sse-as-text",
        "sse-unlabelled",
        "json-as-sse",
    ] {
        for stream in [true, false] {
            let mut req = request(2);
            req.stream = stream;
            let (o, _) = generate(&mock.scenario_url(scenario), &req, Limits::default()).await;
            posts += 1;
            assert!(o.is_success(), "{scenario} stream={stream}: {:?}", o.error);
            assert_eq!(o.videos.len(), 2, "{scenario}");
            assert_eq!(
                o.echo.unwrap().mode.as_deref(),
                Some("竖屏模式"),
                "{scenario}"
            );
            assert_eq!(mock.generation_posts().len(), posts, "{scenario}");
        }
    }
}

#[tokio::test]
async fn a_web_page_with_status_200_says_it_was_a_web_page() {
    let mock = mock().await;
    for (scenario, title) in [
        ("portal-as-sse", "Hotel Wi-Fi: sign in"),
        ("not-sse", "Welcome"),
    ] {
        let (o, _) = generate(&mock.scenario_url(scenario), &request(1), Limits::default()).await;
        let e = o.error.unwrap();
        assert_eq!(e.kind(), ErrorKind::Protocol, "{scenario}");
        let en = e.message(Lang::En);
        assert!(en.contains("web page") && en.contains(title), "{en}");
        assert!(e.message(Lang::Zh).contains("网页"), "{e}");
    }
    assert_eq!(mock.generation_posts().len(), 2);
}

#[tokio::test]
async fn the_key_never_leaves_in_what_the_gateway_quoted() {
    let mock = mock().await;
    let key = "sk-live-S3cr3t/K3y+9=";
    let mut posts = 0;
    for scheme in [AuthScheme::Bare, AuthScheme::Bearer] {
        for scenario in ["key-in-401", "key-in-error-frame", "key-in-status"] {
            let g = Gateway::new(
                &mock.scenario_url(scenario),
                Credentials::new(key, scheme),
                Limits::default(),
            )
            .unwrap();
            let mut events = Vec::new();
            let o = g
                .generate(&request(2), &CancellationToken::new(), &mut |e| {
                    events.push(e)
                })
                .await;
            posts += 1;
            assert_eq!(mock.generation_posts().len(), posts);
            let e = o.error.as_ref().unwrap();
            let said = format!(
                "{} {} {} {o:?} {events:?}",
                e.message(Lang::En),
                e.message(Lang::Zh),
                serde_json::to_string(&o).unwrap(),
            );
            for leak in ["S3cr3t", "%53%33", "K3y"] {
                assert!(
                    !said.contains(leak),
                    "{scenario} {scheme:?} leaked {leak}: {said}"
                );
            }
            assert!(
                said.contains("sk-…redacted"),
                "{scenario}: nothing was quoted: {said}"
            );
        }
    }
}

#[tokio::test]
async fn non_streaming_requests_end_the_same() {
    let mock = mock().await;
    for (scenario, kind) in [
        ("success", None),
        ("partial", Some(ErrorKind::GenerationFailed)),
        ("failure", Some(ErrorKind::GenerationFailed)),
        ("http-429", Some(ErrorKind::RateLimit)),
    ] {
        let mut req = request(2);
        req.stream = false;
        let (o, _) = generate(&mock.scenario_url(scenario), &req, Limits::default()).await;
        assert_eq!(
            o.error.as_ref().map(|e| e.kind()),
            kind,
            "{scenario}: {:?}",
            o.error
        );
        if kind.is_none() {
            assert_eq!(o.videos.len(), 2);
        }
        let body = mock
            .generation_posts()
            .last()
            .unwrap()
            .body
            .clone()
            .unwrap();
        assert_eq!(body["stream"], false);
    }
}

#[tokio::test]
async fn the_failure_keeps_the_gateways_words() {
    let mock = mock().await;
    let (o, _) = generate(
        &mock.scenario_url("partial"),
        &request(2),
        Limits::default(),
    )
    .await;
    let msg = o.error.unwrap().message(Lang::En);
    assert!(msg.contains("1 of 2 videos arrived"), "{msg}");
    assert!(msg.contains("PUBLIC_ERROR_AUDIO_FILTERED"), "{msg}");
    assert_eq!(o.failures[0].index, Some(2));
}

#[tokio::test]
async fn a_silent_stream_times_out_within_its_window() {
    let mock = mock().await;
    let limits = Limits {
        idle: Duration::from_millis(400),
        ..Limits::default()
    };
    let started = Instant::now();
    let (o, _) = generate(&mock.scenario_url("stall"), &request(1), limits).await;
    let took = started.elapsed();
    assert_eq!(o.error.unwrap().kind(), ErrorKind::Timeout);
    assert!(took >= Duration::from_millis(400), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(mock.generation_posts().len(), 1);
}

#[tokio::test]
async fn the_overall_deadline_holds_even_while_bytes_flow() {
    let mock = MockGateway::start(MockConfig {
        tick: Duration::from_millis(100),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let limits = Limits {
        overall: Duration::from_millis(300),
        ..Limits::default()
    };
    let (o, _) = generate(&mock.base_url(), &request(1), limits).await;
    let e = o.error.unwrap();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(e.message(Lang::En).contains("took longer"), "{e}");
}

#[tokio::test]
async fn cancelling_a_silent_stream_is_immediate() {
    let mock = mock().await;
    let g = gateway(&mock.scenario_url("stall"), Limits::default());
    let cancel = CancellationToken::new();
    let later = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        later.cancel();
    });
    let started = Instant::now();
    let o = g.generate(&request(1), &cancel, &mut |_| {}).await;
    assert_eq!(o.error.unwrap().kind(), ErrorKind::Cancelled);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(mock.generation_posts().len(), 1);
}

#[tokio::test]
async fn refused_connections_are_network_errors() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let (o, _) = generate(
        &format!("http://127.0.0.1:{port}"),
        &request(1),
        Limits::default(),
    )
    .await;
    let e = o.error.unwrap();
    assert_eq!(e.kind(), ErrorKind::Network);
    assert!(e.message(Lang::Zh).contains("无法连接到网关"));
}

#[tokio::test]
async fn a_connection_closed_without_an_answer_is_a_network_error_and_not_resent() {
    let mock = mock().await;
    for (i, stream) in [true, false].into_iter().enumerate() {
        let mut req = request(1);
        req.stream = stream;
        let (o, _) = generate(&mock.scenario_url("hang-up"), &req, Limits::default()).await;
        let e = o.error.unwrap();
        assert_eq!(e.kind(), ErrorKind::Network, "{e}");
        assert!(
            e.message(Lang::En)
                .contains("closed before the gateway answered"),
            "{e}"
        );
        assert!(e.message(Lang::Zh).contains("请求没有被重新发送"), "{e}");
        assert!(o.videos.is_empty());
        assert_eq!(mock.generation_posts().len(), i + 1, "stream={stream}");
    }
}

#[tokio::test]
async fn invalid_input_sends_nothing() {
    let mock = mock().await;
    let mut req = request(5);
    let (o, _) = generate(&mock.base_url(), &req, Limits::default()).await;
    assert_eq!(o.error.unwrap().kind(), ErrorKind::InvalidInput);
    req.n = 1;
    req.prompt.clear();
    let (o, _) = generate(&mock.base_url(), &req, Limits::default()).await;
    assert_eq!(o.error.unwrap().kind(), ErrorKind::InvalidInput);
    assert!(mock.requests().is_empty());
}

#[tokio::test]
async fn a_job_saves_every_video_with_its_sidecar() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let (result, events) = job(&mock.base_url(), 2, dir.path()).await;
    assert!(result.ok, "{:?}", result.error);
    for v in &result.videos {
        let path = v.path.as_ref().unwrap();
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(&bytes[4..8], b"ftyp");
        assert_eq!(v.bytes, Some(bytes.len() as u64));
        let sidecar: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path.with_extension("json")).unwrap()).unwrap();
        assert_eq!(sidecar["prompt"], "a pig flying in the sky");
        assert_eq!(sidecar["index"], v.index);
        assert_eq!(sidecar["n"], 2);
        assert_eq!(sidecar["sourceUrl"], v.url.as_str());
        assert_eq!(sidecar["gatewayHost"], "127.0.0.1");
        assert_eq!(sidecar["framesSha256"][0], "ab".repeat(32));
        assert_eq!(sidecar["jobId"].as_str().unwrap().len(), 36);
        let name = path.file_name().unwrap().to_string_lossy();
        assert!(name.contains("a-pig-flying-in-the-sky"), "{name}");
        assert!(name.ends_with(&format!("_{}of2.mp4", v.index)), "{name}");
    }
    let saved = events
        .iter()
        .filter(|e| matches!(e, Event::Saved { .. }))
        .count();
    assert_eq!(saved, 2);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty());
}

#[tokio::test]
async fn downloads_start_while_the_stream_goes_on() {
    let mock = MockGateway::start(MockConfig {
        tick: Duration::from_millis(150),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (result, events) = job(&format!("{}/s/partial", mock.base_url()), 2, dir.path()).await;
    // Video 1 is saved before the failure line for video 2 arrives, 150 ms later.
    let saved = events
        .iter()
        .position(|e| matches!(e, Event::Saved { index: 1, .. }))
        .unwrap();
    let failed = events
        .iter()
        .position(|e| matches!(e, Event::VideoFailed { .. }))
        .unwrap();
    assert!(saved < failed, "{events:?}");
    assert!(!result.ok);
    assert!(result.videos[0].path.is_some());
}

#[tokio::test]
async fn a_dropped_download_resumes_with_range() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let (result, _) = job(&mock.scenario_url("download-flaky"), 1, dir.path()).await;
    assert!(result.ok, "{:?}", result.error);
    let gets: Vec<_> = mock
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .collect();
    assert_eq!(gets.len(), 2, "{gets:?}");
    assert_eq!(gets[1].range.as_deref(), Some("bytes=60000-"), "{gets:?}");
    let bytes = std::fs::read(result.videos[0].path.as_ref().unwrap()).unwrap();
    assert_eq!(bytes, framecast_mock::SAMPLE_MP4);
}

#[tokio::test]
async fn redirects_and_transient_errors_are_followed() {
    let mock = mock().await;
    for scenario in ["download-redirect", "download-5xx"] {
        let dir = tempfile::tempdir().unwrap();
        let (result, _) = job(&mock.scenario_url(scenario), 1, dir.path()).await;
        assert!(result.ok, "{scenario}: {:?}", result.error);
    }
}

#[tokio::test]
async fn a_failed_download_keeps_the_link() {
    let mock = mock().await;
    for (scenario, words) in [
        ("download-expired", "expired"),
        ("download-html", "web page"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (result, events) = job(&mock.scenario_url(scenario), 1, dir.path()).await;
        assert!(!result.ok);
        let e = result.error.as_ref().unwrap();
        assert_eq!(e.kind(), ErrorKind::Expired);
        assert!(e.message(Lang::En).contains(words), "{e}");
        assert!(result.videos[0].url.contains("/videos/"));
        assert!(result.videos[0].path.is_none());
        assert!(
            events
                .iter()
                .any(|e| matches!(e, Event::DownloadFailed { .. }))
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{scenario} left files"
        );
    }
    // 403 is not retried: one GET.
    let gets = mock
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .count();
    assert_eq!(gets, 2);
}

#[tokio::test]
async fn an_unwritable_folder_is_a_download_error_that_keeps_the_link() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let blocked = dir.path().join("file");
    std::fs::write(&blocked, b"not a folder").unwrap();
    let (result, _) = job(&mock.base_url(), 1, &blocked.join("videos")).await;
    assert!(!result.ok);
    assert_eq!(result.error.unwrap().kind(), ErrorKind::Download);
    assert!(result.videos[0].url.starts_with("http://127.0.0.1"));
}

#[tokio::test]
async fn the_mp4_check_holds_however_small_the_reads() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let (result, _) = job(&mock.scenario_url("download-tiny"), 1, dir.path()).await;
    assert!(result.ok, "{:?}", result.error);
    let bytes = std::fs::read(result.videos[0].path.as_ref().unwrap()).unwrap();
    assert_eq!(bytes, framecast_mock::SAMPLE_MP4);

    let url = format!("{}/videos/x.mp4?html=1&chunk=2", mock.base_url());
    let target = dir.path().join("page.mp4");
    let e = quick_downloads()
        .save(&url, &target, &CancellationToken::new(), &mut |_, _| {})
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Expired);
    assert!(e.message(Lang::En).contains("web page"), "{e}");
    assert!(!target.exists());
}

#[tokio::test]
async fn cancelling_stops_the_generation_but_delivered_videos_are_still_saved() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(2, dir.path());
    let controls = Controls::new();
    let cancel = controls.clone();
    let base = mock.scenario_url("deliver-then-stall");
    let (result, events) = job_with(&base, &spec, &controls, move |e| {
        if matches!(e, Event::Video { .. }) {
            cancel.cancel();
        }
    })
    .await;
    assert_eq!(result.error.as_ref().unwrap().kind(), ErrorKind::Cancelled);
    assert_eq!(result.videos.len(), 1);
    let saved = result.videos[0]
        .path
        .as_ref()
        .expect("the paid video was saved");
    assert_eq!(std::fs::read(saved).unwrap(), framecast_mock::SAMPLE_MP4);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Saved { index: 1, .. }))
    );
    assert_eq!(mock.generation_posts().len(), 1);
}

#[tokio::test]
async fn discarding_stops_the_downloads_and_keeps_the_link() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(1, dir.path());
    let controls = Controls::new();
    let discard = controls.clone();
    let base = mock.scenario_url("download-slow");
    let (result, _) = job_with(&base, &spec, &controls, move |e| {
        if matches!(e, Event::Download { .. }) {
            discard.discard();
        }
    })
    .await;
    assert_eq!(result.videos.len(), 1, "the link is kept");
    assert!(result.videos[0].path.is_none());
    assert_eq!(
        result.videos[0].error.as_ref().unwrap().kind(),
        ErrorKind::Cancelled
    );
}

#[tokio::test]
async fn a_part_left_by_a_dead_process_is_continued_not_restarted() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("v.mp4");
    let part = framecast_core::download::part_path(&target);
    std::fs::write(&part, &framecast_mock::SAMPLE_MP4[..50_000]).unwrap();
    let url = format!("{}/videos/left.mp4", mock.base_url());
    let (path, bytes) = quick_downloads()
        .save(&url, &target, &CancellationToken::new(), &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(path, target);
    assert_eq!(bytes, framecast_mock::SAMPLE_MP4.len() as u64);
    assert_eq!(std::fs::read(&target).unwrap(), framecast_mock::SAMPLE_MP4);
    assert!(!part.exists());
    let gets: Vec<_> = mock
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .collect();
    assert_eq!(gets.len(), 1);
    assert_eq!(gets[0].range.as_deref(), Some("bytes=50000-"));

    // A part that was already complete (its process died before putting it in place).
    let target = dir.path().join("w.mp4");
    let part = framecast_core::download::part_path(&target);
    std::fs::write(&part, framecast_mock::SAMPLE_MP4).unwrap();
    let (path, _) = quick_downloads()
        .save(&url, &target, &CancellationToken::new(), &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(std::fs::read(path).unwrap(), framecast_mock::SAMPLE_MP4);
}

#[tokio::test]
async fn a_video_over_the_size_cap_is_refused_and_keeps_its_link() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let small = Downloader::new(DownloadPolicy {
        max_bytes: 100_000,
        ..DownloadPolicy::default()
    })
    .unwrap();
    let url = format!("{}/videos/big.mp4", mock.base_url());
    let e = small
        .save(
            &url,
            &dir.path().join("big.mp4"),
            &CancellationToken::new(),
            &mut |_, _| {},
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Download);
    assert!(e.message(Lang::En).contains("limit"), "{e}");
}

#[tokio::test]
async fn jobs_with_the_same_prompt_in_the_same_second_never_share_a_file() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let base = mock.base_url();
    let runs = (0..6).map(|_| job(&base, 2, dir.path()));
    let results = futures_util::future::join_all(runs).await;
    let mut paths: Vec<_> = results
        .iter()
        .flat_map(|(r, _)| r.videos.iter().map(|v| v.path.clone().unwrap()))
        .collect();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), 12);
    for p in &paths {
        assert_eq!(std::fs::read(p).unwrap(), framecast_mock::SAMPLE_MP4);
        assert!(p.with_extension("json").exists());
    }
}

#[tokio::test]
async fn a_part_answered_to_a_whole_request_is_continued_never_saved_as_the_video() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let (result, _) = job(&mock.scenario_url("download-partial"), 1, dir.path()).await;
    assert!(result.ok, "{:?}", result.error);
    let bytes = std::fs::read(result.videos[0].path.as_ref().unwrap()).unwrap();
    assert_eq!(
        bytes,
        framecast_mock::SAMPLE_MP4,
        "the whole video, not 100 bytes"
    );
    let ranges: Vec<_> = mock
        .requests()
        .into_iter()
        .filter_map(|r| r.range)
        .collect();
    assert_eq!(ranges, ["bytes=100-"], "the rest was asked for");

    // A server that only ever sends the same first part never yields a saved "video".
    let dir = tempfile::tempdir().unwrap();
    let (result, _) = job(&mock.scenario_url("download-partial-always"), 1, dir.path()).await;
    assert!(!result.ok);
    assert!(result.videos[0].path.is_none());
    assert_eq!(result.error.unwrap().kind(), ErrorKind::Download);
    let saved = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".mp4"))
        .count();
    assert_eq!(saved, 0, "no file claims to be the video");
}

#[tokio::test]
async fn more_videos_than_asked_are_kept_as_links_and_not_downloaded() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let (result, events) = job(&mock.scenario_url("more-videos"), 2, dir.path()).await;
    assert!(result.ok, "{:?}", result.error);
    assert_eq!(
        result.videos.len(),
        4,
        "every link is kept: they may be paid"
    );
    assert_eq!(result.videos.iter().filter(|v| v.path.is_some()).count(), 2);
    let gets = mock
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .count();
    assert_eq!(gets, 2, "only what was asked for is downloaded");
    let extra: Vec<_> = events
        .iter()
        .filter(|e| matches!(e, Event::Video { extra: true, .. }))
        .collect();
    assert_eq!(extra.len(), 2, "{events:?}");
    assert!(events.iter().any(|e| matches!(e,
        Event::Status { text: Some(t), .. } if t.contains("more videos than the 2 asked for"))));
}

#[tokio::test]
async fn terminal_escapes_from_the_gateway_arrive_as_visible_text() {
    let mock = mock().await;
    let (outcome, events) = generate(
        &mock.scenario_url("escapes"),
        &request(1),
        Limits::default(),
    )
    .await;
    assert!(outcome.is_success());
    let said = format!("{events:?} {:?}", outcome.transcript);
    assert!(
        !said.contains('\u{1b}') && !said.contains('\u{7}'),
        "{said}"
    );
    assert!(said.contains("␛]0;pwned␇"), "{said}");
}

#[tokio::test]
async fn a_key_that_cannot_go_in_a_header_is_refused_before_anything_is_sent() {
    let mock = mock().await;
    for key in ["sk-line\nbreak-1234", "sk-中文-1234", "   "] {
        let refused = Gateway::new(
            &mock.base_url(),
            Credentials::new(key, AuthScheme::Bare),
            Limits::default(),
        )
        .unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::InvalidInput, "{key:?}");
    }
    assert!(mock.requests().is_empty());
}

#[tokio::test]
async fn absurd_times_are_refused_before_anything_is_sent() {
    let mock = mock().await;
    let refused = Gateway::new(
        &mock.base_url(),
        Credentials::new("sk-test", AuthScheme::Bare),
        Limits {
            overall: Duration::from_secs_f64(1e19),
            ..Limits::default()
        },
    )
    .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidInput);
    assert!(framecast_core::client::seconds(1e19, "--timeout").is_err());
    assert!(framecast_core::client::seconds(f64::NAN, "--timeout").is_err());
    assert!(framecast_core::client::seconds(-1.0, "--timeout").is_err());
    assert_eq!(
        framecast_core::client::seconds(90.0, "--timeout").unwrap(),
        Duration::from_secs(90)
    );
}
