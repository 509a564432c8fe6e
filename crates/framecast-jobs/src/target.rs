//! Where a job goes, and with which key.
//!
//! A new job's settings come each from the one-off [`Overrides`] (the environment, the CLI's
//! flags, the app's demo), else the active profile, else the defaults. The key is the rule that
//! matters most, so it is strict:
//!
//! - a profile's key goes only to that profile's own gateway: a one-off base URL with no one-off
//!   key is refused, never sent the profile's key;
//! - a job records the profile whose key it used ([`Target::profile_id`]) only when it used that
//!   profile's key *and* gateway; a job sent with a one-off key records none;
//! - a job recorded earlier ([`for_job`]) is watched again only with the key it was sent with:
//!   its profile's (while that profile still points at the job's gateway), or a one-off key given
//!   again for that same gateway. It is never sent another profile's key, nor a one-off key meant
//!   for another gateway.
//!
//! Prompt help's calls ([`for_text`]) go where a new job would go, with the same key, by the same
//! rules: they are [`resolve`]'s answer, with the text model the active profile chose when the
//! call goes to that profile's gateway.
//!
//! These functions read the library and the OS's key store, which may block (D-Bus): the app
//! calls them off the async runtime's workers.

use framecast_core::job::Polled;
use framecast_core::options::Capabilities;
use framecast_core::price::PriceTable;
use framecast_core::prompt::TextClient;
use framecast_core::proxy::Proxy;
use framecast_core::request::{DEFAULT_BASE_URL, endpoint};
use framecast_core::task::{TaskClient, TaskPolicy};
use framecast_core::unified::UnifiedClient;
use framecast_core::{
    AuthScheme, Credentials, DownloadPolicy, Downloader, Error, ErrorKind, Gateway, Limits, Result,
    RouteKind,
};
use framecast_library::{JobRecord, Keys, Library, Profile};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// Settings given for this run alone, over the active profile's.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub base_url: Option<String>,
    pub key: Option<SecretString>,
    /// Send the one-off key as `Bearer <key>`.
    pub bearer: bool,
    pub proxy: Option<Proxy>,
    pub route: Option<RouteKind>,
    pub idle: Option<Duration>,
    pub overall: Option<Duration>,
    /// How often the task route is polled.
    pub poll: TaskPolicy,
}

impl Overrides {
    /// `FRAMECAST_BASE_URL`, `FRAMECAST_API_KEY`, `FRAMECAST_AUTH=bearer`, `FRAMECAST_ROUTE`
    /// and `FRAMECAST_POLL_MS` (the first poll's wait: tests and the demo make it short).
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Self {
            base_url: var("FRAMECAST_BASE_URL").map(|v| v.trim().to_owned()),
            key: var("FRAMECAST_API_KEY").map(|k| SecretString::from(k.trim().to_owned())),
            bearer: var("FRAMECAST_AUTH").as_deref() == Some("bearer"),
            route: var("FRAMECAST_ROUTE").map(|r| RouteKind::parse(r.trim())),
            poll: poll_policy(
                var("FRAMECAST_POLL_MS")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_millis),
            ),
            ..Self::default()
        }
    }

    /// The gateway a one-off key is meant for: the one-off base URL, else the active
    /// profile's, else the default.
    fn one_off_base(&self, active: Option<&Profile>) -> String {
        self.base_url
            .clone()
            .or_else(|| active.map(|p| p.draft.base_url.clone()))
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned())
    }
}

/// Polls that start after `first` and back off to four times that; the default without one.
pub fn poll_policy(first: Option<Duration>) -> TaskPolicy {
    match first {
        Some(first) => TaskPolicy {
            first_poll: first,
            max_poll: first * 4,
        },
        None => TaskPolicy::default(),
    }
}

