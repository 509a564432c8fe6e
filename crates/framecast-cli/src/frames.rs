//! `--first` / `--last`: any image argument (path, link, data URL) through the engine's frame
//! pipeline, before anything is sent.

use framecast_core::frames::{
    self, FrameFacts, FrameOptions, FrameSize, FrameSource, ModelAspect, PreparedFrame, Warning,
    advice,
};
use framecast_core::{CancellationToken, Error};
use serde::Serialize;

/// A frame ready to send, with what the CLI prints about it.
pub struct Frame {
    pub prepared: PreparedFrame,
    /// `{"role": "start"|"end"|"reference", ...facts}` for the JSON line.
    pub facts: FrameLine,
    /// One line for people.
    pub summary: String,
}

#[derive(Serialize)]
pub struct FrameLine {
    role: &'static str,
    #[serde(flatten)]
    facts: FrameFacts,
    /// What the person should know: the frame's shape against the video's and, on the end
    /// frame's line, how the two frames differ.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    advice: Vec<Warning>,
}

/// How frames are prepared, from the command line.
pub struct FrameArgs<'a> {
    pub first: Option<&'a str>,
    pub last: Option<&'a str>,
    /// `original`, or the longest side in pixels.
    pub size: &'a str,
    pub crop: bool,
    pub fit_end: bool,
    pub model: &'a str,
}

/// Prepares the start and end frames (in parallel); none when no start frame was given.
pub async fn load(args: &FrameArgs<'_>, cancel: &CancellationToken) -> Result<Vec<Frame>, Error> {
    let Some(first) = args.first else {
        return Ok(Vec::new());
    };
    let size = frame_size(args.size)?;
    // Veo's plain names are portrait, and so is a name that says nothing.
    let aspect = ModelAspect::of_model(args.model).unwrap_or(ModelAspect::Portrait);
    let options = FrameOptions {
        size,
        model_aspect: aspect,
        crop_to_model: args.crop,
        fit_end_to_start: args.fit_end,
        ..FrameOptions::default()
    };
    let last = args.last.map(FrameSource::parse_arg).transpose()?;
    let pair = frames::prepare_pair(FrameSource::parse_arg(first)?, last, &options, cancel).await?;
    let said = advice::advise(
        Some(&pair.first.facts),
        pair.last.as_ref().map(|l| &l.facts),
        aspect,
    );
    let mut out = vec![frame("start", pair.first, said.start)];
    if let Some(last) = pair.last {
        out.push(frame("end", last, said.end));
    }
    Ok(out)
}

/// Prepares the reference images (`--ref`), each through the same pipeline as a frame, in the
/// order given; a refused one is named by its number.
pub async fn load_references(
    refs: &[String],
    size: &str,
    cancel: &CancellationToken,
) -> Result<Vec<Frame>, Error> {
    if refs.is_empty() {
        return Ok(Vec::new());
    }
    let options = FrameOptions {
        size: frame_size(size)?,
        ..FrameOptions::default()
    };
    let mut out = Vec::with_capacity(refs.len());
    for (i, arg) in refs.iter().enumerate() {
        let prepared = frames::pipeline::prepare(FrameSource::parse_arg(arg)?, &options, cancel)
            .await
            .map_err(|e| {
                let n = i + 1;
                Error::invalid_input(
                    format!(
                        "reference image {n}: {}",
                        e.message(framecast_core::Lang::En)
                    ),
                    format!("第 {n} 张参考图：{}", e.message(framecast_core::Lang::Zh)),
                )
            })?;
        out.push(frame("reference", prepared, Vec::new()));
    }
    Ok(out)
}

fn frame_size(size: &str) -> Result<FrameSize, Error> {
    match size.trim() {
        "original" => Ok(FrameSize::Original),
        px => px.parse().ok().filter(|&p| (64..=8192).contains(&p)).map(FrameSize::LongSide).ok_or_else(|| {
            Error::invalid_input(
                format!("--frame-size must be “original” or a size in pixels from 64 to 8192, not “{px}”"),
                format!("--frame-size 必须是 “original” 或 64 到 8192 之间的像素值，而不是“{px}”"),
            )
        }),
    }
}

fn frame(role: &'static str, prepared: PreparedFrame, advice: Vec<Warning>) -> Frame {
    let f = &prepared.facts;
    let kib = |b: u64| b.div_ceil(1024);
    let mut summary = format!(
        "{role} {}×{} {} {} KB → {}×{} {} {} KB",
        f.source.width,
        f.source.height,
        f.source.format.as_str().to_uppercase(),
        kib(f.source.bytes),
        f.width,
        f.height,
        f.mime.trim_start_matches("image/").to_uppercase(),
        kib(f.bytes as u64),
    );
    for w in f.warnings.iter().chain(&advice) {
        summary.push_str(&format!("; {}", w.message));
    }
    Frame {
        summary,
        facts: FrameLine {
            role,
            facts: prepared.facts.clone(),
            advice,
        },
        prepared,
    }
}
