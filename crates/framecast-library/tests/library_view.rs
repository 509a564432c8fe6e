//! The library view's queries against a real SQLite file: filters and pages, favourites,
//! deleting, posters, lineage, and what was spent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use framecast_core::{AuthScheme, Event, GenerationRequest, JobId, JobSpec, RouteKind};
use framecast_library::migrate;
use framecast_library::spend::ledger_csv;
use framecast_library::{
    Discard, Library, LibraryFilter, NewJob, Order, Origin, Outcome, Period, Recorder, Slot,
    VideoMoment, VideoState,
};
use rusqlite::Connection;
use std::path::Path;
use std::sync::Arc;

/// A local time at noon on a day of 2026, in Unix milliseconds (noon keeps any time zone on the
/// same day).
fn day(month: u32, d: u32) -> i64 {
    use chrono::TimeZone;
    chrono::Local
        .with_ymd_and_hms(2026, month, d, 12, 0, 0)
        .unwrap()
        .timestamp_millis()
}

struct Made {
    id: JobId,
}

/// Records a job as the front ends do: begun, its videos delivered (and saved when `save`),
/// finished; then dates it `at`.
fn job(
    library: &Arc<Library>,
    dir: &Path,
    prompt: &str,
    model: &str,
    delivered: u8,
    price: Option<f64>,
    at: i64,
) -> Made {
    let spec = JobSpec {
        id: JobId::new(),
        request: GenerationRequest {
            model: model.to_owned(),
            n: delivered.max(1),
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
            price_usd: price,
            retry_of: None,
            frames: Vec::new(),
            references: Vec::new(),
            route: RouteKind::Stream,
            base_url: "https://gw.example".into(),
            profile_id: None,
            overall: std::time::Duration::from_secs(1200),
        })
        .unwrap();
    let recorder = Recorder::new(library.clone(), &spec);
    std::fs::create_dir_all(dir.join("videos")).unwrap();
    for index in 1..=delivered {
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
    let conn = Connection::open(dir.join("data/library.sqlite3")).unwrap();
    let state = if delivered > 0 { "done" } else { "failed" };
    conn.execute(
        "UPDATE jobs SET created_at = ?2, state = ?3 WHERE id = ?1",
        rusqlite::params![spec.id.to_string(), at, state],
    )
    .unwrap();
    Made { id: spec.id }
}

fn open(dir: &Path) -> Arc<Library> {
    Arc::new(Library::open(&dir.join("data")).unwrap())
}

/// The prompts `filter` lists; the count of its matches is checked against them.
fn prompts(library: &Library, filter: &LibraryFilter) -> Vec<String> {
    let items = library.browse(filter, 0, 100).unwrap().items;
    assert_eq!(
        library.count_matches(filter).unwrap() as usize,
        items.len(),
        "{filter:?}"
    );
    items.into_iter().map(|i| i.prompt).collect()
}

#[test]
fn filters_narrow_and_pages_cover_every_job_once() {
    let dir = tempfile::tempdir().unwrap();
    let library = open(dir.path());
    let boat = job(
        &library,
        dir.path(),
        "A paper boat at dusk",
        "veo-3.1-fast",
        2,
        Some(0.15),
        day(3, 1),
    );
    job(
        &library,
        dir.path(),
        "画只猪在天上飞",
        "veo-3.1",
        1,
        Some(0.25),
        day(3, 5),
    );
    job(
        &library,
        dir.path(),
        "A refused request",
        "veo-3.1",
        0,
        Some(0.25),
        day(3, 9),
    );
    let expired = job(
        &library,
        dir.path(),
        "Rain on a paper window",
        "veo-3.1-fast",
        1,
        Some(0.15),
        day(4, 2),
    );
    let conn = Connection::open(dir.path().join("data/library.sqlite3")).unwrap();
    conn.execute(
        "UPDATE videos SET state = 'expired', path = NULL WHERE job_id = ?1",
        [expired.id.to_string()],
    )
    .unwrap();
    conn.execute(
        "UPDATE jobs SET state = 'interrupted', start_frame = NULL WHERE id = ?1",
        [expired.id.to_string()],
    )
    .unwrap();

    let all = LibraryFilter::default();
    assert_eq!(
        prompts(&library, &all),
        [
            "Rain on a paper window",
            "A refused request",
            "画只猪在天上飞",
            "A paper boat at dusk"
        ],
        "newest first"
    );
    let oldest = LibraryFilter {
        order: Order::Oldest,
        ..all.clone()
    };
    assert_eq!(prompts(&library, &oldest)[0], "A paper boat at dusk");

    let by = |f: LibraryFilter| prompts(&library, &f);
    assert_eq!(
        by(LibraryFilter {
            text: Some("paper".into()),
            ..all.clone()
        }),
        ["Rain on a paper window", "A paper boat at dusk"]
    );
    assert_eq!(
        by(LibraryFilter {
            text: Some("猪".into()),
            ..all.clone()
        }),
        ["画只猪在天上飞"]
    );
    let text = |t: &str| {
        by(LibraryFilter {
            text: Some(t.into()),
            ..all.clone()
        })
    };
    assert_eq!(
        text("rA"),
        ["Rain on a paper window"],
        "short text folds case"
    );
    assert_eq!(
        text("%"),
        Vec::<String>::new(),
        "a wildcard is only a character"
    );
    assert_eq!(text("_"), Vec::<String>::new());
    assert_eq!(
        by(LibraryFilter {
            model: Some("veo-3.1".into()),
            ..all.clone()
        }),
        ["A refused request", "画只猪在天上飞"]
    );
    assert_eq!(
        by(LibraryFilter {
            since: Some(day(3, 5)),
            until: Some(day(3, 10)),
            ..all.clone()
        }),
        ["A refused request", "画只猪在天上飞"]
    );
    assert_eq!(
        by(LibraryFilter {
            outcome: Some(Outcome::Delivered),
            ..all.clone()
        }),
        ["画只猪在天上飞", "A paper boat at dusk"]
    );
    assert_eq!(
        by(LibraryFilter {
            outcome: Some(Outcome::Failed),
            ..all.clone()
        }),
        ["A refused request"]
    );
    assert_eq!(
        by(LibraryFilter {
            outcome: Some(Outcome::Interrupted),
            ..all.clone()
        }),
        ["Rain on a paper window"]
    );
    assert_eq!(
        by(LibraryFilter {
            outcome: Some(Outcome::Expired),
            ..all.clone()
        }),
        ["Rain on a paper window"]
    );
    assert_eq!(
        by(LibraryFilter {
            with_frames: Some(true),
            ..all.clone()
        }),
        Vec::<String>::new()
    );
    assert_eq!(
        by(LibraryFilter {
            with_frames: Some(false),
            ..all.clone()
        })
        .len(),
        4
    );
    assert_eq!(
        by(LibraryFilter {
            text: Some("paper".into()),
            model: Some("veo-3.1-fast".into()),
            outcome: Some(Outcome::Delivered),
            ..all.clone()
        }),
        ["A paper boat at dusk"],
        "filters combine"
    );

    // Pages: every job once, the takes with each job; the count, apart.
    assert_eq!(library.count_matches(&all).unwrap(), 4);
    let mut seen = Vec::new();
    for offset in (0..4).step_by(3) {
        let page = library.browse(&all, offset, 3).unwrap();
        assert_eq!(page.offset, offset);
        seen.extend(page.items.into_iter().map(|i| (i.id, i.takes)));
    }
    assert_eq!(seen.len(), 4);
    assert!(seen.contains(&(boat.id.to_string(), 2)));
    let boats = LibraryFilter {
        text: Some("boat".into()),
        ..all.clone()
    };
    let page = library.browse(&boats, 0, 10).unwrap();
    assert_eq!(library.count_matches(&boats).unwrap(), 1);
    let keeper = page.items[0].keeper.as_ref().unwrap();
    assert_eq!((keeper.index, keeper.state), (1, VideoState::Saved));
    assert_eq!(keeper.id, boat.id.video(1));

    let models = library.models().unwrap();
    assert_eq!(models.len(), 2);
    assert!(models.iter().all(|m| m.jobs == 2));
}

#[test]
fn favourites_are_kept_per_take_and_filter_their_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let library = open(dir.path());
    let a = job(
        &library,
        dir.path(),
        "four takes of a fox",
        "veo-3.1",
        4,
        Some(0.25),
        day(5, 1),
    );
    job(
        &library,
        dir.path(),
        "a kite",
        "veo-3.1",
        1,
        Some(0.25),
        day(5, 2),
    );
    let keeper = || {
        let fox = LibraryFilter {
            text: Some("fox".into()),
            ..Default::default()
        };
        let page = library.browse(&fox, 0, 1).unwrap();
        page.items[0].keeper.as_ref().map(|k| k.index)
    };
    assert_eq!(keeper(), Some(1), "the first take");
    let conn = Connection::open(dir.path().join("data/library.sqlite3")).unwrap();
    conn.execute(
        "UPDATE videos SET state = 'expired' WHERE job_id = ?1 AND idx = 1",
        [a.id.to_string()],
    )
    .unwrap();
    assert_eq!(keeper(), Some(2), "else the first saved");
    library.set_favourite(&a.id.video(3), true).unwrap();
    assert_eq!(keeper(), Some(3), "a favourite above all");
    let favourites = LibraryFilter {
        favourites: true,
        ..Default::default()
    };
    let page = library.browse(&favourites, 0, 10).unwrap();
    assert_eq!(library.count_matches(&favourites).unwrap(), 1);
    let keeper = page.items[0].keeper.as_ref().unwrap();
    assert_eq!(
        (keeper.index, keeper.favourite),
        (3, true),
        "the favourite is the keeper"
    );
    assert_eq!(page.items[0].takes, 4);
    library.set_favourite(&a.id.video(3), false).unwrap();
    assert_eq!(library.count_matches(&favourites).unwrap(), 0);
    let missing = library.set_favourite(&format!("{}-1", JobId::new()), true);
    assert!(missing.is_err(), "an unknown video is refused");
}

