//! Small named settings beside the profiles: the active profile, the UI's language, the monthly
//! budget, where videos go, the models a gateway offered. One row each in `settings`.

use crate::{Library, Result};
use rusqlite::{OptionalExtension, params};
use std::collections::BTreeMap;

impl Library {
    /// A named setting.
    pub fn setting(&self, name: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM settings WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// The text models each profile's gateway offered at its last connection test
    /// (`chat_models:<id>`), by profile id.
    pub fn offered_chat_models(&self) -> Result<BTreeMap<i64, Vec<String>>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT name, value FROM settings WHERE name LIKE 'chat_models:%'")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut offered = BTreeMap::new();
        for row in rows {
            let (name, value) = row?;
            let id = name.trim_start_matches("chat_models:").parse::<i64>().ok();
            if let (Some(id), Ok(models)) = (id, serde_json::from_str::<Vec<String>>(&value)) {
                offered.insert(id, models);
            }
        }
        Ok(offered)
    }

    pub fn set_setting(&self, name: &str, value: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO settings (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            params![name, value],
        )?;
        Ok(())
    }

    /// Keeps what profile `id`'s gateway listed at a connection test that passed: its Veo
    /// models (`models:<id>`, which refine what its route can carry) and its text models
    /// (`chat_models:<id>`, for prompt help).
    pub fn set_offered_models(&self, id: i64, video: &[String], chat: &[String]) -> Result<()> {
        let json = |m: &[String]| serde_json::to_string(m).unwrap_or_default();
        self.set_setting(&format!("models:{id}"), &json(video))?;
        self.set_setting(&format!("chat_models:{id}"), &json(chat))
    }

    /// The Veo models profile `id`'s gateway listed at its last connection test (none when it
    /// was never tested).
    pub fn profile_models(&self, id: i64) -> Result<Vec<String>> {
        Ok(self
            .setting(&format!("models:{id}"))?
            .and_then(|m| serde_json::from_str(&m).ok())
            .unwrap_or_default())
    }
}
