//! Where a job goes and with which key, against a real library with profiles and keys in files:
//! the environment over the profile over the defaults, and the key rule — a profile's key only
//! to its own gateway, a one-off key recorded as such and asked for again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use framecast_core::{ErrorKind, GenerationRequest, JobId, JobSpec, RouteKind, Text};
use framecast_jobs::target::{Overrides, for_job, for_text, resolve, same_gateway};
use framecast_library::{JobRecord, Keys, Library, NewJob, Origin, ProfileDraft};
use secrecy::SecretString;
use std::time::Duration;

const HOME: &str = "https://home.example";
const OTHER: &str = "https://other.example";

struct Fixture {
    _dir: tempfile::TempDir,
    library: Library,
    keys: Keys,
}

/// A library with one active profile for `HOME`, its key in a file.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let library = Library::open(dir.path()).unwrap();
    let keys = Keys::file_only(dir.path(), Text::same("test"));
    let profile = library
        .save_profile(&keys, None, &ProfileDraft::new("Home", HOME))
        .unwrap();
    library
        .set_profile_key(&keys, profile.id, &SecretString::from("sk-home-profile-1"))
        .unwrap();
    Fixture {
        _dir: dir,
        library,
        keys,
    }
}

fn one_off(base: Option<&str>, key: Option<&str>) -> Overrides {
    Overrides {
        base_url: base.map(str::to_owned),
        key: key.map(|k| SecretString::from(k.to_owned())),
        ..Overrides::default()
    }
}

/// Records a job sent with `target`, as the start does, and reads it back.
fn recorded(f: &Fixture, target: &framecast_jobs::Target, route: RouteKind) -> JobRecord {
    let spec = JobSpec {
        id: JobId::new(),
        request: GenerationRequest::text("a harbour at dawn"),
        frames_sha256: Vec::new(),
        references_sha256: Vec::new(),
        save_dir: None,
        label: None,
    };
    f.library
        .begin_job(&NewJob {
            spec: &spec,
            origin: Origin::Cli,
            gateway_host: target.host(),
            auth_scheme: target.gateway.credentials().scheme(),
            price_usd: None,
            retry_of: None,
            frames: Vec::new(),
            references: Vec::new(),
            route,
            base_url: target.base_url.clone(),
            profile_id: target.profile_id,
            overall: Duration::from_secs(1200),
        })
        .unwrap();
    f.library.job(&spec.id).unwrap().unwrap()
}

#[test]
fn the_profile_supplies_its_own_gateway_and_key() {
    let f = fixture();
    let target = resolve(&f.library, &f.keys, &Overrides::default()).unwrap();
    assert!(same_gateway(&target.base_url, HOME));
    assert!(target.profile_id.is_some());
    assert_eq!(target.route(), RouteKind::Stream);
}

#[test]
fn a_profiles_key_is_never_sent_to_a_one_off_gateway() {
    let f = fixture();
    let refused = resolve(&f.library, &f.keys, &one_off(Some(OTHER), None)).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidInput);
    assert!(
        refused.to_string().contains("only sent to its own gateway"),
        "{refused}"
    );
    // The same gateway written another way is still the profile's own.
    let same = resolve(
        &f.library,
        &f.keys,
        &one_off(Some("https://home.example/v1"), None),
    );
    assert!(same.unwrap().profile_id.is_some());
}

#[test]
fn a_one_off_key_records_no_profile_and_is_asked_for_again() {
    let f = fixture();
    let overrides = one_off(Some(OTHER), Some("sk-one-off-2"));
    let target = resolve(&f.library, &f.keys, &overrides).unwrap();
    assert!(target.profile_id.is_none(), "the key was not the profile's");
    let job = recorded(&f, &target, RouteKind::Task);

    // Later, without that key: the profile's key is not a stand-in.
    let refused = for_job(&f.library, &f.keys, &Overrides::default(), &job).unwrap_err();
    assert!(
        refused.to_string().contains("give that key again"),
        "{refused}"
    );
    // A one-off key meant for another gateway is not one either.
    let elsewhere = one_off(Some("https://third.example"), Some("sk-third-3"));
    assert!(for_job(&f.library, &f.keys, &elsewhere, &job).is_err());
    // The same key given again for the same gateway watches it.
    let again = for_job(&f.library, &f.keys, &overrides, &job).unwrap();
    assert!(same_gateway(&again.base_url, OTHER));
    assert!(again.tasks.is_some());
}

