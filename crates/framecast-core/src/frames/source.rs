//! Where a frame comes from: a file, pasted bytes, an http(s) link, or a data URL.
//!
//! Links are fetched here, with a size bound, a timeout and cancellation, and the image is
//! embedded: gateways cannot be trusted to fetch URLs. A file's first bytes are looked at before
//! the rest is read, so a 4 GB video is refused as a video, not read into memory.

use super::sniff::{self, Came, SNIFF_LEN};
use crate::error::{Error, Result};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio_util::sync::CancellationToken;
use url::Url;

/// A frame as the person gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameSource {
    /// A file on disk.
    Path(PathBuf),
    /// Bytes in memory, e.g. pasted from the clipboard.
    Bytes(bytes::Bytes),
    /// An `http:` or `https:` link, fetched by us.
    Url(Url),
    /// A `data:` URL.
    DataUrl(String),
}

/// The kind of [`FrameSource`], as reported in the frame's facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Path,
    Bytes,
    Url,
    DataUrl,
}

/// The bytes of a source and where they came from.
#[derive(Debug, Clone)]
pub(crate) struct Loaded {
    pub bytes: bytes::Bytes,
    pub origin: Origin,
    pub name: Option<String>,
}

impl Loaded {
    pub fn came(&self) -> Came {
        if self.origin == Origin::Url {
            Came::Url
        } else {
            Came::File
        }
    }
}

impl FrameSource {
    /// Reads a command-line argument: a `data:` URL, an `http(s):` link, a `file:` URL, or a path.
    pub fn parse_arg(arg: &str) -> Result<Self> {
        let s = arg.trim();
        let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
        if s.is_empty() {
            return Err(Error::invalid_input(
                "the frame argument is empty; give a file path, an http(s) link or a data URL",
                "图片参数为空；请提供文件路径、http(s) 链接或 data URL",
            ));
        }
        if lower.starts_with("data:") {
            if !s.contains(',') {
                return Err(bad_data_url());
            }
            return Ok(Self::DataUrl(s.to_owned()));
        }
        if lower.starts_with("http://") || lower.starts_with("https://") {
            let url = Url::parse(s).map_err(|e| {
                Error::invalid_input(
                    format!("the image link is not a valid URL ({e})"),
                    format!("图片链接不是有效的 URL（{e}）"),
                )
            })?;
            return Ok(Self::Url(url));
        }
        if lower.starts_with("file://") {
            let path = Url::parse(s)
                .ok()
                .and_then(|u| u.to_file_path().ok())
                .ok_or_else(|| {
                    Error::invalid_input(
                        format!("“{s}” is not a valid file URL"),
                        format!("“{s}” 不是有效的文件 URL"),
                    )
                })?;
            return Ok(Self::Path(path));
        }
        if let Some((scheme, _)) = s.split_once("://") {
            return Err(Error::invalid_input(
                format!("“{scheme}:” links are not supported; use an http(s) link or a file"),
                format!("不支持 “{scheme}:” 链接；请使用 http(s) 链接或本地文件"),
            ));
        }
        Ok(Self::Path(PathBuf::from(s)))
    }

