//! Settings: gateway profiles (their keys go in, never out), the connection test, the key store's
//! state, the offline demo, and the UI language the notifications speak.

use crate::error::IpcResult;
use crate::gateways::{EnvInForce, Gateways};
use framecast_core::check::CheckReport;
use framecast_core::{Credentials, Error, Text};
use framecast_library::{KeyStoreStatus, Library, Profile, ProfileDraft};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tauri::State;

/// What the Settings screen shows (never a key: only where it is and how it ends).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    pub profiles: Vec<Profile>,
    pub env: EnvInForce,
    pub demo: bool,
}

#[tauri::command]
pub fn settings(
    library: State<'_, Arc<Library>>,
    gateways: State<'_, Arc<Gateways>>,
) -> IpcResult<SettingsView> {
    Ok(SettingsView {
        profiles: library.profiles().map_err(Error::from)?,
        env: gateways.env(),
        demo: gateways.demo().is_some(),
    })
}

/// Whether the OS's credential store works here (probed once, off the runtime: it may wait on
/// D-Bus, so it never holds up the first paint).
#[tauri::command]
pub async fn key_store(gateways: State<'_, Arc<Gateways>>) -> IpcResult<KeyStoreStatus> {
    let keys = gateways.keys().clone();
    tokio::task::spawn_blocking(move || keys.status().clone())
        .await
        .map_err(|e| {
            Error::internal(
                Text::new("probing the key store failed", "检查凭据存储失败"),
                &e,
            )
            .into()
        })
}

/// Adds (`id` absent) or updates a profile; `key`, when given, replaces its key.
#[tauri::command]
pub async fn save_profile(
    id: Option<i64>,
    draft: ProfileDraft,
    key: Option<String>,
    library: State<'_, Arc<Library>>,
    gateways: State<'_, Arc<Gateways>>,
) -> IpcResult<Profile> {
    let key = key.filter(|k| !k.trim().is_empty()).map(SecretString::from);
    let profile = library.save_profile(id, &draft).map_err(Error::from)?;
    if let Some(key) = key {
        let (library, keys) = (library.inner().clone(), gateways.keys().clone());
        let pid = profile.id;
        tokio::task::spawn_blocking(move || library.set_profile_key(&keys, pid, &key))
            .await
            .map_err(|e| Error::internal(Text::new("saving the key failed", "保存密钥失败"), &e))?
            .map_err(Error::from)?;
        gateways.forget(pid);
    }
    Ok(library
        .profile(&profile.id.to_string())
        .map_err(Error::from)?)
}

#[tauri::command]
pub fn remove_profile(
    id: i64,
    library: State<'_, Arc<Library>>,
    gateways: State<'_, Arc<Gateways>>,
) -> IpcResult<()> {
    gateways.forget(id);
    Ok(library
        .remove_profile(gateways.keys(), id)
        .map_err(Error::from)?)
}

/// Makes `id` the profile the next job uses.
#[tauri::command]
pub fn activate_profile(id: i64, library: State<'_, Arc<Library>>) -> IpcResult<()> {
    Ok(library.activate_profile(id).map_err(Error::from)?)
}

/// Tests a profile as edited: with the key typed, or else the stored key of profile `id`.
#[tauri::command]
pub async fn test_connection(
    draft: ProfileDraft,
    key: Option<String>,
    id: Option<i64>,
    gateways: State<'_, Arc<Gateways>>,
    library: State<'_, Arc<Library>>,
) -> IpcResult<CheckReport> {
    let key = match (key.filter(|k| !k.trim().is_empty()), id) {
        (Some(k), _) => SecretString::from(k),
        (None, Some(id)) => gateways
            .key(id)
            .await?
            .unwrap_or_else(|| SecretString::from(String::new())),
        (None, None) => SecretString::from(String::new()),
    };
    let report = framecast_core::check::check(
        &draft.base_url,
        &Credentials::new(key.expose_secret(), draft.auth_scheme),
        &draft.proxy,
        Duration::try_from_secs_f64(draft.connect_secs).unwrap_or(Duration::from_secs(20)),
        draft.route,
    )
    .await;
    // The models a saved profile's gateway offers feed the model picker.
    if let (Some(id), true) = (id, report.ok) {
        let models = serde_json::to_string(&report.models).unwrap_or_default();
        library
            .set_setting(&format!("models:{id}"), &models)
            .map_err(Error::from)?;
    }
    Ok(report)
}