#[test]
fn a_profiles_job_is_watched_with_its_key_only_while_the_profile_points_there() {
    let f = fixture();
    let target = resolve(&f.library, &f.keys, &Overrides::default()).unwrap();
    let job = recorded(&f, &target, RouteKind::Task);
    assert!(for_job(&f.library, &f.keys, &Overrides::default(), &job).is_ok());

    // The profile now points elsewhere: its key does not follow the old job there.
    let profile = f.library.active_profile().unwrap().unwrap();
    let moved = ProfileDraft {
        base_url: OTHER.to_owned(),
        ..profile.draft
    };
    f.library
        .save_profile(&f.keys, Some(profile.id), &moved)
        .unwrap();
    let refused = for_job(&f.library, &f.keys, &Overrides::default(), &job).unwrap_err();
    assert!(
        refused.to_string().contains("no longer points"),
        "{refused}"
    );

    // Removed, and a new profile made: it never inherits the old id, nor the job.
    f.library.remove_profile(&f.keys, profile.id).unwrap();
    let newer = f
        .library
        .save_profile(&f.keys, None, &ProfileDraft::new("Newer", HOME))
        .unwrap();
    assert_ne!(newer.id, profile.id);
    f.library
        .set_profile_key(&f.keys, newer.id, &SecretString::from("sk-newer-4"))
        .unwrap();
    assert!(for_job(&f.library, &f.keys, &Overrides::default(), &job).is_err());
}

#[test]
fn no_key_anywhere_says_where_to_put_one() {
    let dir = tempfile::tempdir().unwrap();
    let library = Library::open(dir.path()).unwrap();
    let keys = Keys::file_only(dir.path(), Text::same("test"));
    let refused = resolve(&library, &keys, &Overrides::default()).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidInput);
    assert!(
        refused.to_string().contains("FRAMECAST_API_KEY"),
        "{refused}"
    );
}

#[test]
fn prompt_help_goes_where_a_job_would_with_the_profiles_text_model_on_its_own_gateway() {
    let f = fixture();
    let mut draft = ProfileDraft::new("Home", HOME);
    draft.chat_model = Some("deepseek-chat".into());
    draft.prices.text_input_per_million = 0.5;
    let id = f.library.active_profile().unwrap().unwrap().id;
    f.library.save_profile(&f.keys, Some(id), &draft).unwrap();

    let text = for_text(&f.library, &f.keys, &Overrides::default()).unwrap();
    assert_eq!(text.host, "home.example");
    assert_eq!(text.profile_id, Some(id));
    assert_eq!(text.model.as_deref(), Some("deepseek-chat"));
    assert_eq!(text.prices.text_input_per_million, 0.5);

    // A one-off base URL without a key is refused, exactly as for a job: the profile's key never
    // goes elsewhere.
    let e = for_text(&f.library, &f.keys, &one_off(Some(OTHER), None)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    // With its own key it goes there, without the profile's text model (another gateway).
    let elsewhere = for_text(
        &f.library,
        &f.keys,
        &one_off(Some(OTHER), Some("sk-other-1")),
    )
    .unwrap();
    assert_eq!(elsewhere.host, "other.example");
    assert_eq!(elsewhere.profile_id, None);
    assert_eq!(elsewhere.model, None);
    // A one-off key for the profile's own gateway keeps its text model.
    let same = for_text(&f.library, &f.keys, &one_off(None, Some("sk-one-off-1"))).unwrap();
    assert_eq!(same.profile_id, None);
    assert_eq!(same.model.as_deref(), Some("deepseek-chat"));
}
