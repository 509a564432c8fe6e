//! The frame pipeline against images these tests make themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use framecast_core::frames::{
    self, Action, FrameOptions, FrameSize, FrameSource, ModelAspect, Origin, PreparedFrame, Shape,
    SourceFormat, Transparency, WarningCode,
};
use framecast_core::{CancellationToken, ErrorKind, GenerationRequest, Lang};
use image::{GenericImageView, ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage};
use std::io::Cursor;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const RED: [u8; 3] = [230, 20, 20];
const GREEN: [u8; 3] = [20, 220, 20];
const GREY: [u8; 3] = [128, 128, 128];

/// A photo-like RGB image: gradients, texture and noise.
fn photo(w: u32, h: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity((w * h * 3) as usize);
    let mut s: u32 = 0x9E37_79B9;
    for y in 0..h {
        let fy = y * 160 / h;
        for x in 0..w {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let n = s & 15;
            let t = ((x / 7 + y / 5) % 9) * 3;
            let fx = x * 180 / w;
            v.push((40 + fx + t + n).min(255) as u8);
            v.push((50 + fy + n).min(255) as u8);
            v.push((30 + (fx + fy) / 2 + t + n).min(255) as u8);
        }
    }
    v
}

/// [`photo`] at full size is slow in a debug build: tile rows of one textured strip, shifted.
fn big_photo(w: u32, h: u32) -> Vec<u8> {
    let strip = photo(w + 64, 16);
    let row = (w as usize + 64) * 3;
    let mut v = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h as usize {
        let shift = (y * 37 % 64) * 3;
        let line = &strip[(y % 16) * row + shift..][..w as usize * 3];
        let lift = (y * 60 / h as usize) as u8;
        v.extend(line.iter().map(|&b| b.saturating_add(lift)));
    }
    v
}

fn jpeg(rgb: &[u8], w: u32, h: u32, quality: i32) -> Vec<u8> {
    let image = turbojpeg::Image {
        pixels: rgb,
        width: w as usize,
        pitch: w as usize * 3,
        height: h as usize,
        format: turbojpeg::PixelFormat::RGB,
    };
    turbojpeg::compress(image, quality, turbojpeg::Subsamp::Sub2x2)
        .unwrap()
        .to_vec()
}

/// Inserts an EXIF APP1 segment with only the orientation tag, right after SOI.
fn with_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\0*");
    tiff.extend_from_slice(&8u32.to_be_bytes());
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&0x0112u16.to_be_bytes());
    tiff.extend_from_slice(&3u16.to_be_bytes());
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes());
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn png_rgba(img: &RgbaImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            img,
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgba8,
        )
        .unwrap();
    out
}

