//! JPEG, the format most frames arrive in and all opaque frames leave in, through libjpeg-turbo.
//!
//! Two things make a 24-megapixel phone photo cheap: the header is read by walking the markers
//! (size, colour model, EXIF, whether the file is complete) without decoding anything, and the
//! pixels are decoded at a reduced DCT scale (1/2, 1/4, 1/8) when the frame will be much smaller
//! than the photo, which skips most of the inverse DCT, upsampling and colour conversion.

use super::decode::Raster;
use crate::error::{Error, Result};

/// What the markers before the first scan say.
#[derive(Debug, Clone, Default)]
pub(crate) struct JpegHeader {
    pub width: u32,
    pub height: u32,
    pub components: u8,
    pub precision: u8,
    /// The TIFF body of the first `Exif` APP1 segment.
    pub exif: Option<(usize, usize)>,
    /// The Adobe APP14 segment is present: CMYK samples are stored inverted.
    pub adobe: bool,
    /// An end-of-image marker follows the first scan.
    pub complete: bool,
    /// Lossless JPEG, which cannot be decoded at a reduced scale.
    pub lossless: bool,
}

impl JpegHeader {
    pub fn exif<'a>(&self, bytes: &'a [u8]) -> Option<&'a [u8]> {
        self.exif.and_then(|(start, end)| bytes.get(start..end))
    }
}

fn truncated() -> Error {
    Error::invalid_input(
        "the JPEG is incomplete (the file is cut short); save or download it again",
        "JPEG 图片不完整（文件被截断）；请重新保存或下载",
    )
}

fn damaged(detail: &str) -> Error {
    Error::invalid_input(
        format!("the JPEG is damaged and cannot be read ({detail}); save or export it again"),
        format!("JPEG 图片已损坏，无法读取（{detail}）；请重新保存或导出"),
    )
}

/// Walks the markers up to the first scan, then checks that the file ends its scans.
pub(crate) fn read_header(bytes: &[u8]) -> Result<JpegHeader> {
    let mut header = JpegHeader::default();
    let mut pos = 2;
    let mut frame_seen = false;
    loop {
        while bytes.get(pos) == Some(&0xFF) && bytes.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(pos), bytes.get(pos + 1)) else {
            return Err(if pos + 1 >= bytes.len() {
                truncated()
            } else {
                damaged("no marker where one belongs")
            });
        };
        pos += 2;
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            continue;
        }
        if marker == 0xD9 {
            return Err(damaged("the image ends before its pixels"));
        }
        let len = match bytes.get(pos..pos + 2) {
            Some(&[a, b]) => usize::from(u16::from_be_bytes([a, b])),
            _ => return Err(truncated()),
        };
        if len < 2 {
            return Err(damaged("a segment length is invalid"));
        }
        let body = bytes.get(pos + 2..pos + len).ok_or_else(truncated)?;
        match marker {
            0xE1 if header.exif.is_none() && body.starts_with(b"Exif\0\0") => {
                header.exif = Some((pos + 2 + 6, pos + len));
            }
            0xEE if body.starts_with(b"Adobe") => header.adobe = true,
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                if body.len() < 6 {
                    return Err(damaged("the frame header is too short"));
                }
                header.precision = body[0];
                header.height = u32::from(u16::from_be_bytes([body[1], body[2]]));
                header.width = u32::from(u16::from_be_bytes([body[3], body[4]]));
                header.components = body[5];
                header.lossless = matches!(marker, 0xC3 | 0xC7 | 0xCB | 0xCF);
                frame_seen = true;
            }
            0xDA => {
                if !frame_seen || header.width == 0 || header.height == 0 {
                    return Err(damaged("the image has no size"));
                }
                let scans = &bytes[pos + len..];
                header.complete = memchr::memmem::rfind(scans, &[0xFF, 0xD9]).is_some();
                return Ok(header);
            }
            _ => {}
        }
        pos += len;
    }
}

/// The DCT scale denominators libjpeg-turbo decodes at, largest reduction first.
const SCALES: [usize; 4] = [8, 4, 2, 1];

/// The largest reduction 1/d for which the scaled region `need` (in full-size pixels, as a
/// fraction of the full image) still covers `min_w` × `min_h` pixels.
pub(crate) fn choose_scale(region_w: f64, region_h: f64, min_w: u32, min_h: u32) -> usize {
    SCALES
        .into_iter()
        .find(|&d| {
            region_w / d as f64 >= f64::from(min_w) && region_h / d as f64 >= f64::from(min_h)
        })
        .unwrap_or(1)
}

