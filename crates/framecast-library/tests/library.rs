//! The library against a real SQLite file: schema versions, the write-ahead records, search,
//! concurrent writers, and recovery of what a gone process left.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use framecast_core::{
    AuthScheme, ErrorKind, ErrorReport, Event, GenerationRequest, JobId, JobSpec, Phase,
};
use framecast_library::migrate::{self, MIGRATIONS};
use framecast_library::{JobState, Library, NewJob, Origin, Recorder, VideoState};
use rusqlite::Connection;
use std::path::Path;
use std::sync::Arc;

fn spec(prompt: &str, n: u8, save: Option<&Path>) -> JobSpec {
    JobSpec {
        id: JobId::new(),
        request: GenerationRequest {
            n,
            ..GenerationRequest::text(prompt)
        },
        frames_sha256: Vec::new(),
        references_sha256: Vec::new(),
        save_dir: save.map(Path::to_owned),
        label: None,
    }
}

fn begin(library: &Library, spec: &JobSpec) {
    library
        .begin_job(&NewJob {
            spec,
            origin: Origin::Cli,
            gateway_host: "gw.example".into(),
            auth_scheme: AuthScheme::Bare,
            price_usd: Some(0.15),
            retry_of: None,
            frames: Vec::new(),
            references: Vec::new(),
            route: framecast_core::RouteKind::Stream,
            base_url: "https://gw.example".into(),
            profile_id: None,
            overall: std::time::Duration::from_secs(1200),
        })
        .unwrap();
}

/// The schema as SQLite describes it, to compare a migrated library with a new one.
fn schema(conn: &Connection) -> Vec<String> {
    let mut stmt = conn
        .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn every_earlier_schema_migrates_to_the_newest_keeping_its_rows() {
    let fresh = tempfile::tempdir().unwrap();
    let newest = Library::open(fresh.path()).unwrap();
    drop(newest);
    let want = schema(&Connection::open(fresh.path().join("library.sqlite3")).unwrap());

    for from in 0..MIGRATIONS.len() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("library.sqlite3")).unwrap();
        migrate::migrate_to(&mut conn, from).unwrap();
        assert_eq!(migrate::version(&conn).unwrap(), from);
        if from >= 1 {
            conn.execute(
                "INSERT INTO jobs (id, created_at, updated_at, origin, prompt, model, n,
                   gateway_host, auth_scheme, state)
                 VALUES ('019ac1a2-7c1e-7def-8abc-12345e0c9a1f', 1, 1, 'cli', 'an old job',
                   'veo-3.1', 1, 'gw', 'bare', 'done')",
                [],
            )
            .unwrap();
        }
        drop(conn);
        let library = Library::open(dir.path()).unwrap();
        assert_eq!(library.count().unwrap(), u64::from(from >= 1));
        assert_eq!(library.integrity_check().unwrap(), "ok");
        drop(library);
        let conn = Connection::open(dir.path().join("library.sqlite3")).unwrap();
        assert_eq!(migrate::version(&conn).unwrap(), MIGRATIONS.len());
        assert_eq!(schema(&conn), want, "migrated from version {from}");
    }
}

#[test]
fn many_processes_opening_a_new_library_at_once_all_get_it() {
    // Each connection is opened as a process would; one switching the new file to WAL while
    // another still reads it used to be answered "database is locked" at once.
    for _ in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let start = Arc::new(std::sync::Barrier::new(8));
        let openers: Vec<_> = (0..8)
            .map(|_| {
                let (dir, start) = (dir.path().to_owned(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    Library::open(&dir).map(|l| l.count().unwrap())
                })
            })
            .collect();
        for opener in openers {
            assert_eq!(opener.join().unwrap().unwrap(), 0);
        }
    }
}

#[test]
fn a_library_from_a_newer_framecast_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    drop(Library::open(dir.path()).unwrap());
    let conn = Connection::open(dir.path().join("library.sqlite3")).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let e = Library::open(dir.path()).unwrap_err();
    let e = framecast_core::Error::from(e);
    assert!(
        e.message(framecast_core::Lang::En)
            .contains("newer Framecast")
    );
    let conn = Connection::open(dir.path().join("library.sqlite3")).unwrap();
    assert_eq!(migrate::version(&conn).unwrap(), 99);
}

