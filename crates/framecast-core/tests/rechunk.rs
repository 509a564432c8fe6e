//! However the network cuts a stream into reads — down to one byte at a time — the engine must
//! see the same events and reach the same outcome.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use framecast_core::tracker::replay;
use framecast_core::{Event, Outcome};
use framecast_mock::scenario::{Ask, script};
use proptest::prelude::*;
use std::time::Duration;

/// The scenarios whose whole answer is an event stream.
const RECORDED: &[&str] = &[
    "success",
    "partial",
    "failure",
    "error-frame",
    "crlf-keepalive",
    "reasoning",
    "unnumbered",
    "go-escaped",
    "no-done",
    "echo-one-line",
    "echo-unclosed",
    "echo-inline-close",
    "echo-nested",
    "echo-status-inside",
    "echo-tilde",
    "result-in-echo",
];

fn recorded(scenario: &str, n: u8) -> Vec<u8> {
    let ask = Ask {
        prompt: "画只猪在天上飞",
        model: "veo-3.1-fast",
        n,
        stream: true,
        base: "https://cdn.example",
        job: 7,
        tick: Duration::ZERO,
        authorization: None,
    };
    script(scenario, &ask)
        .unwrap()
        .writes
        .into_iter()
        .flat_map(|(_, b)| b.to_vec())
        .collect()
}

fn follow(pieces: &[&[u8]], n: u8) -> (Outcome, Vec<Event>) {
    let mut events = Vec::new();
    let outcome = replay(pieces.iter().copied(), n, 1 << 20, &mut |e| events.push(e));
    (outcome, events)
}

fn split_at_points(bytes: &[u8], mut points: Vec<usize>) -> Vec<&[u8]> {
    points.retain(|&p| p <= bytes.len());
    points.sort_unstable();
    points.dedup();
    let mut pieces = Vec::new();
    let mut from = 0;
    for p in points {
        pieces.push(&bytes[from..p]);
        from = p;
    }
    pieces.push(&bytes[from..]);
    pieces
}

#[test]
fn every_two_piece_split_gives_the_same_outcome() {
    for scenario in RECORDED {
        let bytes = recorded(scenario, 2);
        let whole = follow(&[&bytes], 2);
        for cut in 0..=bytes.len() {
            assert_eq!(
                follow(&[&bytes[..cut], &bytes[cut..]], 2),
                whole,
                "{scenario} cut at {cut}"
            );
        }
    }
}

#[test]
fn one_byte_at_a_time_gives_the_same_outcome() {
    for scenario in RECORDED {
        let bytes = recorded(scenario, 3);
        let whole = follow(&[&bytes], 3);
        let bytewise: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(follow(&bytewise, 3), whole, "{scenario}");
    }
}

#[test]
fn the_recorded_streams_mean_what_they_say() {
    let (o, _) = follow(&[&recorded("success", 4)], 4);
    assert!(o.is_success());
    assert_eq!(o.videos.len(), 4);
    let (o, _) = follow(&[&recorded("partial", 4)], 4);
    assert_eq!(o.videos.len(), 3);
    assert!(!o.is_success());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_rechunking_gives_the_same_outcome(
        scenario in prop::sample::select(RECORDED),
        n in 1u8..=4,
        points in prop::collection::vec(any::<prop::sample::Index>(), 0..64),
    ) {
        let bytes = recorded(scenario, n);
        let whole = follow(&[&bytes], n);
        let points = points.iter().map(|i| i.index(bytes.len() + 1)).collect();
        prop_assert_eq!(follow(&split_at_points(&bytes, points), n), whole);
    }
}
