//! Fuzzes the tracker with arbitrary sequences of text deltas on its two streams (`content` and
//! `reasoning_content`), after an arbitrary prompt. Nothing may panic; every video it delivers is
//! a link that appeared in the text and not one the person typed; and the events and outcome are
//! the same whether the deltas come as given, one character at a time, or joined with their
//! neighbours on the same stream.
#![no_main]

use framecast_core::chunk::Chunk;
use framecast_core::classify::links;
use framecast_core::tracker::{End, Tracker};
use framecast_core::{Event, Outcome};
use libfuzzer_sys::fuzz_target;

/// One delta: on the reasoning stream or not, and its text.
type Delta = (bool, String);

fn follow(n: u8, prompt: &str, deltas: &[Delta]) -> (Outcome, Vec<Event>) {
    let mut events = Vec::new();
    let mut tracker = Tracker::new(n).with_prompt(prompt);
    for (reasoning, text) in deltas {
        let chunk = if *reasoning {
            Chunk {
                reasoning: text.clone(),
                ..Chunk::default()
            }
        } else {
            Chunk {
                content: text.clone(),
                ..Chunk::default()
            }
        };
        tracker.on_chunk(chunk, &mut |e| events.push(e));
    }
    let outcome = tracker.finish(End::Done, &mut |e| events.push(e));
    (outcome, events)
}

fuzz_target!(|input: (u8, String, Vec<Delta>)| {
    let (n, prompt, deltas) = input;
    let n = n % 4 + 1;
    let given = follow(n, &prompt, &deltas);

    let text = |on_reasoning: bool| -> String {
        deltas
            .iter()
            .filter(|d| d.0 == on_reasoning)
            .map(|d| d.1.as_str())
            .collect()
    };
    let (content, reasoning) = (text(false), text(true));
    let typed: Vec<&str> = links(&prompt).collect();
    for video in &given.0.videos {
        let url = video.url.as_str();
        assert!(
            content.contains(url) || reasoning.contains(url),
            "{url:?} was never sent"
        );
        assert!(!typed.contains(&url), "{url:?} was typed, not delivered");
    }
    let announced = given
        .1
        .iter()
        .filter(|e| matches!(e, Event::Video { .. }))
        .count();
    assert_eq!(announced, given.0.videos.len());

    let by_char: Vec<Delta> = deltas
        .iter()
        .flat_map(|(r, t)| t.chars().map(move |c| (*r, c.to_string())))
        .collect();
    assert_eq!(follow(n, &prompt, &by_char), given);

    let mut joined: Vec<Delta> = Vec::new();
    for (r, t) in &deltas {
        match joined.last_mut() {
            Some((last, text)) if last == r => text.push_str(t),
            _ => joined.push((*r, t.clone())),
        }
    }
    assert_eq!(follow(n, &prompt, &joined), given);
});