#[test]
fn deleting_a_video_removes_its_file_and_row_but_not_what_it_cost() {
    let dir = tempfile::tempdir().unwrap();
    // Removed, not trashed: this test must not fill the trash of whoever runs it (the
    // end-to-end test deletes to a trash of its own).
    let library = open(dir.path());
    let made = job(
        &library,
        dir.path(),
        "two takes",
        "veo-3.1-fast",
        2,
        Some(0.15),
        day(6, 1),
    );
    let first = library.video(&made.id.video(1)).unwrap();
    let file = first.file().unwrap().to_owned();
    library
        .set_poster(&made.id.video(1), &[0xFF, 0xD8, 0xFF, 0xE0, 1, 2])
        .unwrap();
    let poster = library.poster(&made.id.video(1)).unwrap();

    assert_eq!(
        library
            .delete_video(&made.id.video(1), Discard::Remove)
            .unwrap(),
        Some(file.clone())
    );
    assert!(!file.exists(), "the file is gone from its folder");
    assert!(!poster.exists(), "the poster is removed");
    assert!(library.video(&made.id.video(1)).is_err(), "the row is gone");
    let job = library.job(&made.id).unwrap().unwrap();
    assert_eq!(job.videos.len(), 1);
    assert_eq!(library.spend(Period::Month, None).unwrap()[0].usd, 0.3);

    // With its last video deleted, the job leaves the grid, its searches (from the search index
    // and from a short text alike) and the model filter's counts; its cost stays in the ledger.
    let searches = ["two takes", "tw", "tak"].map(|t| LibraryFilter {
        text: Some(t.into()),
        ..LibraryFilter::default()
    });
    for filter in &searches {
        assert_eq!(prompts(&library, filter), ["two takes"]);
    }
    assert_eq!(library.search("two takes", 10).unwrap().len(), 1);
    assert_eq!(library.models().unwrap()[0].jobs, 1);
    library
        .delete_video(&made.id.video(2), Discard::Remove)
        .unwrap();
    for filter in searches.iter().chain([&LibraryFilter::default()]) {
        assert!(prompts(&library, filter).is_empty());
    }
    assert!(library.search("two takes", 10).unwrap().is_empty());
    assert!(library.models().unwrap().is_empty());
    let ledger = library.ledger(None).unwrap();
    assert_eq!((ledger[0].videos, ledger[0].usd), (2, 0.3));
}

