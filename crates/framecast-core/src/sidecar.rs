//! The JSON note saved beside each video: what made it, where it came from, when.
//!
//! It lets a person (or a later Framecast) know a file's prompt, model and frames without the
//! library, and it keeps the source URL, so a video can be fetched again while its link lives. It
//! is written when the video is saved, and again beside every copy made with Save….

use crate::download::write_error;
use crate::error::Result;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where a video came from: known from the moment its URL arrives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoOrigin {
    pub job_id: String,
    pub prompt: String,
    pub model: String,
    pub n: u8,
    pub index: u8,
    /// SHA-256 of the frames as sent, start frame first.
    pub frames_sha256: Vec<String>,
    /// SHA-256 of the reference images as sent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references_sha256: Vec<String>,
    /// The options asked for (duration, resolution, …); empty when none were.
    #[serde(
        default,
        skip_serializing_if = "crate::options::VideoOptions::is_empty"
    )]
    pub options: crate::options::VideoOptions,
    pub gateway_host: String,
    pub source_url: String,
    /// When the request was sent and the video delivered (its URL arrived), RFC 3339.
    pub requested_at: String,
    pub delivered_at: String,
}

/// The record for one saved video.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sidecar {
    #[serde(flatten)]
    pub origin: VideoOrigin,
    /// When the file was saved, RFC 3339.
    pub saved_at: String,
    pub bytes: u64,
    pub file: String,
    pub app: String,
}

impl Sidecar {
    /// The note for `origin` saved as `file` (`bytes` long) at `saved_at`.
    pub fn new(origin: VideoOrigin, file: &Path, bytes: u64, saved_at: String) -> Self {
        Self {
            origin,
            saved_at,
            bytes,
            file: file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            app: concat!("Framecast ", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// `name.json` beside `name.mp4`.
pub fn sidecar_path(video: &Path) -> PathBuf {
    video.with_extension("json")
}

/// Writes the sidecar for `video` atomically (temporary file, then rename).
pub async fn write(video: &Path, record: &Sidecar) -> Result<PathBuf> {
    let path = sidecar_path(video);
    let tmp = path.with_extension("json.part");
    let json = serde_json::to_vec_pretty(record).unwrap_or_default();
    tokio::fs::write(&tmp, json)
        .await
        .map_err(|e| write_error(&e, &tmp))?;
    tokio::fs::rename(&tmp, &path)
        .await
        .map_err(|e| write_error(&e, &path))?;
    Ok(path)
}

/// Reads the sidecar beside `video`, if there is a readable one.
pub async fn read(video: &Path) -> Option<Sidecar> {
    let bytes = tokio::fs::read(sidecar_path(video)).await.ok()?;
    serde_json::from_slice(&bytes).ok()
}