#[test]
fn a_job_id_starts_once() {
    let dir = tempfile::tempdir().unwrap();
    let library = Library::open(dir.path()).unwrap();
    let spec = spec("a pig", 1, None);
    begin(&library, &spec);
    let again = library.begin_job(&NewJob {
        spec: &spec,
        origin: Origin::App,
        gateway_host: "gw".into(),
        auth_scheme: AuthScheme::Bare,
        price_usd: None,
        retry_of: None,
        frames: Vec::new(),
        references: Vec::new(),
        route: framecast_core::RouteKind::Stream,
        base_url: "https://gw.example".into(),
        profile_id: None,
        overall: std::time::Duration::from_secs(1200),
    });
    let e = framecast_core::Error::from(again.unwrap_err());
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(
        e.message(framecast_core::Lang::En)
            .contains("already started")
    );
    assert_eq!(library.count().unwrap(), 1);
}

#[test]
fn events_become_rows_before_anyone_sees_them() {
    let dir = tempfile::tempdir().unwrap();
    let videos = dir.path().join("videos");
    let library = Arc::new(Library::open(dir.path()).unwrap());
    let spec = spec("a paper boat", 2, Some(&videos));
    begin(&library, &spec);
    let job = library.job(&spec.id).unwrap().unwrap();
    assert_eq!(job.state, JobState::Running);
    assert_eq!(job.price_usd, Some(0.15));

    let recorder = Recorder::new(library.clone(), &spec);
    recorder.observe(&Event::Status {
        phase: Some(Phase::Generating),
        text: Some("视频正在生成中".into()),
    });
    recorder.observe(&Event::Video {
        index: 1,
        url: "https://cdn.example/1.mp4".into(),
        extra: false,
    });
    // Committed at once: another connection (another process) sees it.
    let other = Library::open(dir.path()).unwrap();
    let seen = other.job(&spec.id).unwrap().unwrap();
    assert_eq!(seen.phase, Some(Phase::Generating));
    assert_eq!(seen.videos.len(), 1);
    assert_eq!(seen.videos[0].state, VideoState::Downloading);
    assert_eq!(seen.videos[0].path, spec.video_path(1));

    let saved = videos.join("v.mp4");
    recorder.observe(&Event::Saved {
        index: 1,
        video: spec.id.video(1),
        path: saved.clone(),
        bytes: 10,
    });
    recorder.observe(&Event::Video {
        index: 2,
        url: "https://cdn.example/2.mp4".into(),
        extra: false,
    });
    let expired = ErrorReport::from(&framecast_core::Error::new(ErrorKind::Expired));
    recorder.observe(&Event::DownloadFailed {
        index: 2,
        error: expired,
    });
    let job = other.job(&spec.id).unwrap().unwrap();
    assert_eq!(job.videos[0].state, VideoState::Saved);
    assert_eq!(job.videos[0].path.as_deref(), Some(saved.as_path()));
    assert_eq!(job.videos[1].state, VideoState::Expired);
    assert_eq!(job.videos[1].url, "https://cdn.example/2.mp4");
}

#[test]
fn prompts_are_found_by_any_part_in_any_script() {
    let dir = tempfile::tempdir().unwrap();
    let library = Library::open(dir.path()).unwrap();
    for prompt in [
        "A paper boat on a rainy street",
        "画只猪在天上飞",
        "Sunrise over the sea",
    ] {
        begin(&library, &spec(prompt, 1, None));
    }
    let found = |q: &str| -> Vec<String> {
        library
            .search(q, 10)
            .unwrap()
            .into_iter()
            .map(|j| j.prompt)
            .collect()
    };
    assert_eq!(found("paper"), ["A paper boat on a rainy street"]);
    assert_eq!(found("RAINY str"), ["A paper boat on a rainy street"]);
    assert_eq!(found("猪在天"), ["画只猪在天上飞"]);
    assert_eq!(found("飞"), ["画只猪在天上飞"]);
    assert_eq!(found("se"), ["Sunrise over the sea"]);
    assert_eq!(found("\"quoted\" OR x"), Vec::<String>::new());
    assert_eq!(found("").len(), 3);
    // Newest first.
    assert_eq!(found("")[0], "Sunrise over the sea");
}

