//! Saving a delivered video to disk, so a paid result outlives its short-lived link.
//!
//! Guarantees:
//! - The body is streamed to `.<name>.part` beside the target with bounded memory; the target
//!   appears only complete: written, checked to be an MP4 (`ftyp` box, not an HTML error page),
//!   fsynced, then renamed into place. An existing file is never overwritten.
//! - Redirects are followed. Network errors, 5xx and 429 are retried with exponential backoff;
//!   after a drop the download resumes with `Range` where the server allows it, and starts over
//!   where it does not.
//! - Every read races the cancel token and an idle timeout.
//! - A refused or expired link (4xx) is not retried; the error says so, and the caller keeps the URL.

use crate::client::{human, human_zh};
use crate::error::{Error, ErrorKind, Result, Text};
use futures_util::StreamExt;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_RANGE, RANGE};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::fs::{self, File};
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

/// How hard to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownloadPolicy {
    /// Attempts after the first one.
    pub retries: u32,
    /// The first backoff; it doubles after each failed attempt.
    pub backoff: Duration,
    /// Longest silence between two reads.
    pub idle: Duration,
    pub connect: Duration,
}

impl Default for DownloadPolicy {
    fn default() -> Self {
        Self {
            retries: 4,
            backoff: Duration::from_millis(500),
            idle: Duration::from_secs(60),
            connect: Duration::from_secs(20),
        }
    }
}

/// Downloads videos over one shared connection pool.
#[derive(Debug, Clone)]
pub struct Downloader {
    http: reqwest::Client,
    policy: DownloadPolicy,
}

/// One attempt's failure: whether another attempt may help.
struct Attempt {
    error: Error,
    retry: bool,
}

