//! Frames: whatever image a person drops, turned into what the gateway and the model want.
//!
//! A start or end frame may be a 24-megapixel phone photo turned by EXIF, a screenshot with
//! alpha, a CMYK print file, a WebP from the web, or something that is not an image at all. This
//! module guarantees that what comes out is a `data:` URL of a JPEG, PNG or WebP that:
//! - was recognised by its content, never its name, and refused with a message saying what the
//!   file is and what to do when it cannot be used ([`crate::ErrorKind::InvalidInput`]);
//! - is upright (EXIF orientation applied), 8-bit RGB(A), transparent only where kept;
//! - is at most [`FrameOptions::size`] on its long side, never scaled up (except when the end
//!   frame is fitted to the start frame), and under [`FrameOptions::max_bytes`];
//! - was decoded and encoded off the async runtime, the two frames of a pair in parallel;
//! - failed alone: a decoder that panics on a hostile file refuses that frame as unreadable, and
//!   any other panic while preparing it is an [`crate::ErrorKind::Internal`] error for that frame
//!   only (the release build unwinds, so neither takes the process down).
//!
//! The pieces: [`source`] (intake), [`sniff`] (recognition), `decode` (limits and pixels),
//! `jpeg` (libjpeg-turbo with DCT scaling), `orient` (EXIF), `fit` (plan and resample),
//! `encode` (bytes under the limit), [`aspect`] (shapes against the model's).

pub mod aspect;
mod decode;
mod encode;
mod fit;
mod jpeg;
mod orient;
pub mod sniff;
pub mod source;

pub use aspect::{ModelAspect, Shape};
pub use decode::DecodeLimits;
pub use encode::Transparency;
pub use fit::FrameSize;
pub use orient::Orientation;
pub use sniff::SourceFormat;
pub use source::{FrameSource, Origin};

