//! The app's managed state: small, separate pieces, each behind its own lock, never held across
//! an await (clone what is needed out of the lock first).

use framecast_core::frames::PreparedFrame;
use framecast_core::{AuthScheme, CancellationToken, Credentials, DownloadPolicy, Downloader};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

/// Locks a mutex, recovering the data if a panicking thread poisoned it.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Where to send requests and with which key; read once at start-up.
pub struct Settings {
    pub base_url: String,
    pub credentials: Option<Credentials>,
    /// Where every delivered video is saved at once.
    pub library_dir: PathBuf,
    /// True when the gateway is the bundled offline demo.
    pub demo: bool,
}

impl Settings {
    /// From `FRAMECAST_BASE_URL`, `FRAMECAST_API_KEY` (and `FRAMECAST_AUTH=bearer`),
    /// `FRAMECAST_LIBRARY_DIR` and `FRAMECAST_DEMO`.
    pub fn from_env(default_library: PathBuf) -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let scheme = match var("FRAMECAST_AUTH").as_deref() {
            Some("bearer") => AuthScheme::Bearer,
            _ => AuthScheme::Bare,
        };
        Self {
            base_url: var("FRAMECAST_BASE_URL")
                .unwrap_or_else(|| framecast_core::request::DEFAULT_BASE_URL.to_owned()),
            credentials: var("FRAMECAST_API_KEY").map(|k| Credentials::new(k, scheme)),
            library_dir: var("FRAMECAST_LIBRARY_DIR").map_or(default_library, PathBuf::from),
            demo: var("FRAMECAST_DEMO").is_some(),
        }
    }
}

/// The shared video downloader (one connection pool for all jobs).
pub struct Downloads(pub Downloader);

impl Downloads {
    pub fn new() -> Result<Self, framecast_core::Error> {
        Downloader::new(DownloadPolicy::default()).map(Self)
    }
}

/// A job's start and end frames, as sent.
pub type JobFrames = (Option<Arc<PreparedFrame>>, Option<Arc<PreparedFrame>>);

/// Running jobs with their cancel tokens, and every job's frames (for "Try again").
#[derive(Default)]
pub struct Jobs {
    running: Mutex<HashMap<String, CancellationToken>>,
    frames: Mutex<HashMap<String, JobFrames>>,
}

impl Jobs {
    /// Registers a job; it stops counting as running when the guard drops.
    pub fn register(
        self: &Arc<Self>,
        id: &str,
        frames: JobFrames,
    ) -> (CancellationToken, JobGuard) {
        let token = CancellationToken::new();
        lock(&self.running).insert(id.to_owned(), token.clone());
        lock(&self.frames).insert(id.to_owned(), frames);
        let guard = JobGuard {
            jobs: self.clone(),
            id: id.to_owned(),
        };
        (token, guard)
    }

    /// Cancels a job; false if no such job is running.
    pub fn cancel(&self, id: &str) -> bool {
        match lock(&self.running).get(id) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    /// The frames job `id` sent.
    pub fn frames_of(&self, id: &str) -> Option<JobFrames> {
        lock(&self.frames).get(id).cloned()
    }
}

/// Removes a job from [`Jobs`] when it ends, however it ends.
pub struct JobGuard {
    jobs: Arc<Jobs>,
    id: String,
}

impl Drop for JobGuard {
    fn drop(&mut self) {
        lock(&self.jobs.running).remove(&self.id);
    }
}

/// Which frame slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Slot {
    Start,
    End,
}

impl Slot {
    fn at(self) -> usize {
        match self {
            Self::Start => 0,
            Self::End => 1,
        }
    }
}

/// The prepared start and end frames. Each slot has a ticket: a preparation that finishes after
/// a newer one started for the same slot is dropped, so the last drop wins.
#[derive(Default)]
pub struct Frames {
    slots: Mutex<[(u64, Option<Arc<PreparedFrame>>); 2]>,
}

impl Frames {
    /// Starts a preparation for `slot`; pass the ticket to [`Frames::put`].
    pub fn ticket(&self, slot: Slot) -> u64 {
        let mut slots = lock(&self.slots);
        slots[slot.at()].0 += 1;
        slots[slot.at()].0
    }

    /// Stores a prepared frame unless a newer preparation began; says whether it was stored.
    pub fn put(&self, slot: Slot, ticket: u64, frame: Arc<PreparedFrame>) -> bool {
        let mut slots = lock(&self.slots);
        let entry = &mut slots[slot.at()];
        if entry.0 != ticket {
            return false;
        }
        entry.1 = Some(frame);
        true
    }

    pub fn clear(&self, slot: Slot) {
        let mut slots = lock(&self.slots);
        slots[slot.at()].0 += 1;
        slots[slot.at()].1 = None;
    }

    pub fn swap(&self) {
        let mut slots = lock(&self.slots);
        slots[0].0 += 1;
        slots[1].0 += 1;
        let (a, b) = slots.split_at_mut(1);
        std::mem::swap(&mut a[0].1, &mut b[0].1);
    }

    pub fn get(&self, slot: Slot) -> Option<Arc<PreparedFrame>> {
        lock(&self.slots)[slot.at()].1.clone()
    }
}

/// A delivered video the UI may ask to save, reveal or copy.
#[derive(Debug, Clone)]
pub struct VideoRecord {
    pub url: String,
    pub path: Option<PathBuf>,
}

/// Delivered videos by id (`<job>-<index>`), so the web side names videos, never paths.
#[derive(Default)]
pub struct Videos {
    map: Mutex<HashMap<String, VideoRecord>>,
}

impl Videos {
    pub fn id(job: &str, index: u8) -> String {
        format!("{job}-{index}")
    }

    pub fn delivered(&self, id: String, url: String) {
        lock(&self.map).insert(id, VideoRecord { url, path: None });
    }

    pub fn saved(&self, id: &str, path: PathBuf) {
        if let Some(v) = lock(&self.map).get_mut(id) {
            v.path = Some(path);
        }
    }

    pub fn get(&self, id: &str) -> Option<VideoRecord> {
        lock(&self.map).get(id).cloned()
    }
}
