//! Framecast's library: every job and every paid video, in SQLite, kept across crashes, quits
//! and cancels, and shared by the desktop app and any number of CLI processes.
//!
//! The rule is write-ahead: the database is told first, then the network or the person. A job's
//! row is committed before its request is sent ([`Library::begin_job`]); a video's URL is
//! committed the moment the classifier yields it, before the UI or the CLI shows it
//! ([`Recorder`]); downloads, their progress and their final paths are row updates.
//!
//! Ownership: every process that opens the library holds a lease, an OS file lock on
//! `locks/<session>.lock` in the data directory, and the jobs it works on name it as their
//! `owner`. The OS drops the lock when the process dies however it dies, so [`Library::recover`]
//! can tell a job that is still running elsewhere from one whose process is gone, take the
//! latter over (a compare-and-set on `owner`), mark it interrupted and continue its downloads.
//! A generation request is never re-sent.
//!
//! The pieces: [`location`] (where the library lives), [`migrate`] (the schema's versions),
//! [`lease`] (process ownership), [`frames`] (frames stored by content), [`jobs`] and [`videos`]
//! (rows and queries), [`recorder`] (events to rows), [`recovery`] (what a dead process left),
//! [`tasks`] (the polled routes' tasks), [`references`] (reference images and their named
//! sets), [`profiles`] (gateways), [`prompt_calls`] (prompt help's calls to text models, for the
//! ledger), [`settings`] (small named
//! settings) and [`keys`] (API keys and proxy passwords, out of the database); for
//! the library view, [`browse`] (filtered pages of jobs), [`posters`] (a still per video),
//! [`lineage`] (which moment of which video a job continued from) and [`spend`] (what was
//! delivered and what it cost); for batch runs, [`batches`] (a queue of rows, each sent once);
//! for storyboards, [`storyboards`] (ordered shots, their takes and the one chosen for each).

pub mod batches;
pub mod browse;
pub mod error;
pub mod frames;
pub mod jobs;
pub mod keys;
pub mod lease;
pub mod lineage;
pub mod location;
pub mod migrate;
pub mod posters;
mod private;
pub mod profiles;
pub mod prompt_calls;
pub mod recorder;
pub mod recovery;
pub mod references;
pub mod settings;
pub mod spend;
pub mod storyboards;
pub mod tasks;
pub mod videos;

pub use batches::{BatchRecord, BatchRow, BatchState, NewBatch, RowState};
pub use browse::{LibraryFilter, LibraryItem, LibraryPage, ModelCount, Order, Outcome, Take};
pub use error::{LibraryError, Result};
pub use framecast_core::JobState;
pub use jobs::{JobRecord, NewJob, Origin};
pub use keys::{KeyStore, KeyStoreStatus, Keys};
pub use lineage::{Continuation, Slot, VideoMoment};
pub use profiles::{Profile, ProfileDraft};
pub use prompt_calls::PromptCall;
pub use recorder::Recorder;
pub use recovery::{PendingDownload, Recovered};
pub use references::ReferenceSet;
pub use spend::{LedgerEntry, Period, SpendKind, SpendReport, SpendRow};
pub use storyboards::{Place, ShotDraft, ShotJob, ShotRecord, ShotTake, Storyboard};
pub use videos::{Discard, VideoRecord, VideoState};

use lease::Lease;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a write waits for another process's write to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(15);

/// The database file, inside the data directory.
pub const DATABASE: &str = "library.sqlite3";

/// An open library: one connection, and this process's lease.
pub struct Library {
    conn: Mutex<Connection>,
    dir: PathBuf,
    session: String,
    /// `None` once released: this process no longer owns its jobs.
    lease: Mutex<Option<Lease>>,
}

impl std::fmt::Debug for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Library")
            .field("dir", &self.dir)
            .field("session", &self.session)
            .finish()
    }
}

impl Library {
    /// Opens the library at [`location::data_dir`] (`FRAMECAST_DATA_DIR` or the OS's).
    pub fn open_default() -> Result<Self> {
        Self::open(&location::data_dir()?)
    }

    /// Opens (creating and migrating as needed) the library in `dir`.
    pub fn open(dir: &Path) -> Result<Self> {
        private::dir(dir)?;
        let lease = Lease::take(dir)?;
        let database = dir.join(DATABASE);
        let mut conn = Connection::open(&database)?;
        prepare(&mut conn)?;
        for file in ["", "-wal", "-shm"] {
            private::file(&PathBuf::from(format!("{}{file}", database.display())));
        }
        Ok(Self {
            conn: Mutex::new(conn),
            dir: dir.to_owned(),
            session: lease.session().to_owned(),
            lease: Mutex::new(Some(lease)),
        })
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// This process's lease id: the `owner` of the jobs it works on.
    pub fn session(&self) -> &str {
        &self.session
    }

    /// Gives up this process's ownership of its jobs, as its end would: whatever it leaves
    /// unfinished is for the next process to recover. For a quit that carries downloads over
    /// while the process may take a moment to end.
    pub fn release(&self) {
        self.lease
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
    }

    /// Whether the process with lease `owner` still runs (this one, until it releases).
    pub(crate) fn owner_alive(&self, owner: &str) -> bool {
        let lease = self
            .lease
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match lease.as_ref() {
            Some(mine) => mine.alive(&self.dir, owner),
            None => owner != self.session && Lease::probe(&self.dir, owner),
        }
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `write` committed with `synchronous = NORMAL`: a crash of the process keeps it, a
    /// power cut may lose it until the next full commit (which makes everything before it
    /// durable too). For what is only shown while a job runs — its phase, the gateway's words,
    /// progress, bytes downloaded — so a job costs the disk a flush only for what must survive:
    /// the job before its request, its task ids, its links, its saved files and its end.
    pub(crate) fn shown<T>(
        &self,
        write: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let conn = self.conn();
        conn.execute_batch("PRAGMA synchronous = NORMAL")?;
        let written = write(&conn);
        conn.execute_batch("PRAGMA synchronous = FULL")?;
        Ok(written?)
    }

    /// `PRAGMA integrity_check`: `ok`, or what is wrong.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}

/// Configures and migrates a new connection. When several processes open a brand-new library at
/// once, one may switch it to WAL while another still reads it in rollback mode; SQLite then
/// answers "database is locked" at once instead of waiting (waiting could deadlock), so that
/// answer is tried again, for as long as the busy timeout.
fn prepare(conn: &mut Connection) -> Result<()> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    loop {
        match configure(conn).and_then(|()| migrate::migrate(conn)) {
            Err(e) if e.busy() && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            done => return done,
        }
    }
}

/// WAL, so readers never wait for the writer and several processes share the file; a busy
/// timeout, so writers wait for each other instead of failing; `synchronous = FULL`, so a
/// committed URL survives a power cut, not only a crash; and foreign keys.
fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))?;
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
    Ok(())
}

/// Now, in Unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
