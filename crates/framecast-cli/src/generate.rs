//! `framecast-cli generate`: one job, recorded in the library before its request is sent.
//!
//! Ctrl-C stops the generation; videos already delivered go on downloading, because they are paid
//! for. A second Ctrl-C stops the downloads too, keeping them in the library for `resume`.

use crate::frames;
use crate::gateway::{GatewayArgs, RouteArgs};
use crate::output::Output;
use clap::Args;
use framecast_core::frames::ModelAspect;
use framecast_core::options::{Resolution, parse_ratio};
use framecast_core::request::DEFAULT_MODEL;
use framecast_core::{
    CancellationToken, Controls, Error, GenerationRequest, JobId, JobResult, Lang, VideoOptions,
};
use framecast_jobs::{Draft, Started};
use framecast_library::{Keys, Library, Origin};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Later options override earlier ones, so scripts can append to a base command line.
#[derive(Args)]
#[command(args_override_self = true)]
pub struct GenerateArgs {
    /// What the video shows. May be empty when a start frame is given.
    #[arg(long, default_value = "")]
    prompt: String,
    /// Model name, e.g. veo-3.1, veo-3.1-fast, veo-3.1-landscape-fast-fl.
    #[arg(long, default_value = DEFAULT_MODEL)]
    model: String,
    /// How many videos (1–4); each one is charged.
    #[arg(short = 'n', long = "count", default_value_t = 1)]
    pub n: u8,
    /// Start frame: a file path, an http(s) URL or a data URL.
    #[arg(long, value_name = "IMAGE")]
    first: Option<String>,
    /// End frame (needs --first).
    #[arg(long, value_name = "IMAGE")]
    last: Option<String>,
    /// Longest side of a sent frame in pixels, or "original" to send the file as it is when the
    /// gateway accepts it.
    #[arg(long, value_name = "PX|original", default_value = "1920")]
    frame_size: String,
    /// Crop frames (centred) to the model's aspect ratio.
    #[arg(long)]
    crop: bool,
    /// Crop and resize the end frame to the start frame's size.
    #[arg(long)]
    fit_end: bool,
    #[command(flatten)]
    gateway: GatewayArgs,
    #[command(flatten)]
    route: RouteArgs,
    /// Seconds of video: 4, 6 or 8 (default: the gateway's, 8).
    #[arg(long, value_name = "S")]
    duration: Option<u8>,
    /// 720p, 1080p or 4k (1080p and 4k only at 8 seconds).
    #[arg(long, value_name = "720p|1080p|4k", value_parser = resolution)]
    resolution: Option<Resolution>,
    /// 16:9 or 9:16 (default: what the model name says).
    #[arg(long, value_name = "16:9|9:16", value_parser = aspect)]
    aspect: Option<ModelAspect>,
    /// What the video should not show.
    #[arg(long, value_name = "TEXT")]
    negative_prompt: Option<String>,
    /// A seed, for takes that can be made again alike.
    #[arg(long, value_name = "N")]
    seed: Option<u32>,
    /// A silent video.
    #[arg(long)]
    no_audio: bool,
    /// Let the gateway rewrite the prompt first.
    #[arg(long)]
    enhance_prompt: bool,
    /// A reference image (a character, an object, a product kept the same): a file path, an
    /// http(s) URL or a data URL; up to three times, never with --first.
    #[arg(long = "ref", value_name = "IMAGE")]
    refs: Vec<String>,
    /// Folder to save the videos in.
    #[arg(long, value_name = "DIR", default_value = ".")]
    out: PathBuf,
    /// Only print the videos' URLs; do not download them.
    #[arg(long)]
    no_download: bool,
    /// Ask for one JSON answer at the end instead of a stream.
    #[arg(long)]
    no_stream: bool,
    /// Print one JSON object per line instead of a progress bar.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: GenerateArgs) -> ExitCode {
    let lang = Lang::from_env();
    let id = JobId::new();
    let out = Output::new(args.json, lang, Some(id));
    let controls = Controls::new();
    interrupts(&controls, &out);
    let result = job(&args, id, &out, &controls).await;
    out.finish(&result)
}

