//! Files only the user can read: the data folder and every folder in it 0700, the database, the
//! frames, the posters and the key files 0600 (on Unix; on Windows the per-user profile folder
//! the data lives in is already private to the user).
//!
//! Prompts, frames and gateway links are a person's work, and the key file is a key: another
//! account on the same machine should see none of it.

use crate::{LibraryError, Result};
use std::io::Write;
use std::path::Path;

/// Creates `dir` (and its parents) if needed, and makes it the user's alone.
pub(crate) fn dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| LibraryError::io(dir, e))?;
    restrict(dir, 0o700);
    Ok(())
}

/// Makes an existing file the user's alone (the database, which SQLite creates).
pub(crate) fn file(path: &Path) {
    if path.exists() {
        restrict(path, 0o600);
    }
}

/// Writes `bytes` to `path` through a new temporary file `tmp`, readable by the user only from
/// its first byte, then renamed into place so a half-written file is never read. A leftover
/// `tmp` is removed first, so the file never keeps another file's mode.
pub(crate) fn write(path: &Path, tmp: &Path, bytes: &[u8], sync: bool) -> Result<()> {
    let _ = std::fs::remove_file(tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut out = options.open(tmp).map_err(|e| LibraryError::io(tmp, e))?;
    out.write_all(bytes)
        .and_then(|()| if sync { out.sync_all() } else { Ok(()) })
        .map_err(|e| LibraryError::io(tmp, e))?;
    std::fs::rename(tmp, path).map_err(|e| LibraryError::io(path, e))
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
        tracing::warn!(%e, path = %path.display(), "could not make a library file private");
    }
}

#[cfg(not(unix))]
fn restrict(_: &Path, _: u32) {}
