//! Jobs: start, cancel, discard, the library's recent ones, and what a Framecast that stopped
//! left unfinished. Starting and recovering are `framecast_jobs`'s, shared with the CLI; these
//! commands fetch the state, call it and report. Each job reports over its own `Channel` in the
//! engine's own events (the CLI's NDJSON): ordered, fast, and gone with the window.

use crate::error::{IpcResult, blocking};
use crate::gateways::Gateways;
use crate::notify::Notifier;
use crate::state::{Activity, Busy, Folders, Frames, JobGuard, Jobs, References};
use framecast_core::frames::PreparedFrame;
use framecast_core::{Controls, Error, Event, GenerationRequest, JobId, Phase, VideoOptions};
use framecast_jobs::Draft;
use framecast_library::{Continuation, JobRecord, Library, Origin};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime};

/// What the form sends. `id` is minted by the UI, once per click: a second start with the same
/// id is refused. The frames are the ones prepared in their slots or, to try a job again, the
/// ones that job sent (`retryOf` names it), whatever the slots hold now.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StartJob {
    pub id: String,
    pub prompt: String,
    pub model: String,
    pub n: u8,
    /// Duration, resolution, aspect and the rest; checked in Rust against what the route can
    /// carry before anything is recorded. A retry takes the earlier job's instead.
    #[serde(default)]
    #[cfg_attr(test, ts(optional))]
    pub options: Option<VideoOptions>,
    #[cfg_attr(test, ts(optional))]
    pub retry_of: Option<String>,
}

/// An event of a job whose downloads are being continued, with the job it belongs to.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct JobUpdate {
    pub job_id: String,
    pub event: Event,
}

/// Starts a job; everything it does arrives on `on_event`.
#[tauri::command]
pub async fn start_job<R: Runtime>(
    request: StartJob,
    on_event: Channel<Event>,
    app: AppHandle<R>,
) -> IpcResult<()> {
    let library = app.state::<Arc<Library>>().inner().clone();
    let draft = draft(request, &app).await?;
    let target = app.state::<Arc<Gateways>>().target().await?;
    let recorded = library.clone();
    let started = blocking(move || framecast_jobs::begin(&recorded, target, draft)).await?;
    let send = Box::new(move |e| on_event.send(e).is_ok());
    let watcher = Watcher::new(&app, started.spec.id, (true, 0), send);
    let notifier = Notifier::new(&app);
    tauri::async_runtime::spawn(async move {
        let spec = started.spec.clone();
        let result = started
            .run(&watcher.controls, &|event| watcher.emit(event))
            .await;
        notifier.job_ended(&spec, &result);
    });
    Ok(())
}

/// The job a start asks for: its frames and reference images are the slots' or, to try a job
/// again, the very ones that job sent (from the library's frame store), with where they were
/// taken from and the options it asked for.
async fn draft<R: Runtime>(request: StartJob, app: &AppHandle<R>) -> IpcResult<Draft> {
    let id = JobId::parse(&request.id)?;
    let retry_of = request.retry_of.as_deref().map(JobId::parse).transpose()?;
    let (sent, options) = to_send(retry_of, request.options, app).await?;
    Ok(Draft {
        id,
        request: GenerationRequest {
            prompt: request.prompt,
            model: request.model,
            n: request.n,
            first_frame: None,
            last_frame: None,
            stream: true,
            options,
            references: Vec::new(),
        },
        frames: sent.frames,
        references: sent.references,
        lineage: sent.lineage,
        retry_of,
        save_dir: Some(app.state::<Folders>().videos()),
        label: None,
        origin: Origin::App,
    })
}

/// The images and options a job sends: the earlier job's when it is tried again, else what the
/// form holds now.
async fn to_send<R: Runtime>(
    retry_of: Option<JobId>,
    options: Option<VideoOptions>,
    app: &AppHandle<R>,
) -> IpcResult<(Sent, VideoOptions)> {
    if let Some(earlier) = retry_of {
        let library = app.state::<Arc<Library>>().inner().clone();
        return blocking(move || sent_by(&library, &earlier)).await;
    }
    let (frames, lineage) = app.state::<Frames>().to_send()?;
    let references = app.state::<References>().to_send();
    let sent = Sent {
        frames,
        lineage,
        references,
    };
    Ok((sent, options.unwrap_or_default()))
}

