//! Recognising a file by its first bytes, never by its name.
//!
//! People drop HEIC photos, PDFs, videos, web pages saved as `.png`, and empty files. Each is
//! named here, so the refusal can say what the file really is and what to do instead; only the
//! formats the pipeline decodes come out as a [`SourceFormat`].

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// An image format the pipeline reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    Jpeg,
    Png,
    Webp,
    Gif,
    Bmp,
    Tiff,
}

impl SourceFormat {
    /// The format's short name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jpeg => "jpeg",
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Gif => "gif",
            Self::Bmp => "bmp",
            Self::Tiff => "tiff",
        }
    }

    /// The MIME type, for formats the gateway accepts as they are.
    pub fn accepted_mime(self) -> Option<&'static str> {
        match self {
            Self::Jpeg => Some("image/jpeg"),
            Self::Png => Some("image/png"),
            Self::Webp => Some("image/webp"),
            Self::Gif | Self::Bmp | Self::Tiff => None,
        }
    }

    /// The name people know the format by.
    pub(crate) fn display(self) -> &'static str {
        match self {
            Self::Jpeg => "JPEG",
            Self::Png => "PNG",
            Self::Webp => "WebP",
            Self::Gif => "GIF",
            Self::Bmp => "BMP",
            Self::Tiff => "TIFF",
        }
    }

    pub(crate) fn image_format(self) -> image::ImageFormat {
        match self {
            Self::Jpeg => image::ImageFormat::Jpeg,
            Self::Png => image::ImageFormat::Png,
            Self::Webp => image::ImageFormat::WebP,
            Self::Gif => image::ImageFormat::Gif,
            Self::Bmp => image::ImageFormat::Bmp,
            Self::Tiff => image::ImageFormat::Tiff,
        }
    }
}

/// What the first bytes say the file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sniffed {
    Image(SourceFormat),
    Empty,
    Heic,
    Avif,
    JpegXl,
    Jpeg2000,
    Psd,
    Ico,
    CameraRaw,
    Svg,
    Pdf,
    Video,
    Html,
    Archive,
    Text,
    Unknown,
}

/// How many leading bytes [`sniff`] looks at.
pub const SNIFF_LEN: usize = 1024;

/// Names what `head` (the file's first bytes, at least [`SNIFF_LEN`] when the file has them) is.
pub(crate) fn sniff(head: &[u8]) -> Sniffed {
    let h = head;
    if h.is_empty() {
        return Sniffed::Empty;
    }
    if h.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Sniffed::Image(SourceFormat::Jpeg);
    }
    if h.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Sniffed::Image(SourceFormat::Png);
    }
    if h.starts_with(b"GIF87a") || h.starts_with(b"GIF89a") {
        return Sniffed::Image(SourceFormat::Gif);
    }
    if h.len() >= 12 && &h[0..4] == b"RIFF" {
        return match &h[8..12] {
            b"WEBP" => Sniffed::Image(SourceFormat::Webp),
            b"AVI " => Sniffed::Video,
            _ => Sniffed::Unknown,
        };
    }
    if h.starts_with(b"II*\0") || h.starts_with(b"MM\0*") {
        if h.len() >= 10 && &h[8..10] == b"CR" {
            return Sniffed::CameraRaw;
        }
        return Sniffed::Image(SourceFormat::Tiff);
    }
    if h.starts_with(b"II+\0") || h.starts_with(b"MM\0+") || h.starts_with(b"IIRO") {
        return Sniffed::CameraRaw;
    }
    if h.len() >= 14 && h.starts_with(b"BM") && is_bmp_header(h) {
        return Sniffed::Image(SourceFormat::Bmp);
    }
    if h.len() >= 12 && &h[4..8] == b"ftyp" {
        return sniff_ftyp(h);
    }
    if h.starts_with(&[0xFF, 0x0A]) || h.starts_with(b"\0\0\0\x0cJXL \r\n\x87\n") {
        return Sniffed::JpegXl;
    }
    if h.starts_with(b"\0\0\0\x0cjP  \r\n\x87\n") || h.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) {
        return Sniffed::Jpeg2000;
    }
    if h.starts_with(b"8BPS") {
        return Sniffed::Psd;
    }
    if h.starts_with(&[0, 0, 1, 0]) || h.starts_with(&[0, 0, 2, 0]) {
        return Sniffed::Ico;
    }
    if h.starts_with(b"%PDF") {
        return Sniffed::Pdf;
    }
    if h.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) || h.starts_with(&[0, 0, 1, 0xBA]) {
        return Sniffed::Video;
    }
    if h.starts_with(b"PK\x03\x04") || h.starts_with(&[0x1F, 0x8B]) || h.starts_with(b"7z\xBC\xAF")
    {
        return Sniffed::Archive;
    }
    sniff_text(h)
}