fn encode_with(img: &image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// The MIME and bytes of a data URL, checking the MIME against the bytes' own signature.
fn unpack(url: &str) -> (String, Vec<u8>) {
    let rest = url.strip_prefix("data:").unwrap();
    let (meta, b64) = rest.split_once(',').unwrap();
    let mime = meta.strip_suffix(";base64").unwrap().to_owned();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    let sniffed = image::guess_format(&bytes).unwrap();
    assert_eq!(sniffed.to_mime_type(), mime, "MIME must match the bytes");
    (mime, bytes)
}

/// Decodes the frame's data URL, checking that it is what the facts promise.
fn pixels(frame: &PreparedFrame) -> image::DynamicImage {
    let (mime, bytes) = unpack(&frame.data_url);
    assert_eq!(mime, frame.facts.mime);
    assert_eq!(bytes.len(), frame.facts.bytes);
    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!(
        (img.width(), img.height()),
        (frame.facts.width, frame.facts.height)
    );
    let thumb = image::load_from_memory(&frame.thumbnail).unwrap();
    assert!(thumb.width().max(thumb.height()) <= 320);
    img
}

fn near(px: [u8; 3], want: [u8; 3]) -> bool {
    px.iter().zip(want).all(|(&a, b)| a.abs_diff(b) < 50)
}

fn err_text(e: &framecast_core::Error) -> String {
    format!("{} | {}", e.message(Lang::En), e.message(Lang::Zh))
}

/// 640×480 grey, a red block at the stored top-left, a green one at the stored top-right.
fn marked() -> Vec<u8> {
    let (w, h) = (640u32, 480u32);
    let img = RgbImage::from_fn(w, h, |x, y| {
        let c = if x < 160 && y < 120 {
            RED
        } else if x >= w - 160 && y < 120 {
            GREEN
        } else {
            GREY
        };
        Rgb(c)
    });
    jpeg(img.as_raw(), w, h, 92)
}

#[test]
fn all_eight_exif_orientations_end_upright() {
    // Where the stored top-left (red) and top-right (green) corners must end up:
    // (right?, bottom?) for each EXIF orientation.
    type Corner = (bool, bool);
    let expect: [(u16, Corner, Corner); 8] = [
        (1, (false, false), (true, false)),
        (2, (true, false), (false, false)),
        (3, (true, true), (false, true)),
        (4, (false, true), (true, true)),
        (5, (false, false), (false, true)),
        (6, (true, false), (true, true)),
        (7, (true, true), (true, false)),
        (8, (false, true), (false, false)),
    ];
    let base = marked();
    for long in [1920, 200] {
        let opts = FrameOptions {
            size: FrameSize::LongSide(long),
            ..FrameOptions::default()
        };
        for (o, red, green) in expect {
            let frame = frames::prepare_bytes(&with_orientation(&base, o), &opts).unwrap();
            let img = pixels(&frame).to_rgb8();
            let (w, h) = img.dimensions();
            let transposed = o >= 5;
            let full = if transposed { (480, 640) } else { (640, 480) };
            let want = if long == 200 {
                (full.0 * 200 / 640, full.1 * 200 / 640)
            } else {
                full
            };
            assert_eq!((w, h), want, "orientation {o}");
            assert_eq!(frame.facts.source.orientation.exif(), o as u8);
            assert_eq!(
                frame.facts.actions.contains(&Action::Rotated),
                o != 1,
                "orientation {o}"
            );
            let at = |(right, bottom): (bool, bool)| {
                let x = if right { w - 1 - w / 16 } else { w / 16 };
                let y = if bottom { h - 1 - h / 16 } else { h / 16 };
                img.get_pixel(x, y).0
            };
            assert!(
                near(at(red), RED),
                "orientation {o}: red at {red:?} is {:?}",
                at(red)
            );
            assert!(
                near(at(green), GREEN),
                "orientation {o}: green at {green:?} is {:?}",
                at(green)
            );
        }
    }
}

#[test]
fn png_exif_orientation_is_applied() {
    let img = RgbImage::from_fn(64, 48, |x, y| {
        Rgb(if x < 16 && y < 12 { RED } else { GREY })
    });
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"II*\0");
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&0x0112u16.to_le_bytes());
    tiff.extend_from_slice(&3u16.to_le_bytes());
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&6u16.to_le_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut bytes, 64, 48);
        enc.set_color(png::ColorType::Rgb);
        let mut writer = enc.write_header().unwrap();
        writer
            .write_chunk(png::chunk::ChunkType(*b"eXIf"), &tiff)
            .unwrap();
        writer.write_image_data(img.as_raw()).unwrap();
    }
    let frame = frames::prepare_bytes(&bytes, &FrameOptions::default()).unwrap();
    assert_eq!(frame.facts.source.orientation.exif(), 6);
    assert!(frame.facts.actions.contains(&Action::Rotated));
    let out = pixels(&frame).to_rgb8();
    assert_eq!(out.dimensions(), (48, 64));
    assert!(
        near(out.get_pixel(44, 4).0, RED),
        "{:?}",
        out.get_pixel(44, 4)
    );
}

#[test]
fn lossless_jpeg_is_read_at_full_scale() {
    let rgb = photo(320, 240);
    let mut c = turbojpeg::Compressor::new().unwrap();
    c.set_lossless(true).unwrap();
    let image = turbojpeg::Image {
        pixels: rgb.as_slice(),
        width: 320,
        pitch: 320 * 3,
        height: 240,
        format: turbojpeg::PixelFormat::RGB,
    };
    let bytes = c.compress_to_vec(image).unwrap();
    let small = FrameOptions {
        size: FrameSize::LongSide(80),
        ..FrameOptions::default()
    };
    let frame = frames::prepare_bytes(&bytes, &small).unwrap();
    assert_eq!((frame.facts.width, frame.facts.height), (80, 60));
    pixels(&frame);
}

#[test]
fn cmyk_jpeg_becomes_rgb() {
    let (w, h) = (64u16, 48u16);
    let cmyk: Vec<u8> = (0..usize::from(w) * usize::from(h))
        .flat_map(|_| [0u8, 255, 255, 0])
        .collect();
    let mut bytes = Vec::new();
    jpeg_encoder::Encoder::new(&mut bytes, 95)
        .encode(&cmyk, w, h, jpeg_encoder::ColorType::Cmyk)
        .unwrap();
    let opts = FrameOptions {
        size: FrameSize::Original,
        ..FrameOptions::default()
    };
    let frame = frames::prepare_bytes(&bytes, &opts).unwrap();
    assert_eq!(frame.facts.mime, "image/jpeg");
    assert!(frame.facts.actions.contains(&Action::Converted));
    assert!(
        frame
            .facts
            .warnings
            .iter()
            .any(|w| w.code == WarningCode::NotSentAsIs)
    );
    let img = pixels(&frame).to_rgb8();
    assert!(
        near(img.get_pixel(32, 24).0, [255, 0, 0]),
        "{:?}",
        img.get_pixel(32, 24)
    );
}

