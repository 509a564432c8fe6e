//! Prompt help through the one path both front ends use: sent with the active profile's key to
//! its gateway (the mock), answered, and recorded in the ledger as its own line with its tokens
//! and cost; a call that fails is not recorded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use framecast_core::prompt::Action;
use framecast_core::{CancellationToken, ErrorKind, Text};
use framecast_jobs::target::{Overrides, for_text};
use framecast_library::{Keys, Library, Period, ProfileDraft, SpendKind};
use framecast_mock::{MockConfig, MockGateway};
use secrecy::SecretString;

const KEY: &str = "sk-prompt-ledger-77";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_is_priced_and_recorded_as_prompt_help() {
    let mock = MockGateway::start(MockConfig {
        api_key: Some(KEY.to_owned()),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let library = Library::open(dir.path()).unwrap();
    let keys = Keys::file_only(dir.path(), Text::same("test"));
    let mut draft = ProfileDraft::new("Mock", &mock.base_url());
    draft.prices.text_input_per_million = 1.0;
    draft.prices.text_output_per_million = 4.0;
    let profile = library.save_profile(&keys, None, &draft).unwrap();
    library
        .set_profile_key(&keys, profile.id, &SecretString::from(KEY))
        .unwrap();

    let target = for_text(&library, &keys, &Overrides::default()).unwrap();
    let help = framecast_jobs::prompt::help(
        &library,
        &target,
        None,
        Action::Improve,
        "A kite over the harbour",
        &CancellationToken::new(),
        &mut |_| {},
    )
    .await
    .unwrap();
    // 120 tokens in at $1/M and 48 out at $4/M.
    let usd = help.usd.unwrap();
    assert!((usd - 0.000_312).abs() < 1e-12, "{usd}");
    assert_eq!(mock.text_posts()[0].authorization.as_deref(), Some(KEY));

    let failed = framecast_jobs::prompt::help(
        &library,
        &target,
        Some("text-refuses"),
        Action::Improve,
        "x",
        &CancellationToken::new(),
        &mut |_| {},
    )
    .await
    .unwrap_err();
    assert_eq!(failed.kind(), ErrorKind::Refused);

    let rows = library.spend(Period::Month, None).unwrap();
    let help_rows: Vec<_> = rows
        .iter()
        .filter(|r| r.kind == SpendKind::PromptHelp)
        .collect();
    assert_eq!(help_rows.len(), 1, "{rows:#?}");
    assert_eq!(help_rows[0].model, "gpt-4o-mini");
    assert_eq!(help_rows[0].jobs, 1, "the refused call is not recorded");
    assert_eq!(help_rows[0].tokens, 168);
    assert_eq!(help_rows[0].unpriced, 0);
    let ledger = library.ledger(None).unwrap();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].job_id, "prompt-help");
    assert!(ledger[0].prompt.contains("improve"), "{:?}", ledger[0]);
    let csv = framecast_library::spend::ledger_csv(&ledger);
    assert!(
        csv.contains(",prompt-help,gpt-4o-mini,0,,0.000312,"),
        "{csv}"
    );
    assert!(!csv.contains("A kite"), "the person's text is not kept");
}
