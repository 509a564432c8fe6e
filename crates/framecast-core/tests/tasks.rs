//! The task route against the mock gateway over loopback: every scenario, one create per take,
//! results as bytes or as JSON, progress only when it moves, 429s waited out, expired tasks,
//! a lost creation never re-sent, and cancelling at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use framecast_core::job::Route;
use framecast_core::proxy::Proxy;
use framecast_core::task::{TaskClient, TaskPolicy};
use framecast_core::{
    AuthScheme, Controls, Credentials, DownloadPolicy, Downloader, ErrorKind, Event,
    GenerationRequest, JobId, JobResult, JobSpec, Lang, Limits,
};
use framecast_mock::{MockConfig, MockGateway, SAMPLE_MP4};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const KEY: &str = "sk-task-route-3131";

async fn mock() -> MockGateway {
    MockGateway::start(MockConfig {
        api_key: Some(KEY.to_owned()),
        tick: Duration::from_millis(40),
        ..MockConfig::default()
    })
    .await
    .unwrap()
}

fn client(base: &str) -> TaskClient {
    TaskClient::with_proxy(
        base,
        Credentials::new(KEY, AuthScheme::Bearer),
        Limits::default(),
        TaskPolicy {
            first_poll: Duration::from_millis(30),
            max_poll: Duration::from_millis(120),
        },
        &Proxy::None,
    )
    .unwrap()
}

fn spec(n: u8, dir: &std::path::Path, prompt: &str) -> JobSpec {
    JobSpec {
        id: JobId::new(),
        request: GenerationRequest {
            n,
            ..GenerationRequest::text(prompt)
        },
        frames_sha256: Vec::new(),
        save_dir: Some(dir.to_owned()),
    }
}

async fn run(base: &str, spec: &JobSpec, controls: &Controls) -> (JobResult, Vec<Event>) {
    let events = Mutex::new(Vec::new());
    let client = client(base);
    let downloader = Downloader::new(DownloadPolicy::default()).unwrap();
    let result =
        framecast_core::job::run_route(Route::Task(&client), &downloader, spec, controls, &|e| {
            events.lock().unwrap().push(e)
        })
        .await;
    (result, events.into_inner().unwrap())
}

fn creates(mock: &MockGateway) -> usize {
    mock.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/v1/videos"))
        .count()
}

#[tokio::test]
async fn every_count_makes_one_task_per_take_and_saves_each_video() {
    let mock = mock().await;
    for n in 1..=4 {
        let dir = tempfile::tempdir().unwrap();
        let before = creates(&mock);
        let (result, events) = run(
            &mock.base_url(),
            &spec(n, dir.path(), "a fox"),
            &Controls::new(),
        )
        .await;
        assert!(result.ok, "n={n}: {:?}", result.error);
        assert_eq!(
            creates(&mock) - before,
            usize::from(n),
            "one create per take"
        );
        let tasks: Vec<_> = events
            .iter()
            .filter(|e| matches!(e, Event::Task { .. }))
            .collect();
        assert_eq!(tasks.len(), usize::from(n));
        // Each task is reported before anything else about it.
        let first_task = events
            .iter()
            .position(|e| matches!(e, Event::Task { .. }))
            .unwrap();
        let first_video = events
            .iter()
            .position(|e| matches!(e, Event::Video { .. }))
            .unwrap();
        assert!(first_task < first_video);
        for v in &result.videos {
            assert_eq!(std::fs::read(v.path.as_ref().unwrap()).unwrap(), SAMPLE_MP4);
            assert!(v.url.contains("/v1/videos/video_mock"), "{}", v.url);
        }
        let percents: Vec<f32> = events
            .iter()
            .filter_map(|e| match e {
                Event::Progress { percent } => Some(*percent),
                _ => None,
            })
            .collect();
        assert!(
            !percents.is_empty() && percents.windows(2).all(|w| w[0] <= w[1]),
            "progress moves, and only forward: {percents:?}"
        );
    }
    // The content route got the key; the key went nowhere else.
    let content = mock
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/content"))
        .unwrap();
    assert_eq!(
        content.authorization.as_deref(),
        Some(format!("Bearer {KEY}").as_str())
    );
}

