//! Starting and cancelling generation jobs. Each job reports over its own `Channel`: ordered,
//! fast, and gone with the window — if a send fails, nobody is watching, and the job is cancelled.

use crate::error::IpcResult;
use crate::media::Media;
use crate::state::{Downloads, Frames, Jobs, Settings, Slot, Videos};
use framecast_core::{
    Error, ErrorKind, ErrorReport, Event, Gateway, GenerationRequest, JobResult, JobSpec, Limits,
    Phase,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tauri::State;
use tauri::ipc::Channel;

/// What the form sends. The frames are the ones prepared in their slots, or, to try a job again,
/// the ones that job sent (`retryOf` names it), whatever the slots hold now.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StartJob {
    pub prompt: String,
    pub model: String,
    pub n: u8,
    #[cfg_attr(test, ts(optional))]
    pub retry_of: Option<String>,
}

/// What a job tells its card.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum JobEvent {
    /// The job moved on; `text` is the gateway's words when they moved it.
    Phase {
        phase: Phase,
        text: Option<String>,
    },
    /// The gateway's latest words.
    Status {
        text: String,
    },
    Progress {
        percent: f32,
    },
    /// A video was delivered: it can be played from `url` at once.
    Video {
        index: u8,
        #[serde(rename = "videoId")]
        video_id: String,
        url: String,
    },
    VideoFailed {
        index: Option<u8>,
        reason: String,
    },
    Download {
        index: u8,
        bytes: u64,
        total: Option<u64>,
    },
    /// The video is on disk; `mediaUrl` plays the local file.
    Saved {
        index: u8,
        #[serde(rename = "videoId")]
        video_id: String,
        #[serde(rename = "mediaUrl")]
        media_url: String,
        #[serde(rename = "fileName")]
        file_name: String,
        bytes: u64,
    },
    DownloadFailed {
        index: u8,
        error: ErrorReport,
    },
    /// The job is over.
    Finished {
        ok: bool,
        requested: u8,
        delivered: u8,
        error: Option<ErrorReport>,
        /// The gateway's text, for "Copy details" (the key is never in it).
        transcript: Vec<String>,
    },
}

/// Starts a job and returns its id at once; everything else arrives on `on_event`.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn start_job(
    request: StartJob,
    on_event: Channel<JobEvent>,
    settings: State<'_, Settings>,
    frames: State<'_, Frames>,
    jobs: State<'_, Arc<Jobs>>,
    videos: State<'_, Arc<Videos>>,
    downloads: State<'_, Downloads>,
    media: State<'_, Arc<Media>>,
) -> IpcResult<String> {
    let (first, last) = match request.retry_of.as_deref() {
        Some(earlier) => jobs.frames_of(earlier).ok_or_else(|| {
            Error::invalid_input(
                "the job to try again is unknown; generate from the form",
                "找不到要重试的任务；请从表单重新生成",
            )
        })?,
        None => (frames.get(Slot::Start), frames.get(Slot::End)),
    };
    let spec = JobSpec {
        request: GenerationRequest {
            prompt: request.prompt,
            model: request.model.trim().to_owned(),
            n: request.n,
            first_frame: first.as_ref().map(|f| f.data_url.clone()),
            last_frame: last.as_ref().map(|f| f.data_url.clone()),
            stream: true,
        },
        frames_sha256: first
            .iter()
            .chain(&last)
            .map(|f| f.facts.sha256.clone())
            .collect(),
        save_dir: Some(settings.library_dir.clone()),
    };
    spec.request.validate()?;
    let credentials = settings.credentials.clone().ok_or_else(|| {
        Error::with(
            ErrorKind::Auth,
            "no API key is set; start Framecast with FRAMECAST_API_KEY",
            "未设置 API 密钥；请通过 FRAMECAST_API_KEY 启动 Framecast",
        )
    })?;
    let gateway = Gateway::new(&settings.base_url, credentials, Limits::default())?;
    let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
    let (cancel, guard) = jobs.register(&id, (first, last));
    let run = Run {
        id: id.clone(),
        channel: on_event,
        videos: videos.inner().clone(),
        media: media.inner().clone(),
        cancel: cancel.clone(),
    };
    let downloader = downloads.0.clone();
    tauri::async_runtime::spawn(async move {
        let _guard = guard;
        let emit = |event: Event| run.forward(event);
        let result = framecast_core::job::run(&gateway, &downloader, &spec, &cancel, &emit).await;
        run.finish(&result, &gateway);
    });
    Ok(id)
}

/// Cancels a running job at once (its connection is closed); unknown ids are ignored.
#[tauri::command]
pub fn cancel_job(id: String, jobs: State<'_, Arc<Jobs>>) {
    jobs.cancel(&id);
}

/// One running job's link to its card.
struct Run {
    id: String,
    channel: Channel<JobEvent>,
    videos: Arc<Videos>,
    media: Arc<Media>,
    cancel: framecast_core::CancellationToken,
}

