//! Gateway profiles and their keys: they round-trip, bad ones are refused in the person's words,
//! one is active, and a key is kept out of the database — in the OS's credential store (a real
//! Secret Service, in the test that `scripts/test` runs inside a private D-Bus session) or in a
//! file only the user can read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use framecast_core::{AuthScheme, Lang, Text};
use framecast_library::{KeyStore, Keys, Library, ProfileDraft};
use secrecy::{ExposeSecret, SecretString};

fn keys(dir: &tempfile::TempDir) -> Keys {
    Keys::file_only(dir.path(), Text::same("test"))
}

fn draft(name: &str) -> ProfileDraft {
    ProfileDraft::new(name, "https://api.example.com")
}

#[test]
fn profiles_round_trip_and_one_is_active() {
    let dir = tempfile::tempdir().unwrap();
    let library = Library::open(dir.path()).unwrap();
    assert!(library.active_profile().unwrap().is_none());
    let first = library
        .save_profile(&keys(&dir), None, &draft("Main"))
        .unwrap();
    assert!(first.active, "the first profile becomes the active one");
    let mut second = draft("Backup gateway");
    second.auth_scheme = AuthScheme::Bearer;
    second.proxy = "socks5://127.0.0.1:1080".into();
    second.idle_secs = 90.0;
    second.prices.models.insert("veo3-frames".into(), 0.4);
    second.default_model = Some("veo3-frames".into());
    second.default_count = 2;
    let second = library.save_profile(&keys(&dir), None, &second).unwrap();
    assert!(!second.active);

    // Another process (or the next start) reads the same.
    let again = Library::open(dir.path()).unwrap();
    let read = again.profile("Backup gateway").unwrap();
    assert_eq!(read.draft, second.draft);
    assert_eq!(read.draft.limits().idle.as_secs(), 90);
    assert_eq!(read.draft.prices.per_video("veo3-frames"), 0.4);
    again.activate_profile(second.id).unwrap();
    assert_eq!(library.active_profile().unwrap().unwrap().id, second.id);

    let mut renamed = read.draft.clone();
    renamed.name = "Spare".into();
    library
        .save_profile(&keys(&dir), Some(second.id), &renamed)
        .unwrap();
    assert_eq!(
        library
            .profiles()
            .unwrap()
            .iter()
            .map(|p| p.draft.name.as_str())
            .collect::<Vec<_>>(),
        ["Main", "Spare"]
    );
    let keys = Keys::file_only(dir.path(), Text::same("test"));
    library.remove_profile(&keys, second.id).unwrap();
    assert_eq!(
        library.active_profile().unwrap().unwrap().id,
        first.id,
        "another becomes active"
    );
}

#[test]
fn what_could_not_work_is_refused_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let library = Library::open(dir.path()).unwrap();
    library
        .save_profile(&keys(&dir), None, &draft("Main"))
        .unwrap();
    let mut bad_url = draft("x");
    bad_url.base_url = "api.example.com".into();
    let mut bad_proxy = draft("y");
    bad_proxy.proxy = "127.0.0.1:7890".into();
    let mut bad_timeout = draft("z");
    bad_timeout.idle_secs = 0.0;
    let mut bad_price = draft("w");
    bad_price.prices.fast = f64::NAN;
    for (d, words) in [
        (draft("Main"), "already a profile named"),
        (draft("  "), "name"),
        (bad_url, "is not a URL"),
        (bad_proxy, "proxy"),
        (bad_timeout, "between 1 second"),
        (bad_price, "price"),
    ] {
        let e =
            framecast_core::Error::from(library.save_profile(&keys(&dir), None, &d).unwrap_err());
        assert!(e.message(Lang::En).contains(words), "{e}");
        assert!(!e.message(Lang::Zh).is_empty());
    }
    assert_eq!(library.profiles().unwrap().len(), 1);
}

#[test]
fn a_key_in_the_file_store_is_private_and_never_in_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let library = Library::open(dir.path()).unwrap();
    let keys = Keys::file_only(
        dir.path(),
        Text::new("no Secret Service here", "此处没有 Secret Service"),
    );
    let status = keys.status();
    assert_eq!(
        (status.reason.as_deref(), status.reason_zh.as_deref()),
        (
            Some("no Secret Service here"),
            Some("此处没有 Secret Service")
        ),
        "why, in both languages"
    );
    assert_eq!(status.why(Lang::Zh), "此处没有 Secret Service");
    let profile = library.save_profile(&keys, None, &draft("Main")).unwrap();
    let key = SecretString::from("sk-a-file-kept-key-5678".to_owned());
    assert_eq!(
        library.set_profile_key(&keys, profile.id, &key).unwrap(),
        KeyStore::File
    );
    let stored = library.profile("Main").unwrap();
    assert_eq!(stored.key_store, Some(KeyStore::File));
    assert_eq!(stored.key_hint.as_deref(), Some("5678"));
    let back = library.profile_key(&keys, profile.id).unwrap().unwrap();
    assert_eq!(back.expose_secret(), "sk-a-file-kept-key-5678");
    drop(library);
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(10).any(|w| w == b"sk-a-file-"),
                "the key is in {}",
                path.display()
            );
        }
    }
}

