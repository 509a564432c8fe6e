//! Saving a delivered video to disk, so a paid result outlives its short-lived link.
//!
//! Guarantees:
//! - The body is streamed to `.<name>.part` beside the target with bounded memory. The target
//!   appears only complete: written, checked to be an MP4 (an `ftyp` box, however small the first
//!   reads, not an HTML error page), fsynced, then linked into place. An existing file is never
//!   overwritten, and there is no check-then-rename race: the final name is taken with a hard
//!   link, which fails if the name exists (then `name-2.mp4`, ...).
//! - A `.part` left by an earlier attempt, or by a process that died, is continued with `Range`
//!   where the server allows it, and started over where it does not; it is never truncated
//!   while it can still be continued.
//! - Redirects are followed. Network errors, 5xx and 429 are retried with exponential backoff.
//! - Every read races the cancel token, an idle timeout and an overall deadline; a body is
//!   refused beyond a size cap (2 GiB by default, far above a 4K Veo clip).
//! - A refused or expired link (403/404/410, or a web page instead of a video) is not retried and
//!   its error is [`ErrorKind::Expired`]; the caller keeps the URL. A cancelled or failed
//!   download keeps its `.part` so it can be continued; only an expired one's is removed.

use crate::client::{human, human_zh};
use crate::error::{Error, ErrorKind, Result, Text};
use crate::proxy::Proxy;
use futures_util::StreamExt;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_RANGE, RANGE};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::fs::{self, File, OpenOptions};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use tokio::time::{Instant, sleep_until, timeout};
use tokio_util::sync::CancellationToken;

/// How hard to try, and how far to go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownloadPolicy {
    /// Attempts after the first one.
    pub retries: u32,
    /// The first backoff; it doubles after each failed attempt.
    pub backoff: Duration,
    /// Longest silence between two reads.
    pub idle: Duration,
    pub connect: Duration,
    /// Longest time for one video, all attempts included.
    pub overall: Duration,
    /// Largest video accepted, in bytes.
    pub max_bytes: u64,
}

impl Default for DownloadPolicy {
    fn default() -> Self {
        Self {
            retries: 4,
            backoff: Duration::from_millis(500),
            idle: Duration::from_secs(60),
            connect: Duration::from_secs(20),
            overall: Duration::from_secs(60 * 60),
            max_bytes: 2 << 30,
        }
    }
}

/// Downloads videos over one shared connection pool.
#[derive(Debug, Clone)]
pub struct Downloader {
    http: reqwest::Client,
    policy: DownloadPolicy,
    /// The gateway's origin and `Authorization` value, for videos served by the gateway itself
    /// (the task route's content URLs). Sent to that origin only, never to a CDN.
    auth: Option<(String, reqwest::header::HeaderValue)>,
}

/// One attempt's failure: whether another attempt may help.
struct Attempt {
    error: Error,
    retry: bool,
}

impl Attempt {
    fn fatal(error: Error) -> Self {
        Self {
            error,
            retry: false,
        }
    }
}

/// The `.part` file being written, and what is known of it.
struct Part<'a> {
    file: File,
    path: &'a Path,
    written: u64,
    /// The first bytes, until there are enough to check the `ftyp` box.
    head: Vec<u8>,
}

impl Part<'_> {
    fn io(&self, e: &io::Error) -> Attempt {
        Attempt::fatal(write_error(e, self.path))
    }

    async fn restart(&mut self) -> std::result::Result<(), Attempt> {
        self.file.set_len(0).await.map_err(|e| self.io(&e))?;
        self.file
            .seek(io::SeekFrom::Start(0))
            .await
            .map_err(|e| self.io(&e))?;
        self.written = 0;
        self.head.clear();
        Ok(())
    }

    async fn write(&mut self, bytes: &[u8]) -> std::result::Result<(), Attempt> {
        if self.head.len() < HEAD {
            let take = (HEAD - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..take]);
            if self.head.len() == HEAD {
                check_head(&self.head)?;
            }
        }
        self.file.write_all(bytes).await.map_err(|e| self.io(&e))?;
        self.written += bytes.len() as u64;
        Ok(())
    }
}

/// Bytes needed to see an MP4's `ftyp` box.
const HEAD: usize = 8;

impl Downloader {
    pub fn new(policy: DownloadPolicy) -> Result<Self> {
        Self::with_proxy(policy, &Proxy::System)
    }

