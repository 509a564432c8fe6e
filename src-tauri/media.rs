//! Local playback: the library's videos over `http://127.0.0.1`, with `Range` support.
//!
//! WebKitGTK will not play an MP4 through Tauri's asset protocol (MEDIA_ERR_SRC_NOT_SUPPORTED,
//! tauri#3725), while the same file over loopback HTTP plays. So the app runs its own tiny server,
//! bound to 127.0.0.1 only, serving only files directly inside the library folder, and only under
//! a random per-run token in the path: other local programs cannot list or guess what is there.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tower::ServiceExt;
use tower_http::services::ServeFile;

/// The running media server.
pub struct Media {
    addr: SocketAddr,
    token: String,
}

struct Served {
    dir: PathBuf,
    token: String,
}

impl Media {
    /// Starts serving `dir` on a free loopback port.
    pub async fn start(dir: PathBuf) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let token = uuid::Uuid::new_v4().simple().to_string();
        let served = Arc::new(Served {
            dir,
            token: token.clone(),
        });
        let app = Router::new()
            .route("/media/{token}/{file}", get(serve))
            .with_state(served);
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(%e, "the media server stopped");
            }
        });
        Ok(Self { addr, token })
    }

    /// The URL the web side plays a library file from.
    pub fn url(&self, file_name: &str) -> String {
        let encoded: String = file_name
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        format!("http://{}/media/{}/{encoded}", self.addr, self.token)
    }
}

async fn serve(
    State(served): State<Arc<Served>>,
    Path((token, file)): Path<(String, String)>,
    request: Request<Body>,
) -> Response {
    let plain = !file.is_empty()
        && !file.starts_with('.')
        && !file.contains(['/', '\\', '\0'])
        && file.ends_with(".mp4");
    if token != served.token || !plain {
        return StatusCode::NOT_FOUND.into_response();
    }
    match ServeFile::new(served.dir.join(&file))
        .oneshot(request)
        .await
    {
        Ok(r) => r.map(Body::new),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn serves_ranges_only_with_the_token_and_only_library_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a b.mp4"), b"0123456789").unwrap();
        std::fs::write(dir.path().join("secret.txt"), b"no").unwrap();
        let media = Media::start(dir.path().to_owned()).await.unwrap();
        let http = reqwest::Client::new();

        let url = media.url("a b.mp4");
        let r = http
            .get(&url)
            .header("Range", "bytes=2-5")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 206);
        assert_eq!(r.headers()["content-range"], "bytes 2-5/10");
        assert_eq!(r.bytes().await.unwrap().as_ref(), b"2345");

        let wrong_token = url.replace(&media.token, "0000");
        assert_eq!(http.get(&wrong_token).send().await.unwrap().status(), 404);
        for name in [
            "secret.txt",
            "..%2Fsecret.mp4",
            ".hidden.mp4",
            "missing.mp4",
        ] {
            let u = format!("http://{}/media/{}/{name}", media.addr, media.token);
            assert_eq!(http.get(&u).send().await.unwrap().status(), 404, "{name}");
        }
    }
}