#[test]
fn sixteen_bit_png_becomes_8_bit_jpeg() {
    let img = image::ImageBuffer::<Rgb<u16>, _>::from_fn(300, 200, |x, _| {
        Rgb([(x * 200) as u16, 30000, 65535])
    });
    let bytes = encode_with(
        &image::DynamicImage::ImageRgb16(img),
        image::ImageFormat::Png,
    );
    let frame = frames::prepare_bytes(&bytes, &FrameOptions::default()).unwrap();
    assert_eq!(frame.facts.source.format, SourceFormat::Png);
    assert_eq!(frame.facts.mime, "image/jpeg");
    assert!(frame.facts.actions.contains(&Action::Converted));
    assert_eq!(pixels(&frame).color(), image::ColorType::Rgb8);
}

fn half_transparent() -> RgbaImage {
    RgbaImage::from_fn(400, 300, |x, _| {
        if x < 200 {
            Rgba([10, 40, 200, 255])
        } else {
            Rgba([200, 10, 10, 0])
        }
    })
}

#[test]
fn transparency_is_kept_or_flattened_on_white() {
    let bytes = png_rgba(&half_transparent());
    let frame = frames::prepare_bytes(&bytes, &FrameOptions::default()).unwrap();
    assert_eq!(frame.facts.mime, "image/png");
    let img = pixels(&frame).to_rgba8();
    assert_eq!(img.get_pixel(300, 150).0[3], 0);
    assert_eq!(img.get_pixel(100, 150).0[3], 255);

    let small = FrameOptions {
        size: FrameSize::LongSide(200),
        ..FrameOptions::default()
    };
    let frame = frames::prepare_bytes(&bytes, &small).unwrap();
    assert!(frame.facts.actions.contains(&Action::Resized));
    let img = pixels(&frame).to_rgba8();
    assert_eq!(img.dimensions(), (200, 150));
    assert_eq!(img.get_pixel(150, 75).0[3], 0);
    assert_eq!(img.get_pixel(50, 75).0, [10, 40, 200, 255]);

    let webp = FrameOptions {
        transparency: Transparency::Webp,
        ..FrameOptions::default()
    };
    let frame = frames::prepare_bytes(&bytes, &webp).unwrap();
    assert_eq!(frame.facts.mime, "image/webp");
    assert_eq!(pixels(&frame).to_rgba8().get_pixel(300, 150).0[3], 0);

    let flat = FrameOptions {
        transparency: Transparency::Flatten,
        ..FrameOptions::default()
    };
    let frame = frames::prepare_bytes(&bytes, &flat).unwrap();
    assert_eq!(frame.facts.mime, "image/jpeg");
    assert!(frame.facts.actions.contains(&Action::Flattened));
    let img = pixels(&frame).to_rgb8();
    assert!(near(img.get_pixel(300, 150).0, [255, 255, 255]));
    assert!(near(img.get_pixel(100, 150).0, [10, 40, 200]));

    let original_flat = FrameOptions {
        size: FrameSize::Original,
        ..flat
    };
    let frame = frames::prepare_bytes(&bytes, &original_flat).unwrap();
    assert_eq!(frame.facts.mime, "image/jpeg");
    assert!(frame.facts.actions.contains(&Action::Flattened));
}

#[test]
fn opaque_alpha_channel_is_sent_as_jpeg() {
    let img = RgbaImage::from_fn(320, 200, |x, y| Rgba([x as u8, y as u8, 90, 255]));
    let frame = frames::prepare_bytes(&png_rgba(&img), &FrameOptions::default()).unwrap();
    assert_eq!(frame.facts.mime, "image/jpeg");
    assert!(frame.facts.actions.contains(&Action::Converted));
}

#[test]
fn palette_png_is_read() {
    let mut bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut bytes, 64, 32);
        enc.set_color(png::ColorType::Indexed);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_palette(vec![255, 0, 0, 0, 0, 255]);
        let mut writer = enc.write_header().unwrap();
        let data: Vec<u8> = (0..64 * 32).map(|i| u8::from(i % 64 >= 32)).collect();
        writer.write_image_data(&data).unwrap();
    }
    let frame = frames::prepare_bytes(&bytes, &FrameOptions::default()).unwrap();
    let img = pixels(&frame).to_rgb8();
    assert!(near(img.get_pixel(8, 16).0, [255, 0, 0]));
    assert!(near(img.get_pixel(56, 16).0, [0, 0, 255]));
}