/// What a job is sent with.
#[derive(Debug, Clone)]
pub struct Target {
    pub gateway: Gateway,
    /// The task route's client, when the job takes that route.
    pub tasks: Option<TaskClient>,
    /// The create/query dialect's client, when the job takes that route.
    pub unified: Option<UnifiedClient>,
    /// What the route can carry for this gateway: its table, refined by the models the
    /// profile's gateway lists and by the profile's overrides.
    pub capabilities: Capabilities,
    pub proxy: Proxy,
    pub prices: PriceTable,
    pub base_url: String,
    pub limits: Limits,
    /// The profile whose key (and gateway) the job uses; `None` for a one-off key.
    pub profile_id: Option<i64>,
}

impl Target {
    pub fn route(&self) -> RouteKind {
        match (&self.tasks, &self.unified) {
            (Some(_), _) => RouteKind::Task,
            (None, Some(_)) => RouteKind::Unified,
            (None, None) => RouteKind::Stream,
        }
    }

    /// The client of the route that creates tasks and polls them, unless the job streams.
    pub fn polled(&self) -> Option<Polled<'_>> {
        match (&self.tasks, &self.unified) {
            (Some(t), _) => Some(Polled::Task(t)),
            (None, Some(u)) => Some(Polled::Unified(u)),
            (None, None) => None,
        }
    }

    /// The gateway's host, as the library and the sidecars name it.
    pub fn host(&self) -> String {
        self.gateway
            .endpoint()
            .host_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The downloader for this job's videos: through its proxy, with its key on the gateway's
    /// own content URLs (the task route's) and nowhere else.
    pub fn downloader(&self) -> Result<Downloader> {
        let plain = Downloader::with_proxy(DownloadPolicy::default(), &self.proxy)?;
        Ok(match self.polled() {
            Some(p) => plain.authorized(p.url(), p.credentials()),
            None => plain,
        })
    }

    fn new(
        base_url: &str,
        credentials: Credentials,
        route: RouteKind,
        proxy: Proxy,
        limits: Limits,
        poll: TaskPolicy,
    ) -> Result<Self> {
        let tasks = match route {
            RouteKind::Task => Some(TaskClient::with_proxy(
                base_url,
                credentials.clone(),
                limits,
                poll,
                &proxy,
            )?),
            RouteKind::Stream | RouteKind::Unified => None,
        };
        let unified = match route {
            RouteKind::Unified => Some(UnifiedClient::with_proxy(
                base_url,
                credentials.clone(),
                limits,
                poll,
                &proxy,
            )?),
            RouteKind::Stream | RouteKind::Task => None,
        };
        Ok(Self {
            gateway: Gateway::with_proxy(base_url, credentials, limits, &proxy)?,
            tasks,
            unified,
            capabilities: Capabilities::of_route(route),
            proxy,
            prices: PriceTable::default(),
            base_url: base_url.to_owned(),
            limits,
            profile_id: None,
        })
    }
}

