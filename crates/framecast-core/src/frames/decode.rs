//! From bytes to 8-bit RGB or RGBA pixels, with limits checked before anything is allocated.
//!
//! The header is read first ([`probe`]) so that a decompression bomb (a small file claiming
//! 100000×100000 pixels) is refused from its header alone, and so that the fit can be planned
//! before decoding. Every colour model (CMYK, 16-bit, gray, palette) comes out as 8-bit RGB, or
//! RGBA when some pixel is actually transparent.
//!
//! Decoders are third-party code fed hostile files, and some panic on files they should refuse
//! (the `tiff` crate on tiled images with separate colour planes, image-rs/image-tiff#403). A
//! panic while probing or decoding refuses that one frame as unreadable; it goes no further.

use super::jpeg::{self, JpegHeader};
use super::orient::Orientation;
use super::sniff::SourceFormat;
use crate::error::{Error, Result};
use image::{ColorType, DynamicImage, ImageDecoder, ImageReader};
use serde::{Deserialize, Serialize};
use std::io::Cursor;

/// Bounds that protect memory from huge or hostile images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DecodeLimits {
    /// The longest side an image may declare, in pixels.
    pub max_side: u32,
    /// The most pixels an image may declare.
    pub max_pixels: u64,
    /// The most bytes the decoded pixels may take.
    pub max_decoded_bytes: u64,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self {
            max_side: 20_000,
            max_pixels: 200_000_000,
            max_decoded_bytes: 1 << 30,
        }
    }
}

/// Pixels in memory: 3 (RGB) or 4 (RGBA) bytes per pixel, rows packed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Raster {
    pub width: u32,
    pub height: u32,
    pub channels: u8,
    pub data: Vec<u8>,
}

impl Raster {
    pub fn new(width: u32, height: u32, channels: u8, data: Vec<u8>) -> Self {
        Self {
            width,
            height,
            channels,
            data,
        }
    }

    pub fn has_alpha(&self) -> bool {
        self.channels == 4
    }

    /// The pixel layout, as the `image` crate's encoders name it.
    pub fn colour_type(&self) -> image::ExtendedColorType {
        if self.has_alpha() {
            image::ExtendedColorType::Rgba8
        } else {
            image::ExtendedColorType::Rgb8
        }
    }

    /// Drops an alpha channel that is fully opaque everywhere.
    pub fn drop_opaque_alpha(self) -> Self {
        if self.channels == 4 && self.data.chunks_exact(4).all(|p| p[3] == 255) {
            self.without_alpha(None)
        } else {
            self
        }
    }

    /// RGB, composited over `background` when given (otherwise alpha is just dropped).
    pub fn without_alpha(self, background: Option<[u8; 3]>) -> Self {
        if self.channels != 4 {
            return self;
        }
        let mut data = self.data;
        let n = data.len() / 4;
        for i in 0..n {
            let a = u32::from(data[i * 4 + 3]);
            for c in 0..3 {
                let v = u32::from(data[i * 4 + c]);
                data[i * 3 + c] = match background {
                    Some(bg) => ((v * a + u32::from(bg[c]) * (255 - a) + 127) / 255) as u8,
                    None => v as u8,
                };
            }
        }
        data.truncate(n * 3);
        data.shrink_to_fit();
        Self::new(self.width, self.height, 3, data)
    }
}

/// What the header says, before decoding.
#[derive(Debug, Clone)]
pub(crate) struct Probe {
    pub format: SourceFormat,
    /// Stored size (before orientation).
    pub width: u32,
    pub height: u32,
    pub orientation: Orientation,
    /// The colour model is not plain 8-bit RGB/gray/palette (CMYK, 16-bit, float...).
    pub unusual_colour: bool,
    /// Animated GIF, PNG or WebP: only the first frame is used.
    pub animated: bool,
    /// The colour model has an alpha channel (whether or not any pixel uses it).
    pub alpha: bool,
    pub jpeg: Option<JpegHeader>,
}

fn too_large(w: u32, h: u32, limits: &DecodeLimits) -> Error {
    Error::invalid_input(
        format!(
            "the image is too large ({w}×{h} pixels; at most {} pixels per side and {} megapixels); make it smaller",
            limits.max_side,
            limits.max_pixels / 1_000_000
        ),
        format!(
            "图片尺寸过大（{w}×{h} 像素；每边最多 {} 像素，总计最多 {} 百万像素）；请缩小后再试",
            limits.max_side,
            limits.max_pixels / 1_000_000
        ),
    )
}

