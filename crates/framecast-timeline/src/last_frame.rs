//! The last picture of a take, decoded in Rust at its full size: what a storyboard shot that
//! continues from the shot before starts from.
//!
//! The picture shown last (the greatest presentation time, B-frames and edit list considered) is
//! found in the sample tables [`crate::probe`] reads; the samples from the keyframe at or before
//! it to the end of the track are decoded, in decode order, by OpenH264 (Cisco's decoder, built
//! from source: no system library, the same on every OS), and the decoder's last picture in
//! display order is kept. Only that GOP is read from the file. H.264 decoding is exact, so the
//! planes are the ones any conforming decoder makes (the tests compare them with ffmpeg's, byte
//! for byte); only the conversion to RGB chooses something: the matrix the track's `colr` box
//! names, else BT.709 for HD and BT.601 below it, as players do for untagged video.

use crate::probe::{self, Probe, Sample};
use crate::text::Refusal;
use framecast_core::Result;
use mp4_atom::{Codec, Colr};
use openh264::decoder::{Decoder, DecoderConfig, Flush};
use openh264::formats::YUVSource;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// How YUV becomes RGB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matrix {
    Bt601,
    Bt709,
}

/// A decoded picture: 4:2:0 planes without padding, and how they become RGB.
#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    pub width: u32,
    pub height: u32,
    /// `width × height` luma samples.
    pub y: Vec<u8>,
    /// `⌈width/2⌉ × ⌈height/2⌉` chroma samples each.
    pub u: Vec<u8>,
    pub v: Vec<u8>,
    pub matrix: Matrix,
    /// Whether the samples use the full 0–255 range (JPEG style) rather than 16–235.
    pub full_range: bool,
    /// When the picture is shown, in milliseconds on the take's own clock.
    pub at_ms: u64,
}

/// Decodes the picture `path` shows last.
pub fn last_picture(path: &Path) -> Result<Picture> {
    let probe = probe::probe(path, 1)?;
    let clip = &probe.clip;
    let refuse = |r: Refusal| r.about(clip);
    let track = &probe.video;
    let samples = &track.samples;
    let Some(last) = (0..samples.len()).max_by_key(|&i| track.shown(&samples[i])) else {
        return Err(refuse(Refusal::new("has no pictures", "没有画面")));
    };
    let Some(key) = (0..=last).rev().find(|&i| samples[i].sync) else {
        return Err(refuse(Refusal::new(
            "has no keyframe before its last picture",
            "最后一帧之前没有关键帧",
        )));
    };
    let Some(Codec::Avc1(avc1)) = track.entries.get(samples[key].entry as usize) else {
        return Err(refuse(Refusal::new(
            "is not H.264 video, so its last picture cannot be decoded",
            "不是 H.264 视频，无法解码最后一帧",
        )));
    };
    let matrix = matrix_of(avc1.colr.as_ref(), avc1.visual.height);
    let full_range = matches!(
        avc1.colr,
        Some(Colr::Nclx {
            full_range_flag: true,
            ..
        })
    );
    let decoded = decode_from(&probe, key, &avc1.avcc).map_err(refuse)?;
    // Pictures shown before the keyframe (an open GOP's leading pictures) may be dropped; every
    // picture from the keyframe on must come out, or the last one may be missing.
    let key_shown = track.shown(&samples[key]);
    let needed = samples[key..]
        .iter()
        .filter(|s| track.shown(s) >= key_shown)
        .count();
    let (count, picture) = decoded;
    let Some(mut picture) = picture.filter(|_| count >= needed) else {
        return Err(refuse(Refusal::new(
            format!("could not be decoded to its last picture ({count} of {needed} pictures)"),
            format!("无法解码到最后一帧（{needed} 帧中解出 {count} 帧）"),
        )));
    };
    picture.matrix = matrix;
    picture.full_range = full_range;
    let shown = track.shown(&samples[last]).max(0);
    picture.at_ms = u64::try_from(shown).unwrap_or(0) * 1000 / u64::from(track.timescale);
    Ok(picture)
}

/// Decodes the samples from `key` to the end in decode order; how many pictures came out, and
/// the last of them.
fn decode_from(
    probe: &Probe,
    key: usize,
    avcc: &mp4_atom::Avcc,
) -> Result<(usize, Option<Picture>), Refusal> {
    let failed = |e: openh264::Error| {
        Refusal::new(
            format!("could not be decoded: {e}"),
            format!("无法解码：{e}"),
        )
    };
    let mut file = File::open(&probe.path).map_err(|e| Refusal::unreadable(&e))?;
    let mut decoder = Decoder::with_api_config(
        openh264::OpenH264API::from_source(),
        DecoderConfig::new().flush_after_decode(Flush::NoFlush),
    )
    .map_err(failed)?;
    let mut headers = Vec::new();
    for set in avcc
        .sequence_parameter_sets
        .iter()
        .chain(&avcc.picture_parameter_sets)
    {
        headers.extend_from_slice(&[0, 0, 0, 1]);
        headers.extend_from_slice(set);
    }
    decoder.decode(&headers).map_err(failed)?;
    let length_size = usize::from(avcc.length_size.clamp(1, 4));
    let mut count = 0usize;
    let mut last = None;
    let mut buf = Vec::new();
    for sample in &probe.video.samples[key..] {
        let annex_b = annex_b(&mut file, sample, length_size, &mut buf)?;
        if let Some(yuv) = decoder.decode(&annex_b).map_err(failed)? {
            count += 1;
            last = Some(copy(&yuv));
        }
    }
    for yuv in decoder.flush_remaining().map_err(failed)? {
        count += 1;
        last = Some(copy(&yuv));
    }
    Ok((count, last))
}

