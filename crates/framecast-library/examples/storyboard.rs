//! Adds a storyboard to a library made by `fill`, for the benchmark
//! (`scripts/bench/storyboard.py`): `cargo run --release -p framecast-library --example
//! storyboard -- DIR SHOTS`. The storyboard "Bench" gets one shot from each of the newest SHOTS
//! jobs (their keeper chosen, each after the first continuing from the one before), through the
//! library's own API; with SHOTS = 0 it is empty, the benchmark's baseline.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use framecast_library::{Library, Place};
use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("usage: storyboard DIR SHOTS"));
    let shots: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(50);
    let library = Library::open(&dir).expect("the library opens");
    let board = library.create_storyboard("Bench").unwrap().id;
    let jobs = library.recent(shots, None).unwrap();
    assert_eq!(jobs.len(), shots, "the library has fewer jobs than shots");
    for (i, job) in jobs.iter().rev().enumerate() {
        let id = library
            .add_shot_from_job(&board, &job.id, Place::End)
            .unwrap();
        if i > 0 {
            let mut draft = library.shot(&id).unwrap().draft;
            draft.continues = true;
            library.update_shot(&id, &draft).unwrap();
        }
    }
    println!("{board}");
}
