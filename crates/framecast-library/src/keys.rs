//! API keys, kept out of the database: in the OS's credential store (macOS Keychain, Windows
//! Credential Manager, the Secret Service on Linux, through the `keyring` crate), or — where no
//! store works, as on a headless Linux without a Secret Service or with a locked keyring — in a
//! file only the user can read (`keys/profile-<id>.key`: mode 0600 on Unix, on Windows an access
//! list that names only the file's owner), which Settings labels as such.
//!
//! A store that silently does not persist is caught by a probe: a random value written, read back
//! and deleted, once per process, off the first paint (it may wait on D-Bus). Keys are handed out
//! as `SecretString`s and never logged. `FRAMECAST_KEYCHAIN=off` skips the OS store (tests,
//! portable installs). A profile's proxy password is a secret of the same kind, kept the same way
//! beside its key ([`Secret::ProxyPassword`]).

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

/// One secret of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    /// Its API key.
    Key(i64),
    /// The password of its proxy.
    ProxyPassword(i64),
}

impl Secret {
    /// Its name in the store and in the key folder.
    fn name(self) -> String {
        match self {
            Self::Key(id) => format!("profile-{id}"),
            Self::ProxyPassword(id) => format!("profile-{id}-proxy"),
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

    fn entry(&self, secret: Secret) -> Result<keyring::Entry> {
        keyring::Entry::new(
            SERVICE,
            &format!("{}/{}", self.account_prefix, secret.name()),
        )
        .map_err(|e| LibraryError::Keys(e.to_string()))
    }

    fn file(&self, secret: Secret) -> PathBuf {
        self.dir.join(format!("{}.key", secret.name()))
    }

    /// Stores `key` for `profile` in the best store that works; returns which.
    pub fn save(&self, profile: i64, key: &SecretString) -> Result<KeyStore> {
        self.save_secret(Secret::Key(profile), key)
    }

    /// The key of `profile`, from where it was stored.
    pub fn load(&self, profile: i64, store: KeyStore) -> Result<Option<SecretString>> {
        self.load_secret(Secret::Key(profile), store)
    }

    /// Forgets the key of `profile` and its proxy's password, wherever they are.
    pub fn delete(&self, profile: i64) {
        self.delete_secret(Secret::Key(profile));
        self.delete_secret(Secret::ProxyPassword(profile));
    }

    /// Stores `secret` in the best store that works; returns which.
    pub fn save_secret(&self, secret: Secret, value: &SecretString) -> Result<KeyStore> {
        let value = value.expose_secret().trim();
        if self.status().keychain {
            match self.entry(secret).and_then(|e| {
                e.set_password(value)
                    .map_err(|e| LibraryError::Keys(e.to_string()))
            }) {
                Ok(()) => {
                    let _ = std::fs::remove_file(self.file(secret));
                    return Ok(KeyStore::Keychain);
                }
                Err(e) => {
                    tracing::warn!(%e, "the OS credential store refused a secret; using the file")
                }
            }
        }
        write_private(&self.dir, &self.file(secret), value.as_bytes())?;
        Ok(KeyStore::File)
    }

    /// `secret`, from where it was stored.
    pub fn load_secret(&self, secret: Secret, store: KeyStore) -> Result<Option<SecretString>> {
        match store {
            KeyStore::Keychain => match self.entry(secret)?.get_password() {
                Ok(k) => Ok(Some(SecretString::from(k))),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(LibraryError::Keys(e.to_string())),
            },
            KeyStore::File => match std::fs::read_to_string(self.file(secret)) {
                Ok(k) => Ok(Some(SecretString::from(k.trim().to_owned()))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(LibraryError::io(&self.file(secret), e)),
            },
        }
    }

    /// Forgets `secret`, wherever it is.
    pub fn delete_secret(&self, secret: Secret) {
        if self.status().keychain
            && let Ok(entry) = self.entry(secret)
        {
            let _ = entry.delete_credential();
        }
        let _ = std::fs::remove_file(self.file(secret));
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

/// Writes `bytes` to `path` so that only the user can read it (see [`crate::private`]): on Unix
/// the folder 0700 and the file 0600, on Windows the file's access list the owner's alone;
/// through a temporary file so a half-written key is never read.
fn write_private(dir: &Path, path: &Path, bytes: &[u8]) -> Result<()> {
    crate::private::dir(dir)?;
    crate::private::write(path, &path.with_extension("key.tmp"), bytes, true)
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

    #[cfg(unix)]
    #[test]
    fn a_leftover_temporary_file_does_not_lend_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let keys = Keys::file_only(dir.path(), Text::same("test"));
        std::fs::create_dir_all(dir.path().join("keys")).unwrap();
        let leftover = dir.path().join("keys/profile-3.key.tmp");
        std::fs::write(&leftover, "old").unwrap();
        std::fs::set_permissions(&leftover, std::fs::Permissions::from_mode(0o644)).unwrap();
        keys.save_secret(Secret::ProxyPassword(3), &SecretString::from("pw"))
            .unwrap();
        keys.save(3, &SecretString::from("sk-leftover-mode-1"))
            .unwrap();
        for name in ["profile-3.key", "profile-3-proxy.key"] {
            let mode = std::fs::metadata(dir.path().join("keys").join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
        assert!(!leftover.exists());
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
