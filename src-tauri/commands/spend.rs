//! Spend: what was delivered and what it cost (the library's ledger), the monthly budget, and
//! the ledger exported as CSV through a save dialog opened here.

use crate::dialogs;
use crate::error::{IpcResult, blocking};
use framecast_library::spend::ledger_csv;
use framecast_library::{Library, SpendReport};
use std::sync::Arc;
use tauri::{AppHandle, State};

/// This month against the budget, each month by model, and the days of this month.
#[tauri::command]
pub async fn spend_report(library: State<'_, Arc<Library>>) -> IpcResult<SpendReport> {
    let library = library.inner().clone();
    blocking(move || library.spend_report(chrono::Local::now())).await
}

/// Sets the monthly budget (USD); `null` removes it. Returns the report with it.
#[tauri::command]
pub async fn set_budget(
    usd: Option<f64>,
    library: State<'_, Arc<Library>>,
) -> IpcResult<SpendReport> {
    let library = library.inner().clone();
    blocking(move || {
        library.set_budget(usd)?;
        library.spend_report(chrono::Local::now())
    })
    .await
}

/// Saves every job that delivered something, with what it cost, as CSV where the person
/// chooses; returns where, or `None` if the dialog was closed.
#[tauri::command]
pub async fn export_ledger(
    app: AppHandle,
    library: State<'_, Arc<Library>>,
) -> IpcResult<Option<String>> {
    let library = library.inner().clone();
    let csv = blocking(move || library.ledger(None).map(|l| ledger_csv(&l))).await?;
    let name = format!(
        "framecast-spend-{}.csv",
        chrono::Local::now().format("%Y-%m-%d")
    );
    let Some(to) = dialogs::save_csv(&app, &name).await else {
        return Ok(None);
    };
    tokio::fs::write(&to, csv)
        .await
        .map_err(|e| framecast_core::download::write_error(&e, &to))?;
    Ok(Some(to.display().to_string()))
}
