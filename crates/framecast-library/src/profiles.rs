//! Gateway profiles: where to send, how to present the key, through which proxy, with which
//! timeouts, prices and defaults. One is active; a job uses the one active when it starts. The
//! key itself is in [`crate::keys`]; a profile only says where, and its last characters. So is
//! the proxy's password: a profile's `proxy` never holds one, whether it is read by the window,
//! printed by `profile list --json` or stored here; [`Library::profile_proxy`] puts it back for
//! the requests that need it.

use crate::keys::{KeyStore, Keys, Secret, hint};
use crate::{Library, LibraryError, Result, now_ms};
use framecast_core::price::PriceTable;
use framecast_core::proxy::Proxy;
use framecast_core::{AuthScheme, Error, Limits, RouteKind};
use rusqlite::{Row, params};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A profile as it is edited: everything but its id and its key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ProfileDraft {
    pub name: String,
    pub base_url: String,
    pub auth_scheme: AuthScheme,
    /// `system`, `none`, or the proxy's URL.
    pub proxy: String,
    pub connect_secs: f64,
    pub idle_secs: f64,
    pub overall_secs: f64,
    pub prices: PriceTable,
    pub default_model: Option<String>,
    pub default_count: u8,
    /// The stream (the gateway document's chat route), the task route or the create/query
    /// dialect.
    #[serde(default)]
    pub route: RouteKind,
    /// Where this gateway differs from its route's table of options: `{"seed": false}`.
    #[serde(default)]
    pub capabilities: framecast_core::options::Overrides,
    /// The text model prompt help uses on this gateway; `None`: the first chat model it lists.
    #[serde(default)]
    pub chat_model: Option<String>,
}

impl ProfileDraft {
    /// A new profile for the document's gateway.
    pub fn new(name: &str, base_url: &str) -> Self {
        let limits = Limits::default();
        Self {
            name: name.to_owned(),
            base_url: base_url.to_owned(),
            auth_scheme: AuthScheme::Bare,
            proxy: "system".to_owned(),
            connect_secs: limits.connect.as_secs_f64(),
            idle_secs: limits.idle.as_secs_f64(),
            overall_secs: limits.overall.as_secs_f64(),
            prices: PriceTable::default(),
            default_model: None,
            default_count: 1,
            route: RouteKind::Stream,
            capabilities: Default::default(),
            chat_model: None,
        }
    }

    /// Refuses what could not work, in the person's words.
    pub fn validate(&self) -> framecast_core::Result<()> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(Error::invalid_input(
                "give the profile a name of at most 64 characters",
                "请为配置取一个不超过 64 个字符的名称",
            ));
        }
        framecast_core::request::endpoint(&self.base_url)?;
        Proxy::parse(&self.proxy)?;
        for (secs, what_en, what_zh) in [
            (self.connect_secs, "the connect timeout", "连接超时"),
            (self.idle_secs, "the silence timeout", "无响应超时"),
            (self.overall_secs, "the overall timeout", "总超时"),
        ] {
            if !(secs.is_finite() && (1.0..=24.0 * 3600.0).contains(&secs)) {
                return Err(Error::invalid_input(
                    format!("{what_en} must be between 1 second and 24 hours"),
                    format!("{what_zh}必须在 1 秒到 24 小时之间"),
                ));
            }
        }
        if !(1..=4).contains(&self.default_count) {
            return Err(Error::invalid_input(
                "the default number of videos must be between 1 and 4",
                "默认视频数量必须在 1 到 4 之间",
            ));
        }
        if let Some(m) = self
            .chat_model
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            && framecast_core::request::model_problem(m).is_some()
        {
            return Err(Error::invalid_input(
                "the text model's name may not contain spaces or control characters",
                "文本模型名称不能包含空格或控制字符",
            ));
        }
        self.prices.validate()
    }

    /// The limits a job of this profile runs within.
    pub fn limits(&self) -> Limits {
        let secs = |s: f64| Duration::try_from_secs_f64(s).unwrap_or(Duration::from_secs(1));
        Limits {
            connect: secs(self.connect_secs),
            idle: secs(self.idle_secs),
            overall: secs(self.overall_secs),
            ..Limits::default()
        }
    }
}

/// A stored profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub id: i64,
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub draft: ProfileDraft,
    /// Where its key is; `None` when it has none.
    pub key_store: Option<KeyStore>,
    /// The key's last four characters, to show it is set.
    pub key_hint: Option<String>,
    /// Where its proxy's password is; `None` when it has none.
    pub proxy_secret: Option<KeyStore>,
    pub active: bool,
}

const COLUMNS: &str = "id, name, base_url, auth_scheme, proxy, connect_secs, idle_secs,
    overall_secs, prices, default_model, default_count, key_store, key_hint, route, proxy_secret,
    capabilities, chat_model";

