//! The options on the wire, route by route, against the mock gateway (which answers 400 to a
//! misnamed or mistyped field): the task route's `seconds`, `size` and `metadata` in a JSON and
//! in a multipart body; the create/query dialect's fields and its images; its statuses as
//! phases, its failures in the gateway's words; and the stream's model names.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use framecast_core::frames::ModelAspect;
use framecast_core::job::{Polled, Route};
use framecast_core::options::Resolution;
use framecast_core::proxy::Proxy;
use framecast_core::task::{TaskClient, TaskPolicy};
use framecast_core::unified::UnifiedClient;
use framecast_core::{
    AuthScheme, Controls, Credentials, DownloadPolicy, Downloader, Event, GenerationRequest, JobId,
    JobResult, JobSpec, JobState, Limits, Phase, VideoOptions,
};
use framecast_mock::{MockConfig, MockGateway, SAMPLE_MP4};
use serde_json::{Value, json};
use std::sync::Mutex;
use std::time::Duration;

const KEY: &str = "sk-options-5151";

async fn mock() -> MockGateway {
    MockGateway::start(MockConfig {
        api_key: Some(KEY.to_owned()),
        tick: Duration::from_millis(40),
        ..MockConfig::default()
    })
    .await
    .unwrap()
}

fn policy() -> TaskPolicy {
    TaskPolicy {
        first_poll: Duration::from_millis(20),
        max_poll: Duration::from_millis(60),
    }
}

fn credentials() -> Credentials {
    Credentials::new(KEY, AuthScheme::Bearer)
}