/// First Ctrl-C: stop the generation. Second: stop the downloads as well.
fn interrupts(controls: &Controls, out: &Output) {
    let controls = controls.clone();
    let say = out.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            controls.cancel();
            say.say(
                "Stopping the generation; delivered videos are still being saved (Ctrl-C again to stop them; `framecast-cli resume` finishes them later).",
                "正在停止生成；已生成的视频仍在保存（再按 Ctrl-C 停止保存；之后可用 `framecast-cli resume` 继续）。",
            );
        }
        if tokio::signal::ctrl_c().await.is_ok() {
            controls.discard();
        }
    });
}

async fn job(args: &GenerateArgs, id: JobId, out: &Output, controls: &Controls) -> JobResult {
    match start(args, id, out, controls.generation()).await {
        Ok(started) => started.run(controls, &|event| out.event(&event)).await,
        Err(e) => JobResult::failed(args.n, e),
    }
}

/// Everything that can be refused before sending — input, times, frames, key, URL — then the
/// job recorded. Each setting comes from its flag, else its environment variable, else the
/// active profile, else the default.
async fn start(
    args: &GenerateArgs,
    id: JobId,
    out: &Output,
    cancel: &CancellationToken,
) -> Result<Started, Error> {
    let library = Arc::new(Library::open_default()?);
    let keys = Keys::new(library.dir());
    library.move_proxy_passwords(&keys)?;
    let overrides = args.route.overrides(&args.gateway)?;
    let target = framecast_jobs::target::resolve(&library, &keys, &overrides)?;
    let request = GenerationRequest {
        prompt: args.prompt.clone(),
        model: args.model.trim().to_owned(),
        n: args.n,
        first_frame: args.first.clone(),
        last_frame: args.last.clone(),
        stream: !args.no_stream,
        options: VideoOptions {
            duration: args.duration,
            resolution: args.resolution,
            aspect: args.aspect,
            negative_prompt: args.negative_prompt.clone(),
            seed: args.seed,
            audio: args.no_audio.then_some(false),
            enhance_prompt: args.enhance_prompt.then_some(true),
        },
        references: args.refs.clone(),
    };
    request.validate()?;
    // Refused before any image is read or anything recorded: what the route cannot carry.
    framecast_core::options::check(
        &request.options.clone().normalized(),
        usize::from(args.first.is_some()) + usize::from(args.last.is_some()),
        args.refs.len(),
        &target.capabilities,
    )?;
    let frames = frames::load(
        &frames::FrameArgs {
            first: args.first.as_deref(),
            last: args.last.as_deref(),
            size: &args.frame_size,
            crop: args.crop,
            fit_end: args.fit_end,
            model: &request.model,
        },
        cancel,
    )
    .await?;
    for frame in &frames {
        out.frame(frame);
    }
    let references = frames::load_references(&args.refs, &args.frame_size, cancel).await?;
    for reference in &references {
        out.frame(reference);
    }
    framecast_jobs::begin(
        &library,
        target,
        Draft {
            id,
            request,
            frames: frames.into_iter().map(|f| Arc::new(f.prepared)).collect(),
            references: references
                .into_iter()
                .map(|f| Arc::new(f.prepared))
                .collect(),
            lineage: Vec::new(),
            retry_of: None,
            save_dir: (!args.no_download).then(|| args.out.clone()),
            label: None,
            origin: Origin::Cli,
        },
    )
}

fn resolution(text: &str) -> Result<Resolution, String> {
    Resolution::parse(text).ok_or_else(|| format!("{text:?} is not 720p, 1080p or 4k"))
}

fn aspect(text: &str) -> Result<ModelAspect, String> {
    parse_ratio(text).ok_or_else(|| format!("{text:?} is not 16:9 or 9:16"))
}
