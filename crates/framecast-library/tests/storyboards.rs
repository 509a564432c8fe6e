//! Storyboards against a real SQLite file: shots kept in order across a reopen, added empty, from
//! a past job and from a take, edited, moved and removed; takes attached and chosen; and the
//! out-of-date flag, which follows the lineage of each continuing shot's chosen take.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use framecast_core::{
    AuthScheme, Event, GenerationRequest, JobId, JobSpec, RouteKind, VideoOptions,
    frames::ModelAspect,
};
use framecast_library::{
    Library, NewJob, Origin, Place, Recorder, ShotDraft, ShotRecord, Slot, VideoMoment, migrate,
};
use std::path::Path;
use std::sync::Arc;

fn open(dir: &Path) -> Arc<Library> {
    Arc::new(Library::open(&dir.join("data")).unwrap())
}

/// A finished job with `takes` saved videos, started from `from` (a video id) when given.
fn job(library: &Arc<Library>, dir: &Path, prompt: &str, takes: u8, from: Option<&str>) -> JobId {
    let spec = JobSpec {
        id: JobId::new(),
        request: GenerationRequest {
            model: "veo-3.1-fast".into(),
            n: takes,
            options: VideoOptions {
                duration: Some(6),
                ..VideoOptions::default()
            },
            ..GenerationRequest::text(prompt)
        },
        frames_sha256: Vec::new(),
        references_sha256: Vec::new(),
        save_dir: Some(dir.join("videos")),
        label: None,
    };
    library
        .begin_job(&NewJob {
            spec: &spec,
            origin: Origin::App,
            gateway_host: "gw.example".into(),
            auth_scheme: AuthScheme::Bare,
            price_usd: Some(0.4),
            retry_of: None,
            frames: Vec::new(),
            references: Vec::new(),
            route: RouteKind::Stream,
            base_url: "https://gw.example".into(),
            profile_id: None,
            overall: std::time::Duration::from_secs(1200),
        })
        .unwrap();
    if let Some(video) = from {
        let source = library
            .continuation(
                Slot::Start,
                &VideoMoment {
                    video_id: video.into(),
                    at_ms: 7958,
                },
            )
            .unwrap();
        library
            .record_lineage(&spec.id.to_string(), &[source])
            .unwrap();
    }
    let recorder = Recorder::new(library.clone(), &spec);
    std::fs::create_dir_all(dir.join("videos")).unwrap();
    for index in 1..=takes {
        recorder.observe(&Event::Video {
            index,
            url: format!("https://cdn.example/{}/{index}.mp4", spec.id),
            extra: false,
        });
        let file = dir.join("videos").join(format!("{}-{index}.mp4", spec.id));
        std::fs::write(&file, b"not really a video").unwrap();
        recorder.observe(&Event::Saved {
            index,
            video: spec.id.video(index),
            path: file,
            bytes: 18,
        });
    }
    spec.id
}

fn draft(prompt: &str, continues: bool) -> ShotDraft {
    ShotDraft {
        prompt: prompt.into(),
        model: "veo-3.1-fast".into(),
        n: 1,
        continues,
        ..ShotDraft::default()
    }
}

fn prompts(shots: &[ShotRecord]) -> Vec<&str> {
    shots.iter().map(|s| s.draft.prompt.as_str()).collect()
}

#[test]
fn shots_keep_their_order_and_settings_across_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let board;
    {
        let library = open(dir.path());
        board = library.create_storyboard("  Paper boat  ").unwrap();
        assert_eq!(board.name, "Paper boat");
        library
            .add_shot(&board.id, &draft("gutter", false), Place::End)
            .unwrap();
        library
            .add_shot(
                &board.id,
                &ShotDraft {
                    options: VideoOptions {
                        aspect: Some(ModelAspect::Landscape),
                        ..VideoOptions::default()
                    },
                    n: 2,
                    in_ms: Some(500),
                    out_ms: Some(4000),
                    ..draft("sea", true)
                },
                Place::End,
            )
            .unwrap();
        library
            .add_shot(&board.id, &draft("river", true), Place::At(2))
            .unwrap();
    }
    let library = open(dir.path());
    let shots = library.shots(&board.id).unwrap();
    assert_eq!(prompts(&shots), ["gutter", "river", "sea"]);
    assert_eq!(
        shots.iter().map(|s| s.position).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    let sea = &shots[2];
    assert_eq!(sea.draft.n, 2);
    assert!(sea.draft.continues);
    assert_eq!(sea.draft.options.aspect, Some(ModelAspect::Landscape));
    assert_eq!((sea.draft.in_ms, sea.draft.out_ms), (Some(500), Some(4000)));
    let listed = library.storyboards().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].shots, listed[0].chosen), (3, 0));
    assert_eq!(migrate::version(&rusqlite_open(dir.path())).unwrap(), 12);
}