impl Downloader {
    pub fn new(policy: DownloadPolicy) -> Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(policy.connect)
            .redirect(reqwest::redirect::Policy::limited(10))
            .user_agent(concat!("Framecast/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::with(ErrorKind::Network, e.to_string(), e.to_string()))?;
        Ok(Self { http, policy })
    }

    /// Saves `url` as `target` (or `target-2`, ... if that exists); `progress(bytes, total)`
    /// follows the bytes written. Returns where the file is and its size.
    pub async fn save(
        &self,
        url: &str,
        target: &Path,
        cancel: &CancellationToken,
        progress: &mut (dyn FnMut(u64, Option<u64>) + Send),
    ) -> Result<(PathBuf, u64)> {
        let part = part_path(target);
        let result = self.save_to_part(url, &part, cancel, progress).await;
        let result = match result {
            Ok(bytes) => finish(&part, target).await.map(|path| (path, bytes)),
            Err(e) => Err(e),
        };
        if result.is_err() {
            let _ = fs::remove_file(&part).await;
        }
        result
    }

    async fn save_to_part(
        &self,
        url: &str,
        part: &Path,
        cancel: &CancellationToken,
        progress: &mut (dyn FnMut(u64, Option<u64>) + Send),
    ) -> Result<u64> {
        let mut file = File::create(part)
            .await
            .map_err(|e| write_error(&e, part))?;
        let mut written = 0u64;
        let mut attempt = 0;
        loop {
            match self
                .attempt(url, (&mut file, part), &mut written, cancel, progress)
                .await
            {
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
        file.flush().await.map_err(|e| write_error(&e, part))?;
        file.sync_all().await.map_err(|e| write_error(&e, part))?;
        Ok(written)
    }

    /// One GET, resuming from `written` bytes when there are some.
    async fn attempt(
        &self,
        url: &str,
        (file, part): (&mut File, &Path),
        written: &mut u64,
        cancel: &CancellationToken,
        progress: &mut (dyn FnMut(u64, Option<u64>) + Send),
    ) -> std::result::Result<(), Attempt> {
        let mut request = self.http.get(url);
        if *written > 0 {
            request = request.header(RANGE, format!("bytes={written}-"));
        }
        let response = tokio::select! {
            () = cancel.cancelled() => return Err(Attempt { error: Error::cancelled(), retry: false }),
            r = tokio::time::timeout(self.policy.idle, request.send()) => match r {
                Err(_) => return Err(self.silent()),
                Ok(Err(e)) => return Err(Attempt { error: unreachable(&e), retry: true }),
                Ok(Ok(r)) => r,
            },
        };
        let status = response.status();
        let total = match status {
            StatusCode::PARTIAL_CONTENT if *written > 0 => {
                let start = response
                    .headers()
                    .get(CONTENT_RANGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(range_start);
                if start != Some(*written) {
                    restart(file, part, written).await?;
                    return Err(Attempt {
                        error: refused(status, "the server resumed at the wrong place"),
                        retry: true,
                    });
                }
                response.content_length().map(|n| n + *written)
            }
            s if s.is_success() => {
                if *written > 0 {
                    restart(file, part, written).await?;
                }
                response.content_length()
            }
            s => {
                let retry = s.is_server_error() || s == StatusCode::TOO_MANY_REQUESTS;
                return Err(Attempt {
                    error: refused(s, ""),
                    retry,
                });
            }
        };
        let mut body = response.bytes_stream();
        loop {
            let next = tokio::select! {
                () = cancel.cancelled() => return Err(Attempt { error: Error::cancelled(), retry: false }),
                r = tokio::time::timeout(self.policy.idle, body.next()) => match r {
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
                    if *written == 0 && !bytes.is_empty() {
                        check_head(&bytes)?;
                    }
                    file.write_all(&bytes).await.map_err(|e| Attempt {
                        error: write_error(&e, part),
                        retry: false,
                    })?;
                    *written += bytes.len() as u64;
                    progress(*written, total);
                }
            }
        }
        if let Some(total) = total.filter(|&t| t != *written) {
            return Err(Attempt {
                error: Error::with(
                    ErrorKind::Download,
                    format!("the download ended after {written} of {total} bytes"),
                    format!("下载在 {written}/{total} 字节处中断"),
                ),
                retry: true,
            });
        }
        if *written < 8 {
            return Err(Attempt {
                error: not_a_video(b""),
                retry: false,
            });
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
}

/// `.name.mp4.part` beside `name.mp4`.
fn part_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.part"))
}

/// The first bytes must be an ISO media file's `ftyp` box.
fn check_head(bytes: &[u8]) -> std::result::Result<(), Attempt> {
    if bytes.len() >= 8 && &bytes[4..8] == b"ftyp" {
        Ok(())
    } else if bytes.len() < 8 {
        // Too short to tell from this read alone; the final check below catches a tiny body.
        Ok(())
    } else {
        Err(Attempt {
            error: not_a_video(bytes),
            retry: false,
        })
    }
}

fn not_a_video(head: &[u8]) -> Error {
    let text = String::from_utf8_lossy(&head[..head.len().min(80)]).to_ascii_lowercase();
    let (en, zh) = if text.contains("<html") || text.contains("<!doctype") {
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
    Error::with(ErrorKind::Download, en, zh)
}

async fn restart(
    file: &mut File,
    part: &Path,
    written: &mut u64,
) -> std::result::Result<(), Attempt> {
    use tokio::io::AsyncSeekExt;
    let io = |e: io::Error| Attempt {
        error: write_error(&e, part),
        retry: false,
    };
    file.set_len(0).await.map_err(io)?;
    file.seek(io::SeekFrom::Start(0)).await.map_err(io)?;
    *written = 0;
    Ok(())
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

async fn finish(part: &Path, target: &Path) -> Result<PathBuf> {
    let target = free_name(target).await;
    fs::rename(part, &target)
        .await
        .map_err(|e| write_error(&e, &target))?;
    if let Some(dir) = target.parent() {
        // Make the rename itself durable where the platform allows it.
        if let Ok(d) = File::open(dir).await {
            let _ = d.sync_all().await;
        }
    }
    Ok(target)
}

/// `target`, or `name-2.mp4`, `name-3.mp4`, ... if it exists.
pub(crate) async fn free_name(target: &Path) -> PathBuf {
    if fs::metadata(target).await.is_err() {
        return target.to_owned();
    }
    let stem = target
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = target
        .extension()
        .map(|s| format!(".{}", s.to_string_lossy()))
        .unwrap_or_default();
    for i in 2.. {
        let candidate = target.with_file_name(format!("{stem}-{i}{ext}"));
        if fs::metadata(&candidate).await.is_err() {
            return candidate;
        }
    }
    target.to_owned()
}

fn refused(status: StatusCode, why: &str) -> Error {
    let code = status.as_u16();
    let detail = match code {
        403 | 404 | 410 => Text::new(
            format!("the link was refused (HTTP {code}); it may have expired"),
            format!("链接被拒绝（HTTP {code}），可能已过期"),
        ),
        _ if why.is_empty() => Text::new(
            format!("the video server answered HTTP {code}"),
            format!("视频服务器返回 HTTP {code}"),
        ),
        _ => Text::new(
            format!("{why} (HTTP {code})"),
            format!("{why}（HTTP {code}）"),
        ),
    };
    Error::new(ErrorKind::Download).detail(detail)
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
    fn content_range_start() {
        assert_eq!(range_start("bytes 100-199/200"), Some(100));
        assert_eq!(range_start("bytes */200"), None);
    }

    #[test]
    fn part_file_sits_beside_the_target() {
        assert_eq!(
            part_path(Path::new("/v/a.mp4")),
            Path::new("/v/.a.mp4.part")
        );
    }

    #[test]
    fn html_is_not_a_video() {
        let e = check_head(b"<!DOCTYPE html><html>expired</html>")
            .err()
            .unwrap()
            .error;
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
}
