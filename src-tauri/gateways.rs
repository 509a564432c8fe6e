//! Where the app's jobs go: the offline demo when it is on, else the environment's one-off
//! settings (`FRAMECAST_BASE_URL`, `FRAMECAST_API_KEY`, `FRAMECAST_AUTH=bearer`,
//! `FRAMECAST_ROUTE`) over the active profile. The rules themselves — which key may go where —
//! are `framecast_jobs::target`'s, shared with the CLI; this only adds the demo and reads them
//! off the async runtime. Read when each job starts, so switching applies to the next job.
//!
//! The demo is the project's mock gateway started inside the app on loopback, so the whole flow
//! can be tried without a key or money.

use crate::error::{IpcResult, blocking};
use framecast_core::{Error, ErrorKind};
use framecast_jobs::Starter;
use framecast_jobs::target::{self, Overrides, Target, TextTarget, poll_policy};
use framecast_library::{Keys, Library, Origin};
use framecast_mock::{MockConfig, MockGateway};
use secrecy::SecretString;
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::state::lock;

/// The key the demo's jobs send (the mock accepts any).
const DEMO_KEY: &str = "sk-framecast-demo";

/// Which environment variables override the settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct EnvInForce {
    pub base_url: bool,
    pub api_key: bool,
    pub data_dir: bool,
}

/// The app's gateways.
pub struct Gateways {
    library: Arc<Library>,
    keys: Arc<Keys>,
    env: Overrides,
    demo: Mutex<Option<Arc<MockGateway>>>,
}

impl Gateways {
    /// With the environment's overrides.
    pub fn from_env(library: Arc<Library>, keys: Arc<Keys>) -> Self {
        Self::new(library, keys, Overrides::from_env())
    }

    /// With overrides given (tests).
    pub fn new(library: Arc<Library>, keys: Arc<Keys>, env: Overrides) -> Self {
        Self {
            library,
            keys,
            env,
            demo: Mutex::new(None),
        }
    }

    pub fn keys(&self) -> &Arc<Keys> {
        &self.keys
    }

    pub fn env(&self) -> EnvInForce {
        EnvInForce {
            base_url: self.env.base_url.is_some(),
            api_key: self.env.key.is_some(),
            data_dir: framecast_library::location::overridden(),
        }
    }

    pub fn demo(&self) -> Option<Arc<MockGateway>> {
        lock(&self.demo).clone()
    }

    /// Starts the offline demo (once).
    pub async fn start_demo(&self) -> IpcResult<()> {
        if self.demo().is_some() {
            return Ok(());
        }
        let mock = MockGateway::start(MockConfig {
            tick: Duration::from_millis(900),
            ..MockConfig::default()
        })
        .await
        .map_err(|e| {
            Error::with(
                ErrorKind::Internal,
                format!("the demo gateway could not start ({e})"),
                format!("演示网关无法启动（{e}）"),
            )
        })?;
        *lock(&self.demo) = Some(Arc::new(mock));
        Ok(())
    }

    /// Leaves the demo; the next job goes to the real gateway.
    pub fn leave_demo(&self) {
        lock(&self.demo).take();
    }

    /// The one-off settings in force: the demo's while it is on, else the environment's.
    pub fn overrides(&self) -> Overrides {
        match self.demo() {
            Some(mock) => Overrides {
                base_url: Some(mock.base_url()),
                key: Some(SecretString::from(DEMO_KEY.to_owned())),
                route: self.env.route,
                poll: poll_policy(Some(
                    self.env.poll.first_poll.min(Duration::from_millis(700)),
                )),
                ..Overrides::default()
            },
            None => self.env.clone(),
        }
    }

    /// The base URL new jobs go to, when one is set up.
    pub fn base_url(&self) -> Option<String> {
        if let Some(mock) = self.demo() {
            return Some(mock.base_url());
        }
        let profile = self.library.active_profile().ok().flatten();
        match (&self.env.base_url, &self.env.key, profile) {
            (Some(base), _, _) => Some(base.clone()),
            (None, _, Some(p)) => Some(p.draft.base_url),
            (None, Some(_), None) => Some(framecast_core::request::DEFAULT_BASE_URL.to_owned()),
            (None, None, None) => None,
        }
    }

    /// Whether a job could start: the demo, a key in the environment, or a profile with a key.
    pub fn ready(&self) -> bool {
        self.demo().is_some()
            || self.env.key.is_some()
            || self
                .library
                .active_profile()
                .ok()
                .flatten()
                .is_some_and(|p| p.key_store.is_some())
    }

    /// What the next job's route can carry (no key needed: the form asks as it is shown).
    pub async fn capabilities(&self) -> IpcResult<framecast_core::Capabilities> {
        let (library, overrides) = (self.library.clone(), self.overrides());
        blocking(move || target::next_capabilities(&library, &overrides)).await
    }

    /// What a job starting now is sent with (read off the async runtime: the key store may
    /// wait on D-Bus).
    pub async fn target(&self) -> IpcResult<Target> {
        let starter = self.starter();
        blocking(move || starter.target()).await
    }

    /// What the app's batch runs and storyboards start their jobs with: the one-off settings in
    /// force now.
    pub fn starter(&self) -> Starter {
        Starter {
            library: self.library.clone(),
            keys: self.keys.clone(),
            overrides: self.overrides(),
            origin: Origin::App,
        }
    }

    /// What a prompt-help call starting now is sent with: where a job would go, with the same
    /// key (read off the async runtime, as [`Self::target`]).
    pub async fn text_target(&self) -> IpcResult<TextTarget> {
        let (library, keys, overrides) =
            (self.library.clone(), self.keys.clone(), self.overrides());
        blocking(move || target::for_text(&library, &keys, &overrides)).await
    }
}
