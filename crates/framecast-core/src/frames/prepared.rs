//! What a prepared frame is: the options it was prepared with, what was done to it, what the
//! person may want to know, and the facts the CLI prints and the window shows (never its data).

use super::aspect::{ModelAspect, Shape};
use super::decode::DecodeLimits;
use super::encode::Transparency;
use super::fit::FrameSize;
use super::orient::Orientation;
use super::sniff::SourceFormat;
use super::source::Origin;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// How frames are prepared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FrameOptions {
    /// The size limit; [`FrameSize::Original`] sends the file itself when it can.
    pub size: FrameSize,
    /// The most bytes one encoded image may have (the data URL is 4/3 of it).
    pub max_bytes: usize,
    /// The shape of the video the model renders.
    pub model_aspect: ModelAspect,
    /// Crop each frame (centred) to the model's aspect ratio.
    pub crop_to_model: bool,
    /// Crop and resize the end frame to the start frame's final size.
    pub fit_end_to_start: bool,
    /// JPEG quality for opaque frames, 1–100.
    pub jpeg_quality: u8,
    /// What frames with transparent pixels become.
    pub transparency: Transparency,
    /// The longer side of the thumbnail, in pixels.
    pub thumbnail_side: u32,
    /// The largest file, download or data URL accepted, in bytes.
    pub max_source_bytes: u64,
    /// How long fetching an image link may take, in milliseconds.
    pub fetch_timeout_ms: u64,
    /// Bounds on the image's declared size and decoded memory.
    pub limits: DecodeLimits,
}

/// The default per-image byte limit: about 10 MB.
pub const DEFAULT_MAX_BYTES: usize = 10_000_000;

impl Default for FrameOptions {
    fn default() -> Self {
        Self {
            size: FrameSize::default(),
            max_bytes: DEFAULT_MAX_BYTES,
            model_aspect: ModelAspect::default(),
            crop_to_model: false,
            fit_end_to_start: false,
            jpeg_quality: 90,
            transparency: Transparency::default(),
            thumbnail_side: 320,
            max_source_bytes: 100 << 20,
            fetch_timeout_ms: 30_000,
            limits: DecodeLimits::default(),
        }
    }
}

/// One thing done to a frame on its way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Turned or flipped upright, as its EXIF orientation asked.
    Rotated,
    /// Made smaller (or, fitting an end frame, larger).
    Resized,
    /// Cropped to an aspect ratio.
    Cropped,
    /// Changed format or colour model (CMYK, 16-bit, gray, palette, GIF/BMP/TIFF).
    Converted,
    /// Transparency flattened on white.
    Flattened,
    /// Encoded anew.
    Reencoded,
    /// The file's own bytes were sent, untouched.
    SentAsIs,
}

/// Something the person may want to know or act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// The frame's shape is not the model's; it will be cropped or letterboxed.
    ShapeMismatch,
    /// "Original" was asked for, but the file had to be processed.
    NotSentAsIs,
    /// JPEG quality was lowered to fit the byte limit.
    QualityLowered,
    /// The size was lowered to fit the byte limit.
    SizeLowered,
    /// An animation: only its first frame is used.
    FirstFrameOnly,
    /// The end frame was enlarged to the start frame's size.
    Upscaled,
    /// The decoder recovered from damaged data; parts may look wrong.
    Damaged,
    /// The start and end frames differ in size.
    PairSize,
    /// The start and end frames differ in aspect ratio.
    PairAspect,
}

/// A warning, in English and Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    pub code: WarningCode,
    /// In English.
    pub message: String,
    /// In Chinese.
    pub message_zh: String,
}

impl Warning {
    pub(crate) fn new(code: WarningCode, en: impl Into<String>, zh: impl Into<String>) -> Self {
        Self {
            code,
            message: en.into(),
            message_zh: zh.into(),
        }
    }
}

/// What the frame was before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SourceFacts {
    /// A path, bytes, a link or a data URL.
    pub origin: Origin,
    /// The file name or the link, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub name: Option<String>,
    /// The format recognised from the content.
    pub format: SourceFormat,
    /// The size of the file, download or decoded data URL.
    pub bytes: u64,
    /// Size as shown (after EXIF orientation).
    pub width: u32,
    pub height: u32,
    /// The EXIF orientation, 1–8.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub orientation: Orientation,
}

/// Everything about a prepared frame except its data: for the CLI's JSON line and the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct FrameFacts {
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub mime: String,
    /// Encoded bytes sent (before base64).
    pub bytes: usize,
    /// The size sent, as shown.
    pub width: u32,
    pub height: u32,
    pub shape: Shape,
    /// The shape of the video the frame was prepared for.
    pub model_aspect: ModelAspect,
    /// The frame's shape is the model's.
    pub matches_model: bool,
    /// SHA-256 of the encoded bytes sent, lowercase hex.
    pub sha256: String,
    /// JPEG quality, when re-encoded as JPEG.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub quality: Option<u8>,
    /// What the frame was before.
    pub source: SourceFacts,
    /// What was done to it, in order.
    pub actions: Vec<Action>,
    pub warnings: Vec<Warning>,
}

/// A frame ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedFrame {
    /// `data:image/...;base64,...`
    pub data_url: String,
    /// A JPEG at most [`FrameOptions::thumbnail_side`] pixels on its longer side.
    pub thumbnail: Vec<u8>,
    /// Everything about the frame but its data.
    pub facts: FrameFacts,
}

impl PreparedFrame {
    /// The thumbnail as a `data:image/jpeg;base64,...` URL.
    pub fn thumbnail_data_url(&self) -> String {
        data_url("image/jpeg", &self.thumbnail)
    }
}

/// The start frame, the end frame, and what differs between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedPair {
    /// The start frame.
    pub first: PreparedFrame,
    /// The end frame, when one was given.
    pub last: Option<PreparedFrame>,
    /// How the two differ (size, aspect ratio).
    pub warnings: Vec<Warning>,
}

/// `data:<mime>;base64,<bytes>`.
pub fn data_url(mime: &str, bytes: &[u8]) -> String {
    let mut s = String::with_capacity(mime.len() + 13 + bytes.len().div_ceil(3) * 4);
    s.push_str("data:");
    s.push_str(mime);
    s.push_str(";base64,");
    base64::engine::general_purpose::STANDARD.encode_string(bytes, &mut s);
    s
}