/// The images a job sends: the frames and where they were taken from, and the reference images.
struct Sent {
    frames: Vec<Arc<PreparedFrame>>,
    lineage: Vec<Continuation>,
    references: Vec<Arc<PreparedFrame>>,
}

/// The frames and reference images job `earlier` sent, where they came from, and its options.
fn sent_by(library: &Library, earlier: &JobId) -> IpcResult<(Sent, VideoOptions)> {
    let job = library.job(earlier)?.ok_or_else(|| {
        Error::invalid_input(
            "the job to try again is not in the library; generate from the form",
            "资料库中找不到要重试的任务；请从表单重新生成",
        )
    })?;
    let stored = |shas: Vec<&String>| -> IpcResult<Vec<Arc<PreparedFrame>>> {
        Ok(shas
            .into_iter()
            .map(|sha| library.frame(sha).map(Arc::new))
            .collect::<Result<_, _>>()?)
    };
    let sent = Sent {
        frames: stored(job.start_frame.iter().chain(&job.end_frame).collect())?,
        references: stored(job.references.iter().collect())?,
        lineage: job.continues,
    };
    Ok((sent, job.options))
}

/// Stops a job's generation at once (its connection is closed). Videos already delivered go on
/// downloading: they are paid for. Unknown ids are ignored.
#[tauri::command]
pub fn cancel_job(id: String, jobs: tauri::State<'_, Arc<Jobs>>) -> IpcResult<()> {
    jobs.cancel(&JobId::parse(&id)?);
    Ok(())
}

/// The person does not want a job's unfinished downloads: they stop, their partial files are
/// removed, and they no longer count as unfinished.
#[tauri::command]
pub async fn discard_downloads(
    id: String,
    jobs: tauri::State<'_, Arc<Jobs>>,
    library: tauri::State<'_, Arc<Library>>,
) -> IpcResult<()> {
    let id = JobId::parse(&id)?;
    jobs.discard(&id);
    let library = library.inner().clone();
    let targets = blocking(move || library.discard_downloads(&id.to_string())).await?;
    for target in targets {
        let _ = tokio::fs::remove_file(framecast_core::download::part_path(&target)).await;
    }
    Ok(())
}

/// The library's newest jobs, older than `before` when given.
#[tauri::command]
pub async fn recent_jobs(
    limit: u32,
    before: Option<String>,
    library: tauri::State<'_, Arc<Library>>,
) -> IpcResult<Vec<JobRecord>> {
    let before = before.as_deref().map(JobId::parse).transpose()?;
    let limit = usize::try_from(limit.min(500)).unwrap_or(500);
    let library = library.inner().clone();
    blocking(move || library.recent(limit, before.as_ref())).await
}

/// What is still running, for a quit.
#[tauri::command]
pub fn busy(jobs: tauri::State<'_, Arc<Jobs>>) -> Busy {
    jobs.busy()
}

/// Finishes, one job at a time and each with its own key, what the jobs taken over at start left
/// (see `framecast_jobs::recover`), reporting on `on_update`. Returns how many videos and tasks
/// it takes up. Called once by the window after it lists the jobs; later calls find nothing.
#[tauri::command]
pub async fn resume_downloads<R: Runtime>(
    on_update: Channel<JobUpdate>,
    app: AppHandle<R>,
) -> IpcResult<u32> {
    let recovered = app.state::<Recovered>().take();
    let count = recovered
        .iter()
        .map(|job| job.downloads.len() + job.tasks.len())
        .sum::<usize>();
    for job in recovered {
        resume_job(&app, job, on_update.clone());
    }
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}