    /// A downloader whose requests go through `proxy`.
    pub fn with_proxy(policy: DownloadPolicy, proxy: &Proxy) -> Result<Self> {
        let http = proxy
            .apply(reqwest::Client::builder())?
            .connect_timeout(policy.connect)
            .redirect(reqwest::redirect::Policy::custom(no_way_in))
            .user_agent(concat!("Framecast/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::with(ErrorKind::Network, e.to_string(), e.to_string()))?;
        Ok(Self {
            http,
            policy,
            auth: None,
        })
    }

    /// The same downloader, sending the key to `gateway`'s origin (and nowhere else).
    pub fn authorized(&self, gateway: &url::Url, credentials: &crate::Credentials) -> Self {
        let mut value = reqwest::header::HeaderValue::from_str(&credentials.header_value()).ok();
        if let Some(v) = &mut value {
            v.set_sensitive(true);
        }
        Self {
            auth: value.map(|v| (gateway.origin().ascii_serialization(), v)),
            ..self.clone()
        }
    }

    /// Saves `url` as `target` (or `target-2`, ... if that name is taken), continuing the
    /// target's `.part` if one is there; `progress(bytes, total)` follows the bytes written.
    /// Returns where the file is and its size.
    pub async fn save(
        &self,
        url: &str,
        target: &Path,
        cancel: &CancellationToken,
        progress: &mut (dyn FnMut(u64, Option<u64>) + Send),
    ) -> Result<(PathBuf, u64)> {
        let part = part_path(target);
        let deadline = Instant::now() + self.policy.overall;
        let result = tokio::select! {
            r = self.save_to_part(url, &part, cancel, progress) => r,
            () = sleep_until(deadline) => Err(Error::with(
                ErrorKind::Download,
                format!("the download took longer than {}", human(self.policy.overall)),
                format!("下载时间超过了 {}", human_zh(self.policy.overall)),
            )),
        };
        match result {
            Ok(bytes) => finish(&part, target).await.map(|path| (path, bytes)),
            Err(e) => {
                if e.kind() == ErrorKind::Expired {
                    let _ = fs::remove_file(&part).await;
                }
                Err(e)
            }
        }
    }

    async fn save_to_part(
        &self,
        url: &str,
        path: &Path,
        cancel: &CancellationToken,
        progress: &mut (dyn FnMut(u64, Option<u64>) + Send),
    ) -> Result<u64> {
        let mut part = open_part(path).await?;
        let mut attempt = 0;
        loop {
            match self.attempt(url, &mut part, cancel, progress).await {
                Ok(()) => break,
                Err(Attempt { error, retry }) if !retry || attempt >= self.policy.retries => {
                    return Err(error);
                }
                Err(Attempt { error, .. }) => {
                    let wait = self.policy.backoff * 2u32.saturating_pow(attempt);
                    tracing::info!(%error, ?wait, attempt, "download attempt failed; retrying");
                    attempt += 1;
                    tokio::select! {
                        () = cancel.cancelled() => return Err(Error::cancelled()),
                        () = tokio::time::sleep(wait) => {}
                    }
                }
            }
        }
        let io = |e: io::Error| write_error(&e, path);
        part.file.flush().await.map_err(io)?;
        part.file.sync_all().await.map_err(io)?;
        Ok(part.written)
    }

    /// One GET, continuing from the bytes already in the part file.
    async fn attempt(
        &self,
        url: &str,
        part: &mut Part<'_>,
        cancel: &CancellationToken,
        progress: &mut (dyn FnMut(u64, Option<u64>) + Send),
    ) -> std::result::Result<(), Attempt> {
        let mut request = self.http.get(url);
        if let Some((origin, value)) = &self.auth
            && url::Url::parse(url).is_ok_and(|u| &u.origin().ascii_serialization() == origin)
        {
            request = request.header(reqwest::header::AUTHORIZATION, value.clone());
        }
        if part.written > 0 {
            request = request.header(RANGE, format!("bytes={}-", part.written));
        }
        let response = tokio::select! {
            () = cancel.cancelled() => return Err(Attempt::fatal(Error::cancelled())),
            r = timeout(self.policy.idle, request.send()) => match r {
                Err(_) => return Err(self.silent()),
                Ok(Err(e)) => return Err(Attempt { error: unreachable(&e), retry: true }),
                Ok(Ok(r)) => r,
            },
        };
        let status = response.status();
        let content_range = response
            .headers()
            .get(CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let total = match status {
            // A part of the video, whether or not one was asked for: it counts only where it
            // starts at the bytes already written, and the whole video's size comes from its
            // `Content-Range`, so a short part is continued, never saved as the whole video.
            StatusCode::PARTIAL_CONTENT => {
                let range = content_range.as_deref();
                let total = range.and_then(range_total).or_else(|| {
                    (part.written > 0)
                        .then(|| response.content_length().map(|n| n + part.written))
                        .flatten()
                });
                if range.and_then(range_start) != Some(part.written) || total.is_none() {
                    part.restart().await?;
                    let why = if part.written == 0 && range.and_then(range_start) == Some(0) {
                        Text::new(
                            "the server sent part of the video without saying how large it is",
                            "服务器只发送了视频的一部分，且没有说明完整大小",
                        )
                    } else {
                        Text::new(
                            "the server sent a different part of the video than the one asked for",
                            "服务器发送的视频片段不是所请求的那一段",
                        )
                    };
                    return Err(Attempt {
                        error: refused(status, Some(why)),
                        retry: true,
                    });
                }
                total
            }
            // Everything was already there: a part completed by a process that died before
            // putting it in place.
            StatusCode::RANGE_NOT_SATISFIABLE
                if part.written > 0
                    && content_range.as_deref().and_then(range_total) == Some(part.written) =>
            {
                progress(part.written, Some(part.written));
                return Ok(());
            }
            s if s.is_success() => {
                if part.written > 0 {
                    part.restart().await?;
                }
                response.content_length()
            }
            s => {
                let retry = s.is_server_error() || s == StatusCode::TOO_MANY_REQUESTS;
                return Err(Attempt {
                    error: refused(s, None),
                    retry,
                });
            }
        };
        if let Some(t) = total.filter(|&t| t > self.policy.max_bytes) {
            return Err(Attempt::fatal(self.too_large(Some(t))));
        }
        let mut body = response.bytes_stream();
        loop {
            let next = tokio::select! {
                () = cancel.cancelled() => return Err(Attempt::fatal(Error::cancelled())),
                r = timeout(self.policy.idle, body.next()) => match r {
                    Err(_) => return Err(self.silent()),
                    Ok(next) => next,
                },
            };
            match next {
                None => break,
                Some(Err(e)) => {
                    return Err(Attempt {
                        error: unreachable(&e),
                        retry: true,
                    });
                }
                Some(Ok(bytes)) => {
                    if part.written + bytes.len() as u64 > self.policy.max_bytes {
                        return Err(Attempt::fatal(self.too_large(total)));
                    }
                    part.write(&bytes).await?;
                    progress(part.written, total);
                }
            }
        }
        if let Some(total) = total.filter(|&t| t != part.written) {
            let written = part.written;
            return Err(Attempt {
                error: Error::with(
                    ErrorKind::Download,
                    format!("the download ended after {written} of {total} bytes"),
                    format!("下载在 {written}/{total} 字节处中断"),
                ),
                retry: true,
            });
        }
        if part.head.len() < HEAD {
            return Err(Attempt::fatal(not_a_video(&part.head)));
        }
        Ok(())
    }

    fn silent(&self) -> Attempt {
        Attempt {
            error: Error::with(
                ErrorKind::Download,
                format!(
                    "the video server sent nothing for {}",
                    human(self.policy.idle)
                ),
                format!("视频服务器在 {} 内没有响应", human_zh(self.policy.idle)),
            ),
            retry: true,
        }
    }

    fn too_large(&self, total: Option<u64>) -> Error {
        let mib = |b: u64| b >> 20;
        let max = mib(self.policy.max_bytes);
        let (en, zh) = match total {
            Some(t) => (
                format!(
                    "the video is {} MiB, more than the limit of {max} MiB",
                    mib(t)
                ),
                format!("视频大小为 {} MiB，超过了 {max} MiB 的上限", mib(t)),
            ),
            None => (
                format!("the video is larger than the limit of {max} MiB"),
                format!("视频超过了 {max} MiB 的上限"),
            ),
        };
        Error::with(ErrorKind::Download, en, zh)
    }
}

/// Follows up to ten redirects, but never from a link on the internet into this machine or its
/// network (loopback, private, link-local addresses, `localhost`): a hostile link must not make
/// Framecast fetch from a router's page or a local service and keep the answer as a video.
fn no_way_in(attempt: reqwest::redirect::Attempt<'_>) -> reqwest::redirect::Action {
    let from_outside = attempt.previous().first().is_some_and(|u| !inside(u));
    if attempt.previous().len() > 10 {
        attempt.error("more than ten redirects")
    } else if from_outside && inside(attempt.url()) {
        attempt.error("a link on the internet redirected to a local or private address")
    } else {
        attempt.follow()
    }
}

/// Whether `url` names this machine or a private network.
pub(crate) fn inside(url: &url::Url) -> bool {
    use std::net::IpAddr;
    let ip = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            return d == "localhost" || d.ends_with(".localhost");
        }
        None => return false,
    };
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64 // carrier-grade NAT
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00 // unique local
                || (v6.segments()[0] & 0xffc0) == 0xfe80 // link-local
        }
    }
}

