//! Where a job goes: the offline demo when it is on, else the environment's override
//! (`FRAMECAST_BASE_URL`, `FRAMECAST_API_KEY`, `FRAMECAST_AUTH=bearer`) when one is set, else the
//! active profile with its key. Read when each job starts, so switching applies to the next job.
//!
//! Keys come from the library's key store (the OS's credential store, or a private file) off the
//! async runtime, and are cached for the session; they never leave Rust. The demo is the
//! project's mock gateway started inside the app on loopback, so the whole flow can be tried
//! without a key or money.

use crate::error::IpcResult;
use framecast_core::price::PriceTable;
use framecast_core::proxy::Proxy;
use framecast_core::task::{TaskClient, TaskPolicy};
use framecast_core::{AuthScheme, Credentials, Error, ErrorKind, Gateway, Limits, RouteKind, Text};
use framecast_library::{Keys, Library};
use framecast_mock::{MockConfig, MockGateway};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::collections::HashMap;
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

/// What a new job is sent with.
pub struct Target {
    pub gateway: Gateway,
    /// The task route's client, when the job takes that route.
    pub tasks: Option<TaskClient>,
    pub proxy: Proxy,
    pub prices: PriceTable,
    pub base_url: String,
    pub profile_id: Option<i64>,
}

impl Target {
    pub fn route(&self) -> RouteKind {
        if self.tasks.is_some() {
            RouteKind::Task
        } else {
            RouteKind::Stream
        }
    }
}

