//! Prompt help below both front ends: the call sent where [`crate::target::for_text`] says, its
//! answer streamed to the caller, and, once it has answered, its line in the ledger (its tokens,
//! and its cost by the profile's text prices) before the caller sees the result. A call that
//! fails or is cancelled is not recorded.
//!
//! [`help`] does both; the desktop app calls [`ask`] on the async runtime and [`record`] on the
//! blocking pool, where its SQLite work belongs.

use crate::target::TextTarget;
use framecast_core::prompt::{Action, Help, PromptEvent};
use framecast_core::{CancellationToken, Result};
use framecast_library::{Library, PromptCall};

/// Asks, then records: what the CLI does.
pub async fn help(
    library: &Library,
    target: &TextTarget,
    model: Option<&str>,
    action: Action,
    text: &str,
    cancel: &CancellationToken,
    emit: &mut (dyn FnMut(PromptEvent) + Send),
) -> Result<Help> {
    let help = ask(target, model, action, text, cancel, emit).await?;
    record(library, target, &help)?;
    Ok(help)
}

/// Runs `action` on `text` with `target` (`model`, when given, over the profile's choice), its
/// cost priced by the profile's text prices.
pub async fn ask(
    target: &TextTarget,
    model: Option<&str>,
    action: Action,
    text: &str,
    cancel: &CancellationToken,
    emit: &mut (dyn FnMut(PromptEvent) + Send),
) -> Result<Help> {
    let chosen = model
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .or(target.model.as_deref());
    let mut help = target
        .client
        .help(chosen, action, text, cancel, emit)
        .await?;
    help.usd = help.usage.as_ref().and_then(|u| target.prices.text_cost(u));
    Ok(help)
}

/// The call's line in the ledger.
pub fn record(library: &Library, target: &TextTarget, help: &Help) -> Result<()> {
    library.record_prompt_call(&PromptCall {
        action: help.action.as_str().to_owned(),
        model: help.model.clone(),
        host: target.host.clone(),
        profile_id: target.profile_id,
        usage: help.usage,
        usd: help.usd,
    })?;
    Ok(())
}