/// Finishes one job taken over at start, off the runtime's workers: recovery reads the key store
/// and the library as it goes.
fn resume_job<R: Runtime>(
    app: &AppHandle<R>,
    job: framecast_library::Recovered,
    on_update: Channel<JobUpdate>,
) {
    let Ok(id) = JobId::parse(&job.job.id) else {
        return;
    };
    let work = (!job.tasks.is_empty(), job.downloads.len());
    let watcher = Watcher::new(app, id, work, updates(job.job.id.clone(), on_update));
    let library = app.state::<Arc<Library>>().inner().clone();
    let gateways = app.state::<Arc<Gateways>>().inner().clone();
    tauri::async_runtime::spawn_blocking(move || {
        tauri::async_runtime::block_on(framecast_jobs::resume(
            &library,
            gateways.keys(),
            &gateways.overrides(),
            &job,
            &watcher.controls,
            &|event| watcher.emit(event),
        ))
    });
}

/// Sends a job's events to the window as updates of job `job_id`; false once the window is gone.
fn updates(
    job_id: String,
    on_update: Channel<JobUpdate>,
) -> Box<dyn Fn(Event) -> bool + Send + Sync> {
    Box::new(move |event| {
        on_update
            .send(JobUpdate {
                job_id: job_id.clone(),
                event,
            })
            .is_ok()
    })
}

/// The jobs taken over at start whose downloads wait for the window.
#[derive(Default)]
pub struct Recovered(std::sync::Mutex<Vec<framecast_library::Recovered>>);

impl Recovered {
    pub fn new(jobs: Vec<framecast_library::Recovered>) -> Self {
        Self(std::sync::Mutex::new(jobs))
    }

    fn take(&self) -> Vec<framecast_library::Recovered> {
        std::mem::take(&mut *crate::state::lock(&self.0))
    }
}

/// One job's link to its card: keeps the activity counts (for "may the app quit now?"), then
/// tells the window. If the window is gone, nobody watches: the generation stops (downloads go
/// on, because they are paid for).
struct Watcher {
    controls: Controls,
    activity: Arc<Activity>,
    send: Box<dyn Fn(Event) -> bool + Send + Sync>,
    _guard: JobGuard,
}

impl Watcher {
    /// Registers job `id`, `(generating, downloads)` being what it starts with.
    fn new<R: Runtime>(
        app: &AppHandle<R>,
        id: JobId,
        (generating, downloads): (bool, usize),
        send: Box<dyn Fn(Event) -> bool + Send + Sync>,
    ) -> Self {
        let (controls, activity, guard) = app.state::<Arc<Jobs>>().register(id);
        activity.generating.store(generating, Ordering::SeqCst);
        activity.downloads.store(downloads, Ordering::SeqCst);
        Self {
            controls,
            activity,
            send,
            _guard: guard,
        }
    }