#[test]
fn gif_uses_its_first_frame() {
    let mut bytes = Vec::new();
    {
        let mut enc = image::codecs::gif::GifEncoder::new(&mut bytes);
        for c in [[250u8, 0, 0, 255], [0, 0, 250, 255]] {
            let frame = image::Frame::new(RgbaImage::from_pixel(80, 60, Rgba(c)));
            enc.encode_frame(frame).unwrap();
        }
    }
    let frame = frames::prepare_bytes(&bytes, &FrameOptions::default()).unwrap();
    assert_eq!(frame.facts.source.format, SourceFormat::Gif);
    assert!(
        frame
            .facts
            .warnings
            .iter()
            .any(|w| w.code == WarningCode::FirstFrameOnly)
    );
    let img = pixels(&frame).to_rgb8();
    assert!(near(img.get_pixel(40, 30).0, [250, 0, 0]));
}

#[test]
fn webp_bmp_and_tiff_are_read() {
    let img = image::DynamicImage::ImageRgb8(RgbImage::from_fn(200, 120, |x, y| {
        Rgb([x as u8, y as u8, 100])
    }));
    for (format, source) in [
        (image::ImageFormat::WebP, SourceFormat::Webp),
        (image::ImageFormat::Bmp, SourceFormat::Bmp),
        (image::ImageFormat::Tiff, SourceFormat::Tiff),
    ] {
        let bytes = encode_with(&img, format);
        let frame = frames::prepare_bytes(&bytes, &FrameOptions::default()).unwrap();
        assert_eq!(frame.facts.source.format, source);
        assert_eq!(frame.facts.mime, "image/jpeg");
        let out = pixels(&frame).to_rgb8();
        assert!(near(out.get_pixel(150, 60).0, [150, 60, 100]), "{format:?}");
    }
}

#[test]
fn frames_that_fit_are_sent_byte_identical_when_original_is_chosen() {
    let original = FrameOptions {
        size: FrameSize::Original,
        ..FrameOptions::default()
    };
    let rgb = photo(1280, 720);
    let jpg = jpeg(&rgb, 1280, 720, 90);
    let png = encode_with(
        &image::DynamicImage::ImageRgba8(half_transparent()),
        image::ImageFormat::Png,
    );
    let webp = encode_with(
        &image::DynamicImage::ImageRgb8(RgbImage::from_raw(1280, 720, rgb).unwrap()),
        image::ImageFormat::WebP,
    );
    for bytes in [jpg, png, webp] {
        let frame = frames::prepare_bytes(&bytes, &original).unwrap();
        let (_, sent) = unpack(&frame.data_url);
        assert_eq!(sent, bytes);
        assert_eq!(frame.facts.actions, vec![Action::SentAsIs]);
        assert!(
            frame
                .facts
                .warnings
                .iter()
                .all(|w| w.code != WarningCode::NotSentAsIs)
        );
        pixels(&frame);
    }
    let rotated = with_orientation(&marked(), 6);
    let frame = frames::prepare_bytes(&rotated, &original).unwrap();
    assert!(frame.facts.actions.contains(&Action::Rotated));
    assert_eq!((frame.facts.width, frame.facts.height), (480, 640));
    assert!(
        frame
            .facts
            .warnings
            .iter()
            .any(|w| w.code == WarningCode::NotSentAsIs && w.message.contains("orientation"))
    );
}

#[test]
fn big_photos_are_scaled_down_and_the_request_body_shrinks_tenfold() {
    let (w, h) = (6000, 4000);
    let a = jpeg(&big_photo(w, h), w, h, 92);
    let b = with_orientation(&a, 6);
    let originals = [&a, &b]
        .iter()
        .map(|x| x.len().div_ceil(3) * 4)
        .sum::<usize>();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let pair = rt
        .block_on(frames::prepare_pair(
            FrameSource::Bytes(a.into()),
            Some(FrameSource::Bytes(b.into())),
            &FrameOptions::default(),
            &CancellationToken::new(),
        ))
        .unwrap();
    let last = pair.last.as_ref().unwrap();
    assert_eq!(
        (pair.first.facts.width, pair.first.facts.height),
        (1920, 1280)
    );
    assert_eq!((last.facts.width, last.facts.height), (1280, 1920));
    assert_eq!(last.facts.shape, Shape::Portrait);
    assert!(!last.facts.matches_model);
    assert!(
        pair.warnings
            .iter()
            .any(|w| w.code == WarningCode::PairAspect)
    );
    for frame in [&pair.first, last] {
        let (_, bytes) = unpack(&frame.data_url);
        let reader = image::ImageReader::new(Cursor::new(bytes)).with_guessed_format();
        let size = reader.unwrap().into_dimensions().unwrap();
        assert_eq!(size, (frame.facts.width, frame.facts.height));
    }
    let mut request = GenerationRequest::text("a slow pan");
    request.first_frame = Some(pair.first.data_url.clone());
    request.last_frame = Some(last.data_url.clone());
    let body = serde_json::to_vec(&request.body()).unwrap().len();
    assert!(
        body * 10 <= originals,
        "body {body} bytes vs base64 originals {originals}"
    );
}

