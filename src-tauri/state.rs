//! The app's managed state: small, separate pieces, each behind its own lock, never held across
//! an await (clone what is needed out of the lock first). The library (`framecast_library`) is
//! managed beside them as an `Arc<Library>`; [`manage`] registers them all.

use crate::commands::jobs::Recovered;
use crate::gateways::Gateways;
use crate::media::Media;
use crate::notify::Shown;
use framecast_core::frames::{Advice, ModelAspect, PreparedFrame, advice};
use framecast_core::{Controls, Error, JobId};
use framecast_library::{Continuation, Library};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Registers the app's managed state, in one place for the app (`lib.rs`) and the shell's tests
/// alike. It takes over what a Framecast that stopped left unfinished; the window continues it
/// once it has listed the jobs (`commands::jobs::resume_downloads`).
pub fn manage<R: tauri::Runtime>(
    app: &impl tauri::Manager<R>,
    library: Arc<Library>,
    gateways: Gateways,
    media: Media,
    folders: Folders,
) {
    let recovered = library.recover().unwrap_or_else(|e| {
        tracing::error!(%e, "recovery failed");
        Vec::new()
    });
    app.manage(folders);
    app.manage(Arc::new(gateways));
    app.manage(library);
    app.manage(Recovered::new(recovered));
    app.manage(Arc::new(media));
    app.manage(Arc::new(Jobs::default()));
    app.manage(Arc::new(Shown::default()));
    app.manage(Frames::default());
    app.manage(Arc::new(crate::commands::batch::Batches::default()));
    app.manage(Arc::new(crate::commands::storyboard::Storyboards::default()));
    app.manage(References::default());
    app.manage(Arc::new(crate::commands::prompt::PromptCalls::default()));
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Where delivered videos are saved at once: `FRAMECAST_VIDEOS_DIR`, else the folder chosen in
/// Settings, else the OS's Videos folder's `Framecast` (see [`default_videos`]).
pub struct Folders {
    videos: Mutex<PathBuf>,
    /// `FRAMECAST_VIDEOS_DIR` is in force: Settings cannot change the folder.
    pub fixed: bool,
}

impl Folders {
    /// `FRAMECAST_VIDEOS_DIR`, else `chosen`, else `default`.
    pub fn new(chosen: Option<PathBuf>, default: PathBuf) -> Self {
        let env = std::env::var_os("FRAMECAST_VIDEOS_DIR")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        Self {
            fixed: env.is_some(),
            videos: Mutex::new(env.or(chosen).unwrap_or(default)),
        }
    }

    /// Where new videos go.
    pub fn videos(&self) -> PathBuf {
        lock(&self.videos).clone()
    }

    pub fn set_videos(&self, dir: PathBuf) {
        *lock(&self.videos) = dir;
    }
}

/// The OS's Videos folder's `Framecast`. Where the user-dirs file names no Videos folder (many
/// minimal Linux installs), `~/Videos/Framecast`, as the XDG default would be: never the hidden
/// data folder, where nobody looks.
pub fn default_videos(os_videos: Option<PathBuf>, home: Option<PathBuf>) -> Option<PathBuf> {
    os_videos
        .or_else(|| home.map(|h| h.join("Videos")))
        .map(|d| d.join("Framecast"))
}

/// What a running job is doing, for the question "may the app quit now?".
#[derive(Debug, Default)]
pub struct Activity {
    /// The generation stream is still open.
    pub generating: AtomicBool,
    /// Videos being downloaded.
    pub downloads: AtomicUsize,
}

/// What is still running: jobs generating, videos downloading.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Busy {
    pub generating: u32,
    pub downloading: u32,
}

impl Busy {
    pub fn idle(self) -> bool {
        self.generating == 0 && self.downloading == 0
    }
}

struct Running {
    controls: Controls,
    activity: Arc<Activity>,
}