#[test]
fn concurrent_writers_lose_no_rows() {
    let dir = tempfile::tempdir().unwrap();
    drop(Library::open(dir.path()).unwrap());
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let dir = dir.path().to_owned();
            std::thread::spawn(move || {
                let library = Arc::new(Library::open(&dir).unwrap());
                for i in 0..25 {
                    let spec = spec(&format!("writer {w} job {i}"), 2, None);
                    begin(&library, &spec);
                    let recorder = Recorder::new(library.clone(), &spec);
                    for index in 1..=2 {
                        recorder.observe(&Event::Video {
                            index,
                            url: format!("https://cdn.example/{w}-{i}-{index}.mp4"),
                            extra: false,
                        });
                    }
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let library = Library::open(dir.path()).unwrap();
    assert_eq!(library.count().unwrap(), 100);
    let videos: usize = library
        .recent(1000, None)
        .unwrap()
        .iter()
        .map(|j| j.videos.len())
        .sum();
    assert_eq!(videos, 200);
    assert_eq!(library.integrity_check().unwrap(), "ok");
}

#[test]
fn what_a_gone_process_left_is_taken_over_once_and_never_resent() {
    let dir = tempfile::tempdir().unwrap();
    let videos = dir.path().join("videos");
    let gone = Arc::new(Library::open(dir.path()).unwrap());
    // Cut mid-stream with one of two videos delivered.
    let cut = spec("cut mid-stream", 2, Some(&videos));
    begin(&gone, &cut);
    Recorder::new(gone.clone(), &cut).observe(&Event::Video {
        index: 1,
        url: "https://cdn.example/a.mp4".into(),
        extra: false,
    });
    // The stream had ended; one download was still running.
    let downloading = spec("downloads left", 1, Some(&videos));
    begin(&gone, &downloading);
    let r = Recorder::new(gone.clone(), &downloading);
    r.observe(&Event::Video {
        index: 1,
        url: "https://cdn.example/b.mp4".into(),
        extra: false,
    });
    r.observe(&Event::Status {
        phase: Some(Phase::Downloading),
        text: None,
    });

    // A process still running keeps its jobs.
    let alive = Library::open(dir.path()).unwrap();
    let running = spec("still running elsewhere", 1, None);
    begin(&alive, &running);

    drop(r);
    drop(Arc::try_unwrap(gone).unwrap());
    let me = Library::open(dir.path()).unwrap();
    let mut recovered = me.recover().unwrap();
    recovered.sort_by_key(|r| r.job.prompt.clone());
    assert_eq!(recovered.len(), 2, "{recovered:#?}");
    let (cut_job, left_job) = (&recovered[0], &recovered[1]);
    assert_eq!(cut_job.job.prompt, "cut mid-stream");
    assert_eq!(cut_job.was, JobState::Running);
    assert_eq!(cut_job.job.state, JobState::Interrupted);
    assert_eq!(cut_job.downloads.len(), 1);
    assert_eq!(
        cut_job.downloads[0].origin.source_url,
        "https://cdn.example/a.mp4"
    );
    assert_eq!(Some(cut_job.downloads[0].target.clone()), cut.video_path(1));
    assert_eq!(left_job.job.state, JobState::Done);
    assert_eq!(left_job.downloads.len(), 1);

    // Taken over once: a second process finds nothing more to do.
    let another = Library::open(dir.path()).unwrap();
    assert!(another.recover().unwrap().is_empty());
    assert_eq!(
        alive.job(&running.id).unwrap().unwrap().state,
        JobState::Running
    );
}

#[test]
fn a_flood_of_failure_lines_is_bounded_in_what_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let library = Arc::new(Library::open(dir.path()).unwrap());
    let spec = spec("a flood", 2, None);
    begin(&library, &spec);
    let recorder = Recorder::new(library.clone(), &spec);
    for i in 0..20_000u32 {
        recorder.observe(&Event::VideoFailed {
            index: Some(1 + u8::from(i % 2 == 1)),
            reason: format!("retrying upstream {i}"),
        });
    }
    // The first one is written at once (another process sees it), the list stays bounded.
    let seen = Library::open(dir.path())
        .unwrap()
        .job(&spec.id)
        .unwrap()
        .unwrap();
    assert!(!seen.failures.is_empty());
    assert!(
        seen.failures.len() <= framecast_library::recorder::KEPT_FAILURES + 1,
        "{}",
        seen.failures.len()
    );
    // Extra videos are links, not downloads.
    recorder.observe(&Event::Video {
        index: 3,
        url: "https://cdn.example/3.mp4".into(),
        extra: true,
    });
    let job = library.job(&spec.id).unwrap().unwrap();
    assert_eq!(job.videos[0].state, VideoState::LinkOnly);
}