/// Opens (or creates) the part file, positioned at its end, with its first bytes checked.
async fn open_part(path: &Path) -> Result<Part<'_>> {
    let io = |e: io::Error| write_error(&e, path);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .await
        .map_err(io)?;
    let len = file.metadata().await.map_err(io)?.len();
    let mut head = vec![0; HEAD.min(usize::try_from(len).unwrap_or(HEAD))];
    file.read_exact(&mut head).await.map_err(io)?;
    let mut part = Part {
        file,
        path,
        written: len,
        head,
    };
    if part.head.len() == HEAD && check_head(&part.head).is_err() {
        part.restart().await.map_err(|a| a.error)?;
    } else {
        part.file.seek(io::SeekFrom::End(0)).await.map_err(io)?;
    }
    Ok(part)
}

/// `.name.mp4.part` beside `name.mp4`.
pub fn part_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.part"))
}

/// The first bytes must be an ISO media file's `ftyp` box.
fn check_head(head: &[u8]) -> std::result::Result<(), Attempt> {
    if head.len() >= HEAD && &head[4..8] == b"ftyp" {
        Ok(())
    } else {
        Err(Attempt::fatal(not_a_video(head)))
    }
}

fn not_a_video(head: &[u8]) -> Error {
    let text = String::from_utf8_lossy(&head[..head.len().min(80)]).to_ascii_lowercase();
    let (en, zh) = if text.starts_with('<') {
        (
            "the link returned a web page, not a video (it may have expired)",
            "链接返回的是网页而不是视频（可能已过期）",
        )
    } else {
        (
            "the link did not return an MP4 video",
            "链接返回的不是 MP4 视频",
        )
    };
    Error::with(ErrorKind::Expired, en, zh)
}

