//! Fuzzes the pure stream path: arbitrary bytes, cut into arbitrary reads, through the SSE
//! decoder, the chunk reader, the line classifier and the tracker. Nothing may panic, memory must
//! stay bounded by the event limit, and the outcome must not depend on how the bytes were cut.
#![no_main]

use framecast_core::classify::classify;
use framecast_core::tracker::replay;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Some((&cut, data)) = input.split_first() else { return };
    let size = usize::from(cut).max(1);
    let whole = replay([data], 2, 4096, &mut |_| {});
    let pieces: Vec<&[u8]> = data.chunks(size).collect();
    let cut_up = replay(pieces, 2, 4096, &mut |_| {});
    assert_eq!(whole, cut_up);
    for line in String::from_utf8_lossy(data).lines() {
        let _ = classify(line);
    }
});
