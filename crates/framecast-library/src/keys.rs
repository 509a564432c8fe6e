//! API keys, kept out of the database: in the OS's credential store (macOS Keychain, Windows
//! Credential Manager, the Secret Service on Linux, through the `keyring` crate), or — where no
//! store works, as on a headless Linux without a Secret Service or with a locked keyring — in a
//! file only the user can read (`keys/profile-<id>.key`: mode 0600 on Unix, on Windows an access
//! list that names only the file's owner), which Settings labels as such.
//!
//! A store that silently does not persist is caught by a probe: a random value written, read back
//! and deleted, once per process, off the first paint (it may wait on D-Bus). Keys are handed out
//! as `SecretString`s and never logged. `FRAMECAST_KEYCHAIN=off` skips the OS store (tests,
//! portable installs).

use crate::{LibraryError, Result};
use framecast_core::{Lang, Text};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The OS store's service name for Framecast's entries.
const SERVICE: &str = "Framecast";

/// Where a profile's key is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum KeyStore {
    /// The OS's credential store.
    Keychain,
    /// A file only the user can read.
    File,
}

impl KeyStore {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keychain => "keychain",
            Self::File => "file",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "keychain" => Some(Self::Keychain),
            "file" => Some(Self::File),
            _ => None,
        }
    }
}

/// Whether the OS's credential store works here, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct KeyStoreStatus {
    pub keychain: bool,
    /// Why the OS store is not used.
    pub reason: Option<String>,
    /// The same in Chinese.
    pub reason_zh: Option<String>,
}

impl KeyStoreStatus {
    /// Why the OS store is not used, in `lang` (empty when it is used).
    pub fn why(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => self.reason.as_deref(),
            Lang::Zh => self.reason_zh.as_deref(),
        }
        .unwrap_or_default()
    }

    fn unavailable(why: Text) -> Self {
        Self {
            keychain: false,
            reason: Some(why.en),
            reason_zh: Some(why.zh),
        }
    }
}

/// The keys of one library's profiles.
pub struct Keys {
    dir: PathBuf,
    /// Names entries apart from those of other libraries (a test's, a portable install's).
    account_prefix: String,
    probed: OnceLock<KeyStoreStatus>,
}