/// What a new job starting now is sent with; see the module docs for the key's rules.
pub fn resolve(library: &Library, keys: &Keys, overrides: &Overrides) -> Result<Target> {
    let profile = library.active_profile()?;
    let draft = profile.as_ref().map(|p| &p.draft);
    let limits = Limits {
        idle: overrides
            .idle
            .unwrap_or_else(|| limits_of(profile.as_ref()).idle),
        overall: overrides
            .overall
            .unwrap_or_else(|| limits_of(profile.as_ref()).overall),
        ..limits_of(profile.as_ref())
    };
    let route = overrides
        .route
        .or(draft.map(|d| d.route))
        .unwrap_or_default();
    let proxy = match (&overrides.proxy, &profile) {
        (Some(p), _) => p.clone(),
        (None, Some(p)) => library.profile_proxy(keys, p)?,
        (None, None) => Proxy::System,
    };
    let one_off_scheme = if overrides.bearer {
        AuthScheme::Bearer
    } else {
        AuthScheme::Bare
    };
    let (base_url, credentials, profile_id) = match (&overrides.key, &profile) {
        (Some(key), _) => {
            let base = overrides.one_off_base(profile.as_ref());
            let scheme = match draft {
                Some(d) if !overrides.bearer && same_gateway(&d.base_url, &base) => d.auth_scheme,
                _ => one_off_scheme,
            };
            (base, Credentials::new(key.expose_secret(), scheme), None)
        }
        (None, Some(p)) => {
            if let Some(other) = &overrides.base_url
                && !same_gateway(other, &p.draft.base_url)
            {
                return Err(profile_key_elsewhere(&p.draft.name, other));
            }
            let key = library.profile_key(keys, p.id)?.ok_or_else(no_key)?;
            let scheme = if overrides.bearer {
                AuthScheme::Bearer
            } else {
                p.draft.auth_scheme
            };
            (
                p.draft.base_url.clone(),
                Credentials::new(key.expose_secret(), scheme),
                Some(p.id),
            )
        }
        (None, None) => return Err(no_key()),
    };
    let mut target = Target::new(&base_url, credentials, route, proxy, limits, overrides.poll)?;
    target.prices = draft.map(|d| d.prices.clone()).unwrap_or_default();
    // The profile's word on its gateway (its model list, its overrides) holds only there.
    let own = profile
        .as_ref()
        .filter(|p| same_gateway(&p.draft.base_url, &base_url));
    target.capabilities = capabilities(library, own, route)?;
    target.profile_id = profile_id;
    Ok(target)
}

/// What the next job started with `overrides` could carry, known without its key (the form asks
/// as the person types): its route, and the active profile's word when the job would go to that
/// profile's gateway.
pub fn next_capabilities(library: &Library, overrides: &Overrides) -> Result<Capabilities> {
    let profile = library.active_profile()?;
    let route = overrides
        .route
        .or(profile.as_ref().map(|p| p.draft.route))
        .unwrap_or_default();
    let own = profile.as_ref().filter(|p| match &overrides.base_url {
        Some(base) => same_gateway(base, &p.draft.base_url),
        None => overrides.key.is_none(),
    });
    capabilities(library, own, route)
}

/// What `route` can carry for `profile`'s gateway: the route's table, refined by the models the
/// gateway listed at its last connection test and by the profile's overrides. The form asks for
/// this to show only what can be sent; [`crate::begin`] refuses the rest.
pub fn capabilities(
    library: &Library,
    profile: Option<&Profile>,
    route: RouteKind,
) -> Result<Capabilities> {
    let caps = Capabilities::of_route(route);
    let Some(profile) = profile else {
        return Ok(caps);
    };
    let models = library.profile_models(profile.id)?;
    Ok(caps.refine(&models).apply(&profile.draft.capabilities))
}

/// Where a prompt-help call goes and with which key.
#[derive(Debug, Clone)]
pub struct TextTarget {
    pub client: TextClient,
    /// The text model the active profile chose, when the call goes to its gateway.
    pub model: Option<String>,
    /// The active profile's prices (its per-million-token prices price the call).
    pub prices: PriceTable,
    /// The gateway's host, as the ledger names it.
    pub host: String,
    /// The profile whose key the call uses; `None` for a one-off key.
    pub profile_id: Option<i64>,
}

/// What a prompt-help call starting now is sent with: exactly what [`resolve`] gives a new job
/// (so a profile's key still goes only to its own gateway, and a one-off base URL without a
/// key is refused), with the active profile's chosen text model when the call goes to that
/// profile's gateway.
pub fn for_text(library: &Library, keys: &Keys, overrides: &Overrides) -> Result<TextTarget> {
    let target = resolve(library, keys, overrides)?;
    let model = library
        .active_profile()?
        .filter(|p| same_gateway(&p.draft.base_url, &target.base_url))
        .and_then(|p| p.draft.chat_model)
        .filter(|m| !m.trim().is_empty());
    let client = TextClient::new(
        &target.base_url,
        target.gateway.credentials().clone(),
        target.limits,
        &target.proxy,
    )?;
    Ok(TextTarget {
        host: target.host(),
        client,
        model,
        prices: target.prices,
        profile_id: target.profile_id,
    })
}