fn read_profile(r: &Row<'_>) -> rusqlite::Result<Profile> {
    Ok(Profile {
        id: r.get(0)?,
        draft: ProfileDraft {
            name: r.get(1)?,
            base_url: r.get(2)?,
            auth_scheme: if r.get::<_, String>(3)? == "bearer" {
                AuthScheme::Bearer
            } else {
                AuthScheme::Bare
            },
            // Never a password, even one a library older than migration 7 has not moved yet.
            proxy: without_password(&r.get::<_, String>(4)?),
            connect_secs: r.get(5)?,
            idle_secs: r.get(6)?,
            overall_secs: r.get(7)?,
            prices: r
                .get::<_, Option<String>>(8)?
                .and_then(|p| serde_json::from_str(&p).ok())
                .unwrap_or_default(),
            default_model: r.get(9)?,
            default_count: r.get(10)?,
            route: RouteKind::parse(&r.get::<_, String>(13)?),
            capabilities: r
                .get::<_, Option<String>>(15)?
                .and_then(|c| serde_json::from_str(&c).ok())
                .unwrap_or_default(),
            chat_model: r.get(16)?,
        },
        key_store: r
            .get::<_, Option<String>>(11)?
            .as_deref()
            .and_then(KeyStore::parse),
        key_hint: r.get(12)?,
        proxy_secret: r
            .get::<_, Option<String>>(14)?
            .as_deref()
            .and_then(KeyStore::parse),
        active: false,
    })
}

/// A proxy setting as shown and stored: any password taken out.
fn without_password(proxy: &str) -> String {
    match Proxy::parse(proxy) {
        Ok(p) => p.split_password().0.to_string(),
        Err(_) => proxy.to_owned(),
    }
}

/// The setting that names the active profile.
const ACTIVE: &str = "active_profile";