#[test]
fn crop_to_model_and_fit_end_to_start() {
    let rgb = photo(800, 600);
    let start = jpeg(&rgb, 800, 600, 90);
    let opts = FrameOptions {
        crop_to_model: true,
        ..FrameOptions::default()
    };
    let frame = frames::prepare_bytes(&start, &opts).unwrap();
    assert_eq!((frame.facts.width, frame.facts.height), (800, 450));
    assert!(frame.facts.actions.contains(&Action::Cropped));
    assert!(frame.facts.matches_model);

    let portrait = FrameOptions {
        model_aspect: ModelAspect::Portrait,
        ..opts
    };
    let frame = frames::prepare_bytes(&start, &portrait).unwrap();
    assert_eq!((frame.facts.width, frame.facts.height), (338, 600));

    let end = jpeg(&photo(300, 300), 300, 300, 90);
    let fit = FrameOptions {
        fit_end_to_start: true,
        ..FrameOptions::default()
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cancel = CancellationToken::new();
    let pair = rt
        .block_on(frames::prepare_pair(
            FrameSource::Bytes(start.clone().into()),
            Some(FrameSource::Bytes(end.clone().into())),
            &fit,
            &cancel,
        ))
        .unwrap();
    let last = pair.last.unwrap();
    assert_eq!((last.facts.width, last.facts.height), (800, 600));
    assert!(
        last.facts
            .warnings
            .iter()
            .any(|w| w.code == WarningCode::Upscaled)
    );
    assert!(pair.warnings.is_empty(), "{:?}", pair.warnings);

    let pair = rt
        .block_on(frames::prepare_pair(
            FrameSource::Bytes(start.into()),
            Some(FrameSource::Bytes(end.into())),
            &FrameOptions::default(),
            &cancel,
        ))
        .unwrap();
    assert!(
        pair.warnings
            .iter()
            .any(|w| w.code == WarningCode::PairAspect)
    );
}

#[test]
fn frames_over_the_byte_limit_step_quality_then_size_down() {
    let rgb = photo(1600, 1200);
    let bytes = jpeg(&rgb, 1600, 1200, 98);
    let opts = FrameOptions {
        max_bytes: 120_000,
        ..FrameOptions::default()
    };
    let frame = frames::prepare_bytes(&bytes, &opts).unwrap();
    assert!(frame.facts.bytes <= 120_000);
    assert!(
        frame
            .facts
            .warnings
            .iter()
            .any(|w| w.code == WarningCode::QualityLowered)
    );
    pixels(&frame);
    let tiny = FrameOptions {
        max_bytes: 30_000,
        ..FrameOptions::default()
    };
    let frame = frames::prepare_bytes(&bytes, &tiny).unwrap();
    assert!(frame.facts.bytes <= 30_000);
    assert!(frame.facts.width < 1600);
    assert!(
        frame
            .facts
            .warnings
            .iter()
            .any(|w| w.code == WarningCode::SizeLowered)
    );
}

#[test]
fn facts_serialize_as_camel_case_json() {
    let frame = frames::prepare_bytes(&marked(), &FrameOptions::default()).unwrap();
    let v = serde_json::to_value(&frame.facts).unwrap();
    assert_eq!(v["mime"], "image/jpeg");
    assert_eq!(v["width"], 640);
    assert_eq!(v["modelAspect"], "landscape");
    assert_eq!(v["matchesModel"], true);
    assert_eq!(v["source"]["format"], "jpeg");
    assert_eq!(v["source"]["origin"], "bytes");
    assert_eq!(v["actions"], serde_json::json!(["reencoded"]));
    assert_eq!(v["sha256"].as_str().unwrap().len(), 64);
    assert!(v.get("dataUrl").is_none());
    assert!(
        frame
            .thumbnail_data_url()
            .starts_with("data:image/jpeg;base64,")
    );
}

fn refused(bytes: &[u8]) -> String {
    let e = frames::prepare_bytes(bytes, &FrameOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    err_text(&e)
}

#[test]
fn what_is_not_an_image_is_refused_with_what_it_is() {
    assert!(refused(b"").contains("empty"));
    assert!(refused(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\0\0").contains("HEIC"));
    assert!(refused(b"<?xml version=\"1.0\"?><svg width=\"10\"></svg>").contains("SVG"));
    assert!(refused(b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n").contains("PDF"));
    assert!(refused(b"\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41").contains("video"));
    assert!(refused(b"<!DOCTYPE html><html><head><title>x</title>").contains("web page"));
    assert!(refused(b"meeting notes, not a picture\n").contains("text"));
}

#[test]
fn truncated_and_corrupt_files_are_refused() {
    let full = marked();
    for cut in [full.len() / 2, full.len() - 2, 200] {
        let t = refused(&full[..cut]);
        assert!(t.contains("incomplete") || t.contains("damaged"), "{t}");
    }
    let png = png_rgba(&half_transparent());
    assert!(refused(&png[..png.len() / 2]).contains("PNG"));
    let webp = encode_with(
        &image::DynamicImage::ImageRgba8(half_transparent()),
        image::ImageFormat::WebP,
    );
    assert!(refused(&webp[..webp.len() / 2]).contains("WebP"));
    let mut garbage = full.clone();
    for b in &mut garbage[600..] {
        *b = 0x5A;
    }
    refused(&garbage);
}

#[test]
fn decompression_bombs_are_refused_from_the_header() {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    png.extend_from_slice(&100_000u32.to_be_bytes());
    png.extend_from_slice(&100_000u32.to_be_bytes());
    png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    let t = refused(&png);
    assert!(t.contains("too large") && t.contains("100000"), "{t}");

    let mut jpg = vec![0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8, 0xEA, 0x60, 0xEA, 0x60, 3];
    jpg.extend_from_slice(&[1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    jpg.extend_from_slice(&[0xFF, 0xDA, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0]);
    jpg.extend_from_slice(&[0, 0, 0, 0, 0xFF, 0xD9]);
    let t = refused(&jpg);
    assert!(t.contains("too large") && t.contains("60000"), "{t}");

    let limits = FrameOptions {
        limits: frames::DecodeLimits {
            max_pixels: 100_000,
            ..Default::default()
        },
        ..FrameOptions::default()
    };
    let e = frames::prepare_bytes(&marked(), &limits).unwrap_err();
    assert!(e.to_string().contains("too large"));
}

#[tokio::test]
async fn files_are_recognised_by_content_not_name() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("holiday.png");
    std::fs::write(&fake, "this is not a picture\n").unwrap();
    let cancel = CancellationToken::new();
    let e = frames::prepare(FrameSource::Path(fake), &FrameOptions::default(), &cancel)
        .await
        .unwrap_err();
    assert!(err_text(&e).contains("text file"), "{e}");

    let real = dir.path().join("photo.txt");
    std::fs::write(&real, marked()).unwrap();
    let arg = real.to_string_lossy().into_owned();
    let frame = frames::prepare(
        FrameSource::parse_arg(&arg).unwrap(),
        &FrameOptions::default(),
        &cancel,
    )
    .await
    .unwrap();
    assert_eq!(frame.facts.source.origin, Origin::Path);
    assert_eq!(frame.facts.source.name.as_deref(), Some("photo.txt"));
    assert_eq!(frame.facts.source.format, SourceFormat::Jpeg);

    let missing = frames::prepare(
        FrameSource::Path(dir.path().join("nope.jpg")),
        &FrameOptions::default(),
        &cancel,
    )
    .await
    .unwrap_err();
    assert!(missing.to_string().contains("does not exist"));
}

#[tokio::test]
async fn data_urls_are_read() {
    let bytes = marked();
    let url = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&bytes)
    );
    let frame = frames::prepare(
        FrameSource::parse_arg(&url).unwrap(),
        &FrameOptions::default(),
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(frame.facts.source.origin, Origin::DataUrl);
    assert_eq!(frame.facts.source.format, SourceFormat::Jpeg);
}

#[tokio::test]
async fn cancelled_before_start() {
    let cancel = CancellationToken::new();
    cancel.cancel();
    let e = frames::prepare(
        FrameSource::Bytes(marked().into()),
        &FrameOptions::default(),
        &cancel,
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
}

/// How the loopback test server answers.
#[derive(Clone, Copy)]
enum Serve {
    Body(&'static str, &'static [u8]),
    Endless,
    Stall,
}

async fn serve(how: Serve) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                match how {
                    Serve::Body(mime, body) => {
                        let head = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: {mime}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                            body.len()
                        );
                        let _ = sock.write_all(head.as_bytes()).await;
                        let _ = sock.write_all(body).await;
                    }
                    Serve::Endless => {
                        let head = "HTTP/1.1 200 OK\r\ncontent-type: image/jpeg\r\nconnection: close\r\n\r\n";
                        let _ = sock.write_all(head.as_bytes()).await;
                        let mut chunk = vec![0xFFu8, 0xD8, 0xFF, 0xE0];
                        chunk.resize(64 * 1024, 0x42);
                        for _ in 0..1024 {
                            if sock.write_all(&chunk).await.is_err() {
                                break;
                            }
                        }
                    }
                    Serve::Stall => {
                        let head = "HTTP/1.1 200 OK\r\ncontent-type: image/png\r\ncontent-length: 100000\r\n\r\n";
                        let _ = sock.write_all(head.as_bytes()).await;
                        let _ = sock.write_all(b"\x89PNG\r\n\x1a\n").await;
                        tokio::time::sleep(Duration::from_secs(10)).await;
                    }
                }
            });
        }
    });
    format!("http://{addr}/image.jpg")
}

