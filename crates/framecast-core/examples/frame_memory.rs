//! Peak memory while preparing one frame, against the frame's decoded size.
//!
//! `cargo run --release -p framecast-core --example frame_memory [FILE...]`. Without files it
//! makes a 6000×4000 photo-like JPEG (baseline and progressive) and a 6000×4000 RGBA PNG. Two
//! measures: the Rust heap's peak (dhat's global allocator), and on Linux the process's peak
//! resident set (VmHWM, reset before each frame), which also sees libjpeg-turbo's own memory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use framecast_core::frames::{self, FrameOptions};
use image::ImageEncoder;

#[path = "../benches/support/photo.rs"]
mod photo;
use photo::photo;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn inputs() -> Vec<(String, Vec<u8>)> {
    let (w, h) = (6000u32, 4000u32);
    let rgb = photo(w, h);
    let jpeg = |progressive: bool| {
        let mut c = turbojpeg::Compressor::new().unwrap();
        c.set_quality(92).unwrap();
        c.set_subsamp(turbojpeg::Subsamp::Sub2x2).unwrap();
        c.set_progressive(progressive).unwrap();
        let image = turbojpeg::Image {
            pixels: rgb.as_slice(),
            width: w as usize,
            pitch: w as usize * 3,
            height: h as usize,
            format: turbojpeg::PixelFormat::RGB,
        };
        c.compress_to_vec(image).unwrap()
    };
    let rgba: Vec<u8> = rgb
        .chunks_exact(3)
        .enumerate()
        .flat_map(|(i, p)| [p[0], p[1], p[2], if i % 7 == 0 { 128 } else { 255 }])
        .collect();
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new_with_quality(
        &mut png,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::Adaptive,
    )
    .write_image(&rgba, w, h, image::ExtendedColorType::Rgba8)
    .unwrap();
    vec![
        ("photo-6000x4000-q92-baseline.jpg".into(), jpeg(false)),
        ("photo-6000x4000-q92-progressive.jpg".into(), jpeg(true)),
        ("photo-6000x4000-rgba.png".into(), png),
    ]
}

fn status(key: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace()
        .nth(1)?
        .parse::<u64>()
        .ok()
        .map(|kb| kb * 1024)
}

fn mb(b: u64) -> f64 {
    b as f64 / 1e6
}

/// Measures one file in this process.
fn measure(path: &str) {
    let bytes = std::fs::read(path).unwrap();
    let probe = image::ImageReader::new(std::io::Cursor::new(&bytes))
        .with_guessed_format()
        .unwrap();
    let (w, h) = probe.into_dimensions().unwrap();
    let alpha = bytes.starts_with(b"\x89PNG") && matches!(bytes.get(25), Some(4 | 6));
    let decoded = u64::from(w) * u64::from(h) * if alpha { 4 } else { 3 };

    let _profiler = dhat::Profiler::builder().testing().build();
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_before = status("VmRSS:");
    let heap_before = dhat::HeapStats::get();
    let frame = frames::prepare_bytes(&bytes, &FrameOptions::default()).unwrap();
    let heap = dhat::HeapStats::get();
    let rss_peak = status("VmHWM:");
    let heap_peak = heap.max_bytes.saturating_sub(heap_before.curr_bytes) as u64;
    println!(
        "{path} ({} bytes): decoded {w}x{h} = {:.1} MB -> sent {}x{} {} ({} bytes)",
        bytes.len(),
        mb(decoded),
        frame.facts.width,
        frame.facts.height,
        frame.facts.mime,
        frame.facts.bytes
    );
    println!(
        "  Rust heap peak above the input: {:.1} MB = {:.2}x decoded",
        mb(heap_peak),
        heap_peak as f64 / decoded as f64
    );
    if let (Some(before), Some(peak)) = (rss_before, rss_peak) {
        let grown = peak.saturating_sub(before);
        println!(
            "  process peak RSS above the start: {:.1} MB = {:.2}x decoded",
            mb(grown),
            grown as f64 / decoded as f64
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [one] = args.as_slice() {
        measure(one);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<String> = if args.is_empty() {
        inputs()
            .into_iter()
            .map(|(name, bytes)| {
                let path = dir.path().join(name);
                std::fs::write(&path, bytes).unwrap();
                path.to_string_lossy().into_owned()
            })
            .collect()
    } else {
        args
    };
    let me = std::env::current_exe().unwrap();
    for path in paths {
        let status = std::process::Command::new(&me).arg(&path).status().unwrap();
        assert!(status.success());
    }
}