fn unreadable(format: SourceFormat, e: &image::ImageError) -> Error {
    let name = format.display();
    match e {
        image::ImageError::Limits(_) => Error::invalid_input(
            format!("the {name} image is too large to open safely; make it smaller"),
            format!("{name} 图片过大，无法安全打开；请缩小后再试"),
        ),
        image::ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            Error::invalid_input(
                format!(
                    "the {name} image is incomplete (the file is cut short); save or download it again"
                ),
                format!("{name} 图片不完整（文件被截断）；请重新保存或下载"),
            )
        }
        image::ImageError::Unsupported(_) => Error::invalid_input(
            format!("this kind of {name} is not supported ({e}); save it as JPEG or PNG"),
            format!("不支持这种 {name} 图片（{e}）；请另存为 JPEG 或 PNG"),
        ),
        _ => Error::invalid_input(
            format!(
                "the {name} image is damaged and cannot be read ({e}); save or export it again"
            ),
            format!("{name} 图片已损坏，无法读取（{e}）；请重新保存或导出"),
        ),
    }
}

fn check_size(w: u32, h: u32, limits: &DecodeLimits) -> Result<()> {
    if w == 0 || h == 0 {
        return Err(Error::invalid_input(
            "the image has no pixels (0 width or height)",
            "图片没有像素（宽或高为 0）",
        ));
    }
    if w.max(h) > limits.max_side || u64::from(w) * u64::from(h) > limits.max_pixels {
        return Err(too_large(w, h, limits));
    }
    Ok(())
}

fn reader<'a>(
    bytes: &'a [u8],
    format: SourceFormat,
    limits: &DecodeLimits,
) -> ImageReader<Cursor<&'a [u8]>> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits.max_side);
    l.max_image_height = Some(limits.max_side);
    l.max_alloc = Some(limits.max_decoded_bytes);
    reader.limits(l);
    reader
}

/// Runs a decoder, turning a panic inside it into a refusal of the image.
fn contained<T>(format: SourceFormat, decoder: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(decoder)).unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(format = format.display(), %why, "an image decoder panicked");
        let name = format.display();
        Err(Error::invalid_input(
            format!(
                "the {name} image could not be read: the decoder failed on it (a layout it does not handle, or a damaged file); save or export it again as JPEG or PNG"
            ),
            format!(
                "无法读取该 {name} 图片：解码器处理它时出错（不支持的存储方式或文件已损坏）；请另存或导出为 JPEG 或 PNG"
            ),
        ))
    })
}

/// Reads the header: size, orientation, colour model. Refuses bombs and cut-off JPEGs.
pub(crate) fn probe(bytes: &[u8], format: SourceFormat, limits: &DecodeLimits) -> Result<Probe> {
    contained(format, || read_header(bytes, format, limits))
}

fn read_header(bytes: &[u8], format: SourceFormat, limits: &DecodeLimits) -> Result<Probe> {
    if format == SourceFormat::Jpeg {
        let header = jpeg::read_header(bytes)?;
        check_size(header.width, header.height, limits)?;
        let orientation = header
            .exif(bytes)
            .and_then(Orientation::from_exif_tiff)
            .unwrap_or_default();
        return Ok(Probe {
            format,
            width: header.width,
            height: header.height,
            orientation,
            unusual_colour: !matches!(header.components, 1 | 3),
            animated: false,
            alpha: false,
            jpeg: Some(header),
        });
    }
    if let Some((w, h)) = declared_size(bytes, format) {
        check_size(w, h, limits)?;
    }
    let mut decoder = reader(bytes, format, limits)
        .into_decoder()
        .map_err(|e| unreadable(format, &e))?;
    let (width, height) = decoder.dimensions();
    check_size(width, height, limits)?;
    let orientation = decoder
        .orientation()
        .map(Orientation::from_image)
        .unwrap_or_default();
    let alpha = decoder.color_type().has_alpha();
    let unusual_colour = !matches!(
        decoder.color_type(),
        ColorType::L8 | ColorType::La8 | ColorType::Rgb8 | ColorType::Rgba8
    );
    Ok(Probe {
        format,
        width,
        height,
        orientation,
        unusual_colour,
        animated: is_animated(bytes, format),
        alpha,
        jpeg: None,
    })
}

