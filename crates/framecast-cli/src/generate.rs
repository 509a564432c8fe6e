//! `framecast-cli generate`: one job, recorded in the library before its request is sent.
//!
//! Ctrl-C stops the generation; videos already delivered go on downloading, because they are paid
//! for. A second Ctrl-C stops the downloads too, keeping them in the library for `resume`.

use crate::frames::{self, Frame};
use crate::output::Output;
use crate::profile::KeyArgs;
use clap::Args;
use framecast_core::job::Route;
use framecast_core::proxy::Proxy;
use framecast_core::request::{DEFAULT_BASE_URL, DEFAULT_MODEL};
use framecast_core::task::{TaskClient, TaskPolicy};
use framecast_core::{
    AuthScheme, CancellationToken, Controls, Credentials, DownloadPolicy, Downloader, Error,
    Gateway, GenerationRequest, JobId, JobResult, JobSpec, Lang, Limits, RouteKind,
};
use framecast_library::{Keys, Library, NewJob, Origin, Profile, Recorder};
use secrecy::ExposeSecret;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// The `--route` values.
#[derive(Clone, Copy, clap::ValueEnum)]
enum RouteArg {
    Stream,
    Task,
}

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
    /// The gateway's base URL (default: the active profile's, else the document's gateway).
    #[arg(long, env = "FRAMECAST_BASE_URL")]
    base_url: Option<String>,
    #[command(flatten)]
    key: KeyArgs,
    /// Send the key as `Bearer <key>` instead of the bare key.
    #[arg(long)]
    bearer: bool,
    /// `system`, `none`, or a proxy URL (default: the active profile's, else `system`).
    #[arg(long, value_name = "URL")]
    proxy: Option<String>,
    /// `stream`: the chat-completions stream (the gateway document's route); `task`: create a
    /// task per video, poll it and fetch the result, so the job survives a dropped connection
    /// (default: the active profile's route, else `stream`).
    #[arg(long, value_name = "stream|task")]
    route: Option<RouteArg>,
    /// Folder to save the videos in.
    #[arg(long, value_name = "DIR", default_value = ".")]
    out: PathBuf,
    /// Only print the videos' URLs; do not download them.
    #[arg(long)]
    no_download: bool,
    /// Ask for one JSON answer at the end instead of a stream.
    #[arg(long)]
    no_stream: bool,
    /// Seconds of silence from the gateway before giving up (default: the profile's, or 360).
    #[arg(long, value_name = "SECONDS")]
    idle_timeout: Option<f64>,
    /// Seconds the whole generation may take (default: the profile's, or 1200).
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<f64>,
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
    let library = match Library::open_default() {
        Ok(l) => Arc::new(l),
        Err(e) => return JobResult::failed(args.n, e.into()),
    };
    let p = match prepare(args, id, &library, out, controls.generation()).await {
        Ok(prepared) => prepared,
        Err(e) => return JobResult::failed(args.n, e),
    };
    let downloader = match Downloader::with_proxy(DownloadPolicy::default(), &p.proxy) {
        Ok(d) => d,
        Err(e) => return JobResult::failed(args.n, e),
    };
    let begun = library.begin_job(&NewJob {
        spec: &p.spec,
        origin: Origin::Cli,
        gateway_host: p
            .gateway
            .endpoint()
            .host_str()
            .unwrap_or_default()
            .to_owned(),
        auth_scheme: p.gateway.credentials().scheme(),
        price_usd: Some(p.price),
        retry_of: None,
        frames: p.frames.iter().map(|f| &f.prepared).collect(),
        route: p.route,
        base_url: p.base_url.clone(),
        profile_id: p.profile_id,
    });
    if let Err(e) = begun {
        return JobResult::failed(args.n, e.into());
    }
    let recorder = Recorder::new(library, &p.spec);
    let emit = |event| {
        recorder.observe(&event);
        out.event(&event);
    };
    let route = match &p.tasks {
        Some(tasks) => Route::Task(tasks),
        None => Route::Stream(&p.gateway),
    };
    let result = framecast_core::job::run_route(route, &downloader, &p.spec, controls, &emit).await;
    recorder.finish(&result);
    result
}

/// Everything a job needs, checked before anything is recorded or sent.
struct Prepared {
    gateway: Gateway,
    /// The task route's client, when the job takes that route.
    tasks: Option<TaskClient>,
    spec: JobSpec,
    frames: Vec<Frame>,
    proxy: Proxy,
    price: f64,
    route: RouteKind,
    base_url: String,
    profile_id: Option<i64>,
}