/// `bytes 100-199/200` → 100.
fn range_start(v: &str) -> Option<u64> {
    v.trim()
        .strip_prefix("bytes")?
        .trim()
        .split('-')
        .next()?
        .trim()
        .parse()
        .ok()
}

/// `bytes */200` (or `bytes 0-9/200`) → 200.
fn range_total(v: &str) -> Option<u64> {
    v.rsplit_once('/')?.1.trim().parse().ok()
}

/// Puts the finished part in place under `target` or the first free `name-N.mp4`, never
/// replacing a file: a hard link fails if the name exists. Where the file system has no hard
/// links (FAT, some network shares), it renames onto a name that was free a moment before.
async fn finish(part: &Path, target: &Path) -> Result<PathBuf> {
    for candidate in candidates(target) {
        match fs::hard_link(part, &candidate).await {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                // A part that was already linked by a process that died before removing it.
                if same_file::is_same_file(part, &candidate).unwrap_or(false) {
                    let_go_of_part(part).await;
                    return Ok(candidate);
                }
                continue;
            }
            Err(link_error) => {
                if fs::try_exists(&candidate).await.unwrap_or(true) {
                    continue;
                }
                fs::rename(part, &candidate).await.map_err(|e| {
                    tracing::warn!(%link_error, "no hard links here; renamed instead");
                    write_error(&e, &candidate)
                })?;
                sync_dir(&candidate).await;
                return Ok(candidate);
            }
        }
        // The video is whole under its name now: nothing after this may fail the save.
        let_go_of_part(part).await;
        sync_dir(&candidate).await;
        return Ok(candidate);
    }
    Err(Error::with(
        ErrorKind::Download,
        format!("no free file name beside {}", target.display()),
        format!("{} 旁边没有可用的文件名", target.display()),
    ))
}

/// How long to wait before each new try to remove a part that its video's link left behind:
/// about 1.5 s in all.
const PART_REMOVAL_WAITS: [Duration; 5] = [
    Duration::from_millis(50),
    Duration::from_millis(100),
    Duration::from_millis(200),
    Duration::from_millis(400),
    Duration::from_millis(800),
];