/// Needs a running Secret Service (`scripts/test` starts gnome-keyring in a private D-Bus
/// session for it): `cargo test -p framecast-library --test profiles -- --ignored`.
#[test]
#[ignore = "needs a Secret Service; scripts/test runs it in a private D-Bus session"]
fn a_key_lives_in_the_secret_service() {
    let dir = tempfile::tempdir().unwrap();
    let library = Library::open(dir.path()).unwrap();
    let keys = Keys::new(dir.path());
    assert!(
        keys.status().keychain,
        "the probe failed: {:?}",
        keys.status().reason
    );
    let profile = library.save_profile(&keys, None, &draft("Main")).unwrap();
    let key = SecretString::from("sk-in-the-keyring-4321".to_owned());
    assert_eq!(
        library.set_profile_key(&keys, profile.id, &key).unwrap(),
        KeyStore::Keychain
    );
    assert!(
        !dir.path()
            .join("keys")
            .join(format!("profile-{}.key", profile.id))
            .exists()
    );
    // A new process finds it there.
    let keys_again = Keys::new(dir.path());
    let back = library
        .profile_key(&keys_again, profile.id)
        .unwrap()
        .unwrap();
    assert_eq!(back.expose_secret(), "sk-in-the-keyring-4321");
    library.remove_profile(&keys_again, profile.id).unwrap();
    assert!(
        keys_again
            .load(profile.id, KeyStore::Keychain)
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_deleted_profiles_id_is_never_given_to_another() {
    let dir = tempfile::tempdir().unwrap();
    let library = Library::open(dir.path()).unwrap();
    let keys = keys(&dir);
    library.save_profile(&keys, None, &draft("One")).unwrap();
    let newest = library.save_profile(&keys, None, &draft("Two")).unwrap();
    library.remove_profile(&keys, newest.id).unwrap();
    let next = library.save_profile(&keys, None, &draft("Three")).unwrap();
    assert!(next.id > newest.id, "{} after {}", next.id, newest.id);
}

#[test]
fn a_proxy_password_goes_to_the_key_store_and_never_out() {
    let dir = tempfile::tempdir().unwrap();
    let library = Library::open(dir.path()).unwrap();
    let keys = keys(&dir);
    let mut d = draft("Proxied");
    d.proxy = "http://me:s3cret-pass@10.0.0.2:3128".into();
    let saved = library.save_profile(&keys, None, &d).unwrap();
    assert_eq!(saved.draft.proxy, "http://me@10.0.0.2:3128/");
    assert_eq!(saved.proxy_secret, Some(KeyStore::File));
    let listed = serde_json::to_string(&library.profiles().unwrap()).unwrap();
    assert!(!listed.contains("s3cret-pass"), "{listed}");
    let database = std::fs::read(dir.path().join("library.sqlite3")).unwrap();
    let wal = std::fs::read(dir.path().join("library.sqlite3-wal")).unwrap_or_default();
    for bytes in [database, wal] {
        assert!(!String::from_utf8_lossy(&bytes).contains("s3cret-pass"));
    }
    let proxy = library.profile_proxy(&keys, &saved).unwrap();
    assert_eq!(proxy.to_string(), "http://me:s3cret-pass@10.0.0.2:3128/");

    // Saved again as the window shows it (no password): the stored one is kept.
    let again = library
        .save_profile(&keys, Some(saved.id), &saved.draft)
        .unwrap();
    assert_eq!(
        library.profile_proxy(&keys, &again).unwrap().to_string(),
        "http://me:s3cret-pass@10.0.0.2:3128/"
    );
    // Another proxy: the password goes with the old one.
    let mut other = again.draft.clone();
    other.proxy = "http://10.0.0.3:3128".into();
    let moved = library.save_profile(&keys, Some(saved.id), &other).unwrap();
    assert_eq!(moved.proxy_secret, None);
    assert!(!dir.path().join("keys/profile-1-proxy.key").exists());
}

#[test]
fn a_password_an_older_library_kept_in_the_url_is_moved_out_when_it_opens() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut conn = rusqlite::Connection::open(dir.path().join("library.sqlite3")).unwrap();
        framecast_library::migrate::migrate_to(&mut conn, 6).unwrap();
        conn.execute(
            "INSERT INTO profiles (name, base_url, proxy, created_at, updated_at)
             VALUES ('Old', 'https://api.example.com', 'socks5://u:old-secret@10.0.0.9:1080', 0, 0)",
            [],
        )
        .unwrap();
    }
    let library = Library::open(dir.path()).unwrap();
    let keys = keys(&dir);
    let listed = library.profile("Old").unwrap();
    assert_eq!(
        listed.draft.proxy, "socks5://u@10.0.0.9:1080",
        "never shown, even before"
    );
    assert_eq!(
        library.profile_proxy(&keys, &listed).unwrap().to_string(),
        "socks5://u:old-secret@10.0.0.9:1080",
        "and still used"
    );
    library.move_proxy_passwords(&keys).unwrap();
    let old = library.profile("Old").unwrap();
    assert_eq!(old.draft.proxy, "socks5://u@10.0.0.9:1080");
    assert!(old.proxy_secret.is_some());
    let raw: String = rusqlite::Connection::open(dir.path().join("library.sqlite3"))
        .unwrap()
        .query_row("SELECT proxy FROM profiles", [], |r| r.get(0))
        .unwrap();
    assert!(!raw.contains("old-secret"), "{raw}");
    assert_eq!(
        library.profile_proxy(&keys, &old).unwrap().to_string(),
        "socks5://u:old-secret@10.0.0.9:1080"
    );
}

#[cfg(unix)]
#[test]
fn the_data_folder_and_the_database_are_the_users_alone() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let _library = Library::open(&data).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("library.sqlite3")), 0o600);
}
