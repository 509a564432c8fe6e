//! What a video costs: charged per delivered video, by a table a person can edit per gateway
//! profile. The default is the document's gateway's published price: $0.25 for the standard
//! models and $0.15 for the fast ones. A job records the price per video when it starts.
//!
//! Prompt help's text models are charged by the token: the table's per-million-token prices for
//! input and output, 0 (unknown) by default, since every gateway prices its chat models its own
//! way. With no price set, a call's tokens are shown and its cost is not.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// US dollars per delivered video.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PriceTable {
    /// Any standard-tier model.
    pub standard: f64,
    /// Any fast-tier model (a name with a `fast` part).
    pub fast: f64,
    /// Exact model names, before the tiers.
    pub models: BTreeMap<String, f64>,
    /// US dollars per million input (prompt) tokens of the text model prompt help uses; 0 when
    /// unknown.
    #[serde(default)]
    pub text_input_per_million: f64,
    /// US dollars per million output (completion) tokens of that model; 0 when unknown.
    #[serde(default)]
    pub text_output_per_million: f64,
}

impl Default for PriceTable {
    fn default() -> Self {
        Self {
            standard: 0.25,
            fast: 0.15,
            models: BTreeMap::new(),
            text_input_per_million: 0.0,
            text_output_per_million: 0.0,
        }
    }
}

impl PriceTable {
    /// The price of one delivered video of `model`.
    pub fn per_video(&self, model: &str) -> f64 {
        let name = model.trim();
        if let Some(price) = self.models.get(name) {
            return *price;
        }
        let fast = name
            .to_ascii_lowercase()
            .split(['-', '_', '.'])
            .any(|part| part == "fast");
        if fast { self.fast } else { self.standard }
    }

    /// Refuses a table no one could mean: a negative, infinite or absurd price.
    pub fn validate(&self) -> crate::Result<()> {
        let ok = |p: f64| p.is_finite() && (0.0..=1000.0).contains(&p);
        if ok(self.standard)
            && ok(self.fast)
            && self.models.values().all(|p| ok(*p))
            && ok(self.text_input_per_million)
            && ok(self.text_output_per_million)
        {
            Ok(())
        } else {
            Err(crate::Error::invalid_input(
                "a price must be between $0 and $1000 (per video, or per million tokens)",
                "价格必须在 $0 到 $1000 之间（每个视频，或每百万 token）",
            ))
        }
    }
}

impl PriceTable {
    /// What a text call that used `usage` cost, unrounded (a call costs fractions of a cent);
    /// `None` when neither token price is set.
    pub fn text_cost(&self, usage: &crate::chunk::Usage) -> Option<f64> {
        if self.text_input_per_million <= 0.0 && self.text_output_per_million <= 0.0 {
            return None;
        }
        let per = |tokens: u64, price: f64| tokens as f64 / 1_000_000.0 * price;
        Some(
            per(usage.prompt_tokens, self.text_input_per_million)
                + per(usage.completion_tokens, self.text_output_per_million),
        )
    }

    /// What `n` videos of `model` cost, in whole cents (each delivered video is charged).
    pub fn estimate(&self, model: &str, n: u32) -> f64 {
        cents(self.per_video(model) * f64::from(n))
    }
}

/// An amount in US dollars, rounded to whole cents: the one rounding of every price Framecast
/// shows (the UI's `roundCents` does the same, pinned by `tests/rules.json`).
pub fn cents(usd: f64) -> f64 {
    (usd * 100.0).round() / 100.0
}

/// The price of one delivered video of `model` by the default table.
pub fn per_video(model: &str) -> f64 {
    PriceTable::default().per_video(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_names_are_the_fast_tier_and_exact_names_win() {
        let mut table = PriceTable::default();
        assert_eq!(table.per_video("veo-3.1-fast"), 0.15);
        assert_eq!(table.per_video("veo-3.1-landscape-fast-fl"), 0.15);
        assert_eq!(table.per_video("veo_3_1-fast-fl"), 0.15);
        assert_eq!(table.per_video("veo-3.1"), 0.25);
        assert_eq!(table.per_video("veo-3.1-fastest"), 0.25);
        table.models.insert("veo3-frames".into(), 0.4);
        assert_eq!(table.per_video(" veo3-frames "), 0.4);
        assert!(table.validate().is_ok());
        table.fast = -1.0;
        assert!(table.validate().is_err());
    }

    #[test]
    fn a_text_call_costs_its_tokens_when_a_price_is_set() {
        let usage = crate::chunk::Usage {
            prompt_tokens: 2_000,
            completion_tokens: 500,
            total_tokens: 2_500,
        };
        let mut table = PriceTable::default();
        assert_eq!(table.text_cost(&usage), None, "unknown by default");
        table.text_input_per_million = 0.15;
        table.text_output_per_million = 0.6;
        let usd = table.text_cost(&usage).unwrap();
        assert!((usd - 0.0006).abs() < 1e-12, "{usd}");
        let old: PriceTable =
            serde_json::from_str(r#"{"standard":0.3,"fast":0.1,"models":{}}"#).unwrap();
        assert_eq!(
            old.text_input_per_million, 0.0,
            "a stored table from before reads"
        );
    }
}
