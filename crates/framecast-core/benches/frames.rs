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

#[path = "support/photo.rs"]
mod photo;
use photo::photo;

const W: u32 = 6000;
const H: u32 = 4000;

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
