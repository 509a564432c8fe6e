//! Local playback: where the window plays the library's saved videos and shows their posters
//! from. The web side only ever gets two bases, `<media base>/<video id>` and
//! `<poster base>/<video id>` (in `AppInfo`), so it does not care which of two ways serves them:
//!
//! - **Linux** ([`loopback`]): a server on `http://127.0.0.1`, because WebKitGTK plays no MP4
//!   from a custom URI scheme (tauri#3725).
//! - **Windows and macOS** ([`scheme`]): the app's own URI scheme, answered inside the process.
//!   Nothing listens on a port, and WebView2's Local Network Access rules, which will ask before
//!   a page at `http://tauri.localhost` may fetch from `127.0.0.1`, do not apply.
//!
//! Either way a video is found by its id (`<job id>-<index>`) from the path the library recorded
//! when it was saved — never a path or a name from the request — and `Range` requests are
//! answered, which video elements depend on.
//!
//! The window draws a paused video onto a canvas to take a frame from it (and to capture a
//! poster). A canvas that drew a cross-origin video without CORS approval is tainted and cannot
//! be read, so answers carry `Access-Control-Allow-Origin` for the app's own origins (and only
//! those): the page plays with `crossorigin="anonymous"`.

// Each way is compiled where it serves, and in every test build, so both are tested on Linux.
#[cfg(any(target_os = "linux", test))]
pub mod loopback;
#[cfg(any(not(target_os = "linux"), test))]
pub mod scheme;

/// Where the web side finds saved videos and posters.
pub struct Media {
    base: String,
    poster_base: String,
}

impl Media {
    /// Serves the library's saved videos and posters on a free loopback port (tests; the app
    /// binds its port before the window exists, `loopback::bind`).
    #[cfg(test)]
    pub async fn loopback(
        library: std::sync::Arc<framecast_library::Library>,
    ) -> std::io::Result<Self> {
        loopback::start(library).await
    }

    /// Serves them through the app's own URI scheme, [`scheme::SCHEME`] (Windows, macOS); the
    /// builder registers [`scheme::serve`] for it.
    #[cfg(any(not(target_os = "linux"), test))]
    pub fn scheme() -> Self {
        Self {
            base: format!("{}/media", scheme::origin()),
            poster_base: format!("{}/poster", scheme::origin()),
        }
    }

    /// Where the web side plays videos from: `<base>/<video id>`.
    pub fn base(&self) -> String {
        self.base.clone()
    }

    /// Where the web side shows posters from: `<poster base>/<video id>`.
    pub fn poster_base(&self) -> String {
        self.poster_base.clone()
    }

    /// The URL the web side plays a saved video from.
    #[cfg(test)]
    pub fn url(&self, video_id: &str) -> String {
        format!("{}/{video_id}", self.base)
    }
}

/// The pages that may read what is served: the app's own origins on each OS (and Vite's in a
/// development build).
const APP_ORIGINS: &[&str] = &[
    "tauri://localhost",
    "http://tauri.localhost",
    "https://tauri.localhost",
    #[cfg(debug_assertions)]
    "http://localhost:1420",
];

/// Whether a request's `Origin` is one of the app's own pages.
fn approved_origin(origin: &[u8]) -> bool {
    APP_ORIGINS.iter().any(|a| origin == a.as_bytes())
}

/// A library with one job for the two ways' tests: take 1 saved (`a b.mp4`, the ten bytes
/// `0123456789`), take 2 delivered but not saved, and a file beside them no request may reach
/// (`secret.txt`).
#[cfg(test)]
pub(crate) fn saved_job(
    dir: &std::path::Path,
) -> (
    std::sync::Arc<framecast_library::Library>,
    framecast_core::JobId,
) {
    use framecast_core::{Event, GenerationRequest, JobId, JobSpec};
    use framecast_library::{Library, NewJob, Origin, Recorder};
    let library = std::sync::Arc::new(Library::open(&dir.join("data")).unwrap());
    let spec = JobSpec {
        id: JobId::new(),
        request: GenerationRequest::text("a pig"),
        frames_sha256: Vec::new(),
        references_sha256: Vec::new(),
        save_dir: Some(dir.to_owned()),
        label: None,
    };
    library
        .begin_job(&NewJob {
            spec: &spec,
            origin: Origin::App,
            gateway_host: "gw".into(),
            auth_scheme: framecast_core::AuthScheme::Bare,
            price_usd: None,
            retry_of: None,
            frames: Vec::new(),
            references: Vec::new(),
            route: framecast_core::RouteKind::Stream,
            base_url: "https://gw.example".into(),
            profile_id: None,
            overall: std::time::Duration::from_secs(1200),
        })
        .unwrap();
    let file = dir.join("a b.mp4");
    std::fs::write(&file, b"0123456789").unwrap();
    std::fs::write(dir.join("secret.txt"), b"no").unwrap();
    let recorder = Recorder::new(library.clone(), &spec);
    for index in [1, 2] {
        recorder.observe(&Event::Video {
            index,
            url: format!("https://x/{index}.mp4"),
            extra: false,
        });
    }
    recorder.observe(&Event::Saved {
        index: 1,
        video: spec.id.video(1),
        path: file,
        bytes: 10,
    });
    (library, spec.id)
}