#[test]
fn a_video_that_is_the_only_record_of_a_paid_result_cannot_be_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let library = open(dir.path());
    let made = job(
        &library,
        dir.path(),
        "one take",
        "veo-3.1",
        1,
        Some(0.15),
        day(6, 2),
    );
    let video = made.id.video(1);
    let file = library.video(&video).unwrap().file().unwrap().to_owned();
    let db = Connection::open(dir.path().join("data").join(framecast_library::DATABASE)).unwrap();
    for state in ["downloading", "failed", "link_only"] {
        db.execute("UPDATE videos SET state = ?1", [state]).unwrap();
        let refused = library.delete_video(&video, Discard::Remove).unwrap_err();
        assert!(refused.to_string().contains(state), "{refused}");
        assert!(
            library.video(&video).is_ok(),
            "a {state} video keeps its row"
        );
        assert!(file.exists(), "and its file");
    }
}

#[test]
fn a_poster_is_stored_once_and_only_as_a_small_jpeg() {
    let dir = tempfile::tempdir().unwrap();
    let library = open(dir.path());
    let made = job(
        &library,
        dir.path(),
        "a poster",
        "veo-3.1",
        1,
        Some(0.25),
        day(6, 2),
    );
    let id = made.id.video(1);
    assert!(library.poster(&id).is_none());
    assert!(!library.video(&id).unwrap().poster);
    assert!(
        library.set_poster(&id, b"\x89PNG\r\n\x1a\n").is_err(),
        "not a JPEG"
    );
    assert!(
        library.set_poster(&id, &[0xFF; 600 * 1024]).is_err(),
        "too big"
    );
    assert!(
        library
            .set_poster(&format!("{}-1", JobId::new()), &[0xFF, 0xD8, 0xFF])
            .is_err()
    );
    library.set_poster(&id, &[0xFF, 0xD8, 0xFF, 1]).unwrap();
    library.set_poster(&id, &[0xFF, 0xD8, 0xFF, 2]).unwrap();
    let path = library.poster(&id).unwrap();
    assert!(path.starts_with(dir.path().join("data/posters")));
    assert_eq!(
        std::fs::read(path).unwrap(),
        [0xFF, 0xD8, 0xFF, 1],
        "the first poster stays"
    );
    assert!(library.video(&id).unwrap().poster);
}