impl Library {
    /// Every profile, by name, with the active one marked.
    pub fn profiles(&self) -> Result<Vec<Profile>> {
        let active = self.setting(ACTIVE)?.and_then(|a| a.parse::<i64>().ok());
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM profiles ORDER BY name COLLATE NOCASE"
        ))?;
        let mut list = stmt
            .query_map([], read_profile)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for p in &mut list {
            p.active = Some(p.id) == active;
        }
        Ok(list)
    }

    /// A profile by id or by name.
    pub fn profile(&self, id_or_name: &str) -> Result<Profile> {
        self.profiles()?
            .into_iter()
            .find(|p| p.id.to_string() == id_or_name || p.draft.name == id_or_name)
            .ok_or_else(|| LibraryError::NotFound(format!("profile “{id_or_name}”")))
    }

    /// The active profile, if any.
    pub fn active_profile(&self) -> Result<Option<Profile>> {
        Ok(self.profiles()?.into_iter().find(|p| p.active))
    }

    /// Makes `id` the profile new jobs use.
    pub fn activate_profile(&self, id: i64) -> Result<()> {
        self.profile(&id.to_string())?;
        self.set_setting(ACTIVE, &id.to_string())
    }

    /// Adds (`id` is `None`) or updates a profile; a new profile becomes active if none is. A
    /// password in the draft's proxy URL goes to `keys`; a proxy given again without one keeps
    /// the stored password while it names the same user, host and port.
    pub fn save_profile(
        &self,
        keys: &Keys,
        id: Option<i64>,
        draft: &ProfileDraft,
    ) -> Result<Profile> {
        draft.validate().map_err(LibraryError::Invalid)?;
        let (bare, password) = Proxy::parse(&draft.proxy)
            .map_err(LibraryError::Invalid)?
            .split_password();
        let before = match id {
            Some(id) => Some(self.profile(&id.to_string())?),
            None => None,
        };
        let draft = &ProfileDraft {
            proxy: bare.to_string(),
            ..draft.clone()
        };
        let prices = serde_json::to_string(&draft.prices).unwrap_or_default();
        let now = now_ms();
        let values = params![
            draft.name.trim(),
            draft.base_url.trim(),
            crate::jobs::scheme_str(draft.auth_scheme),
            draft.proxy.trim(),
            draft.connect_secs,
            draft.idle_secs,
            draft.overall_secs,
            prices,
            draft
                .default_model
                .as_deref()
                .map(str::trim)
                .filter(|m| !m.is_empty()),
            draft.default_count,
            now,
            id,
            draft.route.as_str(),
            (!draft.capabilities.is_empty())
                .then(|| serde_json::to_string(&draft.capabilities).unwrap_or_default()),
            draft
                .chat_model
                .as_deref()
                .map(str::trim)
                .filter(|m| !m.is_empty()),
        ];
        let written = {
            let conn = self.conn();
            let result = match id {
                None => conn.execute(
                    "INSERT INTO profiles (name, base_url, auth_scheme, proxy, connect_secs,
                       idle_secs, overall_secs, prices, default_model, default_count,
                       created_at, updated_at, route, capabilities, chat_model)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?13, ?14, ?15)",
                    params![
                        values[0], values[1], values[2], values[3], values[4], values[5],
                        values[6], values[7], values[8], values[9], values[10], values[11],
                        values[12], values[13], values[14]
                    ],
                ),
                Some(_) => conn.execute(
                    "UPDATE profiles SET name = ?1, base_url = ?2, auth_scheme = ?3, proxy = ?4,
                       connect_secs = ?5, idle_secs = ?6, overall_secs = ?7, prices = ?8,
                       default_model = ?9, default_count = ?10, updated_at = ?11, route = ?13,
                       capabilities = ?14, chat_model = ?15
                     WHERE id = ?12",
                    values,
                ),
            };
            match result {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    return Err(LibraryError::Invalid(Error::invalid_input(
                        format!("there is already a profile named “{}”", draft.name.trim()),
                        format!("已有名为“{}”的配置", draft.name.trim()),
                    )));
                }
                other => other?,
            };
            id.unwrap_or_else(|| conn.last_insert_rowid())
        };
        if self.setting(ACTIVE)?.is_none() {
            self.set_setting(ACTIVE, &written.to_string())?;
        }
        let secret = Secret::ProxyPassword(written);
        let kept = match (password, before) {
            (Some(p), _) => Some(keys.save_secret(secret, &SecretString::from(p))?),
            (None, Some(b)) if b.draft.proxy == draft.proxy => b.proxy_secret,
            (None, _) => {
                keys.delete_secret(secret);
                None
            }
        };
        self.conn().execute(
            "UPDATE profiles SET proxy_secret = ?2 WHERE id = ?1",
            params![written, kept.map(KeyStore::as_str)],
        )?;
        self.profile(&written.to_string())
    }

    /// The proxy requests of `profile` go through, its password put back from `keys` (or still
    /// in its stored URL, for a library whose passwords [`Self::move_proxy_passwords`] has not
    /// moved yet).
    pub fn profile_proxy(&self, keys: &Keys, profile: &Profile) -> Result<Proxy> {
        let stored: String = self.conn().query_row(
            "SELECT proxy FROM profiles WHERE id = ?1",
            [profile.id],
            |r| r.get(0),
        )?;
        let proxy = Proxy::parse(&stored).map_err(LibraryError::Invalid)?;
        let password = match profile.proxy_secret {
            Some(store) => keys.load_secret(Secret::ProxyPassword(profile.id), store)?,
            None => None,
        };
        Ok(match password {
            Some(p) => proxy.with_password(p.expose_secret()),
            None => proxy,
        })
    }

    /// Moves proxy passwords that a library before migration 7 kept in the proxy URL into `keys`.
    /// Front ends call it where they open the key store; it costs one query when there are none.
    pub fn move_proxy_passwords(&self, keys: &Keys) -> Result<()> {
        let stored: Vec<(i64, String)> = {
            let conn = self.conn();
            let mut stmt = conn.prepare("SELECT id, proxy FROM profiles WHERE proxy LIKE '%@%'")?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        for (id, proxy) in stored {
            let Ok(parsed) = Proxy::parse(&proxy) else {
                continue;
            };
            let (bare, Some(password)) = parsed.split_password() else {
                continue;
            };
            let store =
                keys.save_secret(Secret::ProxyPassword(id), &SecretString::from(password))?;
            self.conn().execute(
                "UPDATE profiles SET proxy = ?2, proxy_secret = ?3 WHERE id = ?1",
                params![id, bare.to_string(), store.as_str()],
            )?;
        }
        Ok(())
    }

    /// Stores `key` for profile `id` (in the OS store when it works) and records where.
    pub fn set_profile_key(&self, keys: &Keys, id: i64, key: &SecretString) -> Result<KeyStore> {
        if key.expose_secret().trim().is_empty() {
            return Err(LibraryError::Invalid(Error::invalid_input(
                "the API key is empty",
                "API 密钥为空",
            )));
        }
        let store = keys.save(id, key)?;
        self.conn().execute(
            "UPDATE profiles SET key_store = ?2, key_hint = ?3, updated_at = ?4 WHERE id = ?1",
            params![id, store.as_str(), hint(key), now_ms()],
        )?;
        Ok(store)
    }

    /// The key of profile `id`, if it has one.
    pub fn profile_key(&self, keys: &Keys, id: i64) -> Result<Option<SecretString>> {
        let profile = self.profile(&id.to_string())?;
        match profile.key_store {
            Some(store) => keys.load(id, store),
            None => Ok(None),
        }
    }

    /// Removes a profile and its key.
    pub fn remove_profile(&self, keys: &Keys, id: i64) -> Result<()> {
        keys.delete(id);
        self.conn()
            .execute("DELETE FROM profiles WHERE id = ?1", [id])?;
        if self.setting(ACTIVE)?.as_deref() == Some(&id.to_string()) {
            let next = self.profiles()?.first().map(|p| p.id);
            match next {
                Some(n) => self.set_setting(ACTIVE, &n.to_string())?,
                None => {
                    self.conn()
                        .execute("DELETE FROM settings WHERE name = ?1", [ACTIVE])?;
                }
            }
        }
        Ok(())
    }
}