#[tokio::test]
async fn frames_go_as_multipart_input_references() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let mut s = spec(1, dir.path(), "from a frame");
    s.request.first_frame = Some("data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2w==".into());
    s.request.last_frame = Some("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAE=".into());
    let (result, _) = run(&mock.base_url(), &s, &Controls::new()).await;
    assert!(result.ok, "{:?}", result.error);
    let create = mock
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(create.body.unwrap()["input_reference"], 2);
}

#[tokio::test]
async fn each_way_a_task_ends_is_told_in_its_own_words() {
    let mock = mock().await;
    // A result given as JSON, an id named task_id, 429s on the first polls, a constant progress.
    for scenario in [
        "task-url",
        "task-json-content",
        "task-id-field",
        "task-429",
        "task-constant-progress",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (result, events) = run(
            &mock.scenario_url(scenario),
            &spec(1, dir.path(), "x"),
            &Controls::new(),
        )
        .await;
        assert!(result.ok, "{scenario}: {:?}", result.error);
        assert_eq!(
            std::fs::read(result.videos[0].path.as_ref().unwrap()).unwrap(),
            SAMPLE_MP4
        );
        if scenario == "task-constant-progress" {
            assert!(
                !events.iter().any(|e| matches!(e, Event::Progress { .. })),
                "a progress that never moves is not shown as progress"
            );
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let (failed, _) = run(
        &mock.scenario_url("task-failed"),
        &spec(1, dir.path(), "x"),
        &Controls::new(),
    )
    .await;
    let e = failed.error.unwrap();
    assert_eq!(e.kind(), ErrorKind::GenerationFailed);
    assert!(e.message(Lang::En).contains("usage guidelines"), "{e}");
    let (expired, _) = run(
        &mock.scenario_url("task-expired"),
        &spec(1, dir.path(), "x"),
        &Controls::new(),
    )
    .await;
    assert!(expired.error.unwrap().message(Lang::En).contains("expired"));
    assert_eq!(creates(&mock), 7, "one create per job, never more");
}

#[tokio::test]
async fn a_lost_creation_is_never_sent_again() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let (result, events) = run(
        &mock.scenario_url("task-lost-create"),
        &spec(3, dir.path(), "x"),
        &Controls::new(),
    )
    .await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::TaskLost { index: 1 }))
    );
    let e = result.error.unwrap();
    assert!(e.message(Lang::En).contains("console"), "{e}");
    assert!(e.message(Lang::Zh).contains("控制台"));
    assert_eq!(
        creates(&mock),
        1,
        "no take after a lost one, and no second try"
    );
}

#[tokio::test]
async fn cancelling_stops_watching_at_once_and_the_task_id_is_kept() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let controls = Controls::new();
    let cancel = controls.clone();
    let watcher = tokio::spawn({
        let base = mock.scenario_url("task-slow");
        let s = spec(1, dir.path(), "slow");
        async move { run(&base, &s, &controls).await }
    });
    while creates(&mock) == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let asked = Instant::now();
    cancel.cancel();
    let (result, events) = watcher.await.unwrap();
    assert!(asked.elapsed() < Duration::from_secs(1));
    assert_eq!(result.error.unwrap().kind(), ErrorKind::Cancelled);
    let id = events.iter().find_map(|e| match e {
        Event::Task { id, .. } => Some(id.clone()),
        _ => None,
    });
    assert!(
        id.is_some(),
        "the task's id was reported before anything else"
    );

    // Watching it again later (as recovery does) finishes it without creating anything.
    let downloader = Downloader::new(DownloadPolicy::default()).unwrap();
    let client = client(&mock.scenario_url("task-slow"));
    let tasks = vec![(1, id.unwrap())];
    let s = spec(1, dir.path(), "slow");
    let result = framecast_core::job::run_route(
        Route::Watch(&client, &tasks),
        &downloader,
        &s,
        &Controls::new(),
        &|_| {},
    )
    .await;
    assert!(result.ok, "{:?}", result.error);
    assert_eq!(creates(&mock), 1);
}
