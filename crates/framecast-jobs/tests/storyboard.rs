//! Storyboards generated against the mock gateway through the one job path: the plan and its
//! cost first; one POST per shot, in order where a shot continues from the one before, each
//! continuing shot starting from the last picture of the previous shot's chosen take at its full
//! size with its lineage recorded; a failed shot never re-sent and the shots waiting on it not
//! sent; then the chosen takes exported.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use framecast_core::RouteKind;
use framecast_core::price::PriceTable;
use framecast_jobs::batch::plan::Spending;
use framecast_jobs::batch::run::Stop;
use framecast_jobs::storyboard::{self, Context, Exports, StoryEvent, Which};
use framecast_jobs::{Overrides, Starter};
use framecast_library::{Keys, Library, Origin, Place, RowState, ShotDraft};
use framecast_mock::{MockConfig, MockGateway};
use secrecy::SecretString;
use std::path::Path;
use std::sync::{Arc, Mutex};

fn context(dir: &Path, base: &str) -> Context {
    let library = Arc::new(Library::open(&dir.join("data")).unwrap());
    Context {
        starter: Starter {
            keys: Arc::new(Keys::file_only(
                &dir.join("data"),
                framecast_core::Text::same("t"),
            )),
            library,
            overrides: Overrides {
                base_url: Some(base.to_owned()),
                key: Some(SecretString::from("sk-story".to_owned())),
                route: Some(RouteKind::Stream),
                ..Overrides::default()
            },
            origin: Origin::Cli,
        },
        save_dir: Some(dir.join("videos")),
    }
}

fn shot(prompt: &str, continues: bool) -> ShotDraft {
    ShotDraft {
        prompt: prompt.into(),
        model: "veo-3.1-fast".into(),
        n: 1,
        continues,
        ..ShotDraft::default()
    }
}

async fn generate(ctx: &Context, board: &str, which: &Which) -> Vec<StoryEvent> {
    let plan = storyboard::plan(
        &ctx.starter.library,
        board,
        which,
        &PriceTable::default(),
        &Spending::default(),
    )
    .unwrap();
    let events = Mutex::new(Vec::new());
    storyboard::run(ctx, &plan, &Stop::default(), &|e| {
        events.lock().unwrap().push(e);
    })
    .await
    .unwrap();
    events.into_inner().unwrap()
}