/// How often the task route is polled: `FRAMECAST_POLL_MS` sets the first wait (tests, the demo).
pub fn task_policy(demo: bool) -> TaskPolicy {
    let first = std::env::var("FRAMECAST_POLL_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis)
        .or(demo.then_some(Duration::from_millis(700)));
    match first {
        Some(first) => TaskPolicy {
            first_poll: first,
            max_poll: first * 4,
        },
        None => TaskPolicy::default(),
    }
}

/// The app's gateways.
pub struct Gateways {
    library: Arc<Library>,
    keys: Arc<Keys>,
    env_base: Option<String>,
    env_key: Option<SecretString>,
    env_bearer: bool,
    /// `FRAMECAST_ROUTE=task|stream`, over the profile's choice.
    env_route: Option<RouteKind>,
    demo: Mutex<Option<Arc<MockGateway>>>,
    cached: Mutex<HashMap<i64, SecretString>>,
}

impl Gateways {
    /// With the environment's overrides.
    pub fn from_env(library: Arc<Library>, keys: Arc<Keys>) -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let mut gateways = Self::new(
            library,
            keys,
            var("FRAMECAST_BASE_URL"),
            var("FRAMECAST_API_KEY").map(|k| SecretString::from(k.trim().to_owned())),
        );
        gateways.env_bearer = var("FRAMECAST_AUTH").as_deref() == Some("bearer");
        gateways.env_route = var("FRAMECAST_ROUTE").map(|r| RouteKind::parse(r.trim()));
        gateways
    }

    /// With overrides given (tests).
    pub fn new(
        library: Arc<Library>,
        keys: Arc<Keys>,
        base_url: Option<String>,
        key: Option<SecretString>,
    ) -> Self {
        Self {
            library,
            keys,
            env_base: base_url,
            env_key: key,
            env_bearer: false,
            env_route: None,
            demo: Mutex::new(None),
            cached: Mutex::new(HashMap::new()),
        }
    }

    pub fn keys(&self) -> &Arc<Keys> {
        &self.keys
    }

    pub fn env(&self) -> EnvInForce {
        EnvInForce {
            base_url: self.env_base.is_some(),
            api_key: self.env_key.is_some(),
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

    /// The base URL new jobs go to, when one is set up.
    pub fn base_url(&self) -> Option<String> {
        if let Some(mock) = self.demo() {
            return Some(mock.base_url());
        }
        if let Some(base) = &self.env_base {
            return Some(base.clone());
        }
        let profile = self.library.active_profile().ok().flatten();
        match (&self.env_key, profile) {
            (_, Some(p)) => Some(p.draft.base_url),
            (Some(_), None) => Some(framecast_core::request::DEFAULT_BASE_URL.to_owned()),
            (None, None) => None,
        }
    }

    /// Whether a job could start: the demo, a key in the environment, or a profile with a key.
    pub fn ready(&self) -> bool {
        self.demo().is_some()
            || self.env_key.is_some()
            || self
                .library
                .active_profile()
                .ok()
                .flatten()
                .is_some_and(|p| p.key_store.is_some())
    }

    /// Forgets a cached key (the profile's key was replaced or removed).
    pub fn forget(&self, profile: i64) {
        lock(&self.cached).remove(&profile);
    }

    /// The key of profile `id`, from the cache or the key store (off the runtime).
    pub async fn key(&self, id: i64) -> IpcResult<Option<SecretString>> {
        if let Some(key) = lock(&self.cached).get(&id) {
            return Ok(Some(key.clone()));
        }
        let (library, keys) = (self.library.clone(), self.keys.clone());
        let key = tokio::task::spawn_blocking(move || library.profile_key(&keys, id))
            .await
            .map_err(|e| Error::internal(Text::new("reading the key failed", "读取密钥失败"), &e))?
            .map_err(Error::from)?;
        if let Some(k) = &key {
            lock(&self.cached).insert(id, k.clone());
        }
        Ok(key)
    }

    /// What a job starting now is sent with.
    pub async fn target(&self) -> IpcResult<Target> {
        let profile = self.library.active_profile().map_err(Error::from)?;
        let route = self
            .env_route
            .or(profile.as_ref().map(|p| p.draft.route))
            .unwrap_or_default();
        if let Some(mock) = self.demo() {
            let base = mock.base_url();
            let credentials = Credentials::new(DEMO_KEY, AuthScheme::Bare);
            return Ok(Target {
                gateway: Gateway::new(&base, credentials.clone(), Limits::default())?,
                tasks: (route == RouteKind::Task)
                    .then(|| {
                        TaskClient::with_proxy(
                            &base,
                            credentials,
                            Limits::default(),
                            task_policy(true),
                            &Proxy::None,
                        )
                    })
                    .transpose()?,
                proxy: Proxy::None,
                prices: PriceTable::default(),
                base_url: base,
                profile_id: None,
            });
        }
        let key = match (&self.env_key, &profile) {
            (Some(k), _) => Some(k.clone()),
            (None, Some(p)) => self.key(p.id).await?,
            (None, None) => None,
        };
        let Some(key) = key else {
            return Err(Error::with(
                ErrorKind::Auth,
                "no API key is set up: open Settings to add your gateway and key, or try the demo",
                "尚未设置 API 密钥：请在设置中添加网关和密钥，或试用演示",
            )
            .into());
        };
        let profile_id = profile.as_ref().map(|p| p.id);
        let draft = profile.map(|p| p.draft);
        let base = self
            .env_base
            .clone()
            .or_else(|| draft.as_ref().map(|d| d.base_url.clone()))
            .unwrap_or_else(|| framecast_core::request::DEFAULT_BASE_URL.to_owned());
        let scheme = match (&draft, self.env_bearer) {
            (_, true) => AuthScheme::Bearer,
            (Some(d), false) => d.auth_scheme,
            (None, false) => AuthScheme::Bare,
        };
        let proxy = match &draft {
            Some(d) => d.proxy()?,
            None => Proxy::System,
        };
        let limits = draft.as_ref().map(|d| d.limits()).unwrap_or_default();
        let credentials = Credentials::new(key.expose_secret(), scheme);
        Ok(Target {
            gateway: Gateway::with_proxy(&base, credentials.clone(), limits, &proxy)?,
            tasks: (route == RouteKind::Task)
                .then(|| {
                    TaskClient::with_proxy(&base, credentials, limits, task_policy(false), &proxy)
                })
                .transpose()?,
            proxy,
            prices: draft.map(|d| d.prices).unwrap_or_default(),
            base_url: base,
            profile_id,
        })
    }
}

impl Gateways {
    /// The task route that job `job` was sent by, to watch its tasks again after a restart:
    /// its recorded base URL, with the key of its profile (or the environment's).
    pub async fn tasks_of(&self, job: &framecast_library::JobRecord) -> IpcResult<TaskClient> {
        let key = match (job.profile_id, &self.env_key) {
            (_, Some(k)) => Some(k.clone()),
            (Some(id), None) => self.key(id).await?,
            (None, None) => None,
        };
        let demo = self.demo().map(|m| m.base_url());
        let base = job.base_url.clone().unwrap_or_default();
        let key = key
            .or_else(|| {
                (demo.as_deref() == Some(base.as_str()))
                    .then(|| SecretString::from(DEMO_KEY.to_owned()))
            })
            .ok_or_else(|| {
                Error::with(
                    ErrorKind::Auth,
                    "the key of the gateway this job was sent to is no longer set up",
                    "此任务所用网关的密钥已不再设置",
                )
            })?;
        Ok(TaskClient::with_proxy(
            &base,
            Credentials::new(key.expose_secret(), job.auth_scheme),
            Limits::default(),
            task_policy(false),
            &Proxy::System,
        )?)
    }
}
