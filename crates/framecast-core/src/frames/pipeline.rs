//! The pipeline: one frame from its bytes to what is sent, in named stages — recognise and probe,
//! plan, decode, shape (flatten, crop, resize, orient), encode within the byte limit, describe —
//! off the async runtime, the two frames of a pair in parallel, each failing alone.

use super::advice;
use super::aspect::Shape;
use super::encode::{self, Transparency};
use super::fit::{self, FrameSize};
use super::prepared::{
    Action, FrameFacts, FrameOptions, PreparedFrame, PreparedPair, SourceFacts, Warning,
    WarningCode, data_url,
};
use super::source::{FrameSource, Loaded, Origin};
use super::{decode, jpeg, sniff};
use crate::error::{Error, ErrorKind, Result, Text};
use sha2::Digest as _;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

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
        .and_then(|l| advice::pair(&first.facts, &l.facts))
        .into_iter()
        .collect();
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