#[test]
fn a_job_records_which_moment_of_which_video_it_continued_from() {
    let dir = tempfile::tempdir().unwrap();
    let library = open(dir.path());
    let source = job(
        &library,
        dir.path(),
        "the first shot",
        "veo-3.1",
        2,
        Some(0.25),
        day(7, 1),
    );
    let next = job(
        &library,
        dir.path(),
        "the next shot",
        "veo-3.1-fl",
        1,
        Some(0.25),
        day(7, 2),
    );
    let from = |slot, video: String, at_ms| {
        library
            .continuation(
                slot,
                &VideoMoment {
                    video_id: video,
                    at_ms,
                },
            )
            .unwrap()
    };
    let sources = [
        from(Slot::End, source.id.video(1), 1_000),
        from(Slot::Start, source.id.video(2), 3_200),
    ];
    assert_eq!(sources[1].prompt.as_deref(), Some("the first shot"));
    library
        .record_lineage(&next.id.to_string(), &sources)
        .unwrap();
    let job = library.job(&next.id).unwrap().unwrap();
    assert_eq!(job.continues.len(), 2);
    assert_eq!(job.continues[0].slot, Slot::Start, "start first");
    assert_eq!(job.continues[0].video_id, source.id.video(2));
    assert_eq!(job.continues[0].index, 2);
    assert_eq!(job.continues[0].at_ms, 3_200);
    assert_eq!(job.continues[0].prompt.as_deref(), Some("the first shot"));
    let page = library
        .browse(
            &LibraryFilter {
                text: Some("next".into()),
                ..Default::default()
            },
            0,
            5,
        )
        .unwrap();
    assert!(page.items[0].continued);
    assert_eq!(
        library.continued_by(&source.id.to_string()).unwrap(),
        [next.id.to_string()]
    );
    let elsewhere = VideoMoment {
        video_id: format!("{}-1", JobId::new()),
        at_ms: 0,
    };
    assert!(
        library.continuation(Slot::Start, &elsewhere).is_err(),
        "a frame of a video not in the library is refused"
    );
}

