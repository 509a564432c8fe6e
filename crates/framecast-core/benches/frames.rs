//! The frame pipeline on a 24-megapixel phone-like photo, against the straightforward `image`
//! pipeline (decode, Lanczos3 resize, JPEG encode) measured in the same run, plus the JPEG
//! decoders that were candidates.
//!
//! `cargo bench -p framecast-core --bench frames`. After criterion's groups, the two pipelines
//! are also timed interleaved (one of each per round) and their medians and ratio printed, so a
//! noisy machine slows both alike.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use criterion::{Criterion, black_box, criterion_group};
use framecast_core::CancellationToken;
use framecast_core::frames::{self, FrameOptions, FrameSource};
use std::time::{Duration, Instant};

const W: u32 = 6000;
const H: u32 = 4000;

/// A photo-like image: smooth gradients, a fine texture and sensor-like noise (flat colour would
/// compress unrealistically well).
fn photo(w: u32, h: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity((w * h * 3) as usize);
    let mut s: u32 = 0x1234_5678;
    for y in 0..h {
        let fy = y as f32 / h as f32;
        let cy = (y as f32 * 0.03).cos();
        for x in 0..w {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let n = (s & 15) as i32 - 8;
            let fx = x as f32 / w as f32;
            let t = ((x as f32 * 0.05).sin() * cy * 20.0) as i32;
            let r = (fx * 180.0 + 40.0) as i32 + t + n;
            let g = (fy * 160.0 + 50.0) as i32 - t / 2 + n;
            let b = ((fx + fy) * 90.0 + 30.0) as i32 + n;
            v.extend([r, g, b].map(|c| c.clamp(0, 255) as u8));
        }
    }
    v
}

fn photo_jpeg() -> Vec<u8> {
    let rgb = photo(W, H);
    let image = turbojpeg::Image {
        pixels: rgb.as_slice(),
        width: W as usize,
        pitch: W as usize * 3,
        height: H as usize,
        format: turbojpeg::PixelFormat::RGB,
    };
    turbojpeg::compress(image, 92, turbojpeg::Subsamp::Sub2x2)
        .unwrap()
        .to_vec()
}

/// The straightforward pipeline: `image` decode, Lanczos3 resize, `image` JPEG encode, base64.
fn baseline(bytes: &[u8]) -> String {
    let img = image::load_from_memory(bytes).unwrap();
    let img = img.resize(1920, 1920, image::imageops::FilterType::Lanczos3);
    let mut out = Vec::new();
    img.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
        &mut out, 90,
    ))
    .unwrap();
    format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&out)
    )
}

fn ours(bytes: &[u8]) -> String {
    frames::prepare_bytes(bytes, &FrameOptions::default())
        .unwrap()
        .data_url
}

fn pipelines(c: &mut Criterion) {
    let jpg = photo_jpeg();
    let mut g = c.benchmark_group("frame_24mp");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.bench_function("framecast_prepare", |b| b.iter(|| ours(black_box(&jpg))));
    g.bench_function("image_crate_baseline", |b| {
        b.iter(|| baseline(black_box(&jpg)))
    });
    let rt = tokio::runtime::Runtime::new().unwrap();
    let shared = bytes::Bytes::from(jpg.clone());
    g.bench_function("framecast_prepare_pair", |b| {
        b.iter(|| {
            rt.block_on(frames::prepare_pair(
                FrameSource::Bytes(shared.clone()),
                Some(FrameSource::Bytes(shared.clone())),
                &FrameOptions::default(),
                &CancellationToken::new(),
            ))
            .unwrap()
        })
    });
    g.finish();
}

fn turbo_decode(bytes: &[u8], denom: usize) -> usize {
    let mut d = turbojpeg::Decompressor::new().unwrap();
    let factor = turbojpeg::ScalingFactor::new(1, denom);
    d.set_scaling_factor(factor).unwrap();
    let header = d.read_header(bytes).unwrap().scaled(factor);
    let mut image = turbojpeg::Image {
        pixels: vec![0u8; header.width * header.height * 3],
        width: header.width,
        pitch: header.width * 3,
        height: header.height,
        format: turbojpeg::PixelFormat::RGB,
    };
    d.decompress(bytes, image.as_deref_mut()).unwrap();
    image.pixels.len()
}

fn decoders(c: &mut Criterion) {
    let jpg = photo_jpeg();
    let mut g = c.benchmark_group("jpeg_decode_24mp");
    g.sample_size(10).measurement_time(Duration::from_secs(4));
    g.bench_function("zune_jpeg_full (image crate)", |b| {
        b.iter(|| image::load_from_memory(black_box(&jpg)).unwrap())
    });
    g.bench_function("jpeg_decoder_half", |b| {
        b.iter(|| {
            let mut d = jpeg_decoder::Decoder::new(black_box(&jpg[..]));
            d.read_info().unwrap();
            d.scale(3000, 2000).unwrap();
            d.decode().unwrap()
        })
    });
    g.bench_function("libjpeg_turbo_full", |b| {
        b.iter(|| turbo_decode(black_box(&jpg), 1))
    });
    g.bench_function("libjpeg_turbo_half", |b| {
        b.iter(|| turbo_decode(black_box(&jpg), 2))
    });
    g.finish();
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Both pipelines, one after the other in each round, so machine noise hits both.
fn interleaved() {
    let jpg = photo_jpeg();
    let rounds = 15;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let (mut ours_len, mut base_len) = (0, 0);
    for _ in 0..rounds {
        let t = Instant::now();
        ours_len = black_box(ours(&jpg)).len();
        a.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        base_len = black_box(baseline(&jpg)).len();
        b.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let (ma, mb) = (median(a), median(b));
    println!(
        "\ninterleaved over {rounds} rounds, 6000x4000 JPEG q92 ({} bytes):\n  framecast prepare: median {ma:.1} ms ({ours_len} data-URL bytes)\n  image-crate baseline: median {mb:.1} ms ({base_len} data-URL bytes)\n  ratio: {:.2}x",
        jpg.len(),
        mb / ma
    );
}

criterion_group!(benches, pipelines, decoders);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    if !std::env::args().any(|a| a == "--list" || a == "--test") {
        interleaved();
    }
}
