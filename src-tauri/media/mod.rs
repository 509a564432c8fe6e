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
