//! Small named settings beside the profiles: the active profile, the UI's language, the monthly
//! budget, where videos go, the models a gateway offered. One row each in `settings`.

use crate::{Library, Result};
use rusqlite::{OptionalExtension, params};

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

    pub fn set_setting(&self, name: &str, value: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO settings (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            params![name, value],
        )?;
        Ok(())
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