/// The jobs this process is working on (generating, or finishing downloads), by id.
#[derive(Default)]
pub struct Jobs {
    running: Mutex<HashMap<JobId, Running>>,
    /// Set when the person chose to quit once everything has finished.
    quit_when_idle: AtomicBool,
    on_idle: Mutex<Option<Box<dyn Fn() + Send + Sync>>>,
}

impl Jobs {
    /// Registers a job; it stops counting as running when the guard drops.
    pub fn register(self: &Arc<Self>, id: JobId) -> (Controls, Arc<Activity>, JobGuard) {
        let controls = Controls::new();
        let activity = Arc::new(Activity::default());
        lock(&self.running).insert(
            id,
            Running {
                controls: controls.clone(),
                activity: activity.clone(),
            },
        );
        let guard = JobGuard {
            jobs: self.clone(),
            id,
        };
        (controls, activity, guard)
    }

    /// Stops a job's generation; false if no such job is running.
    pub fn cancel(&self, id: &JobId) -> bool {
        lock(&self.running)
            .get(id)
            .map(|r| r.controls.cancel())
            .is_some()
    }

    /// Stops a job's generation and its downloads.
    pub fn discard(&self, id: &JobId) {
        if let Some(r) = lock(&self.running).get(id) {
            r.controls.discard();
        }
    }

    /// Stops everything (generations and downloads), as quitting does.
    pub fn discard_all(&self) {
        for r in lock(&self.running).values() {
            r.controls.discard();
        }
    }

    /// What is still running.
    pub fn busy(&self) -> Busy {
        let running = lock(&self.running);
        let count = |f: &dyn Fn(&Activity) -> u32| running.values().map(|r| f(&r.activity)).sum();
        Busy {
            generating: count(&|a| u32::from(a.generating.load(Ordering::SeqCst))),
            downloading: count(&|a| u32::try_from(a.downloads.load(Ordering::SeqCst)).unwrap_or(0)),
        }
    }

    /// Calls `quit` as soon as nothing is running (at once if nothing is).
    pub fn quit_when_idle(&self, quit: impl Fn() + Send + Sync + 'static) {
        *lock(&self.on_idle) = Some(Box::new(quit));
        self.quit_when_idle.store(true, Ordering::SeqCst);
        self.check_idle();
    }

    /// The person changed their mind: stay open.
    pub fn stay(&self) {
        self.quit_when_idle.store(false, Ordering::SeqCst);
    }

    fn check_idle(&self) {
        if self.quit_when_idle.load(Ordering::SeqCst)
            && lock(&self.running).is_empty()
            && let Some(quit) = lock(&self.on_idle).as_ref()
        {
            quit();
        }
    }
}

/// Removes a job from [`Jobs`] when it ends, however it ends.
pub struct JobGuard {
    jobs: Arc<Jobs>,
    id: JobId,
}

impl Drop for JobGuard {
    fn drop(&mut self) {
        lock(&self.jobs.running).remove(&self.id);
        self.jobs.check_idle();
    }
}

/// The last plan the window was shown, under a token. A start names the token of the plan the
/// person saw, so a plan made since (a second click, another file) is never the one sent.
pub struct Planned<T>(Mutex<Option<(u32, T)>>);

impl<T> Default for Planned<T> {
    fn default() -> Self {
        Self(Mutex::new(None))
    }
}

impl<T> Planned<T> {
    /// Keeps `plan` in place of the last; its token.
    pub fn offer(&self, plan: T) -> u32 {
        let mut slot = lock(&self.0);
        let token = slot.as_ref().map_or(1, |(t, _)| t.wrapping_add(1));
        *slot = Some((token, plan));
        token
    }

    /// The plan shown under `token`, once; `None` if another has been shown since.
    pub fn take(&self, token: u32) -> Option<T> {
        match lock(&self.0).take() {
            Some((t, plan)) if t == token => Some(plan),
            _ => None,
        }
    }
}

/// The jobs a batch or a storyboard run started, each counted as running work (so a quit waits
/// for it) from its start to its end.
pub struct Started {
    jobs: Arc<Jobs>,
    guards: Mutex<HashMap<String, JobGuard>>,
}

