//! The task route against the mock gateway over loopback: every scenario, one create per take,
//! results as bytes or as JSON, progress only when it moves, 429s waited out, expired tasks,
//! a lost creation never re-sent, and cancelling at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use framecast_core::job::{Polled, Route};
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
    client_within(base, Limits::default())
}

fn client_within(base: &str, limits: Limits) -> TaskClient {
    TaskClient::with_proxy(
        base,
        Credentials::new(KEY, AuthScheme::Bearer),
        limits,
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
        references_sha256: Vec::new(),
        save_dir: Some(dir.to_owned()),
        label: None,
    }
}

async fn run(base: &str, spec: &JobSpec, controls: &Controls) -> (JobResult, Vec<Event>) {
    let events = Mutex::new(Vec::new());
    let client = client(base);
    let downloader = Downloader::new(DownloadPolicy::default()).unwrap();
    let result = framecast_core::job::run_route(
        Route::Task(Polled::Task(&client)),
        &downloader,
        spec,
        controls,
        &|e| events.lock().unwrap().push(e),
    )
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
        Route::Watch(Polled::Task(&client), &tasks, Duration::from_secs(60)),
        &downloader,
        &s,
        &Controls::new(),
        &|_| {},
    )
    .await;
    assert!(result.ok, "{:?}", result.error);
    assert_eq!(creates(&mock), 1);
}

/// Limits whose overall time is `overall`.
fn within(overall: Duration) -> Limits {
    Limits {
        overall,
        ..Limits::default()
    }
}

async fn run_within(
    base: &str,
    limits: Limits,
    spec: &JobSpec,
) -> (JobResult, Vec<Event>, Duration) {
    let events = Mutex::new(Vec::new());
    let client = client_within(base, limits);
    let downloader = Downloader::new(DownloadPolicy::default()).unwrap();
    let started = Instant::now();
    let result = framecast_core::job::run_route(
        Route::Task(Polled::Task(&client)),
        &downloader,
        spec,
        &Controls::new(),
        &|e| events.lock().unwrap().push(e),
    )
    .await;
    (result, events.into_inner().unwrap(), started.elapsed())
}

#[tokio::test]
async fn a_task_id_that_is_the_key_is_neither_used_nor_shown() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let (result, events) = run(
        &mock.scenario_url("task-id-is-key"),
        &spec(2, dir.path(), "id"),
        &Controls::new(),
    )
    .await;
    let everything = format!("{result:?} {events:?}");
    assert!(!everything.contains(KEY), "{everything}");
    assert!(events.iter().any(|e| matches!(e, Event::TaskLost { .. })));
    assert_eq!(
        creates(&mock),
        1,
        "no second take after a create went wrong"
    );
    let polled_with_key = mock.requests().iter().any(|r| r.path.contains(KEY));
    assert!(!polled_with_key, "the key never goes into a URL");
    assert!(
        result
            .error
            .unwrap()
            .message(Lang::En)
            .contains("contains your API key")
    );
}

#[tokio::test]
async fn an_endless_poll_answer_is_cut_at_the_cap_and_given_up_at_the_deadline() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        overall: Duration::from_secs(2),
        ..Limits::default()
    };
    let (result, _, took) = run_within(
        &mock.scenario_url("task-endless-poll"),
        limits,
        &spec(1, dir.path(), "e"),
    )
    .await;
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(result.error.as_ref().unwrap().kind(), ErrorKind::Timeout);
    assert!(
        result.transcript.iter().any(|l| l.contains("larger than")),
        "{:?}",
        result.transcript
    );
}

#[tokio::test]
async fn a_day_long_retry_after_is_not_waited_past_the_deadline() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let (result, _, took) = run_within(
        &mock.scenario_url("task-retry-after-long"),
        within(Duration::from_secs(2)),
        &spec(1, dir.path(), "r"),
    )
    .await;
    assert!(took < Duration::from_secs(6), "{took:?}");
    assert!(
        result.ok,
        "the last poll at the deadline found it done: {:?}",
        result.error
    );
    assert!(framecast_core::task::MAX_RETRY_AFTER <= Duration::from_secs(60));
}

#[tokio::test]
async fn a_refused_key_stops_the_watch_at_once_and_keeps_the_task() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let (result, events, took) = run_within(
        &mock.scenario_url("task-poll-401"),
        Limits::default(),
        &spec(1, dir.path(), "k"),
    )
    .await;
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(result.error.unwrap().kind(), ErrorKind::Auth);
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::VideoFailed { .. })),
        "the task is kept to be watched with a key that works: {events:?}"
    );
}

#[tokio::test]
async fn a_video_named_by_a_path_is_fetched_from_the_gateway_and_ftp_is_refused() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let (result, _) = run(
        &mock.scenario_url("task-relative-url"),
        &spec(1, dir.path(), "rel"),
        &Controls::new(),
    )
    .await;
    assert!(result.ok, "{:?}", result.error);
    assert!(result.videos[0].url.starts_with(&mock.base_url()));
    assert_eq!(
        std::fs::read(result.videos[0].path.as_ref().unwrap()).unwrap(),
        SAMPLE_MP4
    );

    let (result, _, took) = run_within(
        &mock.scenario_url("task-ftp-url"),
        Limits::default(),
        &spec(1, dir.path(), "ftp"),
    )
    .await;
    assert!(
        took < Duration::from_secs(5),
        "refused at once, not retried: {took:?}"
    );
    assert!(!result.ok);
    assert!(
        result.failures[0].reason.contains("ftp://"),
        "{:?}",
        result.failures
    );
}

#[tokio::test]
async fn a_task_past_the_deadline_is_asked_after_once_then_given_up() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        overall: Duration::from_millis(400),
        ..Limits::default()
    };
    let (result, events, _) = run_within(
        &mock.scenario_url("task-slow"),
        limits,
        &spec(1, dir.path(), "s"),
    )
    .await;
    assert_eq!(result.error.unwrap().kind(), ErrorKind::Timeout);
    assert!(events.iter().any(|e| matches!(e,
        Event::VideoFailed { index: Some(1), reason } if reason.contains("given up"))));

    // A finished task whose job's time is already gone is still fetched by that last poll.
    let (done, events) = run(
        &mock.scenario_url("task-url"),
        &spec(1, dir.path(), "first"),
        &Controls::new(),
    )
    .await;
    assert!(done.ok);
    let id = events
        .iter()
        .find_map(|e| match e {
            Event::Task { id, .. } => Some(id.clone()),
            _ => None,
        })
        .unwrap();
    let client = client(&mock.scenario_url("task-url"));
    let tasks = vec![(1, id)];
    let late = tempfile::tempdir().unwrap();
    let result = framecast_core::job::run_route(
        Route::Watch(Polled::Task(&client), &tasks, Duration::ZERO),
        &Downloader::new(DownloadPolicy::default()).unwrap(),
        &spec(1, late.path(), "first"),
        &Controls::new(),
        &|_| {},
    )
    .await;
    assert!(result.ok, "{:?}", result.error);
}