/// A sample's NAL units, read from the file, with start codes instead of length prefixes.
fn annex_b(
    file: &mut File,
    sample: &Sample,
    length_size: usize,
    buf: &mut Vec<u8>,
) -> Result<Vec<u8>, Refusal> {
    let io = |e: std::io::Error| Refusal::unreadable(&e);
    buf.resize(sample.size as usize, 0);
    file.seek(SeekFrom::Start(sample.offset)).map_err(io)?;
    file.read_exact(buf).map_err(io)?;
    let mut out = Vec::with_capacity(buf.len() + 16);
    let mut at = 0usize;
    while at + length_size <= buf.len() {
        let len = buf[at..at + length_size]
            .iter()
            .fold(0usize, |n, &b| (n << 8) | usize::from(b));
        at += length_size;
        let Some(nal) = buf.get(at..at + len) else {
            return Err(Refusal::new(
                "is damaged: a picture's data runs past its sample",
                "已损坏：画面数据超出了其样本范围",
            ));
        };
        out.extend_from_slice(&[0, 0, 0, 1]);
        out.extend_from_slice(nal);
        at += len;
    }
    Ok(out)
}

/// The decoder's picture, without its padding.
fn copy(yuv: &openh264::decoder::DecodedYUV<'_>) -> Picture {
    let (w, h) = yuv.dimensions();
    let (sy, su, sv) = yuv.strides();
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let plane = |data: &[u8], stride: usize, pw: usize, ph: usize| {
        let mut out = Vec::with_capacity(pw * ph);
        for row in 0..ph {
            let start = row * stride;
            out.extend_from_slice(data.get(start..start + pw).unwrap_or(&[]));
        }
        out
    };
    Picture {
        width: u32::try_from(w).unwrap_or(0),
        height: u32::try_from(h).unwrap_or(0),
        y: plane(yuv.y(), sy, w, h),
        u: plane(yuv.u(), su, cw, ch),
        v: plane(yuv.v(), sv, cw, ch),
        matrix: Matrix::Bt709,
        full_range: false,
        at_ms: 0,
    }
}

/// The matrix a `colr` box names, else the usual one for the picture's height.
fn matrix_of(colr: Option<&Colr>, height: u16) -> Matrix {
    let named = match colr {
        Some(Colr::Nclx {
            matrix_coefficients,
            ..
        })
        | Some(Colr::Nclc {
            matrix_coefficients,
            ..
        }) => Some(*matrix_coefficients),
        _ => None,
    };
    match named {
        Some(1) => Matrix::Bt709,
        Some(5 | 6) => Matrix::Bt601,
        _ if height >= 720 => Matrix::Bt709,
        _ => Matrix::Bt601,
    }
}

impl Picture {
    /// The picture as 8-bit RGB, each chroma sample covering its 2×2 block.
    pub fn rgb(&self) -> Vec<u8> {
        let (kr, kb) = match self.matrix {
            Matrix::Bt601 => (0.299, 0.114),
            Matrix::Bt709 => (0.2126, 0.0722),
        };
        let kg = 1.0 - kr - kb;
        let (y_off, y_scale, c_scale) = if self.full_range {
            (0.0, 1.0, 1.0)
        } else {
            (16.0, 255.0 / 219.0, 255.0 / 224.0)
        };
        let (w, h) = (self.width as usize, self.height as usize);
        let cw = w.div_ceil(2);
        let mut out = Vec::with_capacity(w * h * 3);
        for row in 0..h {
            for col in 0..w {
                let c = (row / 2) * cw + col / 2;
                let y = (f32::from(self.y[row * w + col]) - y_off) * y_scale;
                let cb = (f32::from(self.u[c]) - 128.0) * c_scale;
                let cr = (f32::from(self.v[c]) - 128.0) * c_scale;
                let r = y + 2.0 * (1.0 - kr) * cr;
                let b = y + 2.0 * (1.0 - kb) * cb;
                let g = (y - kr * r - kb * b) / kg;
                for v in [r, g, b] {
                    out.push(v.round().clamp(0.0, 255.0) as u8);
                }
            }
        }
        out
    }

    /// The picture as a PNG (8-bit RGB), as a dropped frame would arrive.
    pub fn png(&self) -> Result<Vec<u8>> {
        let failed = |e: png::EncodingError| {
            framecast_core::Error::with(
                framecast_core::ErrorKind::Internal,
                format!("the last picture could not be written as PNG: {e}"),
                format!("最后一帧无法写成 PNG：{e}"),
            )
        };
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header().map_err(failed)?;
        writer.write_image_data(&self.rgb()).map_err(failed)?;
        writer.finish().map_err(failed)?;
        Ok(out)
    }
}