impl Started {
    pub fn new(jobs: Arc<Jobs>) -> Self {
        Self {
            jobs,
            guards: Mutex::default(),
        }
    }

    /// The job was sent: it counts as generating until [`Started::ended`].
    pub fn sent(&self, job: &str) {
        if let Ok(id) = JobId::parse(job) {
            let (_, activity, guard) = self.jobs.register(id);
            activity.generating.store(true, Ordering::SeqCst);
            lock(&self.guards).insert(job.to_owned(), guard);
        }
    }

    pub fn ended(&self, job: &str) {
        lock(&self.guards).remove(job);
    }
}

/// The files the OS gave Rust: dropped on the window, or named on a command line (this
/// process's, or one a second `framecast` forwarded). They are the only paths the commands that
/// take a path from the web side accept (a frame, a reference image, a batch file), so a page
/// cannot name any other file on the disk.
#[derive(Default)]
pub struct Drops {
    paths: Mutex<Vec<PathBuf>>,
}

impl Drops {
    /// The most recent drops remembered.
    const KEEP: usize = 32;

    pub fn dropped(&self, paths: &[PathBuf]) {
        let mut kept = lock(&self.paths);
        kept.extend(paths.iter().cloned());
        let excess = kept.len().saturating_sub(Self::KEEP);
        kept.drain(..excess);
    }

    pub fn was_dropped(&self, path: &std::path::Path) -> bool {
        lock(&self.paths).iter().any(|p| p == path)
    }

    /// `path` from the web side, when the OS gave it to Rust; refused otherwise.
    pub fn given(&self, path: String) -> Result<PathBuf, Error> {
        let path = PathBuf::from(path);
        if self.was_dropped(&path) {
            Ok(path)
        } else {
            Err(Error::invalid_input(
                "only a file dropped on the window can be used this way",
                "只能使用拖入窗口的文件",
            ))
        }
    }
}

/// Images named on a command line that the window has not taken yet: this process's own
/// (`framecast IMAGE [IMAGE]`), or those a second `framecast` handed over. Every path is
/// registered in [`Drops`] before the window can learn of it.
#[derive(Default)]
pub struct Opened {
    pending: Mutex<Vec<PathBuf>>,
    /// The window will be told of the images soon (`commands::open::forwarded` gathers the
    /// launches that arrive together).
    pub telling: AtomicBool,
}

impl Opened {
    /// Offers `images` to the window, after any it has not taken yet
    /// ([`crate::launch::merge_opened`]).
    pub fn open(&self, drops: &Drops, images: Vec<PathBuf>) {
        if images.is_empty() {
            return;
        }
        drops.dropped(&images);
        let mut pending = lock(&self.pending);
        *pending = crate::launch::merge_opened(std::mem::take(&mut *pending), images);
    }

    /// The images not yet taken, start frame first; each is given out once.
    pub fn take(&self) -> Vec<PathBuf> {
        std::mem::take(&mut *lock(&self.pending))
    }
}

pub use framecast_library::Slot;

/// What a slot holds: the prepared frame, and the moment of a video it was taken from, if it was.
#[derive(Clone)]
pub struct Filled {
    pub frame: Arc<PreparedFrame>,
    pub from: Option<Continuation>,
}

/// The prepared start and end frames. Each slot has a ticket: a preparation that finishes after
/// a newer one started for the same slot is dropped, so the last drop wins.
#[derive(Default)]
pub struct Frames {
    slots: Mutex<[(u64, Option<Filled>); 2]>,
    /// The orientation the form has chosen: frames are prepared for it, and advised against it.
    aspect: Mutex<ModelAspect>,
}

impl Frames {
    /// The orientation the form has chosen.
    pub fn aspect(&self) -> ModelAspect {
        *lock(&self.aspect)
    }

