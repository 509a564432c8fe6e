//! The bytes that are sent: JPEG for opaque frames, PNG or WebP where transparency is kept, and
//! always under the per-image byte limit.
//!
//! When a frame is over the limit, quality is stepped down first (90, 80, 70, 60) and then the
//! size, by the ratio the overshoot suggests, until it fits; both steps are reported.

use super::decode::Raster;
use super::fit;
use super::jpeg;
use crate::error::{Error, Result};
use fast_image_resize::FilterType;
use image::ImageEncoder;
use serde::{Deserialize, Serialize};

/// What frames with transparent pixels become.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transparency {
    /// Keep it, as PNG.
    #[default]
    Png,
    /// Keep it, as lossless WebP.
    Webp,
    /// Flatten on white and send JPEG.
    Flatten,
}

/// The background transparent pixels are flattened on.
pub(crate) const BACKGROUND: [u8; 3] = [255, 255, 255];

/// An encoded frame and how it got under the limit.
pub(crate) struct Encoded {
    pub bytes: Vec<u8>,
    pub mime: &'static str,
    /// The smaller pixels that were encoded instead, when the size had to be lowered.
    pub shrunk: Option<Raster>,
    /// The JPEG quality used, for JPEG.
    pub quality: Option<u8>,
    pub quality_lowered: bool,
}

fn failed(what: &str, e: impl std::fmt::Display) -> Error {
    Error::invalid_input(
        format!("the frame could not be encoded as {what} ({e})"),
        format!("无法将图片编码为 {what}（{e}）"),
    )
}

fn encode_png(r: &Raster) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new_with_quality(
        &mut out,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::Adaptive,
    )
    .write_image(&r.data, r.width, r.height, r.colour_type())
    .map_err(|e| failed("PNG", e))?;
    Ok(out)
}

fn encode_webp(r: &Raster) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut out)
        .write_image(&r.data, r.width, r.height, r.colour_type())
        .map_err(|e| failed("WebP", e))?;
    Ok(out)
}

/// Encodes `raster` (already flattened when transparency is not kept) within `max_bytes`.
pub(crate) fn encode_within(
    raster: &Raster,
    transparency: Transparency,
    quality: u8,
    max_bytes: usize,
) -> Result<Encoded> {
    let quality = quality.clamp(1, 100);
    let steps: Vec<u8> = std::iter::once(quality)
        .chain([80, 70, 60].into_iter().filter(|&q| q < quality))
        .collect();
    let mut shrunk: Option<Raster> = None;
    loop {
        let r = shrunk.as_ref().unwrap_or(raster);
        let (bytes, mime, used) = if r.has_alpha() {
            let (bytes, mime) = match transparency {
                Transparency::Webp => (encode_webp(r)?, "image/webp"),
                _ => (encode_png(r)?, "image/png"),
            };
            (bytes, mime, None)
        } else {
            let mut last = Vec::new();
            let mut used = quality;
            for &q in &steps {
                last = jpeg::encode(r, q)?;
                used = q;
                if last.len() <= max_bytes {
                    break;
                }
            }
            (last, "image/jpeg", Some(used))
        };
        if bytes.len() <= max_bytes {
            return Ok(Encoded {
                bytes,
                mime,
                shrunk,
                quality: used,
                quality_lowered: used.is_some_and(|q| q < quality),
            });
        }
        if r.width.max(r.height) <= 64 {
            return Err(Error::invalid_input(
                format!("the frame cannot be made smaller than {max_bytes} bytes"),
                format!("无法将图片压缩到 {max_bytes} 字节以内"),
            ));
        }
        let f = ((max_bytes as f64 / bytes.len() as f64).sqrt() * 0.95).clamp(0.5, 0.9);
        let out = (
            ((f64::from(r.width) * f).round() as u32).max(1),
            ((f64::from(r.height) * f).round() as u32).max(1),
        );
        shrunk = Some(fit::resample(r, None, out, FilterType::Lanczos3)?);
    }
}

/// A small JPEG of the frame for the UI, transparency shown on white.
pub(crate) fn thumbnail(raster: &Raster, long_side: u32) -> Result<Vec<u8>> {
    let small = fit::shrink(raster, long_side)?.without_alpha(Some(BACKGROUND));
    jpeg::encode(&small, 80)
}
