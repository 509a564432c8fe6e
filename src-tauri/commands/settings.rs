//! Settings: gateway profiles (their keys go in, never out), the connection test, the key store's
//! state, the offline demo, where videos are saved, and the UI language the notifications speak.

use crate::error::{IpcResult, blocking};
use crate::gateways::{EnvInForce, Gateways};
use crate::state::Folders;
use framecast_core::check::CheckReport;
use framecast_core::{Credentials, Error, ErrorKind};
use framecast_jobs::target::same_gateway;
use framecast_library::{KeyStoreStatus, Library, LibraryError, Profile, ProfileDraft};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, State};

/// What the Settings screen shows (never a key: only where it is and how it ends).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    pub profiles: Vec<Profile>,
    pub env: EnvInForce,
    pub demo: bool,
    /// Where new videos are saved.
    pub videos_dir: String,
    /// `FRAMECAST_VIDEOS_DIR` is in force: the folder cannot be changed here.
    pub videos_dir_fixed: bool,
    /// The text models each profile's gateway offered at its last connection test (by profile
    /// id), for choosing prompt help's model.
    pub chat_models: std::collections::BTreeMap<i64, Vec<String>>,
}

#[tauri::command]
pub async fn settings(
    library: State<'_, Arc<Library>>,
    gateways: State<'_, Arc<Gateways>>,
    folders: State<'_, Folders>,
) -> IpcResult<SettingsView> {
    let library = library.inner().clone();
    let (profiles, chat_models) = blocking(move || {
        Ok::<_, LibraryError>((library.profiles()?, library.offered_chat_models()?))
    })
    .await?;
    Ok(SettingsView {
        profiles,
        chat_models,
        env: gateways.env(),
        demo: gateways.demo().is_some(),
        videos_dir: folders.videos().display().to_string(),
        videos_dir_fixed: folders.fixed,
    })
}

/// Whether the OS's credential store works here (probed once, off the runtime: it may wait on
/// D-Bus, so it never holds up the first paint).
#[tauri::command]
pub async fn key_store(gateways: State<'_, Arc<Gateways>>) -> IpcResult<KeyStoreStatus> {
    let keys = gateways.keys().clone();
    blocking(move || Ok::<_, Error>(keys.status().clone())).await
}

/// Adds (`id` absent) or updates a profile; `key`, when given, replaces its key. A password in
/// the proxy URL goes to the key store with the key.
#[tauri::command]
pub async fn save_profile(
    id: Option<i64>,
    draft: ProfileDraft,
    key: Option<String>,
    library: State<'_, Arc<Library>>,
    gateways: State<'_, Arc<Gateways>>,
) -> IpcResult<Profile> {
    let key = key.filter(|k| !k.trim().is_empty()).map(SecretString::from);
    let (library, keys) = (library.inner().clone(), gateways.keys().clone());
    blocking(move || {
        let profile = library.save_profile(&keys, id, &draft)?;
        if let Some(key) = key {
            library.set_profile_key(&keys, profile.id, &key)?;
        }
        library.profile(&profile.id.to_string())
    })
    .await
}

#[tauri::command]
pub async fn remove_profile(
    id: i64,
    library: State<'_, Arc<Library>>,
    gateways: State<'_, Arc<Gateways>>,
) -> IpcResult<()> {
    let (library, keys) = (library.inner().clone(), gateways.keys().clone());
    blocking(move || library.remove_profile(&keys, id)).await
}

/// Makes `id` the profile the next job uses.
#[tauri::command]
pub async fn activate_profile(id: i64, library: State<'_, Arc<Library>>) -> IpcResult<()> {
    let library = library.inner().clone();
    blocking(move || library.activate_profile(id)).await
}

