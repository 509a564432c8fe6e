//! Linux: the library's videos and their posters over `http://127.0.0.1`, with `Range` support.
//!
//! WebKitGTK will not play an MP4 through a custom URI scheme such as Tauri's asset protocol
//! (MEDIA_ERR_SRC_NOT_SUPPORTED, tauri#3725), while the same file over loopback HTTP plays. So
//! on Linux the app runs its own tiny server, bound to 127.0.0.1 only. It serves a video by its
//! id (`<job id>-<index>`), from the path the library recorded when the video was saved — never a
//! path or a name from the request — and only under a random per-run token, compared in constant
//! time: other local programs cannot list or guess what is there. Its port is taken before the
//! window exists ([`bind`]), so the page's content security policy names exactly that port
//! ([`csp_for`]), and its look-ups read the library off the async runtime's workers.

use super::{Media, approved_origin};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use framecast_library::Library;
use std::sync::Arc;
use subtle::ConstantTimeEq;
use tower::ServiceExt;
use tower_http::services::ServeFile;

struct Served {
    library: Arc<Library>,
    token: String,
}

/// A free loopback port for the server, taken before the window exists.
pub fn bind() -> std::io::Result<std::net::TcpListener> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// The app's content security policy with its loopback sources narrowed from any port
/// (`http://127.0.0.1:*`, as `tauri.conf.json` must say before the port is known) to the media
/// server's own: no other local service can be reached from the page.
pub fn csp_for(csp: &str, port: u16) -> String {
    csp.replace("http://127.0.0.1:*", &format!("http://127.0.0.1:{port}"))
}

/// Starts serving the library's saved videos on a free loopback port (tests).
#[cfg(test)]
pub async fn start(library: Arc<Library>) -> std::io::Result<Media> {
    serve(library, bind()?)
}

/// Starts serving the library's saved videos on `listener` (from [`bind`]).
pub fn serve(library: Arc<Library>, listener: std::net::TcpListener) -> std::io::Result<Media> {
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let addr = listener.local_addr()?;
    let token = uuid::Uuid::new_v4().simple().to_string();
    let served = Arc::new(Served {
        library,
        token: token.clone(),
    });
    let app = Router::new()
        .route("/media/{token}/{video}", get(video))
        .route("/poster/{token}/{video}", get(poster))
        .with_state(served);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(%e, "the media server stopped");
        }
    });
    Ok(Media {
        base: format!("http://{addr}/media/{token}"),
        poster_base: format!("http://{addr}/poster/{token}"),
    })
}

async fn video(
    State(served): State<Arc<Served>>,
    Path((token, video)): Path<(String, String)>,
    request: Request<Body>,
) -> Response {
    let file = served
        .look_up(&token, move |l| {
            l.video(&video)
                .ok()
                .and_then(|v| v.file().map(ToOwned::to_owned))
        })
        .await;
    send(file, request).await
}

async fn poster(
    State(served): State<Arc<Served>>,
    Path((token, video)): Path<(String, String)>,
    request: Request<Body>,
) -> Response {
    let file = served.look_up(&token, move |l| l.poster(&video)).await;
    send(file, request).await
}

impl Served {
    fn authorised(&self, token: &str) -> bool {
        token.as_bytes().ct_eq(self.token.as_bytes()).into()
    }

    /// The file a request names, read from the library off the async runtime's workers (a
    /// video playing must not wait on another request's SQLite read); nothing without the
    /// token.
    async fn look_up(
        &self,
        token: &str,
        find: impl FnOnce(&Library) -> Option<std::path::PathBuf> + Send + 'static,
    ) -> Option<std::path::PathBuf> {
        if !self.authorised(token) {
            return None;
        }
        let library = self.library.clone();
        tokio::task::spawn_blocking(move || find(&library))
            .await
            .ok()
            .flatten()
    }
}

/// Serves `file` (with ranges), approved for the app's origins; 404 without one.
async fn send(file: Option<std::path::PathBuf>, request: Request<Body>) -> Response {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .filter(|o| approved_origin(o.as_bytes()))
        .cloned();
    let mut response = match file {
        None => StatusCode::NOT_FOUND.into_response(),
        Some(file) => match ServeFile::new(file).oneshot(request).await {
            Ok(r) => r.map(Body::new),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
    };
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    // The files are on this machine: WebKit's caches would only hold a second copy of every
    // poster and video the window has shown (hundreds of MB after scrolling a big library).
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use framecast_core::JobId;

    #[tokio::test]
    async fn serves_saved_videos_and_posters_by_id_with_ranges_and_only_with_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let (library, job) = crate::media::saved_job(dir.path());
        let media = start(library.clone()).await.unwrap();
        let token = media.base().rsplit('/').next().unwrap().to_owned();
        let http = reqwest::Client::new();

        let url = media.url(&job.video(1));
        let r = http
            .get(&url)
            .header("Range", "bytes=2-5")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 206);
        assert_eq!(r.headers()["content-range"], "bytes 2-5/10");
        assert_eq!(r.bytes().await.unwrap().as_ref(), b"2345");

        // The app's page may read it (a canvas can take a frame); another origin may not.
        let from = |origin: &'static str| {
            http.get(&url)
                .header("Origin", origin)
                .header("Range", "bytes=0-1")
                .send()
        };
        let approved = from("tauri://localhost").await.unwrap();
        assert_eq!(approved.status(), 206);
        assert_eq!(
            approved.headers()["access-control-allow-origin"],
            "tauri://localhost"
        );
        let other = from("https://evil.example").await.unwrap();
        assert!(other.headers().get("access-control-allow-origin").is_none());

        // Posters by video id, under the same token.
        let poster = format!("{}/{}", media.poster_base(), job.video(1));
        assert_eq!(http.get(&poster).send().await.unwrap().status(), 404);
        library
            .set_poster(&job.video(1), &[0xFF, 0xD8, 0xFF, 0xDB, 7])
            .unwrap();
        let got = http.get(&poster).send().await.unwrap();
        assert_eq!(got.status(), 200);
        assert_eq!(
            got.bytes().await.unwrap().as_ref(),
            [0xFF, 0xD8, 0xFF, 0xDB, 7]
        );
        let wrong = poster.replace(&token, &"0".repeat(32));
        assert_eq!(http.get(&wrong).send().await.unwrap().status(), 404);

        let wrong_token = url.replace(&token, &"0".repeat(32));
        assert_eq!(http.get(&wrong_token).send().await.unwrap().status(), 404);
        for name in [
            job.video(2),
            "secret.txt".to_owned(),
            "a%20b.mp4".to_owned(),
            "..%2Fsecret.txt".to_owned(),
            format!("{}-1", JobId::new()),
        ] {
            let u = format!("{}/{name}", media.base());
            assert_eq!(http.get(&u).send().await.unwrap().status(), 404, "{name}");
        }
    }

    #[test]
    fn the_page_may_reach_only_the_media_servers_port() {
        let narrowed = csp_for(
            "img-src 'self' data: http://127.0.0.1:*; media-src 'self' http://127.0.0.1:* https:",
            43123,
        );
        assert_eq!(
            narrowed,
            "img-src 'self' data: http://127.0.0.1:43123; media-src 'self' http://127.0.0.1:43123 https:"
        );
    }
}