fn ended(events: &[StoryEvent]) -> Vec<(String, RowState)> {
    events
        .iter()
        .filter_map(|e| match e {
            StoryEvent::Shot { shot_id, state, .. } if *state != RowState::Sent => {
                Some((shot_id.clone(), *state))
            }
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_continuing_shots_each_start_from_the_last_picture_before() {
    let mock = MockGateway::start(MockConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), &mock.base_url());
    let library = &ctx.starter.library;
    let board = library.create_storyboard("Paper boat").unwrap().id;
    let ids: Vec<String> = [
        shot("a paper boat in a gutter", false),
        shot("the boat reaches a river", true),
        shot("the river meets the sea", true),
    ]
    .iter()
    .map(|d| library.add_shot(&board, d, Place::End).unwrap())
    .collect();

    let plan = storyboard::plan(
        library,
        &board,
        &Which::Missing,
        &PriceTable::default(),
        &Spending {
            month_usd: 1.0,
            budget_usd: Some(1.5),
            cap_usd: None,
        },
    )
    .unwrap();
    let price = PriceTable::default().per_video("veo-3.1-fast");
    assert_eq!(plan.sendable, 3);
    assert_eq!(plan.videos, 3);
    assert!((plan.estimate_usd - framecast_core::price::cents(3.0 * price)).abs() < 1e-9);
    assert_eq!(plan.over_budget, 1.0 + plan.estimate_usd > 1.5);
    assert_eq!(
        plan.shots
            .iter()
            .map(|s| (s.continues_from, s.waits))
            .collect::<Vec<_>>(),
        [(None, false), (Some(1), true), (Some(2), true)]
    );
    assert!(mock.generation_posts().is_empty(), "a plan sends nothing");

    let events = generate(&ctx, &board, &Which::Missing).await;
    assert_eq!(
        ended(&events),
        ids.iter()
            .map(|id| (id.clone(), RowState::Done))
            .collect::<Vec<_>>()
    );
    assert_eq!(mock.generation_posts().len(), 3, "one POST per shot");

    let shots = library.shots(&board).unwrap();
    for (i, s) in shots.iter().enumerate() {
        assert_eq!(s.jobs.len(), 1, "shot {}", i + 1);
        assert!(s.chosen.is_some(), "shot {} has a chosen take", i + 1);
        assert!(!s.out_of_date);
        let job = library
            .job(&framecast_core::JobId::parse(&s.jobs[0].job_id).unwrap())
            .unwrap()
            .unwrap();
        if i == 0 {
            assert!(job.start_frame.is_none());
            assert!(job.continues.is_empty());
            continue;
        }
        // The start frame is the previous chosen take's last picture, at its full size.
        let previous = shots[i - 1].chosen.clone().unwrap();
        assert_eq!(job.continues.len(), 1);
        assert_eq!(job.continues[0].video_id, previous);
        assert_eq!(job.continues[0].at_ms, 3958, "the sample's last picture");
        let frame = library.frame(job.start_frame.as_ref().unwrap()).unwrap();
        assert_eq!((frame.facts.width, frame.facts.height), (640, 360));
        // The request carried it.
        let post = &mock.generation_posts()[i];
        assert!(
            post.body
                .as_ref()
                .unwrap()
                .to_string()
                .contains("data:image/"),
            "shot {} sent its start frame",
            i + 1
        );
    }

    // Nothing is missing any more: generating the missing shots sends nothing.
    let again = generate(&ctx, &board, &Which::Missing).await;
    assert!(again.is_empty());
    assert_eq!(mock.generation_posts().len(), 3);

    // Export: the three chosen takes joined, and the cut as OTIO.
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let exported = storyboard::export(
        library,
        &board,
        &Exports {
            mp4: Some(out.join("boat.mp4")),
            otio: Some(out.join("boat.otio")),
            edl: Some(out.join("boat.edl")),
            ..Exports::default()
        },
    )
    .unwrap();
    let joined = exported.joined.unwrap();
    assert_eq!(joined.clips.len(), 3);
    assert!(out.join("boat.mp4").is_file());
    let otio: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("boat.otio")).unwrap()).unwrap();
    assert_eq!(otio["name"], "Paper boat");
    let clips = otio["tracks"]["children"][0]["children"]
        .as_array()
        .unwrap();
    assert_eq!(clips.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_shot_is_not_sent_again_and_the_shot_after_it_waits() {
    let mock = MockGateway::start(MockConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), &mock.base_url());
    let library = &ctx.starter.library;
    let board = library.create_storyboard("Failing").unwrap().id;
    let ids: Vec<String> = [
        shot("a storm #failure", false),
        shot("after the storm", true),
        shot("a separate scene", false),
    ]
    .iter()
    .map(|d| library.add_shot(&board, d, Place::End).unwrap())
    .collect();

    let events = generate(&ctx, &board, &Which::Missing).await;
    let states = ended(&events);
    for expected in [
        (ids[0].clone(), RowState::Failed),
        (ids[1].clone(), RowState::Skipped),
        (ids[2].clone(), RowState::Done),
    ] {
        assert!(states.contains(&expected), "{expected:?} in {states:?}");
    }
    assert_eq!(states.len(), 3);
    // The failed shot's one POST and the separate scene's; the waiting shot sent nothing.
    assert_eq!(mock.generation_posts().len(), 2);

    // The failed shot has no take: asking for the missing shots plans it again, but only when
    // the person asks; its follower still cannot go before it has a take.
    let plan = storyboard::plan(
        library,
        &board,
        &Which::Shot(ids[1].clone()),
        &PriceTable::default(),
        &Spending::default(),
    )
    .unwrap();
    assert_eq!(plan.sendable, 0);
    assert!(
        plan.shots[0]
            .problem
            .as_deref()
            .unwrap()
            .contains("shot 1, which has no chosen take")
    );
    assert_eq!(mock.generation_posts().len(), 2);

    // The cut cannot be exported while a shot has no take; nothing is written.
    let out = dir.path().join("cut.mp4");
    let refused = storyboard::export(
        library,
        &board,
        &Exports {
            mp4: Some(out.clone()),
            ..Exports::default()
        },
    )
    .unwrap_err();
    assert!(
        refused.to_string().contains("shot 1 has no chosen take"),
        "{refused}"
    );
    assert!(!out.exists());
}