fn is_bmp_header(h: &[u8]) -> bool {
    match h.get(14..18) {
        Some(&[a, b, c, d]) => matches!(
            u32::from_le_bytes([a, b, c, d]),
            12 | 16 | 40 | 52 | 56 | 64 | 108 | 124
        ),
        _ => true,
    }
}

fn sniff_ftyp(h: &[u8]) -> Sniffed {
    let size = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as usize;
    let end = size.clamp(12, h.len());
    let brands = std::iter::once(&h[8..12]).chain(h.get(16..end).unwrap_or(&[]).chunks_exact(4));
    let mut found = Sniffed::Video;
    for brand in brands {
        match brand {
            b"avif" | b"avis" => return Sniffed::Avif,
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1" => {
                found = Sniffed::Heic;
            }
            b"crx " => return Sniffed::CameraRaw,
            _ => {}
        }
    }
    found
}

fn sniff_text(h: &[u8]) -> Sniffed {
    let body = h.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(h);
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) if e.error_len().is_none() && e.valid_up_to() + 4 > body.len() => {
            std::str::from_utf8(&body[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return Sniffed::Unknown,
    };
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\x0c'))
    {
        return Sniffed::Unknown;
    }
    let lower = text.trim_start().to_ascii_lowercase();
    if lower.contains("<svg") {
        return Sniffed::Svg;
    }
    if [
        "<!doctype html",
        "<html",
        "<head",
        "<body",
        "<meta",
        "<title",
        "<script",
    ]
    .iter()
    .any(|tag| lower.contains(tag))
    {
        return Sniffed::Html;
    }
    Sniffed::Text
}

/// Whether `name` is where the bytes came from: a URL gets advice about links, a file about files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Came {
    File,
    Url,
}

/// The format of a file whose first bytes are `head`, or a refusal that says what the file is and
/// what to do (a batch's plan looks at its frames this way, before preparing any).
pub fn recognise_file(head: &[u8]) -> Result<SourceFormat> {
    recognise(head, Came::File)
}

