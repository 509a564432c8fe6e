//! Process ownership of jobs: a lease is an exclusive OS file lock on `locks/<session>.lock`,
//! held for as long as the process has the library open. The OS releases it when the process
//! ends, however it ends (a crash, SIGKILL, a power cut), so "is the owner of this job alive?"
//! is one non-blocking lock attempt, with no clocks, heartbeats or PIDs to reuse.

use crate::{LibraryError, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// This process's lease; released and removed when dropped.
pub struct Lease {
    session: String,
    path: PathBuf,
    file: Option<File>,
}

impl Lease {
    /// Takes a new lease in the data directory `dir`.
    pub fn take(dir: &Path) -> Result<Self> {
        let locks = dir.join("locks");
        std::fs::create_dir_all(&locks).map_err(|e| LibraryError::io(&locks, e))?;
        let session = framecast_core::JobId::new().to_string();
        let path = locks.join(format!("{session}.lock"));
        let file = File::create(&path).map_err(|e| LibraryError::io(&path, e))?;
        file.try_lock().map_err(|e| match e {
            TryLockError::Error(e) => LibraryError::io(&path, e),
            TryLockError::WouldBlock => {
                LibraryError::io(&path, std::io::ErrorKind::WouldBlock.into())
            }
        })?;
        Ok(Self {
            session,
            path,
            file: Some(file),
        })
    }

    pub fn session(&self) -> &str {
        &self.session
    }

    /// Whether the process holding `owner`'s lease is still running. A lease found dead has its
    /// file removed.
    pub fn alive(&self, dir: &Path, owner: &str) -> bool {
        owner == self.session || Self::probe(dir, owner)
    }

    /// Whether some process holds `owner`'s lease.
    pub fn probe(dir: &Path, owner: &str) -> bool {
        if !is_session(owner) {
            return false;
        }
        let path = dir.join("locks").join(format!("{owner}.lock"));
        let Ok(file) = OpenOptions::new().read(true).write(true).open(&path) else {
            return false;
        };
        match file.try_lock() {
            Ok(()) => {
                drop(file);
                let _ = std::fs::remove_file(&path);
                false
            }
            Err(TryLockError::WouldBlock) => true,
            // Unsure: count it as alive rather than take a running job from its process.
            Err(TryLockError::Error(e)) => {
                tracing::warn!(%e, owner, "could not check a lease");
                true
            }
        }
    }
}

/// A session id names a file: only the characters of a UUID.
fn is_session(owner: &str) -> bool {
    !owner.is_empty()
        && owner.len() <= 64
        && owner.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

impl Drop for Lease {
    fn drop(&mut self) {
        drop(self.file.take());
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lease_is_alive_and_a_released_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let mine = Lease::take(dir.path()).unwrap();
        let other = Lease::take(dir.path()).unwrap();
        let id = other.session().to_owned();
        assert!(mine.alive(dir.path(), &id));
        assert!(mine.alive(dir.path(), mine.session()));
        // A process that died keeps its file but not its lock.
        let file = other.file.as_ref().unwrap().try_clone().unwrap();
        std::mem::forget(other);
        file.unlock().unwrap();
        assert!(!mine.alive(dir.path(), &id));
        assert!(!dir.path().join("locks").join(format!("{id}.lock")).exists());
        assert!(!mine.alive(dir.path(), "../../etc/passwd"));
        assert!(!mine.alive(dir.path(), "0000"));
    }
}
