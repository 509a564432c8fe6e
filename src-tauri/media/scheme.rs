//! Windows and macOS: the library's videos and posters through the app's own URI scheme,
//! `framecast-media`, answered inside the process (Tauri's asynchronous URI scheme protocol).
//! Only the app's webview can ask it anything, so, unlike the loopback server, it needs no token.
//!
//! `/media/<video id>` is the saved video, `/poster/<video id>` its poster. Video elements ask
//! for byte ranges; each answer carries at most [`MAX_PART`] bytes and says so in its
//! `Content-Range`, and the element asks for the rest as it plays, so a long video is never read
//! into memory whole.

use super::approved_origin;
use framecast_library::Library;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tauri::http::{HeaderValue, Request, Response, StatusCode, header};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder};

/// The scheme's name.
pub const SCHEME: &str = "framecast-media";

/// The most bytes one answer to a range request carries (as Tauri's own asset protocol).
const MAX_PART: u64 = 1 << 20;

/// Where a page reaches the scheme: WebView2 maps a custom scheme to
/// `http://<scheme>.localhost` (the app's config keeps Tauri's default, `http`); WKWebView
/// uses the scheme as it is.
pub fn origin() -> &'static str {
    if cfg!(windows) {
        "http://framecast-media.localhost"
    } else {
        "framecast-media://localhost"
    }
}

/// The protocol handler the builder registers: answers off the webview's thread.
#[cfg_attr(
    target_os = "linux",
    expect(
        dead_code,
        reason = "registered on Windows and macOS; compiled on Linux for the tests"
    )
)]
pub fn serve<R: Runtime>(
    context: UriSchemeContext<'_, R>,
    request: Request<Vec<u8>>,
    responder: UriSchemeResponder,
) {
    let library = context
        .app_handle()
        .try_state::<Arc<Library>>()
        .map(|l| l.inner().clone());
    tauri::async_runtime::spawn_blocking(move || {
        responder.respond(answer(library.as_deref(), &request));
    });
}

/// The answer to one request.
pub fn answer(library: Option<&Library>, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
    let mut path = request.uri().path().trim_start_matches('/').splitn(2, '/');
    let found: Option<(PathBuf, &str)> = match (library, path.next(), path.next()) {
        (Some(library), Some("media"), Some(video)) => library
            .video(video)
            .ok()
            .and_then(|v| v.file().map(Path::to_owned))
            .map(|file| (file, "video/mp4")),
        (Some(library), Some("poster"), Some(video)) => {
            library.poster(video).map(|file| (file, "image/jpeg"))
        }
        _ => None,
    };
    let range = request
        .headers()
        .get(header::RANGE)
        .and_then(|r| r.to_str().ok());
    let mut response = match found {
        Some((file, kind)) => read(&file, range).map_or_else(
            |e| {
                tracing::info!(%e, file = %file.display(), "a saved file could not be read");
                status(StatusCode::NOT_FOUND)
            },
            |mut r| {
                r.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
                r
            },
        ),
        None => status(StatusCode::NOT_FOUND),
    };
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    // The files are on this machine: the webview's caches would only hold a second copy.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(origin) = request
        .headers()
        .get(header::ORIGIN)
        .filter(|o| approved_origin(o.as_bytes()))
    {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    }
    response
}

fn status(code: StatusCode) -> Response<Vec<u8>> {
    let mut response = Response::new(Vec::new());
    *response.status_mut() = code;
    response
}