/// Starts the offline demo: the mock gateway inside the app, on loopback.
#[tauri::command]
pub async fn start_demo(gateways: State<'_, Arc<Gateways>>) -> IpcResult<()> {
    gateways.start_demo().await
}

#[tauri::command]
pub fn leave_demo(gateways: State<'_, Arc<Gateways>>) {
    gateways.leave_demo();
}

/// The UI's language, for what Rust says itself (notifications).
#[tauri::command]
pub fn set_language(lang: String, library: State<'_, Arc<Library>>) -> IpcResult<()> {
    let lang = if lang == "zh" { "zh" } else { "en" };
    Ok(library.set_setting("language", lang).map_err(Error::from)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use framecast_library::Keys;
    use framecast_mock::{MockConfig, MockGateway};
    use tauri::Manager;
    use tauri::test::{MockRuntime, mock_builder, mock_context, noop_assets};

    fn app(dir: &std::path::Path) -> tauri::App<MockRuntime> {
        let library = Arc::new(Library::open(dir).unwrap());
        let keys = Arc::new(Keys::file_only(dir, framecast_core::Text::same("test")));
        mock_builder()
            .manage(Arc::new(Gateways::new(library.clone(), keys, None, None)))
            .manage(library)
            .build(mock_context(noop_assets()))
            .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_key_goes_in_and_only_its_end_comes_out() {
        let mock = MockGateway::start(MockConfig {
            api_key: Some("sk-settings-key-4242".into()),
            ..MockConfig::default()
        })
        .await
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path());
        let gateways = app.state::<Arc<Gateways>>();
        assert!(!gateways.ready());
        let draft = ProfileDraft::new("Mock", &mock.base_url());
        let saved = save_profile(
            None,
            draft.clone(),
            Some("sk-settings-key-4242".into()),
            app.state(),
            app.state(),
        )
        .await
        .unwrap();
        assert_eq!(saved.key_hint.as_deref(), Some("4242"));
        let view = serde_json::to_string(&settings(app.state(), app.state()).unwrap()).unwrap();
        assert!(!view.contains("sk-settings-key"), "{view}");
        assert!(view.contains("4242"));
        assert!(gateways.ready());

        // The stored key is used when none is typed, and the models are remembered.
        let report = test_connection(
            draft.clone(),
            None,
            Some(saved.id),
            app.state(),
            app.state(),
        )
        .await
        .unwrap();
        assert!(report.ok, "{report:#?}");
        let library = app.state::<Arc<Library>>();
        assert!(
            library
                .setting(&format!("models:{}", saved.id))
                .unwrap()
                .unwrap()
                .contains("veo-3.1")
        );
        let wrong = test_connection(
            draft,
            Some("sk-nope-nope-0000".into()),
            None,
            app.state(),
            app.state(),
        )
        .await
        .unwrap();
        assert!(!wrong.ok);
        assert!(serde_json::to_string(&wrong).unwrap().contains("refused"));

        // Jobs go to the profile, with its key.
        let target = gateways.target().await.unwrap();
        assert_eq!(target.gateway.endpoint().port(), Some(mock.addr().port()));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_demo_runs_inside_the_app_until_it_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path());
        let gateways = app.state::<Arc<Gateways>>();
        let refused = gateways.target().await.err().unwrap();
        assert!(refused.0.message.contains("Settings"), "{refused:?}");
        start_demo(app.state()).await.unwrap();
        assert!(gateways.ready());
        let target = gateways.target().await.unwrap();
        let host = target.gateway.endpoint().host_str().unwrap().to_owned();
        assert_eq!(host, "127.0.0.1");
        let demo = gateways.demo().unwrap().base_url();
        let answers = framecast_core::check::check(
            &demo,
            &Credentials::new("sk-any", framecast_core::AuthScheme::Bare),
            "none",
            Duration::from_secs(3),
            framecast_core::RouteKind::Task,
        )
        .await;
        assert!(answers.ok, "the demo gateway answers: {answers:#?}");
        leave_demo(app.state());
        assert!(!gateways.ready());
    }
}