/// Removes the part once its video has taken its name (the part is then a second name for the
/// same bytes). On Windows a virus scanner may still hold the part open after the link, and the
/// removal fails while it does: it is tried again for a moment, and a part still held after that
/// is left where it is, with a warning. The save has succeeded either way: the video is whole
/// under its own name.
async fn let_go_of_part(part: &Path) {
    if let Err(e) = retry_removal(|| fs::remove_file(part), &PART_REMOVAL_WAITS).await {
        tracing::warn!(%e, part = %part.display(), "the saved video's part file is left behind");
    }
}

/// Runs `remove` until it succeeds (or finds nothing to remove), waiting `waits[i]` after the
/// `i`-th failure; the last failure when the waits run out.
async fn retry_removal<F, Fut>(mut remove: F, waits: &[Duration]) -> io::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = io::Result<()>>,
{
    let mut waits = waits.iter();
    loop {
        match remove().await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => match waits.next() {
                Some(wait) => tokio::time::sleep(*wait).await,
                None => return Err(e),
            },
            _ => return Ok(()),
        }
    }
}

/// `name.mp4`, `name-2.mp4`, ... `name-999.mp4`.
fn candidates(target: &Path) -> impl Iterator<Item = PathBuf> + '_ {
    let stem = target
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = target
        .extension()
        .map(|s| format!(".{}", s.to_string_lossy()))
        .unwrap_or_default();
    std::iter::once(target.to_owned())
        .chain((2..1000).map(move |i| target.with_file_name(format!("{stem}-{i}{ext}"))))
}

/// Makes a rename or link durable where the platform allows it.
async fn sync_dir(file: &Path) {
    if let Some(dir) = file.parent()
        && let Ok(d) = File::open(dir).await
    {
        let _ = d.sync_all().await;
    }
}

fn refused(status: StatusCode, why: Option<Text>) -> Error {
    let code = status.as_u16();
    match (code, why) {
        (403 | 404 | 410, _) => Error::with(
            ErrorKind::Expired,
            format!("the link was refused (HTTP {code}); it has probably expired"),
            format!("链接被拒绝（HTTP {code}），可能已过期"),
        ),
        (_, None) => Error::with(
            ErrorKind::Download,
            format!("the video server answered HTTP {code}"),
            format!("视频服务器返回 HTTP {code}"),
        ),
        (_, Some(why)) => Error::new(ErrorKind::Download).detail(Text::new(
            format!("{} (HTTP {code})", why.en),
            format!("{}（HTTP {code}）", why.zh),
        )),
    }
}

fn unreachable(e: &reqwest::Error) -> Error {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    Error::with(
        ErrorKind::Download,
        format!("the video server could not be reached ({cause})"),
        format!("无法连接视频服务器（{cause}）"),
    )
}

/// A failure to write a file: a full disk and a missing permission say so.
pub fn write_error(e: &io::Error, path: &Path) -> Error {
    let shown = path.display();
    let (en, zh) = match e.kind() {
        io::ErrorKind::StorageFull => (
            format!("the disk is full; free some space ({shown})"),
            format!("磁盘已满，请清理空间（{shown}）"),
        ),
        io::ErrorKind::PermissionDenied => (
            format!("no permission to write {shown}"),
            format!("没有写入权限：{shown}"),
        ),
        _ => (
            format!("could not write {shown}: {e}"),
            format!("无法写入 {shown}：{e}"),
        ),
    };
    Error::with(ErrorKind::Download, en, zh)
}

