//! How the joiner and the exporters name a clip in a message, in English and Chinese: its place
//! in the sequence and its file name ("clip 3 (beach.mp4)", "第 3 个片段（beach.mp4）").

use framecast_core::Error;
use std::path::Path;

/// A clip as messages name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clip {
    /// From 1.
    pub index: usize,
    pub file_name: String,
}

impl Clip {
    pub fn new(index: usize, path: &Path) -> Self {
        let file_name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Self { index, file_name }
    }

    pub fn en(&self) -> String {
        format!("clip {} ({})", self.index, self.file_name)
    }

    pub fn zh(&self) -> String {
        format!("第 {} 个片段（{}）", self.index, self.file_name)
    }
}

/// Why a clip is refused, without the clip's name: "is not an MP4 file".
#[derive(Debug, Clone)]
pub struct Refusal {
    en: String,
    zh: String,
}

impl Refusal {
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> Self {
        Self {
            en: en.into(),
            zh: zh.into(),
        }
    }

    pub fn unreadable(e: &std::io::Error) -> Self {
        Self::new(format!("cannot be read: {e}"), format!("无法读取：{e}"))
    }

    /// The refusal as an invalid-input error naming `clip`.
    pub fn about(self, clip: &Clip) -> Error {
        Error::invalid_input(
            format!("{} {}", clip.en(), self.en),
            format!("{}{}", clip.zh(), self.zh),
        )
    }
}