/// The size a PNG, GIF or BMP header declares, read without any decoder.
fn declared_size(b: &[u8], format: SourceFormat) -> Option<(u32, u32)> {
    let be = |i: usize| Some(u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?));
    let le16 = |i: usize| {
        Some(u32::from(u16::from_le_bytes(
            b.get(i..i + 2)?.try_into().ok()?,
        )))
    };
    match format {
        SourceFormat::Png if b.get(12..16) == Some(b"IHDR") => Some((be(16)?, be(20)?)),
        SourceFormat::Gif => Some((le16(6)?, le16(8)?)),
        SourceFormat::Bmp => {
            let w = i32::from_le_bytes(b.get(18..22)?.try_into().ok()?);
            let h = i32::from_le_bytes(b.get(22..26)?.try_into().ok()?);
            Some((w.unsigned_abs(), h.unsigned_abs()))
        }
        _ => None,
    }
}

fn is_animated(b: &[u8], format: SourceFormat) -> bool {
    match format {
        SourceFormat::Png => {
            let idat = memchr::memmem::find(b, b"IDAT").unwrap_or(b.len());
            memchr::memmem::find(&b[..idat], b"acTL").is_some()
        }
        SourceFormat::Webp => {
            b.get(12..16) == Some(b"VP8X") && b.get(20).is_some_and(|f| f & 0x02 != 0)
        }
        SourceFormat::Gif => memchr::memmem::find_iter(b, &[0x21, 0xF9, 0x04])
            .nth(1)
            .is_some(),
        _ => false,
    }
}

/// The decoded pixels, how far they were reduced while decoding, and what changed on the way.
pub(crate) struct Decoded {
    pub raster: Raster,
    /// The colour model was converted (CMYK, 16-bit, gray, palette to RGB).
    pub converted: bool,
    /// The decoder recovered from damage in the data.
    pub recovered: bool,
}

/// Decodes to 8-bit RGB(A), reduced by DCT scaling when `denom` > 1 (JPEG only).
pub(crate) fn decode(
    bytes: &[u8],
    probe: &Probe,
    denom: usize,
    limits: &DecodeLimits,
) -> Result<Decoded> {
    contained(probe.format, || read_pixels(bytes, probe, denom, limits))
}

fn read_pixels(
    bytes: &[u8],
    probe: &Probe,
    denom: usize,
    limits: &DecodeLimits,
) -> Result<Decoded> {
    let channels: u64 = if probe.format == SourceFormat::Jpeg {
        3
    } else {
        4
    };
    let scaled_pixels = u64::from(probe.width).div_ceil(denom as u64)
        * u64::from(probe.height).div_ceil(denom as u64);
    if scaled_pixels * channels > limits.max_decoded_bytes {
        return Err(too_large(probe.width, probe.height, limits));
    }
    if let Some(header) = &probe.jpeg {
        let (raster, recovered) = jpeg::decode(bytes, header, denom)?;
        return Ok(Decoded {
            raster,
            converted: header.components != 3,
            recovered,
        });
    }
    let format = probe.format;
    let decoder = reader(bytes, format, limits)
        .into_decoder()
        .map_err(|e| unreadable(format, &e))?;
    let colour = decoder.color_type();
    let image = DynamicImage::from_decoder(decoder).map_err(|e| unreadable(format, &e))?;
    let converted = !matches!(colour, ColorType::Rgb8 | ColorType::Rgba8);
    let (w, h) = (image.width(), image.height());
    let raster = match image {
        DynamicImage::ImageRgb8(buf) => Raster::new(w, h, 3, buf.into_raw()),
        DynamicImage::ImageRgba8(buf) => Raster::new(w, h, 4, buf.into_raw()).drop_opaque_alpha(),
        other if other.color().has_alpha() => {
            Raster::new(w, h, 4, other.into_rgba8().into_raw()).drop_opaque_alpha()
        }
        other => Raster::new(w, h, 3, other.into_rgb8().into_raw()),
    };
    Ok(Decoded {
        raster,
        converted,
        recovered: false,
    })
}
