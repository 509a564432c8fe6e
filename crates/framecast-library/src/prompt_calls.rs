//! Prompt help's calls in the ledger: one row per call to a text model, with the tokens the
//! gateway reported and what they cost by the profile's per-million-token prices when the call
//! was made (none when no price was set). The person's text is not kept. Spend
//! ([`crate::spend`]) shows them as their own line, "Prompt help".

use crate::{Library, Result, now_ms};
use framecast_core::chunk::Usage;
use rusqlite::params;

/// One call, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptCall {
    /// `improve`, `translate` or `shots`.
    pub action: String,
    pub model: String,
    /// The gateway's host.
    pub host: String,
    /// The profile whose key the call used; `None` for a one-off key.
    pub profile_id: Option<i64>,
    pub usage: Option<Usage>,
    /// What it cost, unrounded; `None` when the profile has no text prices.
    pub usd: Option<f64>,
}

impl Library {
    /// Records a finished call (a call that failed is not charged and not recorded).
    pub fn record_prompt_call(&self, call: &PromptCall) -> Result<()> {
        let usage = call.usage.unwrap_or_default();
        self.conn().execute(
            "INSERT INTO prompt_calls (created_at, action, model, host, profile_id, prompt_tokens,
               completion_tokens, usd)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                now_ms(),
                call.action,
                call.model,
                call.host,
                call.profile_id,
                i64::try_from(usage.prompt_tokens).unwrap_or(i64::MAX),
                i64::try_from(usage.completion_tokens).unwrap_or(i64::MAX),
                call.usd,
            ],
        )?;
        Ok(())
    }
}