/// What job `job`, recorded earlier, is watched and downloaded again with: its own gateway, and
/// only the key it was sent with (see the module docs). Its route is the task route when it has
/// tasks to watch.
pub fn for_job(
    library: &Library,
    keys: &Keys,
    overrides: &Overrides,
    job: &JobRecord,
) -> Result<Target> {
    let base = job.base_url.clone().ok_or_else(|| {
        Error::with(
            ErrorKind::Auth,
            "this job's gateway was not recorded, so its tasks cannot be asked after",
            "此任务的网关未被记录，无法查询其任务",
        )
    })?;
    let (key, proxy, limits) = match job.profile_id {
        Some(id) => {
            let profile = library
                .profiles()?
                .into_iter()
                .find(|p| p.id == id && same_gateway(&p.draft.base_url, &base))
                .ok_or_else(|| profile_gone(&base))?;
            let key = library
                .profile_key(keys, id)?
                .ok_or_else(|| profile_gone(&base))?;
            (
                key,
                library.profile_proxy(keys, &profile)?,
                profile.draft.limits(),
            )
        }
        None => match &overrides.key {
            Some(key)
                if same_gateway(
                    &overrides.one_off_base(library.active_profile()?.as_ref()),
                    &base,
                ) =>
            {
                (
                    key.clone(),
                    overrides.proxy.clone().unwrap_or_default(),
                    Limits::default(),
                )
            }
            _ => return Err(one_off_key_needed(&base)),
        },
    };
    let credentials = Credentials::new(key.expose_secret(), job.auth_scheme);
    let mut target = Target::new(&base, credentials, job.route, proxy, limits, overrides.poll)?;
    target.profile_id = job.profile_id;
    Ok(target)
}

/// Whether two base URLs, written any way [`endpoint`] accepts, name the same gateway.
pub fn same_gateway(a: &str, b: &str) -> bool {
    match (endpoint(a), endpoint(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn limits_of(profile: Option<&Profile>) -> Limits {
    profile.map(|p| p.draft.limits()).unwrap_or_default()
}

fn no_key() -> Error {
    Error::with(
        ErrorKind::InvalidInput,
        "no API key is set up: add your gateway and key in Settings (or `framecast-cli profile add`), or give one with --api-key-file or FRAMECAST_API_KEY",
        "尚未设置 API 密钥：请在设置中添加网关和密钥（或使用 `framecast-cli profile add`），或通过 --api-key-file 或 FRAMECAST_API_KEY 提供",
    )
}

fn profile_key_elsewhere(profile: &str, base: &str) -> Error {
    Error::invalid_input(
        format!(
            "the base URL {base} is not the gateway of the profile “{profile}”, whose key is only sent to its own gateway: give a key for {base} too (--api-key-file or FRAMECAST_API_KEY)"
        ),
        format!(
            "接口地址 {base} 不是配置“{profile}”的网关，该配置的密钥只会发送给它自己的网关：请同时为 {base} 提供密钥（--api-key-file 或 FRAMECAST_API_KEY）"
        ),
    )
}

fn profile_gone(base: &str) -> Error {
    Error::with(
        ErrorKind::Auth,
        format!(
            "the profile this job was sent with was removed, or no longer points at {base}; its key is not sent anywhere else"
        ),
        format!("发送此任务时所用的配置已删除，或已不再指向 {base}；其密钥不会发送到别处"),
    )
}

fn one_off_key_needed(base: &str) -> Error {
    Error::with(
        ErrorKind::Auth,
        format!(
            "this job was sent to {base} with a key given for it alone: give that key again for {base} (FRAMECAST_API_KEY with FRAMECAST_BASE_URL, or --api-key-file with --base-url)"
        ),
        format!(
            "此任务发送到 {base} 时使用的是单独提供的密钥：请为 {base} 再次提供该密钥（FRAMECAST_API_KEY 与 FRAMECAST_BASE_URL，或 --api-key-file 与 --base-url）"
        ),
    )
}