    /// Gets the bytes: reads the file, fetches the link, or decodes the data URL.
    pub(crate) async fn load(
        &self,
        max_bytes: u64,
        timeout: Duration,
        cancel: &CancellationToken,
    ) -> Result<Loaded> {
        if cancel.is_cancelled() {
            return Err(Error::cancelled());
        }
        match self {
            Self::Path(path) => {
                let bytes = tokio::select! {
                    biased;
                    () = cancel.cancelled() => return Err(Error::cancelled()),
                    r = read_file(path, max_bytes) => r?,
                };
                Ok(Loaded {
                    bytes,
                    origin: Origin::Path,
                    name: path.file_name().map(|n| n.to_string_lossy().into_owned()),
                })
            }
            Self::Bytes(bytes) => {
                check_size(
                    bytes.len() as u64,
                    max_bytes,
                    &bytes[..bytes.len().min(SNIFF_LEN)],
                    Came::File,
                )?;
                Ok(Loaded {
                    bytes: bytes.clone(),
                    origin: Origin::Bytes,
                    name: None,
                })
            }
            Self::DataUrl(s) => Ok(Loaded {
                bytes: decode_data_url(s, max_bytes)?.into(),
                origin: Origin::DataUrl,
                name: None,
            }),
            Self::Url(url) => {
                let bytes = tokio::select! {
                    biased;
                    () = cancel.cancelled() => return Err(Error::cancelled()),
                    r = tokio::time::timeout(timeout, fetch(url, max_bytes, timeout)) => {
                        r.map_err(|_| fetch_timeout(timeout))??
                    }
                };
                Ok(Loaded {
                    bytes,
                    origin: Origin::Url,
                    name: Some(url.to_string()),
                })
            }
        }
    }
}

fn too_big(size: u64, max: u64) -> Error {
    let mb = |b: u64| b as f64 / 1_000_000.0;
    Error::invalid_input(
        format!(
            "the image file is too big ({:.1} MB; at most {:.0} MB); make it smaller",
            mb(size),
            mb(max)
        ),
        format!(
            "图片文件过大（{:.1} MB；最多 {:.0} MB）；请缩小后再试",
            mb(size),
            mb(max)
        ),
    )
}

/// Refuses a source over `max` bytes, unless its first bytes already show it is not an image.
fn check_size(size: u64, max: u64, head: &[u8], came: Came) -> Result<()> {
    if size > max {
        sniff::recognise(head, came)?;
        return Err(too_big(size, max));
    }
    Ok(())
}

async fn read_file(path: &Path, max: u64) -> Result<bytes::Bytes> {
    let shown = path.display().to_string();
    let io = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => Error::invalid_input(
            format!("the file “{shown}” does not exist"),
            format!("文件 “{shown}” 不存在"),
        ),
        std::io::ErrorKind::PermissionDenied => Error::invalid_input(
            format!("the file “{shown}” cannot be read (permission denied)"),
            format!("没有权限读取文件 “{shown}”"),
        ),
        _ => Error::invalid_input(
            format!("the file “{shown}” cannot be read ({e})"),
            format!("无法读取文件 “{shown}”（{e}）"),
        ),
    };
    let mut file = tokio::fs::File::open(path).await.map_err(io)?;
    let meta = file.metadata().await.map_err(io)?;
    if meta.is_dir() {
        return Err(Error::invalid_input(
            format!("“{shown}” is a folder, not an image file"),
            format!("“{shown}” 是文件夹，不是图片文件"),
        ));
    }
    let size = meta.len();
    let mut head = vec![0u8; SNIFF_LEN.min(size as usize)];
    file.read_exact(&mut head).await.map_err(io)?;
    check_size(size, max, &head, Came::File)?;
    let mut bytes = head;
    bytes.reserve_exact((size as usize).saturating_sub(bytes.len()));
    file.take((max + 1).saturating_sub(bytes.len() as u64))
        .read_to_end(&mut bytes)
        .await
        .map_err(io)?;
    check_size(bytes.len() as u64, max, &[], Came::File)?;
    Ok(bytes.into())
}

fn bad_data_url() -> Error {
    Error::invalid_input(
        "the data URL is malformed; it should look like data:image/png;base64,...",
        "data URL 格式不正确；应形如 data:image/png;base64,...",
    )
}