/// The part of `file` a `Range` header asks for, as an answer: 200 with all of it, 206 with a
/// part, or 416.
fn read(file: &Path, range: Option<&str>) -> std::io::Result<Response<Vec<u8>>> {
    let mut f = std::fs::File::open(file)?;
    let len = f.metadata()?.len();
    let mut response = match part(range, len) {
        Part::Whole => {
            let mut body = Vec::new();
            f.read_to_end(&mut body)?;
            Response::new(body)
        }
        Part::Range { start, end } => {
            let mut body = Vec::new();
            f.seek(SeekFrom::Start(start))?;
            f.take(end - start + 1).read_to_end(&mut body)?;
            let mut r = Response::new(body);
            *r.status_mut() = StatusCode::PARTIAL_CONTENT;
            r.headers_mut().insert(
                header::CONTENT_RANGE,
                header_value(&format!("bytes {start}-{end}/{len}")),
            );
            r
        }
        Part::Unsatisfiable => {
            let mut r = status(StatusCode::RANGE_NOT_SATISFIABLE);
            r.headers_mut().insert(
                header::CONTENT_RANGE,
                header_value(&format!("bytes */{len}")),
            );
            r
        }
    };
    let length = response.body().len().to_string();
    let headers = response.headers_mut();
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(header::CONTENT_LENGTH, header_value(&length));
    Ok(response)
}

/// A header value made of digits, `bytes`, `-`, `/` and `*`, which is always valid.
fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// What to send of a file of `len` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// All of it: no range was asked for, or one this answer does not serve (several ranges,
    /// another unit, a malformed header), which HTTP lets a server ignore.
    Whole,
    /// Bytes `start..=end`, at most [`MAX_PART`] of them.
    Range { start: u64, end: u64 },
    /// The range starts at or beyond the end of the file.
    Unsatisfiable,
}

