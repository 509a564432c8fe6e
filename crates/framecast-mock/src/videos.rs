//! The mock's video server: a real MP4 with `Range` support, and the ways real links go wrong.
//!
//! Query parameters make a link misbehave: `fail_after=N` cuts the first download after N bytes
//! (a resume must follow), `status=S` answers S (`&times=K` only for the first K requests),
//! `html=1` answers a web page with status 200, `chunk=N` sends the body N bytes per write and
//! `pace_ms=M` waits M ms between writes (a slow link), `partial=N` answers a request without
//! `Range` with `206` and the first N bytes (`&times=K`: every request, ranged or not, for the
//! first K). `/redirect/<name>` redirects to the file.

use crate::{Recorded, Shared};
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::{StreamExt, stream};
use serde::Deserialize;
use std::sync::Arc;

/// The project's sample video: 4 s of H.264/AAC.
pub const SAMPLE_MP4: &[u8] = include_bytes!("../fixtures/sample.mp4");

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Faults {
    fail_after: Option<usize>,
    status: Option<u16>,
    times: Option<u32>,
    html: Option<u8>,
    chunk: Option<usize>,
    pace_ms: Option<u64>,
    partial: Option<usize>,
}

impl Faults {
    /// The body in pieces at the link's pace, when a pace or piece size was asked for.
    fn paced(&self, bytes: Bytes) -> Option<Body> {
        if self.chunk.is_none() && self.pace_ms.is_none() {
            return None;
        }
        let size = self.chunk.unwrap_or(16 * 1024).max(1);
        let pause = std::time::Duration::from_millis(self.pace_ms.unwrap_or(0));
        let pieces: Vec<Bytes> = (0..bytes.len())
            .step_by(size)
            .map(|at| bytes.slice(at..(at + size).min(bytes.len())))
            .collect();
        Some(Body::from_stream(stream::iter(pieces).then(
            move |piece| async move {
                if !pause.is_zero() {
                    tokio::time::sleep(pause).await;
                }
                Ok::<_, std::io::Error>(piece)
            },
        )))
    }
}

pub(crate) async fn redirect(Path(name): Path<String>) -> Redirect {
    Redirect::temporary(&format!("/videos/{name}"))
}