/// Creates the folder videos go to.
pub async fn ensure_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir)
        .await
        .map_err(|e| write_error(&e, dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_and_private_addresses_are_inside() {
        let inside = |u: &str| inside(&url::Url::parse(u).unwrap());
        for u in [
            "http://127.0.0.1:8080/v.mp4",
            "http://localhost/v.mp4",
            "http://api.localhost/v.mp4",
            "http://10.1.2.3/v.mp4",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/v.mp4",
            "http://[::ffff:127.0.0.1]/v.mp4",
            "http://[fd00::1]/v.mp4",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
        ] {
            assert!(inside(u), "{u}");
        }
        for u in [
            "https://cdn.example.com/v.mp4",
            "http://8.8.8.8/",
            "http://[2001:db8::1]/",
        ] {
            assert!(!inside(u), "{u}");
        }
    }

    #[test]
    fn content_range() {
        assert_eq!(range_start("bytes 100-199/200"), Some(100));
        assert_eq!(range_start("bytes */200"), None);
        assert_eq!(range_total("bytes */200"), Some(200));
        assert_eq!(range_total("bytes 0-9/*"), None);
    }

    #[test]
    fn part_file_sits_beside_the_target() {
        assert_eq!(
            part_path(Path::new("/v/a.mp4")),
            Path::new("/v/.a.mp4.part")
        );
    }

    #[test]
    fn html_is_an_expired_link_not_a_video() {
        let e = check_head(b"<!DOCTYPE html><html>expired</html>")
            .err()
            .unwrap()
            .error;
        assert_eq!(e.kind(), ErrorKind::Expired);
        assert!(e.message(crate::Lang::En).contains("web page"));
        assert!(check_head(b"\0\0\0\x18ftypmp42").is_ok());
    }

    #[test]
    fn full_disk_says_so() {
        let e = write_error(
            &io::Error::from(io::ErrorKind::StorageFull),
            Path::new("x.mp4"),
        );
        assert!(e.message(crate::Lang::En).contains("disk is full"));
        assert!(e.message(crate::Lang::Zh).contains("磁盘已满"));
    }

    #[tokio::test]
    async fn finishing_never_replaces_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("v.mp4");
        std::fs::write(&target, b"someone else's").unwrap();
        let part = part_path(&target);
        std::fs::write(&part, b"mine").unwrap();
        let placed = finish(&part, &target).await.unwrap();
        assert_eq!(placed, dir.path().join("v-2.mp4"));
        assert_eq!(std::fs::read(&target).unwrap(), b"someone else's");
        assert_eq!(std::fs::read(&placed).unwrap(), b"mine");
        assert!(!part.exists());
    }

    #[tokio::test]
    async fn a_part_held_after_its_link_is_tried_again_then_left() {
        let waits = [Duration::from_millis(1); 5];
        let held = |frees_after: usize| {
            let tries = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let counted = tries.clone();
            let remove = move || {
                let n = counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                // What Windows says while another process holds the file without delete sharing.
                let result = if n < frees_after {
                    Err(io::Error::from_raw_os_error(32))
                } else {
                    Ok(())
                };
                std::future::ready(result)
            };
            (tries, remove)
        };
        // The scanner lets go after three tries: the fourth removes the part.
        let (tries, remove) = held(3);
        assert!(retry_removal(remove, &waits).await.is_ok());
        assert_eq!(tries.load(std::sync::atomic::Ordering::SeqCst), 4);
        // It never lets go: one try and one after each wait, then the last error.
        let (tries, remove) = held(usize::MAX);
        assert!(retry_removal(remove, &waits).await.is_err());
        assert_eq!(tries.load(std::sync::atomic::Ordering::SeqCst), 6);
        // Already gone is removed.
        let gone = || std::future::ready(Err(io::Error::from(io::ErrorKind::NotFound)));
        assert!(retry_removal(gone, &waits).await.is_ok());
        // Waiting for a part that is not there takes no time.
        let dir = tempfile::tempdir().unwrap();
        let started = std::time::Instant::now();
        let_go_of_part(&dir.path().join(".v.mp4.part")).await;
        assert!(started.elapsed() < Duration::from_millis(40));
    }

    #[tokio::test]
    async fn a_part_linked_before_a_crash_is_not_placed_twice() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("v.mp4");
        let part = part_path(&target);
        std::fs::write(&part, b"video").unwrap();
        std::fs::hard_link(&part, &target).unwrap();
        assert_eq!(finish(&part, &target).await.unwrap(), target);
        assert!(!part.exists() && !dir.path().join("v-2.mp4").exists());
    }

    #[tokio::test]
    async fn many_finishers_of_one_name_each_get_their_own_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("same.mp4");
        let mut tasks = Vec::new();
        for i in 0..16u8 {
            let part = dir.path().join(format!(".p{i}.part"));
            std::fs::write(&part, [i; 32]).unwrap();
            let target = target.clone();
            tasks.push(tokio::spawn(async move { finish(&part, &target).await }));
        }
        let mut placed = Vec::new();
        for t in tasks {
            placed.push(t.await.unwrap().unwrap());
        }
        placed.sort();
        placed.dedup();
        assert_eq!(placed.len(), 16);
        let mut contents: Vec<u8> = placed
            .iter()
            .map(|p| std::fs::read(p).unwrap()[0])
            .collect();
        contents.sort_unstable();
        assert_eq!(contents, (0..16).collect::<Vec<u8>>());
    }
}
