//! The options that say which gateway and key a command uses, shared by `generate` and
//! `prompt`: each comes from its flag, else its environment variable, else the active profile.
//! The rules about which key may go where are `framecast_jobs::target`'s, not this file's.

use crate::profile::KeyArgs;
use clap::Args;
use framecast_core::Error;
use framecast_core::proxy::Proxy;
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