pub(crate) async fn video(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    Query(faults): Query<Faults>,
    headers: HeaderMap,
) -> Response {
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    shared.record(Recorded {
        method: "GET".into(),
        path: format!("/videos/{name}"),
        authorization: None,
        range: range.clone(),
        body: None,
        scenario: None,
    });
    let hits = {
        let key = format!("{name}?{faults:?}");
        let mut map = match shared.video_hits.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        let n = map.entry(key).or_insert(0);
        *n += 1;
        *n
    };
    if let Some(status) = faults.status
        && faults.times.is_none_or(|t| hits <= t)
    {
        let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return (code, "link refused by the mock").into_response();
    }
    if faults.html == Some(1) {
        let page = "<!DOCTYPE html><html><head><title>Link expired</title></head><body>This link has expired.</body></html>";
        let body = faults
            .paced(Bytes::from_static(page.as_bytes()))
            .unwrap_or_else(|| Body::from(page));
        return ([(header::CONTENT_TYPE, "text/html")], body).into_response();
    }
    if !name.ends_with(".mp4") {
        return StatusCode::NOT_FOUND.into_response();
    }
    let len = SAMPLE_MP4.len();
    if let Some(n) = faults.partial
        && (range.is_none() || faults.times.is_some_and(|t| hits <= t))
    {
        let n = n.clamp(1, len);
        return Response::builder()
            .status(StatusCode::PARTIAL_CONTENT)
            .header(header::CONTENT_TYPE, "video/mp4")
            .header(header::CONTENT_RANGE, format!("bytes 0-{}/{len}", n - 1))
            .header(header::CONTENT_LENGTH, n)
            .body(Body::from(Bytes::from_static(&SAMPLE_MP4[..n])))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
    }
    let (start, end) = match range.as_deref().map(|r| parse_range(r, len)) {
        None => (0, len - 1),
        Some(Some(r)) => r,
        Some(None) => {
            return Response::builder()
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{len}"))
                .body(Body::empty())
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
        }
    };
    let partial = range.is_some();
    let slice = Bytes::from_static(&SAMPLE_MP4[start..=end]);
    let builder = Response::builder()
        .header(header::CONTENT_TYPE, "video/mp4")
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::CONTENT_LENGTH, slice.len());
    let builder = if partial {
        builder
            .status(StatusCode::PARTIAL_CONTENT)
            .header(header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}"))
    } else {
        builder.status(StatusCode::OK)
    };
    let body = match faults.fail_after {
        Some(cut) if hits == 1 && start == 0 && cut < slice.len() => {
            let head = slice.slice(..cut);
            // The pause lets the head reach the socket before the cut.
            Body::from_stream(stream::once(async { Ok(head) }).chain(stream::once(async {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                Err(std::io::Error::other("download cut by the mock"))
            })))
        }
        _ => faults
            .paced(slice.clone())
            .unwrap_or_else(|| Body::from(slice)),
    };
    builder
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// A large video (the sample's `ftyp` box, then zeros) streamed in 64 KiB pieces, for measuring
/// that downloads keep memory flat whatever the size.
pub(crate) async fn big(Path((megabytes, _name)): Path<(u64, String)>) -> Response {
    let total = megabytes.min(4096) << 20;
    let head = Bytes::from_static(&SAMPLE_MP4[..32]);
    let zeros = Bytes::from(vec![0u8; 64 * 1024]);
    let mut left = total.saturating_sub(head.len() as u64);
    let pieces = std::iter::once(head).chain(std::iter::from_fn(move || {
        (left > 0).then(|| {
            let n = left.min(zeros.len() as u64) as usize;
            left -= n as u64;
            zeros.slice(..n)
        })
    }));
    Response::builder()
        .header(header::CONTENT_TYPE, "video/mp4")
        .header(header::CONTENT_LENGTH, total)
        .body(Body::from_stream(stream::iter(
            pieces.map(Ok::<_, std::io::Error>),
        )))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// `bytes=a-b`, `bytes=a-`, `bytes=-n` for a body of `len` bytes; `None` if unsatisfiable.
/// The sample video as a server of ranges answers it: whole (200) or the asked-for part (206),
/// in pieces of `chunk` bytes every `pace` when given (a slow link).
pub(crate) fn sample(range: Option<&str>, chunk: usize, pace: std::time::Duration) -> Response {
    let len = SAMPLE_MP4.len();
    let (start, end) = match range.map(|r| parse_range(r, len)) {
        None => (0, len - 1),
        Some(Some(r)) => r,
        Some(None) => return StatusCode::RANGE_NOT_SATISFIABLE.into_response(),
    };
    let slice = Bytes::from_static(&SAMPLE_MP4[start..=end]);
    let builder = Response::builder()
        .header(header::CONTENT_TYPE, "video/mp4")
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::CONTENT_LENGTH, slice.len());
    let builder = if range.is_some() {
        builder
            .status(StatusCode::PARTIAL_CONTENT)
            .header(header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}"))
    } else {
        builder.status(StatusCode::OK)
    };
    let faults = Faults {
        chunk: Some(chunk),
        pace_ms: Some(u64::try_from(pace.as_millis()).unwrap_or(u64::MAX)),
        ..Faults::default()
    };
    let body = faults
        .paced(slice.clone())
        .unwrap_or_else(|| Body::from(slice));
    builder
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn parse_range(header: &str, len: usize) -> Option<(usize, usize)> {
    let spec = header
        .trim()
        .strip_prefix("bytes=")?
        .split(',')
        .next()?
        .trim();
    let (a, b) = spec.split_once('-')?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: usize = n.parse().ok()?;
            (len.checked_sub(n.min(len))?, len - 1)
        }
        (a, "") => (a.parse().ok()?, len - 1),
        (a, b) => (a.parse().ok()?, b.parse::<usize>().ok()?.min(len - 1)),
    };
    (start <= end && start < len).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-", 10), Some((0, 9)));
        assert_eq!(parse_range("bytes=2-4", 10), Some((2, 4)));
        assert_eq!(parse_range("bytes=-3", 10), Some((7, 9)));
        assert_eq!(parse_range("bytes=5-100", 10), Some((5, 9)));
        assert_eq!(parse_range("bytes=10-", 10), None);
        assert_eq!(parse_range("items=1-2", 10), None);
    }

    #[test]
    fn the_sample_is_an_mp4() {
        assert_eq!(&SAMPLE_MP4[4..8], b"ftyp");
    }
}