#[tokio::test]
async fn links_are_fetched_bounded_and_checked() {
    let cancel = CancellationToken::new();
    let quick = FrameOptions {
        fetch_timeout_ms: 500,
        max_source_bytes: 1 << 20,
        ..FrameOptions::default()
    };
    let image: &'static [u8] = Box::leak(marked().into_boxed_slice());
    let url = serve(Serve::Body("image/jpeg", image)).await;
    let frame = frames::prepare(FrameSource::parse_arg(&url).unwrap(), &quick, &cancel)
        .await
        .unwrap();
    assert_eq!(frame.facts.source.origin, Origin::Url);
    assert_eq!(frame.facts.source.name.as_deref(), Some(url.as_str()));

    let url = serve(Serve::Body(
        "text/html",
        b"<!doctype html><html><body><img src=x></body></html>",
    ))
    .await;
    let e = frames::prepare(FrameSource::parse_arg(&url).unwrap(), &quick, &cancel)
        .await
        .unwrap_err();
    assert!(err_text(&e).contains("web page"), "{e}");

    let url = serve(Serve::Endless).await;
    let started = std::time::Instant::now();
    let e = frames::prepare(FrameSource::parse_arg(&url).unwrap(), &quick, &cancel)
        .await
        .unwrap_err();
    assert!(err_text(&e).contains("too big"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(5));

    let url = serve(Serve::Stall).await;
    let started = std::time::Instant::now();
    let e = frames::prepare(FrameSource::parse_arg(&url).unwrap(), &quick, &cancel)
        .await
        .unwrap_err();
    assert!(err_text(&e).contains("within"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(5));

    let url = serve(Serve::Stall).await;
    let stop = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        stop.cancel();
    });
    let e = frames::prepare(
        FrameSource::parse_arg(&url).unwrap(),
        &FrameOptions::default(),
        &cancel,
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
}

#[test]
fn shapes_are_reported_against_the_model() {
    let portrait = FrameOptions {
        model_aspect: ModelAspect::Portrait,
        ..FrameOptions::default()
    };
    let frame = frames::prepare_bytes(&marked(), &portrait).unwrap();
    assert_eq!(frame.facts.shape, Shape::Landscape);
    assert!(!frame.facts.matches_model);
    // The advice follows the orientation asked about, whatever the frame was prepared for.
    let advice = frames::advice::advise(Some(&frame.facts), None, ModelAspect::Portrait);
    let w = &advice.start[0];
    assert_eq!(w.code, WarningCode::ShapeMismatch);
    assert!(
        w.message.contains("landscape") && w.message.contains("9:16"),
        "{w:?}"
    );
    assert!(w.message_zh.contains("横向"), "{w:?}");
    let fits = frames::advice::advise(Some(&frame.facts), None, ModelAspect::Landscape);
    assert!(fits.start.is_empty() && fits.end.is_empty());
    // The pipeline itself no longer says it: the advice is the one place.
    assert!(
        frame
            .facts
            .warnings
            .iter()
            .all(|w| w.code != WarningCode::ShapeMismatch)
    );
}

#[test]
fn rotated_frames_view_as_expected_pixel_by_pixel() {
    let base = marked();
    let frame =
        frames::prepare_bytes(&with_orientation(&base, 8), &FrameOptions::default()).unwrap();
    let img = pixels(&frame);
    let reference = image::load_from_memory(&base).unwrap().rotate270();
    let diff: u64 = img
        .pixels()
        .zip(reference.pixels())
        .map(|((_, _, a), (_, _, b))| {
            a.0.iter()
                .zip(b.0)
                .map(|(&x, y)| u64::from(x.abs_diff(y)))
                .sum::<u64>()
        })
        .sum();
    let mean = diff as f64 / f64::from(img.width() * img.height() * 3);
    assert!(mean < 3.0, "mean difference {mean}");
}

#[tokio::test]
async fn pair_errors_say_which_frame() {
    let cancel = CancellationToken::new();
    let heic: &[u8] = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\0\0";
    let e = frames::prepare_pair(
        FrameSource::Bytes(marked().into()),
        Some(FrameSource::Bytes(heic.to_vec().into())),
        &FrameOptions::default(),
        &cancel,
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("end frame: this is a HEIC"), "{e}");
    assert!(e.message(Lang::Zh).contains("结束帧"), "{e}");

    let pair = frames::prepare_pair(
        FrameSource::Bytes(marked().into()),
        None,
        &FrameOptions::default(),
        &cancel,
    )
    .await
    .unwrap();
    assert!(pair.last.is_none() && pair.warnings.is_empty());
}

/// A 20×20 RGB TIFF stored as 16×16 tiles in separate colour planes: a valid file on which the
/// `tiff` crate (0.11) panics while decoding (image-rs/image-tiff#403).
fn tiled_planar_tiff() -> Vec<u8> {
    const TILES: u32 = 2 * 2 * 3;
    const TILE_BYTES: u32 = 16 * 16;
    let entries: u32 = 11;
    let ifd = 8;
    let extra = ifd + 2 + entries * 12 + 4;
    let (bits_at, offsets_at, counts_at) = (extra, extra + 6, extra + 6 + TILES * 4);
    let data_at = counts_at + TILES * 4;
    let mut t = b"II*\0".to_vec();
    t.extend_from_slice(&ifd.to_le_bytes());
    t.extend_from_slice(&(entries as u16).to_le_bytes());
    let mut entry = |tag: u16, kind: u16, count: u32, value: u32| {
        t.extend_from_slice(&tag.to_le_bytes());
        t.extend_from_slice(&kind.to_le_bytes());
        t.extend_from_slice(&count.to_le_bytes());
        t.extend_from_slice(&value.to_le_bytes());
    };
    let (short, long) = (3, 4);
    entry(256, long, 1, 20);
    entry(257, long, 1, 20);
    entry(258, short, 3, bits_at);
    entry(259, short, 1, 1);
    entry(262, short, 1, 2);
    entry(277, short, 1, 3);
    entry(284, short, 1, 2);
    entry(322, long, 1, 16);
    entry(323, long, 1, 16);
    entry(324, long, TILES, offsets_at);
    entry(325, long, TILES, counts_at);
    t.extend_from_slice(&0u32.to_le_bytes());
    for _ in 0..3 {
        t.extend_from_slice(&8u16.to_le_bytes());
    }
    for i in 0..TILES {
        t.extend_from_slice(&(data_at + i * TILE_BYTES).to_le_bytes());
    }
    for _ in 0..TILES {
        t.extend_from_slice(&TILE_BYTES.to_le_bytes());
    }
    t.extend((0..TILES * TILE_BYTES).map(|i| (i % 251) as u8));
    t
}

#[tokio::test]
async fn a_decoder_panic_refuses_that_frame_and_nothing_else() {
    let tiff = tiled_planar_tiff();
    let e = frames::prepare_bytes(&tiff, &FrameOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    let t = err_text(&e);
    assert!(
        t.contains("TIFF image could not be read") && t.contains("decoder"),
        "{t}"
    );
    assert!(t.contains("无法读取该 TIFF 图片"), "{t}");

    let opts = FrameOptions::default();
    let cancel = CancellationToken::new();
    let (pair, alone) = tokio::join!(
        frames::prepare_pair(
            FrameSource::Bytes(marked().into()),
            Some(FrameSource::Bytes(tiff.into())),
            &opts,
            &cancel,
        ),
        frames::prepare(FrameSource::Bytes(marked().into()), &opts, &cancel),
    );
    let t = err_text(&pair.unwrap_err());
    assert!(
        t.starts_with("The request is not valid: end frame: the TIFF image"),
        "{t}"
    );
    assert!(t.contains("结束帧：无法读取该 TIFF 图片"), "{t}");
    assert_eq!(alone.unwrap().facts.width, 640);
}