impl Run {
    fn send(&self, event: JobEvent) {
        if self.channel.send(event).is_err() {
            self.cancel.cancel();
        }
    }

    fn forward(&self, event: Event) {
        let mapped = match event {
            Event::Status {
                phase: Some(phase),
                text,
            } => JobEvent::Phase { phase, text },
            Event::Status { phase: None, text } => JobEvent::Status {
                text: text.unwrap_or_default(),
            },
            Event::Progress { percent } => JobEvent::Progress { percent },
            Event::Video { index, url } => {
                let video_id = Videos::id(&self.id, index);
                self.videos.delivered(video_id.clone(), url.clone());
                JobEvent::Video {
                    index,
                    video_id,
                    url,
                }
            }
            Event::VideoFailed { index, reason } => JobEvent::VideoFailed { index, reason },
            Event::Download {
                index,
                bytes,
                total,
            } => JobEvent::Download {
                index,
                bytes,
                total,
            },
            Event::Saved { index, path, bytes } => {
                let video_id = Videos::id(&self.id, index);
                let file_name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                self.videos.saved(&video_id, path);
                JobEvent::Saved {
                    index,
                    video_id,
                    media_url: self.media.url(&file_name),
                    file_name,
                    bytes,
                }
            }
            Event::DownloadFailed { index, error } => JobEvent::DownloadFailed { index, error },
        };
        self.send(mapped);
    }

