//! Files only the user can read: the data folder and every folder in it 0700, the database, the
//! frames, the posters and the key files 0600 on Unix; on Windows, whose per-user profile folder
//! is already the user's, each file written here also gets an access list that is its owner's
//! alone (the Windows form of 0600, so the key file fallback means what the docs say).
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
    // Before anything is written: the new file inherited its folder's access list.
    #[cfg(windows)]
    owner_only(tmp).map_err(|e| LibraryError::io(tmp, e))?;
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

/// Windows: replaces `path`'s access list with one that grants its owner (the user who created
/// it) full access and no one else any, and no longer inherits its folder's entries — the
/// Windows form of mode 0600. "D:P(A;;FA;;;OW)" says exactly that in Windows' own notation:
/// a protected DACL (P) with one entry allowing (A) all file access (FA) to the Owner Rights
/// SID (OW).
#[cfg(windows)]
#[allow(unsafe_code)]
fn owner_only(path: &Path) -> std::io::Result<()> {
    use std::os::windows::ffi::OsStrExt;
    use windows_sys::Win32::Foundation::LocalFree;
    use windows_sys::Win32::Security::Authorization::{
        ConvertStringSecurityDescriptorToSecurityDescriptorW, SDDL_REVISION_1, SE_FILE_OBJECT,
        SetNamedSecurityInfoW,
    };
    use windows_sys::Win32::Security::{
        ACL, DACL_SECURITY_INFORMATION, GetSecurityDescriptorDacl,
        PROTECTED_DACL_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR,
    };
    let sddl: Vec<u16> = "D:P(A;;FA;;;OW)".encode_utf16().chain([0]).collect();
    let wide_path: Vec<u16> = path.as_os_str().encode_wide().chain([0]).collect();
    let mut descriptor: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
    // SAFETY: `sddl` is NUL-terminated UTF-16 and outlives the call; `descriptor` receives a
    // buffer Windows allocates, freed below with LocalFree; the size pointer may be null.
    let parsed = unsafe {
        ConvertStringSecurityDescriptorToSecurityDescriptorW(
            sddl.as_ptr(),
            SDDL_REVISION_1,
            &mut descriptor,
            std::ptr::null_mut(),
        )
    };
    if parsed == 0 {
        return Err(std::io::Error::last_os_error());
    }
    let (mut present, mut defaulted) = (0, 0);
    let mut dacl: *mut ACL = std::ptr::null_mut();
    // SAFETY: `descriptor` is the valid descriptor parsed above, and `dacl` points into it, which
    // stays allocated until LocalFree; `wide_path` is NUL-terminated UTF-16; the owner, group
    // and SACL pointers may be null when their information flags are not passed.
    let result = unsafe {
        if GetSecurityDescriptorDacl(descriptor, &mut present, &mut dacl, &mut defaulted) == 0 {
            Err(std::io::Error::last_os_error())
        } else {
            match SetNamedSecurityInfoW(
                wide_path.as_ptr(),
                SE_FILE_OBJECT,
                DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                dacl,
                std::ptr::null(),
            ) {
                0 => Ok(()),
                code => Err(std::io::Error::from_raw_os_error(code as i32)),
            }
        }
    };
    // SAFETY: `descriptor` was allocated by ConvertStringSecurityDescriptorToSecurityDescriptorW
    // and is not used after this.
    unsafe { LocalFree(descriptor) };
    result
}
