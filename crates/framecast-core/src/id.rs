//! The job id: minted once, when a person (or a script) asks for a job, and then used everywhere
//! — the library's row, file names, sidecars, events and the UI's card.
//!
//! It is a UUIDv7, so ids sort by the time they were minted and carry that time. The desktop UI
//! mints it (a double click then sends the same id twice, and the second start is refused); the
//! CLI mints its own.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::{Uuid, Version};

use crate::error::{Error, Result};
use crate::text::shorten;

/// A job's id: a UUIDv7 in its canonical lowercase form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct JobId(Uuid);

impl JobId {
    /// A new id for a job starting now.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    /// Reads an id minted elsewhere; only a UUIDv7 is accepted.
    pub fn parse(text: &str) -> Result<Self> {
        Uuid::parse_str(text.trim())
            .ok()
            .filter(|u| u.get_version() == Some(Version::SortRand))
            .map(Self)
            .ok_or_else(|| {
                Error::invalid_input(
                    format!("“{}” is not a job id", shorten(text, 48)),
                    format!("“{}”不是有效的任务 ID", shorten(text, 48)),
                )
            })
    }

    /// Eight hex digits from the id's random part: enough to tell apart jobs started in the same
    /// second with the same prompt, short enough for a file name.
    pub fn short(&self) -> String {
        let hex = self.0.simple().to_string();
        hex[hex.len() - 8..].to_owned()
    }

    /// When the id was minted.
    pub fn minted_at(&self) -> DateTime<Utc> {
        let ms = self
            .0
            .get_timestamp()
            .map(|t| {
                let (secs, nanos) = t.to_unix();
                secs * 1000 + u64::from(nanos / 1_000_000)
            })
            .unwrap_or(0);
        DateTime::from_timestamp_millis(i64::try_from(ms).unwrap_or(0)).unwrap_or_default()
    }

    /// The id of take `index` of this job: `<job id>-<index>`.
    pub fn video(&self, index: u8) -> String {
        video_id(&self.to_string(), index)
    }
}

/// The id of take `index` of the job `job`: `<job id>-<index>`, the one place this form is made
/// ([`parse_video_id`] reads it).
pub fn video_id(job: &str, index: u8) -> String {
    format!("{job}-{index}")
}

/// Splits a video id (`<job id>-<index>`) into its job and take.
pub fn parse_video_id(text: &str) -> Result<(JobId, u8)> {
    let bad = || {
        Error::invalid_input(
            format!("“{}” is not a video id", shorten(text, 48)),
            format!("“{}”不是有效的视频 ID", shorten(text, 48)),
        )
    };
    let (job, index) = text.rsplit_once('-').ok_or_else(bad)?;
    let index = index
        .parse::<u8>()
        .ok()
        .filter(|i| *i >= 1)
        .ok_or_else(bad)?;
    Ok((JobId::parse(job).map_err(|_| bad())?, index))
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl TryFrom<String> for JobId {
    type Error = Error;

    fn try_from(value: String) -> Result<Self> {
        Self::parse(&value)
    }
}

impl From<JobId> for String {
    fn from(id: JobId) -> Self {
        id.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_v7_sort_by_time_and_round_trip() {
        let a = JobId::new();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = JobId::new();
        assert!(a < b && a.to_string() < b.to_string());
        assert_eq!(JobId::parse(&a.to_string()).unwrap(), a);
        let age = Utc::now() - a.minted_at();
        assert!(age.num_seconds().abs() < 5, "{age}");
        assert_eq!(a.short().len(), 8);
        assert!(a.to_string().ends_with(&a.short()));
    }

    #[test]
    fn only_v7_ids_are_accepted() {
        for bad in [
            "",
            "local-1",
            "8c2a3b9e-61d4-4c8f-9d0a-2b7f1e5c3a10",
            "0193a4b2-7c1e-7def-8abc-1234567890a",
        ] {
            assert!(JobId::parse(bad).is_err(), "{bad}");
        }
        assert!(JobId::parse("0193a4b2-7c1e-7def-8abc-1234567890ab").is_ok());
    }

    #[test]
    fn video_ids_name_a_job_and_a_take() {
        let job = JobId::new();
        assert_eq!(parse_video_id(&job.video(3)).unwrap(), (job, 3));
        for bad in ["x-1", &format!("{job}-0"), &format!("{job}-a"), "1"] {
            assert!(parse_video_id(bad).is_err(), "{bad}");
        }
    }
}