/// Reads a `Range` header (`bytes=a-b`, `bytes=a-`, `bytes=-n`) against a file of `len` bytes.
fn part(range: Option<&str>, len: u64) -> Part {
    let Some(spec) = range
        .and_then(|r| r.trim().strip_prefix("bytes="))
        .filter(|s| !s.contains(','))
    else {
        return Part::Whole;
    };
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Part::Whole;
    };
    let number = |s: &str| s.trim().parse::<u64>().ok();
    let (start, end) = match (first.trim().is_empty(), number(first), number(last)) {
        // The last n bytes.
        (true, _, Some(n)) if n > 0 && len > 0 => (len.saturating_sub(n), len - 1),
        (true, _, Some(_)) => return Part::Unsatisfiable,
        (false, Some(start), _) if start >= len => return Part::Unsatisfiable,
        (false, Some(start), None) if last.trim().is_empty() => (start, len - 1),
        (false, Some(start), Some(end)) if end >= start => (start, end.min(len - 1)),
        _ => return Part::Whole,
    };
    Part::Range {
        start,
        end: end.min(start + MAX_PART - 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use framecast_core::JobId;

    #[test]
    fn ranges_are_read_as_video_elements_send_them() {
        let len = 10;
        let range = |start, end| Part::Range { start, end };
        assert_eq!(part(None, len), Part::Whole);
        assert_eq!(part(Some("bytes=2-5"), len), range(2, 5));
        assert_eq!(part(Some("bytes=0-1"), len), range(0, 1));
        assert_eq!(part(Some("bytes=0-"), len), range(0, 9));
        assert_eq!(part(Some("bytes=4-100"), len), range(4, 9));
        assert_eq!(part(Some("bytes=-3"), len), range(7, 9));
        assert_eq!(part(Some("bytes=-30"), len), range(0, 9));
        assert_eq!(part(Some(" bytes=9-9 "), len), range(9, 9));
        assert_eq!(part(Some("bytes=10-"), len), Part::Unsatisfiable);
        assert_eq!(part(Some("bytes=10-12"), len), Part::Unsatisfiable);
        assert_eq!(part(Some("bytes=-0"), len), Part::Unsatisfiable);
        assert_eq!(part(Some("bytes=0-"), 0), Part::Unsatisfiable);
        // What this answer does not serve is ignored: the whole file.
        for odd in [
            "bytes=0-1,4-5",
            "items=0-1",
            "bytes=5-2",
            "bytes=x-",
            "bytes=",
            "0-1",
        ] {
            assert_eq!(part(Some(odd), len), Part::Whole, "{odd}");
        }
        // A long video goes a part at a time.
        let big = 100 * MAX_PART;
        assert_eq!(part(Some("bytes=0-"), big), range(0, MAX_PART - 1));
        assert_eq!(
            part(Some(&format!("bytes={MAX_PART}-")), big),
            range(MAX_PART, 2 * MAX_PART - 1)
        );
        assert_eq!(part(Some("bytes=-5"), big), range(big - 5, big - 1));
    }

    #[test]
    fn the_scheme_is_reached_as_each_webview_maps_it() {
        let media = crate::media::Media::scheme();
        assert_eq!(media.url("j-1"), format!("{}/media/j-1", origin()));
        assert_eq!(media.poster_base(), format!("{}/poster", origin()));
        if cfg!(windows) {
            assert_eq!(origin(), "http://framecast-media.localhost");
        } else {
            assert_eq!(origin(), format!("{SCHEME}://localhost"));
        }
    }

    fn get(uri: &str, headers: &[(&str, &str)]) -> Request<Vec<u8>> {
        let mut request = Request::builder().uri(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(Vec::new()).unwrap()
    }

    #[test]
    fn serves_saved_videos_and_posters_by_id_with_ranges() {
        let dir = tempfile::tempdir().unwrap();
        let (library, job) = crate::media::saved_job(dir.path());
        let media = crate::media::Media::scheme();
        let url = media.url(&job.video(1));
        let ask = |uri: &str, headers: &[(&str, &str)]| answer(Some(&library), &get(uri, headers));

        let r = ask(&url, &[("Range", "bytes=2-5")]);
        assert_eq!(r.status(), 206);
        assert_eq!(r.headers()["content-range"], "bytes 2-5/10");
        assert_eq!(r.headers()["content-length"], "4");
        assert_eq!(r.headers()["content-type"], "video/mp4");
        assert_eq!(r.headers()["accept-ranges"], "bytes");
        assert_eq!(r.body(), b"2345");
        let whole = ask(&url, &[]);
        assert_eq!(
            (whole.status(), whole.body().as_slice()),
            (StatusCode::OK, &b"0123456789"[..])
        );
        let beyond = ask(&url, &[("Range", "bytes=10-")]);
        assert_eq!(beyond.status(), 416);
        assert_eq!(beyond.headers()["content-range"], "bytes */10");

        // The app's page may read it (a canvas can take a frame); another origin may not.
        for page in ["tauri://localhost", "http://tauri.localhost"] {
            let approved = ask(&url, &[("Origin", page), ("Range", "bytes=0-1")]);
            assert_eq!(approved.status(), 206);
            assert_eq!(approved.headers()["access-control-allow-origin"], page);
        }
        let other = ask(&url, &[("Origin", "https://evil.example")]);
        assert!(other.headers().get("access-control-allow-origin").is_none());

        // Posters by video id.
        let poster = format!("{}/{}", media.poster_base(), job.video(1));
        assert_eq!(ask(&poster, &[]).status(), 404);
        library
            .set_poster(&job.video(1), &[0xFF, 0xD8, 0xFF, 0xDB, 7])
            .unwrap();
        let got = ask(&poster, &[]);
        assert_eq!(got.status(), 200);
        assert_eq!(got.headers()["content-type"], "image/jpeg");
        assert_eq!(got.body(), &[0xFF, 0xD8, 0xFF, 0xDB, 7]);

        // Only saved videos, by id: never a name or a path.
        for name in [
            job.video(2),
            "secret.txt".to_owned(),
            "a%20b.mp4".to_owned(),
            "..%2Fsecret.txt".to_owned(),
            "../secret.txt".to_owned(),
            format!("{}-1", JobId::new()),
        ] {
            let u = format!("{}/{name}", media.base());
            assert_eq!(ask(&u, &[]).status(), 404, "{name}");
        }
        for odd in ["/", "/media", "/elsewhere/x", "/media/"] {
            let u = format!("{}{odd}", origin());
            assert_eq!(ask(&u, &[]).status(), 404, "{odd}");
        }
        assert_eq!(
            answer(None, &get(&url, &[])).status(),
            404,
            "before the library opened"
        );
    }
}