#[test]
fn spend_sums_delivered_videos_at_each_jobs_price_by_day_month_and_model() {
    let dir = tempfile::tempdir().unwrap();
    let library = open(dir.path());
    job(
        &library,
        dir.path(),
        "a",
        "veo-3.1-fast",
        4,
        Some(0.15),
        day(3, 1),
    );
    job(
        &library,
        dir.path(),
        "b",
        "veo-3.1-fast",
        2,
        Some(0.15),
        day(3, 1),
    );
    job(
        &library,
        dir.path(),
        "c",
        "veo-3.1",
        1,
        Some(0.25),
        day(3, 2),
    );
    job(
        &library,
        dir.path(),
        "failed: nothing to pay",
        "veo-3.1",
        0,
        Some(0.25),
        day(3, 2),
    );
    job(
        &library,
        dir.path(),
        "d",
        "veo-3.1",
        3,
        Some(0.4),
        day(4, 20),
    );
    job(
        &library,
        dir.path(),
        "from an old CLI, no price",
        "veo-3.1",
        2,
        None,
        day(4, 21),
    );

    let months = library.spend(Period::Month, None).unwrap();
    let row = |period: &str, model: &str| {
        months
            .iter()
            .find(|r| r.period == period && r.model == model)
            .unwrap_or_else(|| panic!("no {period} {model} in {months:?}"))
            .clone()
    };
    assert_eq!(months[0].period, "2026-04", "newest first");
    let march_fast = row("2026-03", "veo-3.1-fast");
    assert_eq!(
        (march_fast.jobs, march_fast.videos, march_fast.usd),
        (2, 6, 0.9)
    );
    let march = row("2026-03", "veo-3.1");
    assert_eq!(
        (march.jobs, march.videos, march.usd),
        (1, 1, 0.25),
        "a failed job costs nothing"
    );
    let april = row("2026-04", "veo-3.1");
    assert_eq!((april.videos, april.usd, april.unpriced), (5, 1.2, 2));

    let days = library.spend(Period::Day, Some("2026-03")).unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!((days[0].period.as_str(), days[0].usd), ("2026-03-02", 0.25));
    assert_eq!((days[1].period.as_str(), days[1].usd), ("2026-03-01", 0.9));

    use chrono::TimeZone;
    let late_april = chrono::Local
        .with_ymd_and_hms(2026, 4, 28, 9, 0, 0)
        .unwrap();
    assert_eq!(library.month_to_date(late_april).unwrap(), 1.2);
    let report = library.spend_report(late_april).unwrap();
    assert_eq!(report.month, "2026-04");
    assert_eq!(report.days.len(), 2);
    assert_eq!(report.budget_usd, None);

    let ledger = library.ledger(Some("2026-03")).unwrap();
    assert_eq!(
        ledger.iter().map(|e| e.usd).collect::<Vec<_>>(),
        [0.6, 0.3, 0.25]
    );
    let csv = ledger_csv(&library.ledger(None).unwrap());
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "date,job,model,videos,price_usd,cost_usd,prompt");
    assert_eq!(
        lines.len(),
        6,
        "a header and the five jobs that delivered: {csv}"
    );
    assert!(
        lines[1].starts_with("2026-03-01 12:00,")
            && lines[1].ends_with(",veo-3.1-fast,4,0.15,0.60,a"),
        "{}",
        lines[1]
    );
    assert!(
        lines[5].ends_with(",2,,0.00,\"from an old CLI, no price\""),
        "{}",
        lines[5]
    );
}

#[test]
fn the_ledger_never_hands_a_spreadsheet_a_formula() {
    let dir = tempfile::tempdir().unwrap();
    let library = open(dir.path());
    job(
        &library,
        dir.path(),
        "=HYPERLINK(\"x\")",
        "veo-3.1",
        1,
        Some(0.25),
        day(8, 1),
    );
    let csv = ledger_csv(&library.ledger(None).unwrap());
    assert!(csv.contains(",\"'=HYPERLINK(\"\"x\"\")\"\r\n"), "{csv}");
}

#[test]
fn a_monthly_budget_is_kept_in_the_settings() {
    let dir = tempfile::tempdir().unwrap();
    let library = open(dir.path());
    assert_eq!(library.budget().unwrap(), None);
    library.set_budget(Some(25.0)).unwrap();
    assert_eq!(
        Library::open(&dir.path().join("data"))
            .unwrap()
            .budget()
            .unwrap(),
        Some(25.0)
    );
    library.set_budget(Some(0.0)).unwrap();
    assert_eq!(library.budget().unwrap(), None);
    library.set_budget(Some(f64::NAN)).unwrap();
    assert_eq!(library.budget().unwrap(), None);
}

#[test]
fn a_library_from_before_the_library_view_counts_what_its_jobs_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let mut conn = Connection::open(data.join("library.sqlite3")).unwrap();
    migrate::migrate_to(&mut conn, 3).unwrap();
    conn.execute_batch(
        "INSERT INTO jobs (id, created_at, updated_at, origin, prompt, model, n, gateway_host,
           auth_scheme, price_usd, state)
         VALUES ('019ac1a2-7c1e-7def-8abc-12345e0c9a1f', 1, 1, 'cli', 'old', 'veo-3.1', 2, 'gw',
           'bare', 0.25, 'done');
         INSERT INTO videos (job_id, idx, url, delivered_at, state)
         VALUES ('019ac1a2-7c1e-7def-8abc-12345e0c9a1f', 1, 'https://x/1', 1, 'link_only'),
                ('019ac1a2-7c1e-7def-8abc-12345e0c9a1f', 2, 'https://x/2', 1, 'expired');",
    )
    .unwrap();
    drop(conn);
    let library = Library::open(&data).unwrap();
    let page = library.browse(&LibraryFilter::default(), 0, 10).unwrap();
    assert_eq!(page.items[0].takes, 2);
    let keeper = page.items[0].keeper.as_ref().unwrap();
    assert!(!keeper.favourite && !keeper.poster);
    let job = library
        .job(&JobId::parse("019ac1a2-7c1e-7def-8abc-12345e0c9a1f").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(job.delivered, 2);
    assert_eq!(library.ledger(None).unwrap()[0].usd, 0.5);
}
