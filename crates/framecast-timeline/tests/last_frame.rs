//! The last picture of a take, decoded in Rust, against ffmpeg's decode of the same file: the
//! planes all but identical (a sample in 100,000 may differ, above 60 dB), and the RGB picture
//! above 45 dB PSNR against ffmpeg's conversion with the same matrix. Takes like Veo's (High profile, B-frames, CABAC),
//! the mock gateway's sample (Main), one without B-frames in CAVLC (without 8×8 transforms, which OpenH264 decodes only in CABAC reliably), and one at 1080p (whose coded
//! height, 1088, is cropped).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use framecast_core::ErrorKind;
use framecast_timeline::last_frame::{Matrix, Picture, last_picture};
use std::path::Path;
use support::{Take, make, run};

/// ffmpeg's last decoded picture of `path`, as raw frames of `pix_fmt` (the last `frame` bytes).
fn ffmpeg_last(path: &Path, filter: &str, pix_fmt: &str, frame: usize) -> Vec<u8> {
    let out = tempfile::NamedTempFile::new().unwrap();
    run(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-y",
            "-sseof",
            "-1",
            "-i",
            &path.display().to_string(),
            "-map",
            "0:v",
            "-fps_mode",
            "passthrough",
            "-vf",
            filter,
            "-pix_fmt",
            pix_fmt,
            "-f",
            "rawvideo",
            &out.path().display().to_string(),
        ]
        .map(str::to_owned),
    );
    let all = std::fs::read(out.path()).unwrap();
    assert!(
        all.len() >= frame && all.len().is_multiple_of(frame),
        "ffmpeg gave {} bytes",
        all.len()
    );
    all[all.len() - frame..].to_vec()
}

fn planes(p: &Picture) -> Vec<u8> {
    [p.y.as_slice(), &p.u, &p.v].concat()
}

fn psnr(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    let mse = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum::<f64>()
        / a.len() as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}

/// Checks the decoded last picture of `path` against ffmpeg's.
fn matches_ffmpeg(path: &Path, width: u32, height: u32, matrix: Matrix) -> Picture {
    let picture = last_picture(path).unwrap();
    assert_eq!((picture.width, picture.height), (width, height));
    assert_eq!(picture.matrix, matrix);
    let (w, h) = (width as usize, height as usize);
    let yuv = ffmpeg_last(
        path,
        "null",
        "yuv420p",
        w * h + 2 * w.div_ceil(2) * h.div_ceil(2),
    );
    // OpenH264 and ffmpeg agree to within a chroma sample or two in a million (one off by one
    // at a picture's bottom edge in these takes): far above any visible difference.
    let mine = planes(&picture);
    let differ = mine.iter().zip(&yuv).filter(|(a, b)| a != b).count();
    assert!(
        differ * 100_000 <= mine.len() && psnr(&mine, &yuv) > 60.0,
        "{differ} samples differ from ffmpeg's ({:.1} dB)",
        psnr(&mine, &yuv)
    );
    let name = match matrix {
        Matrix::Bt601 => "bt601",
        Matrix::Bt709 => "bt709",
    };
    let filter = format!("scale=in_color_matrix={name}:in_range=tv:out_range=pc");
    let rgb = ffmpeg_last(path, &filter, "rgb24", w * h * 3);
    let db = psnr(&picture.rgb(), &rgb);
    assert!(db > 45.0, "RGB is {db:.1} dB from ffmpeg's");
    picture
}

#[test]
fn a_take_like_veos_decodes_to_ffmpegs_last_picture() {
    let path = make(&Take::default());
    let picture = matches_ffmpeg(&path, 1280, 720, Matrix::Bt709);
    // 2 s at 24 fps: the last picture is shown at 47/24 s.
    assert_eq!(picture.at_ms, 1958);
    let png = picture.png().unwrap();
    let decoded = image::load_from_memory(&png).unwrap().to_rgb8();
    assert_eq!(decoded.dimensions(), (1280, 720));
    assert!(decoded.as_raw() == &picture.rgb());
}

#[test]
fn the_mock_gateways_sample_main_profile() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../framecast-mock/fixtures/sample.mp4");
    matches_ffmpeg(&path, 640, 360, Matrix::Bt601);
}

#[test]
fn a_take_without_b_frames_in_cavlc() {
    let path = make(&Take {
        pattern: "testsrc",
        x264: "bframes=0:ref=1:cabac=0:8x8dct=0",
        tone: None,
        ..Take::default()
    });
    matches_ffmpeg(&path, 1280, 720, Matrix::Bt709);
}

#[test]
fn a_1080p_take_is_cropped_to_its_picture() {
    let path = make(&Take {
        width: 1920,
        height: 1080,
        seconds: 1.0,
        gop: 12,
        tone: None,
        ..Take::default()
    });
    matches_ffmpeg(&path, 1920, 1080, Matrix::Bt709);
}

#[test]
fn a_file_that_is_not_a_video_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.mp4");
    std::fs::write(&path, b"not a video at all").unwrap();
    let e = last_picture(&path).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(
        e.message(framecast_core::Lang::En).contains("notes.mp4"),
        "{e}"
    );
}