use crate::error::{Error, ErrorKind, Result, Text};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use source::Loaded;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

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
    fn new(code: WarningCode, en: impl Into<String>, zh: impl Into<String>) -> Self {
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

/// Prepares a frame from bytes, synchronously: the core that [`prepare`] runs off the runtime.
pub fn prepare_bytes(bytes: &[u8], opts: &FrameOptions) -> Result<PreparedFrame> {
    let loaded = Loaded {
        bytes: bytes::Bytes::new(),
        origin: Origin::Bytes,
        name: None,
    };
    run(bytes, &loaded, opts, None, None)
}

/// Prepares one frame from any source.
pub async fn prepare(
    source: FrameSource,
    opts: &FrameOptions,
    cancel: &CancellationToken,
) -> Result<PreparedFrame> {
    let loaded = load(&source, opts, cancel).await?;
    off_runtime(loaded, opts, None, cancel).await
}

/// Prepares the start frame and, when given, the end frame, in parallel, and compares them.
pub async fn prepare_pair(
    first: FrameSource,
    last: Option<FrameSource>,
    opts: &FrameOptions,
    cancel: &CancellationToken,
) -> Result<PreparedPair> {
    let (a, b) = tokio::try_join!(
        async {
            load(&first, opts, cancel)
                .await
                .map_err(|e| in_slot(e, Slot::Start))
        },
        async {
            match &last {
                Some(s) => load(s, opts, cancel)
                    .await
                    .map(Some)
                    .map_err(|e| in_slot(e, Slot::End)),
                None => Ok(None),
            }
        }
    )?;
    let exact = match (&b, opts.fit_end_to_start) {
        (Some(_), true) => {
            Some(planned_size(&a.bytes, a.came(), opts).map_err(|e| in_slot(e, Slot::Start))?)
        }
        _ => None,
    };
    let (first, last) = tokio::try_join!(
        async {
            off_runtime(a, opts, None, cancel)
                .await
                .map_err(|e| in_slot(e, Slot::Start))
        },
        async {
            match b {
                Some(b) => off_runtime(b, opts, exact, cancel)
                    .await
                    .map(Some)
                    .map_err(|e| in_slot(e, Slot::End)),
                None => Ok(None),
            }
        }
    )?;
    let warnings = last
        .as_ref()
        .map(|l| compare(&first.facts, &l.facts))
        .unwrap_or_default();
    Ok(PreparedPair {
        first,
        last,
        warnings,
    })
}

#[derive(Clone, Copy)]
enum Slot {
    Start,
    End,
}

fn in_slot(e: Error, slot: Slot) -> Error {
    let (en, zh) = match slot {
        Slot::Start => ("start frame", "开始帧"),
        Slot::End => ("end frame", "结束帧"),
    };
    match (e.kind(), e.specifics()) {
        (ErrorKind::InvalidInput, Some(t)) => {
            let detail = Text::new(format!("{en}: {}", t.en), format!("{zh}：{}", t.zh));
            Error::new(ErrorKind::InvalidInput).detail(detail)
        }
        _ => e,
    }
}

async fn load(
    source: &FrameSource,
    opts: &FrameOptions,
    cancel: &CancellationToken,
) -> Result<Loaded> {
    source
        .load(
            opts.max_source_bytes,
            Duration::from_millis(opts.fetch_timeout_ms),
            cancel,
        )
        .await
}

async fn off_runtime(
    loaded: Loaded,
    opts: &FrameOptions,
    exact: Option<(u32, u32)>,
    cancel: &CancellationToken,
) -> Result<PreparedFrame> {
    let opts = opts.clone();
    let token = cancel.clone();
    let task = tokio::task::spawn_blocking(move || {
        run(&loaded.bytes, &loaded, &opts, exact, Some(&token))
    });
    tokio::select! {
        biased;
        () = cancel.cancelled() => Err(Error::cancelled()),
        r = task => r.map_err(|e| Error::internal(
            Text::new("preparing the frame failed unexpectedly", "处理图片时意外失败"),
            &e,
        ))?,
    }
}

/// The size the frame in `bytes` will have, from its header alone.
fn planned_size(bytes: &[u8], came: sniff::Came, opts: &FrameOptions) -> Result<(u32, u32)> {
    let format = sniff::recognise(&bytes[..bytes.len().min(sniff::SNIFF_LEN)], came)?;
    let probe = decode::probe(bytes, format, &opts.limits)?;
    let ratio = opts.crop_to_model.then(|| opts.model_aspect.ratio());
    Ok(fit::plan(
        probe.width,
        probe.height,
        probe.orientation,
        opts.size,
        ratio,
        None,
    )
    .out)
}

/// Why the file itself cannot be sent, when "original" is asked for.
fn not_as_is(
    probe: &decode::Probe,
    plan: &fit::Plan,
    len: usize,
    opts: &FrameOptions,
) -> Option<(&'static str, &'static str)> {
    if probe.format.accepted_mime().is_none() {
        Some((
            "its format is not one the gateway accepts",
            "其格式不被网关接受",
        ))
    } else if probe.unusual_colour {
        Some((
            "its colour model (CMYK or 16-bit) needs converting",
            "其颜色模式（CMYK 或 16 位）需要转换",
        ))
    } else if probe.animated {
        Some(("it is animated", "它是动图"))
    } else if probe.alpha && opts.transparency == Transparency::Flatten {
        Some((
            "its transparency has to be flattened",
            "需要将透明部分合成到白色背景上",
        ))
    } else if !probe.orientation.is_normal() {
        Some((
            "its EXIF orientation has to be applied",
            "需要应用其 EXIF 方向",
        ))
    } else if plan.resamples(probe.width, probe.height) {
        Some(("it has to be cropped or resized", "需要裁剪或缩放"))
    } else if len > opts.max_bytes {
        Some(("it is over the size limit", "超过了大小限制"))
    } else {
        None
    }
}

/// The whole pipeline for one frame.
fn run(
    bytes: &[u8],
    loaded: &Loaded,
    opts: &FrameOptions,
    exact: Option<(u32, u32)>,
    cancel: Option<&CancellationToken>,
) -> Result<PreparedFrame> {
    let check = || {
        if cancel.is_some_and(CancellationToken::is_cancelled) {
            Err(Error::cancelled())
        } else {
            Ok(())
        }
    };
    let format = sniff::recognise(&bytes[..bytes.len().min(sniff::SNIFF_LEN)], loaded.came())?;
    let probe = decode::probe(bytes, format, &opts.limits)?;
    let ratio = opts.crop_to_model.then(|| opts.model_aspect.ratio());
    let plan = fit::plan(
        probe.width,
        probe.height,
        probe.orientation,
        opts.size,
        ratio,
        exact,
    );
    let mut warnings = Vec::new();
    let mut actions = Vec::new();
    if probe.animated {
        warnings.push(Warning::new(
            WarningCode::FirstFrameOnly,
            "the image is animated; only its first frame is used",
            "这是动图；只使用第一帧",
        ));
    }
    let as_is = match opts.size {
        FrameSize::Original => match not_as_is(&probe, &plan, bytes.len(), opts) {
            None => true,
            Some((en, zh)) => {
                warnings.push(Warning::new(
                    WarningCode::NotSentAsIs,
                    format!("the original file could not be sent as it is: {en}"),
                    format!("无法直接发送原文件：{zh}"),
                ));
                false
            }
        },
        FrameSize::LongSide(_) => false,
    };
    let (shown_w, shown_h) = if probe.orientation.transposes() {
        (probe.height, probe.width)
    } else {
        (probe.width, probe.height)
    };
    let region = plan.region(probe.width, probe.height);
    let need = if as_is {
        let s =
            (f64::from(opts.thumbnail_side) / f64::from(probe.width.max(probe.height))).min(1.0);
        (
            (f64::from(probe.width) * s) as u32,
            (f64::from(probe.height) * s) as u32,
        )
    } else {
        plan.stored_out
    };
    let denom = match &probe.jpeg {
        Some(header) if !header.lossless => jpeg::choose_scale(region.2, region.3, need.0, need.1),
        _ => 1,
    };
    check()?;
    let decoded = decode::decode(bytes, &probe, denom, &opts.limits)?;
    if decoded.recovered {
        warnings.push(Warning::new(
            WarningCode::Damaged,
            "the image data is damaged; parts of the frame may look wrong",
            "图片数据有损坏；部分画面可能显示异常",
        ));
    }
    check()?;
    let (sent, mime, (width, height), quality, thumbnail) = if as_is {
        actions.push(Action::SentAsIs);
        let mime = format.accepted_mime().unwrap_or("application/octet-stream");
        let thumbnail = encode::thumbnail(&decoded.raster, opts.thumbnail_side)?;
        (
            bytes.to_vec(),
            mime,
            (probe.width, probe.height),
            None,
            thumbnail,
        )
    } else {
        let mut raster = decoded.raster;
        if raster.has_alpha() && opts.transparency == Transparency::Flatten {
            raster = raster.without_alpha(Some(encode::BACKGROUND));
            actions.push(Action::Flattened);
        }
        if !probe.orientation.is_normal() {
            actions.push(Action::Rotated);
        }
        if plan.crop.is_some() {
            actions.push(Action::Cropped);
        }
        let scaled = plan.resamples(probe.width, probe.height);
        if scaled && plan.stored_out != (region.2.round() as u32, region.3.round() as u32) {
            actions.push(Action::Resized);
        }
        if plan.upscale {
            warnings.push(Warning::new(
                WarningCode::Upscaled,
                "the end frame was enlarged to the start frame's size and may look soft",
                "结束帧已放大到开始帧的尺寸，可能略显模糊",
            ));
        }
        if scaled || denom > 1 {
            let d = denom as f64;
            let region = plan.crop.map(|(l, t, w, h)| (l / d, t / d, w / d, h / d));
            raster = fit::resample_owned(
                raster,
                region,
                plan.stored_out,
                fast_image_resize::FilterType::Lanczos3,
            )?;
        }
        let raster = probe.orientation.apply(raster)?;
        check()?;
        let (encoded, thumbnail) = std::thread::scope(|s| {
            let thumbnail = s.spawn(|| encode::thumbnail(&raster, opts.thumbnail_side));
            let encoded = encode::encode_within(
                &raster,
                opts.transparency,
                opts.jpeg_quality,
                opts.max_bytes,
            );
            (encoded, thumbnail.join())
        });
        let encoded = encoded?;
        let size_lowered = encoded.shrunk.is_some();
        let raster = encoded.shrunk.unwrap_or(raster);
        let thumbnail = match thumbnail {
            Ok(Ok(t)) if !size_lowered => t,
            _ => encode::thumbnail(&raster, opts.thumbnail_side)?,
        };
        if decoded.converted || format.accepted_mime() != Some(encoded.mime) {
            actions.push(Action::Converted);
        }
        actions.push(Action::Reencoded);
        if encoded.quality_lowered {
            warnings.push(Warning::new(
                WarningCode::QualityLowered,
                format!(
                    "JPEG quality was lowered to {} to stay under {} bytes",
                    encoded.quality.unwrap_or_default(),
                    opts.max_bytes
                ),
                format!(
                    "为保持在 {} 字节以内，JPEG 质量已降至 {}",
                    opts.max_bytes,
                    encoded.quality.unwrap_or_default()
                ),
            ));
        }
        if size_lowered {
            if !actions.contains(&Action::Resized) {
                actions.push(Action::Resized);
            }
            warnings.push(Warning::new(
                WarningCode::SizeLowered,
                format!(
                    "the frame was made smaller ({}×{}) to stay under {} bytes",
                    raster.width, raster.height, opts.max_bytes
                ),
                format!(
                    "为保持在 {} 字节以内，图片已缩小至 {}×{}",
                    opts.max_bytes, raster.width, raster.height
                ),
            ));
        }
        (
            encoded.bytes,
            encoded.mime,
            (raster.width, raster.height),
            encoded.quality,
            thumbnail,
        )
    };
    let shape = Shape::of(width, height);
    if shape != opts.model_aspect.shape() {
        let (s_en, s_zh) = shape.words();
        let (m_en, m_zh) = opts.model_aspect.shape().words();
        warnings.push(Warning::new(
            WarningCode::ShapeMismatch,
            format!("the frame is {s_en} but the video will be {m_en}; it will be cropped or letterboxed (turn on cropping to choose)"),
            format!("图片是{s_zh}，而视频是{m_zh}；画面会被裁剪或加黑边（可开启裁剪以自行控制）"),
        ));
    }
    let sha256 = format!("{:x}", sha2::Sha256::digest(&sent));
    let facts = FrameFacts {
        mime: mime.to_owned(),
        bytes: sent.len(),
        width,
        height,
        shape,
        model_aspect: opts.model_aspect,
        matches_model: shape == opts.model_aspect.shape(),
        sha256,
        quality,
        source: SourceFacts {
            origin: loaded.origin,
            name: loaded.name.clone(),
            format,
            bytes: bytes.len() as u64,
            width: shown_w,
            height: shown_h,
            orientation: probe.orientation,
        },
        actions,
        warnings,
    };
    Ok(PreparedFrame {
        data_url: data_url(mime, &sent),
        thumbnail,
        facts,
    })
}

/// What differs between the start and end frames.
fn compare(first: &FrameFacts, last: &FrameFacts) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let (a, b) = (
        f64::from(first.width) / f64::from(first.height),
        f64::from(last.width) / f64::from(last.height),
    );
    if aspect::ratios_differ(a, b) {
        warnings.push(Warning::new(
            WarningCode::PairAspect,
            format!(
                "the start frame ({}×{}) and the end frame ({}×{}) have different aspect ratios; turn on fitting the end frame to the start",
                first.width, first.height, last.width, last.height
            ),
            format!(
                "开始帧（{}×{}）与结束帧（{}×{}）的宽高比不同；可开启“结束帧适配开始帧”",
                first.width, first.height, last.width, last.height
            ),
        ));
    } else if (first.width, first.height) != (last.width, last.height) {
        warnings.push(Warning::new(
            WarningCode::PairSize,
            format!(
                "the start frame ({}×{}) and the end frame ({}×{}) differ in size",
                first.width, first.height, last.width, last.height
            ),
            format!(
                "开始帧（{}×{}）与结束帧（{}×{}）尺寸不同",
                first.width, first.height, last.width, last.height
            ),
        ));
    }
    warnings
}