/// Decodes at 1/`denom` scale to 8-bit RGB. CMYK and YCCK become RGB here, gray becomes RGB.
/// Returns the raster and whether the decoder reported recoverable damage.
pub(crate) fn decode(bytes: &[u8], header: &JpegHeader, denom: usize) -> Result<(Raster, bool)> {
    if !header.complete {
        return Err(truncated());
    }
    if header.precision != 8 {
        return Err(Error::invalid_input(
            format!(
                "{}-bit JPEGs are not supported; save it as an ordinary 8-bit JPEG or PNG",
                header.precision
            ),
            format!(
                "不支持 {} 位 JPEG；请另存为普通 8 位 JPEG 或 PNG",
                header.precision
            ),
        ));
    }
    let tj = |e: turbojpeg::Error| damaged(&e.to_string());
    let mut d = turbojpeg::Decompressor::new().map_err(tj)?;
    let info = d.read_header(bytes).map_err(tj)?;
    let factor = turbojpeg::ScalingFactor::new(1, denom);
    d.set_scaling_factor(factor).map_err(tj)?;
    let scaled = info.scaled(factor);
    let cmyk = matches!(
        info.colorspace,
        turbojpeg::Colorspace::CMYK | turbojpeg::Colorspace::YCCK
    );
    let (format, channels) = if cmyk {
        (turbojpeg::PixelFormat::CMYK, 4)
    } else {
        (turbojpeg::PixelFormat::RGB, 3)
    };
    let mut pixels = vec![0u8; scaled.width * scaled.height * channels];
    let image = turbojpeg::Image {
        pixels: pixels.as_mut_slice(),
        width: scaled.width,
        pitch: scaled.width * channels,
        height: scaled.height,
        format,
    };
    let mut recovered = false;
    if let Err(e) = d.decompress(bytes, image) {
        let text = e.to_string();
        if text.contains("Premature end") {
            return Err(truncated());
        }
        let warning = [
            "Corrupt JPEG data",
            "Warning",
            "Unknown Adobe",
            "Invalid SOS",
        ]
        .iter()
        .any(|w| text.contains(w));
        if !warning {
            return Err(damaged(&text));
        }
        recovered = true;
    }
    if cmyk {
        pixels = cmyk_to_rgb(pixels, header.adobe);
    }
    let width = u32::try_from(scaled.width).map_err(|_| damaged("size"))?;
    let height = u32::try_from(scaled.height).map_err(|_| damaged("size"))?;
    Ok((Raster::new(width, height, 3, pixels), recovered))
}

/// Naive CMYK to RGB, in place. Adobe files (nearly all CMYK JPEGs) store the samples inverted.
fn cmyk_to_rgb(mut px: Vec<u8>, inverted: bool) -> Vec<u8> {
    let n = px.len() / 4;
    for i in 0..n {
        let [mut c, mut m, mut y, mut k] = [px[i * 4], px[i * 4 + 1], px[i * 4 + 2], px[i * 4 + 3]];
        if !inverted {
            [c, m, y, k] = [255 - c, 255 - m, 255 - y, 255 - k];
        }
        let k = u16::from(k);
        px[i * 3] = ((u16::from(c) * k + 127) / 255) as u8;
        px[i * 3 + 1] = ((u16::from(m) * k + 127) / 255) as u8;
        px[i * 3 + 2] = ((u16::from(y) * k + 127) / 255) as u8;
    }
    px.truncate(n * 3);
    px.shrink_to_fit();
    px
}

/// Encodes 8-bit RGB as a baseline 4:2:0 JPEG.
pub(crate) fn encode(raster: &Raster, quality: u8) -> Result<Vec<u8>> {
    let tj = |e: turbojpeg::Error| {
        Error::invalid_input(
            format!("the frame could not be encoded as JPEG ({e})"),
            format!("无法将图片编码为 JPEG（{e}）"),
        )
    };
    let mut c = turbojpeg::Compressor::new().map_err(tj)?;
    c.set_quality(i32::from(quality.clamp(1, 100)))
        .map_err(tj)?;
    c.set_subsamp(turbojpeg::Subsamp::Sub2x2).map_err(tj)?;
    c.set_optimize(true).map_err(tj)?;
    let image = turbojpeg::Image {
        pixels: raster.data.as_slice(),
        width: raster.width as usize,
        pitch: raster.width as usize * 3,
        height: raster.height as usize,
        format: turbojpeg::PixelFormat::RGB,
    };
    c.compress_to_vec(image).map_err(tj)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chooses_the_largest_reduction_that_still_covers_the_target() {
        assert_eq!(choose_scale(6000.0, 4000.0, 1920, 1280), 2);
        assert_eq!(choose_scale(6000.0, 4000.0, 600, 400), 8);
        assert_eq!(choose_scale(6000.0, 4000.0, 1500, 1000), 4);
        assert_eq!(choose_scale(1920.0, 1080.0, 1920, 1080), 1);
    }

    #[test]
    fn header_walk_refuses_cut_files() {
        assert!(read_header(&[0xFF, 0xD8, 0xFF]).is_err());
        assert!(read_header(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J']).is_err());
    }
}