fn rusqlite_open(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("data/library.sqlite3")).unwrap()
}

#[test]
fn moving_reordering_and_removing_keep_positions_whole() {
    let dir = tempfile::tempdir().unwrap();
    let library = open(dir.path());
    let board = library.create_storyboard("Order").unwrap().id;
    let ids: Vec<String> = ["a", "b", "c", "d"]
        .iter()
        .map(|p| {
            library
                .add_shot(&board, &draft(p, false), Place::End)
                .unwrap()
        })
        .collect();
    library.move_shot(&ids[3], 1).unwrap();
    assert_eq!(
        prompts(&library.shots(&board).unwrap()),
        ["d", "a", "b", "c"]
    );
    library.move_shot(&ids[3], 99).unwrap();
    assert_eq!(
        prompts(&library.shots(&board).unwrap()),
        ["a", "b", "c", "d"]
    );
    library
        .reorder_shots(
            &board,
            &[
                ids[2].clone(),
                ids[0].clone(),
                ids[3].clone(),
                ids[1].clone(),
            ],
        )
        .unwrap();
    assert_eq!(
        prompts(&library.shots(&board).unwrap()),
        ["c", "a", "d", "b"]
    );
    // An order that leaves a shot out, or names one twice, is refused and changes nothing.
    assert!(
        library
            .reorder_shots(
                &board,
                &[
                    ids[0].clone(),
                    ids[0].clone(),
                    ids[1].clone(),
                    ids[2].clone()
                ]
            )
            .is_err()
    );
    library.delete_shot(&ids[0]).unwrap();
    let shots = library.shots(&board).unwrap();
    assert_eq!(prompts(&shots), ["c", "d", "b"]);
    assert_eq!(
        shots.iter().map(|s| s.position).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    library.rename_storyboard(&board, "Order, again").unwrap();
    assert_eq!(
        library.storyboard(&board).unwrap().unwrap().name,
        "Order, again"
    );
    library.delete_storyboard(&board).unwrap();
    assert!(library.storyboard(&board).unwrap().is_none());
    assert!(library.shot(&ids[1]).is_err());
}

#[test]
fn a_shot_from_a_past_job_or_a_take_carries_what_it_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let library = open(dir.path());
    let board = library.create_storyboard("From the library").unwrap().id;
    let past = job(&library, dir.path(), "a lighthouse at night", 3, None);
    library.set_favourite(&past.video(2), true).unwrap();

    let from_job = library
        .add_shot_from_job(&board, &past.to_string(), Place::End)
        .unwrap();
    let shot = library.shot(&from_job).unwrap();
    assert_eq!(shot.draft.prompt, "a lighthouse at night");
    assert_eq!(shot.draft.model, "veo-3.1-fast");
    assert_eq!(shot.draft.n, 3);
    assert_eq!(shot.draft.options.duration, Some(6));
    assert_eq!(shot.takes.len(), 3);
    assert_eq!(shot.jobs.len(), 1);
    // The keeper (a favourite) is chosen.
    assert_eq!(shot.chosen.as_deref(), Some(past.video(2).as_str()));

    let from_take = library
        .add_shot_from_take(&board, &past.video(3), Place::At(1))
        .unwrap();
    let shots = library.shots(&board).unwrap();
    assert_eq!(shots[0].id, from_take);
    assert_eq!(shots[0].chosen.as_deref(), Some(past.video(3).as_str()));
    assert_eq!(shots[0].chosen_take().unwrap().index, 3);
    assert!(
        library
            .add_shot_from_take(&board, "not-a-video", Place::End)
            .is_err()
    );
}

