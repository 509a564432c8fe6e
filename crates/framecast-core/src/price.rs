//! What a video costs, by the published price of the document's gateway: charged per delivered
//! video, $0.25 for the standard models and $0.15 for the fast ones. The desktop app lets a
//! person edit the table and sends its own figure; the CLI records this one.

/// US dollars per delivered video for the standard tier.
pub const STANDARD_USD: f64 = 0.25;
/// US dollars per delivered video for the fast tier.
pub const FAST_USD: f64 = 0.15;

/// The price of one delivered video of `model`: fast names (`…-fast…`, `…_fast`) are the fast
/// tier, everything else standard.
pub fn per_video(model: &str) -> f64 {
    let fast = model
        .trim()
        .to_ascii_lowercase()
        .split(['-', '_', '.'])
        .any(|part| part == "fast");
    if fast { FAST_USD } else { STANDARD_USD }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_names_are_the_fast_tier() {
        assert_eq!(per_video("veo-3.1-fast"), FAST_USD);
        assert_eq!(per_video("veo-3.1-landscape-fast-fl"), FAST_USD);
        assert_eq!(per_video("veo_3_1-fast-fl"), FAST_USD);
        assert_eq!(per_video("veo-3.1"), STANDARD_USD);
        assert_eq!(per_video("veo-3.1-fastest"), STANDARD_USD);
    }
}