/// Tests a profile as edited with the key typed, or a saved profile `id` with its stored key. A
/// stored key is only ever tested against its own profile's gateway and proxy, never a URL the
/// window sends: to test another address, type the key.
#[tauri::command]
pub async fn test_connection(
    draft: ProfileDraft,
    key: Option<String>,
    id: Option<i64>,
    gateways: State<'_, Arc<Gateways>>,
    library: State<'_, Arc<Library>>,
) -> IpcResult<CheckReport> {
    let typed = key.filter(|k| !k.trim().is_empty()).map(SecretString::from);
    let (library, keys) = (library.inner().clone(), gateways.keys().clone());
    let stored = library.clone();
    let (draft, key, proxy) = blocking(move || tested(&stored, &keys, draft, typed, id)).await?;
    let report = framecast_core::check::check(
        &draft.base_url,
        &Credentials::new(key.expose_secret(), draft.auth_scheme),
        &proxy,
        Duration::try_from_secs_f64(draft.connect_secs).unwrap_or(Duration::from_secs(20)),
        draft.route,
    )
    .await;
    // The models a saved profile's gateway offers feed the model pickers (video and text).
    if let (Some(id), true) = (id, report.ok) {
        let (video, chat) = (report.models.clone(), report.chat_models.clone());
        blocking(move || library.set_offered_models(id, &video, &chat)).await?;
    }
    Ok(report)
}

/// A saved profile's own settings and key, to test them where they belong: refused when the
/// form now names another gateway.
fn saved(
    library: &Library,
    keys: &framecast_library::Keys,
    draft: &ProfileDraft,
    id: i64,
) -> IpcResult<(ProfileDraft, SecretString, String)> {
    let profile = library.profile(&id.to_string())?;
    if !same_gateway(&draft.base_url, &profile.draft.base_url) {
        return Err(Error::invalid_input(
            "the base URL was changed: type the key to test it there (a saved key is only sent to its own gateway), or save the profile first",
            "接口地址已更改：请输入密钥再测试（已保存的密钥只会发送给它自己的网关），或先保存配置",
        )
        .into());
    }
    let key = library
        .profile_key(keys, id)?
        .unwrap_or_else(|| SecretString::from(String::new()));
    let proxy = library.profile_proxy(keys, &profile)?.to_string();
    Ok((profile.draft, key, proxy))
}

/// What a connection test uses: the draft with the typed key, or profile `id` as stored with its
/// stored key (refused if the draft names another gateway).
fn tested(
    library: &Library,
    keys: &framecast_library::Keys,
    draft: ProfileDraft,
    typed: Option<SecretString>,
    id: Option<i64>,
) -> IpcResult<(ProfileDraft, SecretString, String)> {
    match (typed, id) {
        (Some(key), _) => {
            let proxy = draft.proxy.clone();
            Ok((draft, key, proxy))
        }
        (None, Some(id)) => saved(library, keys, &draft, id),
        (None, None) => Err(Error::with(
            ErrorKind::Auth,
            "type the API key to test the connection",
            "请输入 API 密钥后再测试连接",
        )
        .into()),
    }
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

/// Asks for the folder new videos are saved in, and keeps it; returns it, or `None` if the
/// dialog was closed.
#[tauri::command]
pub async fn choose_videos_dir(
    app: AppHandle,
    folders: State<'_, Folders>,
    library: State<'_, Arc<Library>>,
) -> IpcResult<Option<String>> {
    if folders.fixed {
        return Err(Error::invalid_input(
            "FRAMECAST_VIDEOS_DIR sets where videos are saved; unset it to choose here",
            "FRAMECAST_VIDEOS_DIR 已指定视频保存位置；取消该变量后才能在此选择",
        )
        .into());
    }
    let Some(dir) = crate::dialogs::folder(&app).await else {
        return Ok(None);
    };
    let (library, shown) = (library.inner().clone(), dir.display().to_string());
    let stored = shown.clone();
    blocking(move || library.set_setting(crate::VIDEOS_SETTING, &stored)).await?;
    folders.set_videos(dir);
    Ok(Some(shown))
}

/// The UI's language, for what Rust says itself (notifications).
#[tauri::command]
pub async fn set_language(lang: String, library: State<'_, Arc<Library>>) -> IpcResult<()> {
    let lang = if lang == "zh" { "zh" } else { "en" };
    let library = library.inner().clone();
    blocking(move || library.set_setting("language", lang)).await
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
            .manage(Arc::new(Gateways::new(
                library.clone(),
                keys,
                framecast_jobs::Overrides::default(),
            )))
            .manage(crate::state::Folders::new(None, dir.join("videos")))
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
        let view = serde_json::to_string(
            &settings(app.state(), app.state(), app.state())
                .await
                .unwrap(),
        )
        .unwrap();
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
                .profile_models(saved.id)
                .unwrap()
                .iter()
                .any(|m| m.starts_with("veo-3.1"))
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