impl Keys {
    /// The keys of the library in `data_dir`.
    pub fn new(data_dir: &Path) -> Self {
        let mut hash = 0xcbf2_9ce4_8422_2325_u64;
        for b in data_dir.to_string_lossy().bytes() {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Self {
            dir: data_dir.join("keys"),
            account_prefix: format!("library-{:08x}", hash as u32),
            probed: OnceLock::new(),
        }
    }

    /// The keys of the library in `data_dir`, kept only in files (where the OS store must not be
    /// touched: tests, portable installs).
    pub fn file_only(data_dir: &Path, why: Text) -> Self {
        let keys = Self::new(data_dir);
        let _ = keys.probed.set(KeyStoreStatus::unavailable(why));
        keys
    }

    /// Whether the OS store works: probed once (write, read back, delete).
    pub fn status(&self) -> &KeyStoreStatus {
        self.probed.get_or_init(|| match self.probe() {
            Ok(()) => KeyStoreStatus {
                keychain: true,
                reason: None,
                reason_zh: None,
            },
            Err(why) => {
                tracing::info!(reason = %why.en, "the OS credential store is not used");
                KeyStoreStatus::unavailable(why)
            }
        })
    }

    /// Why the OS store does not work, in both languages (the store's own words stay as it said
    /// them).
    fn probe(&self) -> Result<(), Text> {
        if std::env::var("FRAMECAST_KEYCHAIN").is_ok_and(|v| v == "off" || v == "0") {
            return Err(Text::new(
                "turned off by FRAMECAST_KEYCHAIN",
                "已由 FRAMECAST_KEYCHAIN 关闭",
            ));
        }
        let refused = |e: keyring::Error| {
            Text::new(
                format!("the credential store refused to keep a value: {e}"),
                format!("凭据存储拒绝保存：{e}"),
            )
        };
        let entry = keyring::Entry::new(SERVICE, &format!("{}/probe", self.account_prefix))
            .map_err(refused)?;
        let value = framecast_core::JobId::new().to_string();
        entry.set_password(&value).map_err(refused)?;
        let back = entry.get_password();
        let _ = entry.delete_credential();
        match back {
            Ok(v) if v == value => Ok(()),
            Ok(_) => Err(Text::new(
                "the credential store gave back something else than was stored",
                "凭据存储取回的值与存入的不同",
            )),
            Err(e) => Err(Text::new(
                format!("the credential store did not keep a value: {e}"),
                format!("凭据存储没有保存该值：{e}"),
            )),
        }
    }

    fn entry(&self, profile: i64) -> Result<keyring::Entry> {
        keyring::Entry::new(
            SERVICE,
            &format!("{}/profile-{profile}", self.account_prefix),
        )
        .map_err(|e| LibraryError::Keys(e.to_string()))
    }

    fn file(&self, profile: i64) -> PathBuf {
        self.dir.join(format!("profile-{profile}.key"))
    }

    /// Stores `key` for `profile` in the best store that works; returns which.
    pub fn save(&self, profile: i64, key: &SecretString) -> Result<KeyStore> {
        let key = key.expose_secret().trim();
        if self.status().keychain {
            match self.entry(profile).and_then(|e| {
                e.set_password(key)
                    .map_err(|e| LibraryError::Keys(e.to_string()))
            }) {
                Ok(()) => {
                    let _ = std::fs::remove_file(self.file(profile));
                    return Ok(KeyStore::Keychain);
                }
                Err(e) => {
                    tracing::warn!(%e, "the OS credential store refused a key; using the file")
                }
            }
        }
        write_private(&self.dir, &self.file(profile), key.as_bytes())?;
        Ok(KeyStore::File)
    }

    /// The key of `profile`, from where it was stored.
    pub fn load(&self, profile: i64, store: KeyStore) -> Result<Option<SecretString>> {
        match store {
            KeyStore::Keychain => match self.entry(profile)?.get_password() {
                Ok(k) => Ok(Some(SecretString::from(k))),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(LibraryError::Keys(e.to_string())),
            },
            KeyStore::File => match std::fs::read_to_string(self.file(profile)) {
                Ok(k) => Ok(Some(SecretString::from(k.trim().to_owned()))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(LibraryError::io(&self.file(profile), e)),
            },
        }
    }

    /// Forgets the key of `profile`, wherever it is.
    pub fn delete(&self, profile: i64) {
        if self.status().keychain
            && let Ok(entry) = self.entry(profile)
        {
            let _ = entry.delete_credential();
        }
        let _ = std::fs::remove_file(self.file(profile));
    }
}

/// The last four characters of a key, to show it is set without showing it.
pub fn hint(key: &SecretString) -> String {
    let key = key.expose_secret().trim();
    let tail: String = key
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if key.chars().count() > 8 {
        tail
    } else {
        String::new()
    }
}

/// Writes `bytes` to `path` so that only the user can read it: on Unix the folder 0700 and the
/// file 0600, on Windows the file's access list the owner's alone ([`owner_only`]); through a
/// temporary file so a half-written key is never read (a rename keeps the file's access list).
fn write_private(dir: &Path, path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(dir).map_err(|e| LibraryError::io(dir, e))?;
    let tmp = path.with_extension("key.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    let mut file = options.open(&tmp).map_err(|e| LibraryError::io(&tmp, e))?;
    // Before the key is written: the new file inherited its folder's access list.
    #[cfg(windows)]
    owner_only(&tmp).map_err(|e| LibraryError::io(&tmp, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| LibraryError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| LibraryError::io(path, e))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_show_only_the_end_of_a_long_key() {
        assert_eq!(hint(&SecretString::from("sk-abcdefgh1234")), "1234");
        assert_eq!(hint(&SecretString::from("short")), "");
    }

    #[cfg(unix)]
    #[test]
    fn the_file_store_is_readable_only_by_the_user() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let keys = Keys::file_only(dir.path(), Text::same("test"));
        let store = keys
            .save(7, &SecretString::from("sk-file-store-9876"))
            .unwrap();
        assert_eq!(store, KeyStore::File);
        let file = dir.path().join("keys/profile-7.key");
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            std::fs::metadata(dir.path().join("keys"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o700
        );
        let back = keys.load(7, KeyStore::File).unwrap().unwrap();
        assert_eq!(back.expose_secret(), "sk-file-store-9876");
        keys.delete(7);
        assert!(keys.load(7, KeyStore::File).unwrap().is_none());
    }

    /// Windows: the owner-only access list still lets its owner write, read back, replace and
    /// remove the key (that no one else can read it needs a second account to show).
    #[cfg(windows)]
    #[test]
    fn the_file_store_keeps_a_key_its_owner_can_read_replace_and_remove() {
        let dir = tempfile::tempdir().unwrap();
        let keys = Keys::file_only(dir.path(), Text::same("test"));
        for key in ["sk-file-store-9876", "sk-file-store-5432"] {
            let store = keys.save(7, &SecretString::from(key)).unwrap();
            assert_eq!(store, KeyStore::File);
            let back = keys.load(7, KeyStore::File).unwrap().unwrap();
            assert_eq!(back.expose_secret(), key);
        }
        keys.delete(7);
        assert!(keys.load(7, KeyStore::File).unwrap().is_none());
    }
}