/// A small real JPEG, as the frames pipeline sends one.
fn jpeg_url() -> String {
    let mut bytes = Vec::new();
    let pixels = vec![120u8; 16 * 16 * 3];
    jpeg_encoder::Encoder::new(&mut bytes, 80)
        .encode(&pixels, 16, 16, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    framecast_core::frames::prepared::data_url("image/jpeg", &bytes)
}

fn all_options() -> VideoOptions {
    VideoOptions {
        duration: Some(8),
        resolution: Some(Resolution::P1080),
        aspect: Some(ModelAspect::Landscape),
        negative_prompt: Some("rain, text".into()),
        seed: Some(4242),
        audio: Some(false),
        enhance_prompt: None,
    }
}

async fn run(route: Route<'_>, request: GenerationRequest) -> (JobResult, Vec<Event>) {
    let dir = tempfile::tempdir().unwrap();
    let spec = JobSpec {
        id: JobId::new(),
        request,
        frames_sha256: Vec::new(),
        references_sha256: Vec::new(),
        save_dir: Some(dir.path().to_owned()),
        label: None,
    };
    let events = Mutex::new(Vec::new());
    let downloader = Downloader::new(DownloadPolicy::default()).unwrap();
    let result =
        framecast_core::job::run_route(route, &downloader, &spec, &Controls::new(), &|e| {
            events.lock().unwrap().push(e)
        })
        .await;
    for v in &result.videos {
        assert_eq!(std::fs::read(v.path.as_ref().unwrap()).unwrap(), SAMPLE_MP4);
    }
    (result, events.into_inner().unwrap())
}

fn creates(mock: &MockGateway, path: &str) -> Vec<Value> {
    mock.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with(path))
        .filter_map(|r| r.body)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_task_route_sends_seconds_size_and_googles_metadata_in_json_and_in_a_form() {
    let mock = mock().await;
    let client = TaskClient::with_proxy(
        &mock.base_url(),
        credentials(),
        Limits::default(),
        policy(),
        &Proxy::None,
    )
    .unwrap();
    let mut request = GenerationRequest::text("a lighthouse in a storm");
    request.options = all_options();
    let (text_only, _) = run(Route::Task(Polled::Task(&client)), request.clone()).await;
    assert_eq!(text_only.state, JobState::Done, "{:?}", text_only.error);

    request.first_frame = Some(jpeg_url());
    let (framed, _) = run(Route::Task(Polled::Task(&client)), request).await;
    assert_eq!(framed.state, JobState::Done, "{:?}", framed.error);

    let sent = creates(&mock, "/v1/videos");
    assert_eq!(sent.len(), 2);
    for body in &sent {
        assert_eq!(body["seconds"], "8", "a string, as these gateways read it");
        assert_eq!(body["size"], "1920x1080");
        assert_eq!(
            body["metadata"],
            json!({
                "durationSeconds": 8, "resolution": "1080p", "aspectRatio": "16:9",
                "negativePrompt": "rain, text", "seed": 4242, "generateAudio": false
            })
        );
        assert!(body.get("duration").is_none());
    }
    assert_eq!(
        sent[1]["images"],
        json!(["jpeg"]),
        "the frame arrived as an image"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_misnamed_field_is_refused_by_the_mock_so_tests_would_fail() {
    let mock = mock().await;
    let http = reqwest::Client::new();
    for (path, body) in [
        (
            "/v1/videos",
            json!({"model": "veo-3.1", "prompt": "x", "duration": 8}),
        ),
        (
            "/v1/videos",
            json!({"model": "veo-3.1", "prompt": "x", "seconds": 8}),
        ),
        (
            "/v1/video/create",
            json!({"model": "veo-3.1", "prompt": "x", "aspectRatio": "16:9"}),
        ),
    ] {
        let answer = http
            .post(format!("{}{path}", mock.base_url()))
            .header("Authorization", KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 400, "{body}");
    }
}

fn unified(base: &str) -> UnifiedClient {
    UnifiedClient::with_proxy(
        base,
        credentials(),
        Limits::default(),
        policy(),
        &Proxy::None,
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unified_route_sends_its_fields_and_reference_images_as_images_and_completes() {
    let mock = mock().await;
    let client = unified(&mock.base_url());
    let mut request = GenerationRequest::text("our bottle on a beach at noon");
    request.model = "veo3.1-components".into();
    request.references = vec![jpeg_url(), jpeg_url()];
    request.options = VideoOptions {
        aspect: Some(ModelAspect::Portrait),
        resolution: Some(Resolution::P1080),
        enhance_prompt: Some(true),
        ..VideoOptions::default()
    };
    request.n = 2;
    let (result, events) = run(Route::Task(Polled::Unified(&client)), request).await;
    assert_eq!(result.state, JobState::Done, "{:?}", result.error);
    assert_eq!(result.videos.len(), 2);

    let sent = creates(&mock, "/v1/video/create");
    assert_eq!(sent.len(), 2, "one create per take");
    assert_eq!(
        sent[0],
        json!({
            "model": "veo3.1-components", "prompt": "our bottle on a beach at noon",
            "images": ["jpeg", "jpeg"], "aspect_ratio": "9:16",
            "enhance_prompt": true, "enable_upsample": true
        })
    );
    // The ids were reported at once, and the gateway's own words shown as phases.
    let ids: Vec<&Event> = events
        .iter()
        .filter(|e| matches!(e, Event::Task { .. }))
        .collect();
    assert_eq!(ids.len(), 2);
    let said: Vec<(Phase, String)> = events
        .iter()
        .filter_map(|e| match e {
            Event::Status {
                phase: Some(p),
                text: Some(t),
            } => Some((*p, t.clone())),
            _ => None,
        })
        .collect();
    assert!(
        said.contains(&(Phase::Queued, "image_downloading".into())),
        "{said:?}"
    );
    assert!(
        said.contains(&(Phase::Generating, "video_upsampling".into())),
        "{said:?}"
    );
    let polls = mock
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/v1/video/query?id="))
        .count();
    assert!(polls >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unified_failure_is_told_in_the_gateways_words() {
    let mock = mock().await;
    for (scenario, words) in [
        ("unified-failed", "safety system"),
        ("unified-error", "overloaded"),
    ] {
        let client = unified(&mock.scenario_url(scenario));
        let (result, events) = run(
            Route::Task(Polled::Unified(&client)),
            GenerationRequest::text("a portrait of someone famous"),
        )
        .await;
        assert_eq!(result.state, JobState::Failed);
        let reason = &result.failures[0].reason;
        assert!(reason.contains(words), "{reason}");
        assert!(
            events
                .iter()
                .any(|e| matches!(e, Event::VideoFailed { reason, .. } if reason.contains(words)))
        );
        assert!(!format!("{events:?}").contains(KEY));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unified_job_is_watched_again_without_a_second_create() {
    let mock = mock().await;
    let client = unified(&mock.scenario_url("unified-slow"));
    let controls = Controls::new();
    let dir = tempfile::tempdir().unwrap();
    let spec = JobSpec {
        id: JobId::new(),
        request: GenerationRequest::text("a slow one"),
        frames_sha256: Vec::new(),
        references_sha256: Vec::new(),
        save_dir: Some(dir.path().to_owned()),
        label: None,
    };
    let downloader = Downloader::new(DownloadPolicy::default()).unwrap();
    let ids = Mutex::new(Vec::new());
    let stop = controls.clone();
    let first = framecast_core::job::run_route(
        Route::Task(Polled::Unified(&client)),
        &downloader,
        &spec,
        &controls,
        &|e| {
            if let Event::Task { index, id } = e {
                ids.lock().unwrap().push((index, id));
                stop.cancel();
            }
        },
    )
    .await;
    assert_eq!(first.state, JobState::Cancelled);
    let tasks = ids.into_inner().unwrap();
    assert_eq!(tasks.len(), 1);
    let again = framecast_core::job::run_route(
        Route::Watch(Polled::Unified(&client), &tasks, Duration::from_secs(60)),
        &downloader,
        &spec,
        &Controls::new(),
        &|_| {},
    )
    .await;
    assert_eq!(again.state, JobState::Done, "{:?}", again.error);
    assert_eq!(creates(&mock, "/v1/video/create").len(), 1);
}

#[test]
fn the_stream_says_the_options_in_the_model_name() {
    let mut options = VideoOptions {
        resolution: Some(Resolution::P1080),
        aspect: Some(ModelAspect::Landscape),
        ..VideoOptions::default()
    };
    let name = |model: &str, options: &VideoOptions, refs| {
        framecast_core::options::stream_model(model, options, refs).unwrap()
    };
    assert_eq!(name("veo-3.1", &options, 0), "veo-3.1-landscape_1080p");
    options.resolution = None;
    assert_eq!(
        name("veo-3.1-fast-fl", &options, 3),
        "veo-3.1-landscape-fast-r2v"
    );
}