/// The bytes of a `data:` URL (base64 or percent-encoded); its declared type is not trusted.
pub(crate) fn decode_data_url(s: &str, max: u64) -> Result<Vec<u8>> {
    let rest = s.trim().get(5..).ok_or_else(bad_data_url)?;
    let (meta, payload) = rest.split_once(',').ok_or_else(bad_data_url)?;
    if meta.to_ascii_lowercase().ends_with(";base64") {
        let estimated = payload.len() as u64 / 4 * 3;
        if estimated > max {
            return Err(too_big(estimated, max));
        }
        let clean: Vec<u8> = payload
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .map(|b| match b {
                b'-' => b'+',
                b'_' => b'/',
                b => b,
            })
            .collect();
        let engine = base64::engine::GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            base64::engine::GeneralPurposeConfig::new()
                .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
        );
        return engine.decode(clean).map_err(|e| {
            Error::invalid_input(
                format!("the data URL's base64 is damaged ({e})"),
                format!("data URL 中的 base64 数据已损坏（{e}）"),
            )
        });
    }
    let mut out = Vec::with_capacity(payload.len());
    let b = payload.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).and_then(|&c| hex(c)),
            b.get(i + 2).and_then(|&c| hex(c)),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    if out.len() as u64 > max {
        return Err(too_big(out.len() as u64, max));
    }
    Ok(out)
}

fn fetch_timeout(timeout: Duration) -> Error {
    Error::invalid_input(
        format!(
            "the image link did not finish downloading within {} s; download the image and use the file",
            timeout.as_secs_f64()
        ),
        format!(
            "图片链接在 {} 秒内未下载完成；请先下载图片再使用文件",
            timeout.as_secs_f64()
        ),
    )
}

async fn fetch(url: &Url, max: u64, timeout: Duration) -> Result<bytes::Bytes> {
    let failed = |e: reqwest::Error| {
        if e.is_timeout() {
            return fetch_timeout(timeout);
        }
        Error::invalid_input(
            format!(
                "the image link could not be fetched ({e}); check it, or download the image and use the file"
            ),
            format!("无法获取图片链接（{e}）；请检查链接，或先下载图片再使用文件"),
        )
    };
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .build()
        .map_err(failed)?;
    let mut response = client
        .get(url.clone())
        .header(
            reqwest::header::ACCEPT,
            "image/jpeg,image/png,image/webp,image/*;q=0.8",
        )
        .send()
        .await
        .map_err(failed)?;
    let status = response.status();
    if !status.is_success() {
        return Err(Error::invalid_input(
            format!(
                "the image link answered HTTP {}; check the link",
                status.as_u16()
            ),
            format!("图片链接返回 HTTP {}；请检查链接", status.as_u16()),
        ));
    }
    if let Some(len) = response.content_length().filter(|&len| len > max) {
        return Err(too_big(len, max));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(failed)? {
        if (body.len() + chunk.len()) as u64 > max {
            sniff::recognise(&body[..body.len().min(SNIFF_LEN)], Came::Url)?;
            return Err(too_big((body.len() + chunk.len()) as u64, max));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cli_arguments() {
        assert!(matches!(
            FrameSource::parse_arg("https://example.com/a.jpg"),
            Ok(FrameSource::Url(_))
        ));
        assert!(matches!(
            FrameSource::parse_arg("data:image/png;base64,AAAA"),
            Ok(FrameSource::DataUrl(_))
        ));
        assert_eq!(
            FrameSource::parse_arg(" ./frames/start.png ").ok(),
            Some(FrameSource::Path("./frames/start.png".into()))
        );
        assert!(FrameSource::parse_arg("ftp://example.com/a.jpg").is_err());
        assert!(FrameSource::parse_arg("data:image/png;base64").is_err());
        assert!(FrameSource::parse_arg("  ").is_err());
    }

    #[test]
    fn decodes_data_urls() {
        assert_eq!(
            decode_data_url("data:image/png;base64,aGVs bG8=", 100).unwrap(),
            b"hello"
        );
        assert_eq!(
            decode_data_url("data:image/png;base64,aGVsbG8", 100).unwrap(),
            b"hello"
        );
        assert_eq!(
            decode_data_url("data:text/plain,a%20b", 100).unwrap(),
            b"a b"
        );
        assert!(decode_data_url("data:image/png;base64,aGVsbG8=", 2).is_err());
        assert!(decode_data_url("data:image/png;base64,!!!", 100).is_err());
    }
}
