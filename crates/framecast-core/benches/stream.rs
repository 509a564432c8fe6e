//! How fast the pure engine follows a gateway's stream, on a large recorded stream: the SSE
//! framing alone, and everything together (SSE decoding, chunk JSON, line classification, events),
//! against a bare newline scan of the same bytes (the least any line-based reader must do)
//! measured in the same run.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use framecast_core::tracker::replay;
use std::hint::black_box;

/// A long generation as the gateway streams it: the echo, a waiting line, then progress chunks
/// with keep-alives in between, four success lines, usage and `[DONE]` — about 16 MB.
fn recorded_stream() -> Vec<u8> {
    let chunk = |content: &str| {
        let v = serde_json::json!({
            "id": "foaicmpl-bench", "object": "chat.completion.chunk", "created": 1_762_181_811,
            "model": "veo-3.1-fast",
            "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": null}],
        });
        format!("data: {v}\n\n")
    };
    let mut s = String::new();
    s.push_str(&chunk(
        "```json\n{\n    \"prompt\": \"画只猪在天上飞\",\n    \"mode\": \"竖屏模式\"\n}\n```\n\n",
    ));
    s.push_str(&chunk("> ⌛️ 视频正在生成中，请耐心等待...\n\n"));
    let mut i = 0u64;
    while s.len() < 16 << 20 {
        let p = (i % 1000) as f64 / 10.0;
        s.push_str(&chunk(&format!("> 🏃 进度：{p:.1}%\n\n")));
        if i.is_multiple_of(20) {
            s.push_str(": PING\n\n");
        }
        i += 1;
    }
    for n in 1..=4 {
        s.push_str(&chunk(&format!(
            "> ✅ 第{n}个视频生成成功，[点击这里](https://cdn.example/assets/flow/{n}.mp4) 查看视频~~~\n\n"
        )));
    }
    s.push_str("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":16,\"completion_tokens\":292,\"total_tokens\":308}}\n\ndata: [DONE]\n\n");
    s.into_bytes()
}

fn bench(c: &mut Criterion) {
    let stream = recorded_stream();
    // Network reads of 16 KiB, as a socket delivers them.
    let pieces: Vec<&[u8]> = stream.chunks(16 * 1024).collect();
    let outcome = replay(pieces.iter().copied(), 4, 1 << 20, &mut |_| {});
    assert!(outcome.is_success() && outcome.videos.len() == 4);

    let mut group = c.benchmark_group("stream");
    group.throughput(Throughput::Bytes(stream.len() as u64));
    group.sample_size(20);
    group.bench_function("baseline: newline scan", |b| {
        b.iter(|| memchr::memchr_iter(b'\n', black_box(&stream)).count())
    });
    group.bench_function("SSE framing alone", |b| {
        b.iter(|| {
            let mut decoder = framecast_core::sse::SseDecoder::new(1 << 20);
            let mut events = 0usize;
            for piece in black_box(&pieces) {
                let _ = decoder.feed(piece, &mut |_| events += 1);
            }
            events
        })
    });
    group.bench_function("decode + classify", |b| {
        b.iter(|| {
            let mut events = 0usize;
            let o = replay(black_box(&pieces).iter().copied(), 4, 1 << 20, &mut |_| {
                events += 1
            });
            (o.videos.len(), events)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
