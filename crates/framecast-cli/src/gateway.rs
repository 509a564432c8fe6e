//! The options that say which gateway and key a command uses — shared by `generate`, `batch` and
//! `prompt` — and, for the commands that make videos, by which route and within which times.
//! Each comes from its flag, else its environment variable, else the active profile. They become
//! the one-off settings (`framecast_jobs::Overrides`); the rules about which key may go where are
//! `framecast_jobs::target`'s, not this file's.

use crate::profile::KeyArgs;
use clap::Args;
use framecast_core::client::seconds;
use framecast_core::proxy::Proxy;
use framecast_core::{Error, RouteKind};
use framecast_jobs::Overrides;

#[derive(Args)]
pub struct GatewayArgs {
    /// The gateway's base URL (default: the active profile's, else the document's gateway).
    #[arg(long, env = "FRAMECAST_BASE_URL")]
    pub base_url: Option<String>,
    #[command(flatten)]
    pub key: KeyArgs,
    /// Send the key as `Bearer <key>` instead of the bare key.
    #[arg(long)]
    pub bearer: bool,
    /// `system`, `none`, or a proxy URL (default: the active profile's, else `system`).
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
}

impl GatewayArgs {
    /// The environment's one-off settings with these flags over them.
    pub fn overrides(&self) -> Result<Overrides, Error> {
        let mut overrides = Overrides::from_env();
        if let Some(key) = self.key.read()? {
            overrides.key = Some(key);
        }
        if let Some(base) = &self.base_url {
            overrides.base_url = Some(base.clone());
        }
        overrides.bearer |= self.bearer;
        overrides.proxy = self.proxy.as_deref().map(Proxy::parse).transpose()?;
        Ok(overrides)
    }
}

/// The `--route` values.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum RouteArg {
    Stream,
    Task,
    Unified,
}

impl RouteArg {
    pub fn kind(self) -> RouteKind {
        match self {
            Self::Stream => RouteKind::Stream,
            Self::Task => RouteKind::Task,
            Self::Unified => RouteKind::Unified,
        }
    }
}

/// How a video job reaches the gateway and how long it may take.
#[derive(Args)]
pub struct RouteArgs {
    /// `stream`: the chat-completions stream (the gateway document's route); `task`: create a
    /// task per video on `/v1/videos`, poll it and fetch the result, so the job survives a
    /// dropped connection; `unified`: the same through `/v1/video/create` and
    /// `/v1/video/query` (default: the active profile's route, else `stream`).
    #[arg(long, value_name = "stream|task|unified")]
    route: Option<RouteArg>,
    /// Seconds of silence from the gateway before giving up (default: the profile's, or 360).
    #[arg(long, value_name = "SECONDS")]
    idle_timeout: Option<f64>,
    /// Seconds the whole generation may take (default: the profile's, or 1200).
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<f64>,
}

impl RouteArgs {
    /// `gateway`'s settings with the route and times over them; times are checked here, before
    /// anything is recorded or sent.
    pub fn overrides(&self, gateway: &GatewayArgs) -> Result<Overrides, Error> {
        let mut overrides = gateway.overrides()?;
        overrides.route = self.route.map(RouteArg::kind).or(overrides.route);
        overrides.idle = self
            .idle_timeout
            .map(|s| seconds(s, "--idle-timeout"))
            .transpose()?;
        overrides.overall = self.timeout.map(|s| seconds(s, "--timeout")).transpose()?;
        Ok(overrides)
    }
}