/// The format, or a refusal that says what the file is and what to do.
pub(crate) fn recognise(head: &[u8], came: Came) -> Result<SourceFormat> {
    let (en, zh): (&str, &str) = match sniff(head) {
        Sniffed::Image(format) => return Ok(format),
        Sniffed::Empty => (
            "the file is empty (0 bytes); choose the image again",
            "文件是空的（0 字节），请重新选择图片",
        ),
        Sniffed::Heic => (
            "this is a HEIC photo (the iPhone format), which is not supported; export it as JPEG or PNG (on iPhone: Settings › Camera › Formats › Most Compatible)",
            "这是 HEIC 照片（iPhone 格式），不受支持；请导出为 JPEG 或 PNG（iPhone：设置 › 相机 › 格式 › 兼容性最佳）",
        ),
        Sniffed::Avif => (
            "this is an AVIF image, which is not supported; export it as JPEG, PNG or WebP",
            "这是 AVIF 图片，不受支持；请导出为 JPEG、PNG 或 WebP",
        ),
        Sniffed::JpegXl => (
            "this is a JPEG XL image, which is not supported; export it as JPEG or PNG",
            "这是 JPEG XL 图片，不受支持；请导出为 JPEG 或 PNG",
        ),
        Sniffed::Jpeg2000 => (
            "this is a JPEG 2000 image, which is not supported; export it as JPEG or PNG",
            "这是 JPEG 2000 图片，不受支持；请导出为 JPEG 或 PNG",
        ),
        Sniffed::Psd => (
            "this is a Photoshop document; export it as JPEG or PNG",
            "这是 Photoshop 文档；请导出为 JPEG 或 PNG",
        ),
        Sniffed::Ico => (
            "this is an icon file, not a picture; use a JPEG or PNG image",
            "这是图标文件，不是图片；请使用 JPEG 或 PNG 图片",
        ),
        Sniffed::CameraRaw => (
            "this is a camera RAW file; develop it and export it as JPEG",
            "这是相机 RAW 文件；请处理后导出为 JPEG",
        ),
        Sniffed::Svg => (
            "this is an SVG drawing, not a picture made of pixels; export it as PNG",
            "这是 SVG 矢量图，不是位图；请导出为 PNG",
        ),
        Sniffed::Pdf => (
            "this is a PDF document; export the page you want as PNG or JPEG",
            "这是 PDF 文档；请将需要的页面导出为 PNG 或 JPEG",
        ),
        Sniffed::Video => (
            "this is a video, not an image; save one still frame of it as JPEG or PNG",
            "这是视频，不是图片；请截取一帧并保存为 JPEG 或 PNG",
        ),
        Sniffed::Html if came == Came::Url => (
            "the link leads to a web page, not to an image; open the image itself and copy its address",
            "该链接指向网页而不是图片；请打开图片本身并复制其地址",
        ),
        Sniffed::Html => (
            "this is a web page (HTML), not an image, whatever its name says; save the image itself",
            "这是网页（HTML）而不是图片（与文件名无关）；请保存图片本身",
        ),
        Sniffed::Archive => (
            "this is a compressed archive; unpack it and choose the image inside",
            "这是压缩包；请解压后选择其中的图片",
        ),
        Sniffed::Text => (
            "this is a text file, not an image, whatever its name says",
            "这是文本文件而不是图片（与文件名无关）",
        ),
        Sniffed::Unknown => (
            "this is not an image Framecast can read; use JPEG, PNG or WebP",
            "无法识别该图片格式；请使用 JPEG、PNG 或 WebP",
        ),
    };
    Err(Error::invalid_input(en, zh))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_what_people_drop() {
        assert_eq!(sniff(b""), Sniffed::Empty);
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"), Sniffed::Heic);
        assert_eq!(
            sniff(b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf"),
            Sniffed::Avif
        );
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42\0\0\0\0isommp42"), Sniffed::Video);
        assert_eq!(sniff(b"\0\0\0\x14ftypqt  \0\0\0\0qt  "), Sniffed::Video);
        assert_eq!(sniff(b"%PDF-1.7\n"), Sniffed::Pdf);
        assert_eq!(
            sniff(b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            Sniffed::Svg
        );
        assert_eq!(sniff(b"\n<!DOCTYPE html><html><body>"), Sniffed::Html);
        assert_eq!(sniff(b"just some notes\n"), Sniffed::Text);
        assert_eq!(sniff("图片说明".as_bytes()), Sniffed::Text);
        assert_eq!(sniff(b"\x00\x01\x02\x03garbage"), Sniffed::Unknown);
        assert_eq!(
            sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Sniffed::Image(SourceFormat::Webp)
        );
        assert_eq!(
            sniff(b"II*\0\x08\0\0\0"),
            Sniffed::Image(SourceFormat::Tiff)
        );
    }

    #[test]
    fn refusals_say_what_the_file_is() {
        let e = recognise(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic", Came::File).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("HEIC"), "{e}");
        assert!(e.message(crate::Lang::Zh).contains("HEIC"));
        let e = recognise(b"<html>", Came::Url).unwrap_err();
        assert!(e.to_string().contains("web page"), "{e}");
    }
}