#[test]
fn choosing_a_take_marks_the_continuing_shot_after_it_out_of_date() {
    let dir = tempfile::tempdir().unwrap();
    let library = open(dir.path());
    let board = library.create_storyboard("Continuity").unwrap().id;
    let one = library
        .add_shot(&board, &draft("one", false), Place::End)
        .unwrap();
    let two = library
        .add_shot(&board, &draft("two", true), Place::End)
        .unwrap();
    let three = library
        .add_shot(&board, &draft("three", true), Place::End)
        .unwrap();

    let a = job(&library, dir.path(), "one", 2, None);
    library.attach_job(&one, &a.to_string()).unwrap();
    library.settle_shot(&one, &a.to_string()).unwrap();
    assert_eq!(library.shot(&one).unwrap().chosen, Some(a.video(1)));

    // Shot two continues from shot one's chosen take, shot three from shot two's.
    let b = job(&library, dir.path(), "two", 1, Some(&a.video(1)));
    library.attach_job(&two, &b.to_string()).unwrap();
    library.settle_shot(&two, &b.to_string()).unwrap();
    let c = job(&library, dir.path(), "three", 1, Some(&b.video(1)));
    library.attach_job(&three, &c.to_string()).unwrap();
    library.settle_shot(&three, &c.to_string()).unwrap();
    let stale = |l: &Library| -> Vec<bool> {
        l.shots(&board)
            .unwrap()
            .iter()
            .map(|s| s.out_of_date)
            .collect()
    };
    assert_eq!(stale(&library), [false, false, false]);

    // Another take of shot one: shot two no longer starts from it; shot three still starts from
    // shot two's chosen take. Nothing was generated: shot two still has one job.
    library.choose_take(&one, Some(&a.video(2))).unwrap();
    assert_eq!(stale(&library), [false, true, false]);
    assert_eq!(library.shot(&two).unwrap().jobs.len(), 1);

    // Choosing back clears it; a take that is not the shot's is refused.
    library.choose_take(&one, Some(&a.video(1))).unwrap();
    assert_eq!(stale(&library), [false, false, false]);
    assert!(library.choose_take(&one, Some(&b.video(1))).is_err());

    // Moving shot three before shot two: both now follow a shot they did not start from.
    library.move_shot(&three, 2).unwrap();
    assert_eq!(stale(&library), [false, true, true]);
    library.move_shot(&three, 3).unwrap();
    assert_eq!(stale(&library), [false, false, false]);

    // A shot that stops continuing is never out of date.
    library.choose_take(&one, Some(&a.video(2))).unwrap();
    let mut edited = library.shot(&two).unwrap().draft;
    edited.continues = false;
    library.update_shot(&two, &edited).unwrap();
    assert_eq!(stale(&library), [false, false, false]);
    assert_eq!(library.storyboards().unwrap()[0].chosen, 3);
}

#[test]
fn a_job_attached_later_keeps_the_shot_s_choice() {
    let dir = tempfile::tempdir().unwrap();
    let library = open(dir.path());
    let board = library.create_storyboard("Takes").unwrap().id;
    let shot = library
        .add_shot(&board, &draft("one", false), Place::End)
        .unwrap();
    let first = job(&library, dir.path(), "one", 1, None);
    let second = job(&library, dir.path(), "one", 2, None);
    library.attach_job(&shot, &first.to_string()).unwrap();
    library.settle_shot(&shot, &first.to_string()).unwrap();
    library.attach_job(&shot, &second.to_string()).unwrap();
    library.settle_shot(&shot, &second.to_string()).unwrap();
    let record = library.shot(&shot).unwrap();
    assert_eq!(record.chosen, Some(first.video(1)));
    assert_eq!(record.jobs.len(), 2);
    assert_eq!(
        record
            .takes
            .iter()
            .map(|t| t.video_id.clone())
            .collect::<Vec<_>>(),
        [first.video(1), second.video(1), second.video(2)]
    );
    library.choose_take(&shot, None).unwrap();
    assert_eq!(library.shot(&shot).unwrap().chosen, None);
}

#[test]
fn drafts_no_job_could_be_made_from_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let library = open(dir.path());
    let board = library.create_storyboard("Checks").unwrap().id;
    assert!(library.create_storyboard("   ").is_err());
    let bad = [
        ShotDraft {
            n: 5,
            ..draft("x", false)
        },
        ShotDraft {
            model: " ".into(),
            ..draft("x", false)
        },
        ShotDraft {
            in_ms: Some(3000),
            out_ms: Some(1000),
            ..draft("x", false)
        },
    ];
    for d in &bad {
        assert!(library.add_shot(&board, d, Place::End).is_err(), "{d:?}");
    }
    assert!(
        library
            .add_shot("no-such-board", &draft("x", false), Place::End)
            .is_err()
    );
    assert!(library.shots(&board).unwrap().is_empty());
}