    fn emit(&self, event: Event) {
        let activity = &self.activity;
        match &event {
            Event::Status {
                phase: Some(Phase::Downloading),
                ..
            }
            | Event::Finished { .. } => activity.generating.store(false, Ordering::SeqCst),
            Event::Video { extra: false, .. } => {
                activity.downloads.fetch_add(1, Ordering::SeqCst);
            }
            Event::Saved { .. } | Event::DownloadFailed { .. } => {
                let _ = activity
                    .downloads
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
            }
            _ => {}
        }
        if !(self.send)(event) {
            self.controls.cancel();
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::media::Media;
    use crate::state::{Folders, Frames, Jobs, Slot};
    use framecast_core::{ErrorKind, JobState};
    use framecast_library::Keys;
    use framecast_mock::{MockConfig, MockGateway, SAMPLE_MP4};
    use serde_json::Value;
    use std::path::Path;
    use std::sync::Mutex;
    use std::time::{Duration, Instant};
    use tauri::Manager;
    use tauri::ipc::InvokeResponseBody;
    use tauri::test::{MockRuntime, mock_builder, mock_context, noop_assets};

    /// The app's managed state against `base_url`, with or without a key, its library and videos
    /// in `dir` (a second app on the same `dir` is the same person starting Framecast again).
    async fn app(base_url: &str, key: Option<&str>, dir: &Path) -> tauri::App<MockRuntime> {
        let library = Arc::new(Library::open(&dir.join("data")).unwrap());
        let media = Media::loopback(library.clone()).await.unwrap();
        let keys = Arc::new(Keys::file_only(
            library.dir(),
            framecast_core::Text::same("test"),
        ));
        let gateways = Gateways::new(
            library.clone(),
            keys,
            framecast_jobs::Overrides {
                base_url: Some(base_url.to_owned()),
                key: key.map(|k| secrecy::SecretString::from(k.to_owned())),
                ..Default::default()
            },
        );
        let app = mock_builder()
            .invoke_handler(tauri::generate_handler![
                crate::commands::frames::frame_from_video
            ])
            .build(mock_context(noop_assets()))
            .unwrap();
        let folders = Folders::new(Some(dir.join("videos")), dir.join("unused"));
        crate::state::manage(&app, library, gateways, media, folders);
        app
    }

    /// Invokes `cmd` as the window does, with a raw body and headers (what a capture sends).
    async fn invoke_raw(
        app: &tauri::App<MockRuntime>,
        cmd: &str,
        body: Vec<u8>,
        headers: &[(&'static str, String)],
    ) -> Result<Value, Value> {
        let webview = match app.get_webview_window("main") {
            Some(w) => w,
            None => tauri::WebviewWindowBuilder::new(app, "main", Default::default())
                .build()
                .unwrap(),
        };
        let mut map = tauri::http::HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, value.parse().unwrap());
        }
        let request = tauri::webview::InvokeRequest {
            cmd: cmd.to_owned(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: tauri::ipc::InvokeBody::Raw(body),
            headers: map,
            invoke_key: tauri::test::INVOKE_KEY.to_owned(),
        };
        tokio::task::spawn_blocking(move || tauri::test::get_ipc_response(&webview, request))
            .await
            .unwrap()
            .map(|body| body.deserialize::<Value>().unwrap())
    }

    /// A channel that records what it is sent (the upload plugin's trick).
    pub(crate) fn recorder<T: tauri::ipc::IpcResponse>() -> (Channel<T>, Arc<Mutex<Vec<Value>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let channel = Channel::new(move |body| {
            if let InvokeResponseBody::Json(json) = body {
                sink.lock()
                    .unwrap()
                    .push(serde_json::from_str(&json).unwrap());
            }
            Ok(())
        });
        (channel, seen)
    }

    async fn start(
        app: &tauri::App<MockRuntime>,
        request: StartJob,
        channel: Channel<Event>,
    ) -> IpcResult<()> {
        start_job(request, channel, app.handle().clone()).await
    }

    fn request(prompt: &str, n: u8) -> StartJob {
        StartJob {
            id: JobId::new().to_string(),
            prompt: prompt.to_owned(),
            model: "veo-3.1-fast".to_owned(),
            n,
            options: None,
            retry_of: None,
        }
    }

    async fn until(what: &str, seen: &Mutex<Vec<Value>>, found: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(f) = seen.lock().unwrap().iter().find(|e| found(e)) {
                return f.clone();
            }
            assert!(Instant::now() < deadline, "never saw {what}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn finished(seen: &Mutex<Vec<Value>>) -> Value {
        until("the job's end", seen, |e| e["type"] == "finished").await
    }

    fn library(app: &tauri::App<MockRuntime>) -> Arc<Library> {
        app.state::<Arc<Library>>().inner().clone()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_is_recorded_reports_in_order_and_plays_from_loopback() {
        let mock = MockGateway::start(MockConfig::default()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let app = app(&mock.base_url(), Some("sk-test"), dir.path()).await;
        let (channel, seen) = recorder();
        let req = request("a pig", 2);
        let id = JobId::parse(&req.id).unwrap();
        start(&app, req, channel).await.unwrap();
        let done = finished(&seen).await;
        assert_eq!(done["state"], "done", "{done}");
        assert_eq!(
            (done["requested"].as_u64(), done["delivered"].as_u64()),
            (Some(2), Some(2))
        );
        let events = seen.lock().unwrap().clone();
        assert_eq!(
            events[0],
            serde_json::json!({"type": "status", "phase": "sending"})
        );
        for index in [1, 2] {
            let at = |t: &str| {
                events
                    .iter()
                    .position(|e| e["type"] == t && e["index"] == index)
                    .unwrap()
            };
            assert!(at("video") < at("saved"));
            let video = events[at("saved")]["video"].as_str().unwrap();
            assert_eq!(video, id.video(index));
            let url = app.state::<Arc<Media>>().url(video);
            let bytes = reqwest::get(url).await.unwrap().bytes().await.unwrap();
            assert_eq!(bytes.as_ref(), SAMPLE_MP4);
        }
        let job = library(&app).job(&id).unwrap().unwrap();
        assert_eq!(job.state, JobState::Done);
        assert_eq!(job.price_usd, Some(0.15));
        assert!(job.videos.iter().all(|v| v.file().is_some()));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn refusals_have_the_shared_error_shape_and_send_nothing() {
        let mock = MockGateway::start(MockConfig::default()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let no_key = app(&mock.base_url(), None, dir.path()).await;
        let e = start(&no_key, request("a pig", 1), recorder().0)
            .await
            .unwrap_err();
        let shape = serde_json::to_value(&e).unwrap();
        assert_eq!(shape["kind"], "invalid_input");
        assert!(shape["messageZh"].as_str().unwrap().contains("API 密钥"));

        let keyed = app(&mock.base_url(), Some("sk-test"), &dir.path().join("b")).await;
        for bad in [
            request("a pig", 0),
            request("", 1),
            StartJob {
                model: "veo 3".into(),
                ..request("x", 1)
            },
            StartJob {
                id: "local-1".into(),
                ..request("x", 1)
            },
            StartJob {
                retry_of: Some(JobId::new().to_string()),
                ..request("x", 1)
            },
        ] {
            let e = start(&keyed, bad, recorder().0).await.unwrap_err();
            assert_eq!(serde_json::to_value(&e).unwrap()["kind"], "invalid_input");
        }
        assert!(mock.requests().is_empty());
        assert_eq!(
            library(&keyed).count().unwrap(),
            0,
            "nothing refused is recorded"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_id_one_paid_request_however_often_it_is_sent() {
        let mock = MockGateway::start(MockConfig::default()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let app = app(&mock.base_url(), Some("sk-test"), dir.path()).await;
        let req = request("double click", 1);
        let ((channel, seen_first), (other, seen_second)) = (recorder(), recorder());
        let (first, second) = tokio::join!(
            start(&app, req.clone(), channel),
            start(&app, req.clone(), other)
        );
        // Either start may win the race; the job's events go to the winner's channel.
        let seen = if first.is_ok() {
            seen_first
        } else {
            seen_second
        };
        let refused = first
            .as_ref()
            .err()
            .or(second.as_ref().err())
            .expect("one is refused");
        assert!(refused.0.message.contains("already started"), "{refused:?}");
        assert!(first.is_ok() != second.is_ok());
        finished(&seen).await;
        let again = start(&app, req, recorder().0).await.unwrap_err();
        assert_eq!(again.0.kind, ErrorKind::InvalidInput);
        assert_eq!(mock.generation_posts().len(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cancel_stops_the_stream_but_the_delivered_video_is_still_saved() {
        let mock = MockGateway::start(MockConfig::default()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let app = app(
            &mock.scenario_url("deliver-then-stall"),
            Some("sk-test"),
            dir.path(),
        )
        .await;
        let (channel, seen) = recorder();
        let req = request("one arrives, then silence", 2);
        let id = req.id.clone();
        start(&app, req, channel).await.unwrap();
        until("a video", &seen, |e| e["type"] == "video").await;
        cancel_job(id.clone(), app.state()).unwrap();
        let done = finished(&seen).await;
        assert_eq!(done["state"], "cancelled");
        assert!(
            seen.lock().unwrap().iter().any(|e| e["type"] == "saved"),
            "the paid video was saved"
        );
        let job = library(&app)
            .job(&JobId::parse(&id).unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(job.state, JobState::Cancelled);
        assert!(job.videos[0].file().is_some());
        assert_eq!(mock.generation_posts().len(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn try_again_sends_the_same_frames_even_after_a_restart() {
        let mock = MockGateway::start(MockConfig::default()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let first_id = {
            let app = app(&mock.scenario_url("failure"), Some("sk-test"), dir.path()).await;
            let mut png = std::io::Cursor::new(Vec::new());
            image::RgbImage::from_fn(64, 36, |x, y| image::Rgb([x as u8 * 4, y as u8 * 7, 99]))
                .write_to(&mut png, image::ImageFormat::Png)
                .unwrap();
            let frame =
                framecast_core::frames::prepare_bytes(png.get_ref(), &Default::default()).unwrap();
            let frames = app.state::<Frames>();
            let ticket = frames.ticket(Slot::Start);
            assert!(frames.put(Slot::Start, ticket, Arc::new(frame), None));
            let (channel, seen) = recorder();
            let req = request("frames", 1);
            let id = req.id.clone();
            start(&app, req, channel).await.unwrap();
            assert_eq!(finished(&seen).await["state"], "failed");
            id
        };
        // Framecast starts again: empty slots, the job in the library.
        let app = app(&mock.base_url(), Some("sk-test"), dir.path()).await;
        let (channel, seen) = recorder();
        start(
            &app,
            StartJob {
                retry_of: Some(first_id),
                ..request("frames", 1)
            },
            channel,
        )
        .await
        .unwrap();
        assert_eq!(finished(&seen).await["state"], "done");
        let posts = mock.generation_posts();
        assert_eq!(posts.len(), 2, "each start is exactly one POST");
        let image = |i: usize| posts[i].body.as_ref().unwrap()["messages"][0]["content"][1].clone();
        assert!(
            image(0)["image_url"]["url"]
                .as_str()
                .unwrap()
                .starts_with("data:image/")
        );
        assert_eq!(image(0), image(1), "the same pixels");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_frame_taken_from_a_video_starts_the_next_job_which_records_where_it_came_from() {
        let mock = MockGateway::start(MockConfig::default()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let app = app(&mock.base_url(), Some("sk-test"), dir.path()).await;
        let (channel, seen) = recorder();
        let first = request("a paper boat, the first shot", 2);
        let first_id = JobId::parse(&first.id).unwrap();
        start(&app, first, channel).await.unwrap();
        assert_eq!(finished(&seen).await["state"], "done");

        // The window paused video 2 at 3.2 s and captured it at full size.
        let mut png = std::io::Cursor::new(Vec::new());
        image::RgbImage::from_fn(1280, 720, |x, y| {
            image::Rgb([(x / 5) as u8, (y / 3) as u8, 40])
        })
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
        let headers = |video: String| {
            vec![
                ("slot", "start".to_owned()),
                ("video", video),
                ("at", "3200".to_owned()),
            ]
        };
        let view = invoke_raw(
            &app,
            "frame_from_video",
            png.get_ref().clone(),
            &headers(first_id.video(2)),
        )
        .await
        .unwrap();
        assert_eq!(view["slot"], "start");
        assert_eq!(
            (
                view["facts"]["width"].as_u64(),
                view["facts"]["height"].as_u64()
            ),
            (Some(1280), Some(720))
        );
        assert_eq!(view["from"]["videoId"], first_id.video(2));
        assert_eq!(view["from"]["index"], 2);
        assert_eq!(view["from"]["atMs"], 3200);
        assert_eq!(view["from"]["prompt"], "a paper boat, the first shot");
        let elsewhere = format!("{}-1", JobId::new());
        let refused = invoke_raw(
            &app,
            "frame_from_video",
            png.get_ref().clone(),
            &headers(elsewhere),
        )
        .await
        .unwrap_err();
        assert_eq!(
            refused["kind"], "invalid_input",
            "only a video of the library: {refused}"
        );

        // Generate from it: the frame is sent, and the new job says where it came from.
        let (channel, seen) = recorder();
        let next = request("the boat sails on", 1);
        let next_id = JobId::parse(&next.id).unwrap();
        start(&app, next, channel).await.unwrap();
        assert_eq!(finished(&seen).await["state"], "done");
        let posts = mock.generation_posts();
        let image =
            &posts[1].body.as_ref().unwrap()["messages"][0]["content"][1]["image_url"]["url"];
        assert!(
            image.as_str().unwrap().starts_with("data:image/"),
            "{image}"
        );
        let job = library(&app).job(&next_id).unwrap().unwrap();
        assert_eq!(job.continues.len(), 1);
        assert_eq!(job.continues[0].video_id, first_id.video(2));
        assert_eq!(job.continues[0].at_ms, 3200);

        // Reuse: the job's stored frames go back into the slots, with their source.
        app.state::<Frames>().clear(Slot::Start);
        let views =
            crate::commands::frames::reuse_frames(next_id.to_string(), app.state(), app.state())
                .await
                .unwrap();
        let start_view = views[0].as_ref().expect("the start frame is back");
        assert_eq!(start_view.facts.sha256, job.start_frame.clone().unwrap());
        assert_eq!(start_view.from.as_ref().unwrap().at_ms, 3200);
        assert!(views[1].is_none());
        assert!(app.state::<Frames>().filled(Slot::Start).is_some());
        let text_only =
            crate::commands::frames::reuse_frames(first_id.to_string(), app.state(), app.state())
                .await
                .unwrap();
        assert!(text_only.iter().all(Option::is_none));
        assert!(
            app.state::<Frames>().filled(Slot::Start).is_none(),
            "a text-only job clears the slots"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn downloads_left_by_a_quit_continue_at_the_next_start() {
        let mock = MockGateway::start(MockConfig::default()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let id = {
            let app = app(
                &mock.scenario_url("download-slow"),
                Some("sk-test"),
                dir.path(),
            )
            .await;
            let (channel, seen) = recorder();
            let req = request("quit while saving", 1);
            let id = req.id.clone();
            start(&app, req, channel).await.unwrap();
            until("a download", &seen, |e| e["type"] == "download").await;
            let busy = app.state::<Arc<Jobs>>().busy();
            assert_eq!(busy.downloading, 1, "{busy:?}");
            // Quit now: the download stops unfinished and the process gives up its jobs.
            app.state::<Arc<Jobs>>().discard_all();
            library(&app).release();
            id
        };
        let app = app(&mock.base_url(), Some("sk-test"), dir.path()).await;
        let (channel, seen) = recorder::<JobUpdate>();
        let count = resume_downloads(channel, app.handle().clone())
            .await
            .unwrap();
        assert_eq!(count, 1);
        let saved = until("the resumed save", &seen, |u| u["event"]["type"] == "saved").await;
        assert_eq!(saved["jobId"], id.as_str());
        let url = app
            .state::<Arc<Media>>()
            .url(saved["event"]["video"].as_str().unwrap());
        let bytes = reqwest::get(url).await.unwrap().bytes().await.unwrap();
        assert_eq!(bytes.as_ref(), SAMPLE_MP4);
        assert_eq!(mock.generation_posts().len(), 1, "recovery never re-sends");
        assert_eq!(
            resume_downloads(recorder().0, app.handle().clone())
                .await
                .unwrap(),
            0
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_closed_window_stops_its_generation() {
        let mock = MockGateway::start(MockConfig::default()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let app = app(&mock.scenario_url("stall"), Some("sk-test"), dir.path()).await;
        let gone = Channel::new(|_| Err(tauri::Error::WebviewNotFound));
        start(&app, request("nobody watches", 1), gone)
            .await
            .unwrap();
        let jobs = app.state::<Arc<Jobs>>();
        let deadline = Instant::now() + Duration::from_secs(5);
        while !jobs.busy().idle() {
            assert!(Instant::now() < deadline, "the job outlived its window");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
