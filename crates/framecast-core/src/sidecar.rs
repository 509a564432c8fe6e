//! The JSON note saved beside each video: what made it, where it came from, when.
//!
//! It lets a person (or a later Framecast) know a file's prompt, model and frames without a
//! database, and it keeps the source URL, so a video can be fetched again while its link lives.

use crate::download::write_error;
use crate::error::Result;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The record for one saved video.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sidecar {
    pub prompt: String,
    pub model: String,
    pub n: u8,
    pub index: u8,
    /// SHA-256 of the frames as sent, start frame first.
    pub frames_sha256: Vec<String>,
    pub gateway_host: String,
    pub source_url: String,
    /// When the request was sent, delivered (the URL arrived) and saved, RFC 3339.
    pub requested_at: String,
    pub delivered_at: String,
    pub saved_at: String,
    pub bytes: u64,
    pub file: String,
    pub app: String,
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