    /// The form chose `aspect`; what the two frames should say about it.
    pub fn advise(&self, aspect: ModelAspect) -> Advice {
        *lock(&self.aspect) = aspect;
        let (start, end) = (self.filled(Slot::Start), self.filled(Slot::End));
        advice::advise(
            start.as_ref().map(|f| &f.frame.facts),
            end.as_ref().map(|f| &f.frame.facts),
            aspect,
        )
    }

    /// Starts a preparation for `slot`; pass the ticket to [`Frames::put`].
    pub fn ticket(&self, slot: Slot) -> u64 {
        let mut slots = lock(&self.slots);
        slots[slot.index()].0 += 1;
        slots[slot.index()].0
    }

    /// Stores a prepared frame (and the moment of a video it was taken from, if it was) unless a
    /// newer preparation began; says whether it was stored.
    pub fn put(
        &self,
        slot: Slot,
        ticket: u64,
        frame: Arc<PreparedFrame>,
        from: Option<Continuation>,
    ) -> bool {
        let mut slots = lock(&self.slots);
        let entry = &mut slots[slot.index()];
        if entry.0 != ticket {
            return false;
        }
        let from = from.map(|c| Continuation { slot, ..c });
        entry.1 = Some(Filled { frame, from });
        true
    }

    pub fn clear(&self, slot: Slot) {
        let mut slots = lock(&self.slots);
        slots[slot.index()].0 += 1;
        slots[slot.index()].1 = None;
    }

    pub fn swap(&self) {
        let mut slots = lock(&self.slots);
        slots[0].0 += 1;
        slots[1].0 += 1;
        let (a, b) = slots.split_at_mut(1);
        std::mem::swap(&mut a[0].1, &mut b[0].1);
        for (slot, entry) in [Slot::Start, Slot::End].into_iter().zip(slots.iter_mut()) {
            if let Some(from) = entry.1.as_mut().and_then(|f| f.from.as_mut()) {
                from.slot = slot;
            }
        }
    }

    /// The frame and where it came from.
    pub fn filled(&self, slot: Slot) -> Option<Filled> {
        lock(&self.slots)[slot.index()].1.clone()
    }

    /// What a job started now sends: the start frame, then the end frame, and where they were
    /// taken from. An end frame without a start frame is refused.
    pub fn to_send(&self) -> Result<(Vec<Arc<PreparedFrame>>, Vec<Continuation>), Error> {
        let filled = match (self.filled(Slot::Start), self.filled(Slot::End)) {
            (None, Some(_)) => {
                return Err(Error::invalid_input(
                    "an end frame needs a start frame",
                    "设置结束帧之前需要先设置开始帧",
                ));
            }
            (start, end) => start.into_iter().chain(end).collect::<Vec<_>>(),
        };
        let lineage = filled.iter().filter_map(|f| f.from.clone()).collect();
        Ok((filled.into_iter().map(|f| f.frame).collect(), lineage))
    }
}

/// The reference images the form holds (at most three, in order), prepared when they were
/// added: a character, an object, a product kept the same across shots.
#[derive(Default)]
pub struct References {
    images: Mutex<Vec<Arc<PreparedFrame>>>,
}

impl References {
    /// Adds `image` at the end, unless three are held already; says whether it was added.
    pub fn add(&self, image: Arc<PreparedFrame>) -> bool {
        let mut images = lock(&self.images);
        if images.len() >= framecast_core::options::MAX_REFERENCES {
            return false;
        }
        images.push(image);
        true
    }

    /// Replaces every image (a set chosen, a job reused).
    pub fn set(&self, images: Vec<Arc<PreparedFrame>>) {
        let mut held = lock(&self.images);
        *held = images;
        held.truncate(framecast_core::options::MAX_REFERENCES);
    }

    pub fn remove(&self, index: usize) {
        let mut images = lock(&self.images);
        if index < images.len() {
            images.remove(index);
        }
    }

    /// What a job started now sends.
    pub fn to_send(&self) -> Vec<Arc<PreparedFrame>> {
        lock(&self.images).clone()
    }
}