/// Everything that can be refused before sending: input, frames, key, URL. Each setting comes
/// from its flag, else its environment variable, else the active profile, else the default.
async fn prepare(
    args: &GenerateArgs,
    id: JobId,
    library: &Library,
    out: &Output,
    cancel: &CancellationToken,
) -> Result<Prepared, Error> {
    let profile: Option<Profile> = library.active_profile()?;
    let key = match args.key.read()? {
        Some(k) => Some(k),
        None => std::env::var("FRAMECAST_API_KEY")
            .ok()
            .filter(|k| !k.trim().is_empty())
            .map(|k| secrecy::SecretString::from(k.trim().to_owned())),
    };
    let key = match (key, &profile) {
        (Some(k), _) => k,
        (None, Some(p)) => library
            .profile_key(&Keys::new(library.dir()), p.id)?
            .ok_or_else(no_key)?,
        (None, None) => return Err(no_key()),
    };
    let draft = profile.as_ref().map(|p| &p.draft);
    let base_url = args
        .base_url
        .clone()
        .or_else(|| draft.map(|d| d.base_url.clone()))
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
    let proxy = Proxy::parse(
        args.proxy
            .as_deref()
            .or(draft.map(|d| d.proxy.as_str()))
            .unwrap_or("system"),
    )?;
    let profile_limits = draft
        .map(framecast_library::ProfileDraft::limits)
        .unwrap_or_default();
    let seconds = |s: f64, what: &str| {
        Duration::try_from_secs_f64(s)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| {
                Error::invalid_input(
                    format!("{what} must be a positive number of seconds"),
                    format!("{what} 必须是正数（秒）"),
                )
            })
    };
    let limits = Limits {
        idle: match args.idle_timeout {
            Some(s) => seconds(s, "--idle-timeout")?,
            None => profile_limits.idle,
        },
        overall: match args.timeout {
            Some(s) => seconds(s, "--timeout")?,
            None => profile_limits.overall,
        },
        ..profile_limits
    };
    let scheme = if args.bearer {
        AuthScheme::Bearer
    } else {
        draft.map_or(AuthScheme::Bare, |d| d.auth_scheme)
    };
    let credentials = Credentials::new(key.expose_secret(), scheme);
    let gateway = Gateway::with_proxy(&base_url, credentials.clone(), limits, &proxy)?;
    let route = match args.route {
        Some(RouteArg::Task) => RouteKind::Task,
        Some(RouteArg::Stream) => RouteKind::Stream,
        None => draft.map_or(RouteKind::Stream, |d| d.route),
    };
    let tasks = match route {
        RouteKind::Task => Some(TaskClient::with_proxy(
            &base_url,
            credentials,
            limits,
            task_policy(),
            &proxy,
        )?),
        RouteKind::Stream => None,
    };
    let mut request = GenerationRequest {
        prompt: args.prompt.clone(),
        model: args.model.trim().to_owned(),
        n: args.n,
        first_frame: args.first.clone(),
        last_frame: args.last.clone(),
        stream: !args.no_stream,
    };
    request.validate()?;
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
    let mut urls = frames.iter().map(|f| f.prepared.data_url.clone());
    request.first_frame = urls.next();
    request.last_frame = urls.next();
    let price = draft
        .map(|d| d.prices.clone())
        .unwrap_or_default()
        .per_video(&request.model);
    let spec = JobSpec {
        id,
        request,
        frames_sha256: frames
            .iter()
            .map(|f| f.prepared.facts.sha256.clone())
            .collect(),
        save_dir: (!args.no_download).then(|| args.out.clone()),
    };
    Ok(Prepared {
        gateway,
        tasks,
        spec,
        frames,
        proxy,
        price,
        route,
        base_url,
        profile_id: profile.as_ref().map(|p| p.id),
    })
}

/// How often the task route is polled: `FRAMECAST_POLL_MS` sets the first wait (tests and the
/// demo make it short).
pub fn task_policy() -> TaskPolicy {
    let first = std::env::var("FRAMECAST_POLL_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis);
    match first {
        Some(first) => TaskPolicy {
            first_poll: first,
            max_poll: first * 4,
        },
        None => TaskPolicy::default(),
    }
}

fn no_key() -> Error {
    Error::invalid_input(
        "no API key: add a profile (framecast-cli profile add), pass --api-key-file, or set FRAMECAST_API_KEY",
        "缺少 API 密钥：请添加配置（framecast-cli profile add），或使用 --api-key-file，或设置 FRAMECAST_API_KEY",
    )
}