    fn finish(&self, result: &JobResult, gateway: &Gateway) {
        let redact = |line: &String| gateway.credentials().redact(line);
        self.send(JobEvent::Finished {
            ok: result.ok,
            requested: result.requested,
            delivered: u8::try_from(result.videos.len()).unwrap_or(u8::MAX),
            error: result.error.as_ref().map(ErrorReport::from),
            transcript: result.transcript.iter().map(redact).collect(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Downloads, Frames, Jobs, Settings, Videos};
    use framecast_core::{AuthScheme, Credentials};
    use framecast_mock::{MockConfig, MockGateway};
    use serde_json::Value;
    use std::sync::Mutex;
    use std::time::{Duration, Instant};
    use tauri::Manager;
    use tauri::ipc::InvokeResponseBody;
    use tauri::test::{MockRuntime, mock_builder, mock_context, noop_assets};

    /// The app's managed state, against `base_url`, with or without a key.
    async fn app(
        base_url: &str,
        key: Option<&str>,
        library: &std::path::Path,
    ) -> tauri::App<MockRuntime> {
        let media = Media::start(library.to_owned()).await.unwrap();
        mock_builder()
            .manage(Settings {
                base_url: base_url.to_owned(),
                credentials: key.map(|k| Credentials::new(k, AuthScheme::Bare)),
                library_dir: library.to_owned(),
                demo: false,
            })
            .manage(Frames::default())
            .manage(Arc::new(Jobs::default()))
            .manage(Arc::new(Videos::default()))
            .manage(Downloads::new().unwrap())
            .manage(Arc::new(media))
            .build(mock_context(noop_assets()))
            .unwrap()
    }

    /// A channel that records what it is sent (the upload plugin's trick).
    fn recorder() -> (Channel<JobEvent>, Arc<Mutex<Vec<Value>>>) {
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
        channel: Channel<JobEvent>,
    ) -> IpcResult<String> {
        start_job(
            request,
            channel,
            app.state(),
            app.state(),
            app.state(),
            app.state(),
            app.state(),
            app.state(),
        )
        .await
    }

    fn request(prompt: &str, n: u8) -> StartJob {
        StartJob {
            prompt: prompt.to_owned(),
            model: "veo-3.1-fast".to_owned(),
            n,
            retry_of: None,
        }
    }

    async fn finished(seen: &Mutex<Vec<Value>>) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(f) = seen
                .lock()
                .unwrap()
                .iter()
                .find(|e| e["type"] == "finished")
            {
                return f.clone();
            }
            assert!(Instant::now() < deadline, "the job never finished");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_reports_in_order_over_its_channel_and_plays_from_loopback() {
        let mock = MockGateway::start(MockConfig::default()).await.unwrap();
        let library = tempfile::tempdir().unwrap();
        let app = app(&mock.base_url(), Some("sk-test"), library.path()).await;
        let (channel, seen) = recorder();
        let id = start(&app, request("a pig", 2), channel).await.unwrap();
        assert_eq!(id.len(), 12);
        let done = finished(&seen).await;
        assert_eq!(done["ok"], true, "{done}");
        assert_eq!(
            (done["requested"].as_u64(), done["delivered"].as_u64()),
            (Some(2), Some(2))
        );
        let events = seen.lock().unwrap().clone();
        assert_eq!(
            events[0],
            serde_json::json!({"type": "phase", "phase": "sending", "text": null})
        );
        assert_eq!(events.last().unwrap()["type"], "finished");
        for index in [1, 2] {
            let video = events
                .iter()
                .position(|e| e["type"] == "video" && e["index"] == index)
                .unwrap();
            let saved = events
                .iter()
                .position(|e| e["type"] == "saved" && e["index"] == index)
                .unwrap();
            assert!(video < saved);
            assert_eq!(events[saved]["videoId"], format!("{id}-{index}"));
            let url = events[saved]["mediaUrl"].as_str().unwrap();
            assert!(url.starts_with("http://127.0.0.1:"), "{url}");
            let bytes = reqwest::get(url).await.unwrap().bytes().await.unwrap();
            assert_eq!(bytes.as_ref(), framecast_mock::SAMPLE_MP4);
        }
        let percents: Vec<f64> = events
            .iter()
            .filter(|e| e["type"] == "progress")
            .map(|e| e["percent"].as_f64().unwrap())
            .collect();
        assert!(
            percents.windows(2).all(|w| w[0] <= w[1]) && percents.len() >= 3,
            "{percents:?}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn refusals_have_the_shared_error_shape_and_send_nothing() {
        let mock = MockGateway::start(MockConfig::default()).await.unwrap();
        let library = tempfile::tempdir().unwrap();
        let no_key = app(&mock.base_url(), None, library.path()).await;
        let e = start(&no_key, request("a pig", 1), recorder().0)
            .await
            .unwrap_err();
        let shape = serde_json::to_value(&e).unwrap();
        assert_eq!(shape["kind"], "auth");
        assert!(
            shape["message"]
                .as_str()
                .unwrap()
                .contains("FRAMECAST_API_KEY")
        );
        assert!(shape["messageZh"].as_str().unwrap().contains("API 密钥"));

        let keyed = app(&mock.base_url(), Some("sk-test"), library.path()).await;
        for bad in [
            request("a pig", 0),
            request("", 1),
            StartJob {
                model: "veo 3".into(),
                ..request("x", 1)
            },
        ] {
            let e = start(&keyed, bad, recorder().0).await.unwrap_err();
            assert_eq!(serde_json::to_value(&e).unwrap()["kind"], "invalid_input");
        }
        let e = start(
            &keyed,
            StartJob {
                retry_of: Some("nope".into()),
                ..request("x", 1)
            },
            recorder().0,
        )
        .await
        .unwrap_err();
        assert_eq!(e.0.kind, ErrorKind::InvalidInput);
        assert!(mock.requests().is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cancel_stops_a_silent_job_at_once_and_retry_reuses_its_frames() {
        let mock = MockGateway::start(MockConfig::default()).await.unwrap();
        let library = tempfile::tempdir().unwrap();
        let app = app(&mock.scenario_url("stall"), Some("sk-test"), library.path()).await;
        let mut png = std::io::Cursor::new(Vec::new());
        image::RgbImage::from_fn(64, 36, |x, y| image::Rgb([x as u8 * 4, y as u8 * 7, 99]))
            .write_to(&mut png, image::ImageFormat::Png)
            .unwrap();
        let frame =
            framecast_core::frames::prepare_bytes(png.get_ref(), &Default::default()).unwrap();
        let frames = app.state::<Frames>();
        let ticket = frames.ticket(Slot::Start);
        assert!(frames.put(Slot::Start, ticket, Arc::new(frame)));
        let (channel, seen) = recorder();
        let id = start(&app, request("slow", 1), channel).await.unwrap();
        while mock.generation_posts().is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let asked = Instant::now();
        cancel_job(id.clone(), app.state());
        let done = finished(&seen).await;
        assert!(asked.elapsed() < Duration::from_secs(2));
        assert_eq!(done["error"]["kind"], "cancelled");

        let (channel, seen) = recorder();
        let again = start(
            &app,
            StartJob {
                retry_of: Some(id.clone()),
                ..request("slow", 1)
            },
            channel,
        )
        .await
        .unwrap();
        assert_ne!(again, id);
        while mock.generation_posts().len() < 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        cancel_job(again, app.state());
        finished(&seen).await;
        assert_eq!(
            mock.generation_posts().len(),
            2,
            "each start is exactly one POST"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_closed_window_cancels_its_job() {
        let mock = MockGateway::start(MockConfig::default()).await.unwrap();
        let library = tempfile::tempdir().unwrap();
        let app = app(&mock.scenario_url("stall"), Some("sk-test"), library.path()).await;
        let gone = Channel::new(|_| Err(tauri::Error::WebviewNotFound));
        let id = start(&app, request("nobody watches", 1), gone)
            .await
            .unwrap();
        let jobs = app.state::<Arc<Jobs>>();
        let deadline = Instant::now() + Duration::from_secs(5);
        // The first event fails to send, which cancels the job; a cancelled job is no longer running.
        while jobs.cancel(&id) {
            assert!(Instant::now() < deadline, "the job outlived its window");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
