//! Prompt help: a text model on the gateway new jobs go to improves, translates or storyboards
//! the prompt — only when the person clicks. The call is `framecast_jobs::prompt`'s, shared with
//! the CLI; the answer streams to the window over the call's own `Channel`, and a window that is
//! gone cancels it. Each call is named by an id the window mints, so it can be cancelled.

use crate::error::{IpcResult, blocking};
use crate::gateways::Gateways;
use crate::state::lock;
use framecast_core::prompt::{Action, Help, PromptEvent};
use framecast_core::{CancellationToken, Error};
use framecast_library::Library;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime, State};

/// What the window asks for: `{ id, action: "improve" | "translate" | "shots", to?, count?, text }`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PromptRequest {
    pub id: String,
    #[serde(flatten)]
    #[cfg_attr(test, ts(flatten))]
    pub action: Action,
    pub text: String,
}

/// Runs one prompt-help call; its answer streams on `on_event`, and the result (with what it
/// cost) is recorded in the ledger before it is returned.
#[tauri::command]
pub async fn prompt_help<R: Runtime>(
    request: PromptRequest,
    on_event: Channel<PromptEvent>,
    app: AppHandle<R>,
) -> IpcResult<Help> {
    let (cancel, _running) = PromptCalls::start(&app.state::<Arc<PromptCalls>>(), &request.id)?;
    let target = Arc::new(app.state::<Arc<Gateways>>().text_target().await?);
    let gone = cancel.clone();
    let mut emit = move |event| {
        if on_event.send(event).is_err() {
            gone.cancel();
        }
    };
    let (action, text) = (request.action, request.text);
    let help =
        framecast_jobs::prompt::ask(&target, None, action, &text, &cancel, &mut emit).await?;
    let library = app.state::<Arc<Library>>().inner().clone();
    let kept = help.clone();
    blocking(move || framecast_jobs::prompt::record(&library, &target, &kept)).await?;
    Ok(help)
}

/// Stops a prompt-help call; unknown ids are ignored.
#[tauri::command]
pub fn cancel_prompt_help(id: String, calls: State<'_, Arc<PromptCalls>>) {
    if let Some(cancel) = lock(&calls.0).get(&id) {
        cancel.cancel();
    }
}

/// The prompt-help calls running, by the window's id.
#[derive(Default)]
pub struct PromptCalls(Mutex<HashMap<String, CancellationToken>>);

impl PromptCalls {
    /// Registers call `id` (a second start of a running id is refused) until the guard drops.
    fn start(calls: &Arc<Self>, id: &str) -> IpcResult<(CancellationToken, Running)> {
        let mut running = lock(&calls.0);
        if id.is_empty() || id.len() > 64 || running.contains_key(id) {
            return Err(Error::invalid_input(
                "this prompt-help call is already running",
                "此提示词助手请求已在进行中",
            )
            .into());
        }
        let cancel = CancellationToken::new();
        running.insert(id.to_owned(), cancel.clone());
        Ok((
            cancel,
            Running {
                calls: calls.clone(),
                id: id.to_owned(),
            },
        ))
    }
}

/// Removes a call from [`PromptCalls`] when it ends, however it ends.
struct Running {
    calls: Arc<PromptCalls>,
    id: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        lock(&self.calls.0).remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::jobs::tests::recorder;
    use framecast_library::{Keys, Period, SpendKind};
    use framecast_mock::{MockConfig, MockGateway};
    use tauri::test::{MockRuntime, mock_builder, mock_context, noop_assets};

    fn app(dir: &std::path::Path, base: &str) -> tauri::App<MockRuntime> {
        let library = Arc::new(Library::open(dir).unwrap());
        let keys = Arc::new(Keys::file_only(dir, framecast_core::Text::same("test")));
        let overrides = framecast_jobs::Overrides {
            base_url: Some(base.to_owned()),
            key: Some(secrecy::SecretString::from("sk-shell-prompt".to_owned())),
            ..Default::default()
        };
        mock_builder()
            .manage(Arc::new(Gateways::new(library.clone(), keys, overrides)))
            .manage(Arc::new(PromptCalls::default()))
            .manage(library)
            .build(mock_context(noop_assets()))
            .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_call_streams_to_its_channel_and_lands_in_the_ledger() {
        let mock = MockGateway::start(MockConfig::default()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path(), &mock.base_url());
        let (channel, seen) = recorder::<PromptEvent>();
        let request: PromptRequest = serde_json::from_value(serde_json::json!({
            "id": "call-1", "action": "improve", "text": "A kite over the harbour"
        }))
        .unwrap();
        let help = prompt_help(request, channel, app.handle().clone())
            .await
            .unwrap();
        assert!(
            help.text
                .starts_with("A kite over the harbour, in a slow dolly-in")
        );
        let events = seen.lock().unwrap().clone();
        assert_eq!(
            events[0],
            serde_json::json!({"type": "model", "model": "gpt-4o-mini"})
        );
        let streamed: String = events
            .iter()
            .filter(|e| e["type"] == "delta")
            .map(|e| e["text"].as_str().unwrap())
            .collect();
        assert_eq!(streamed, help.text);
        let rows = app
            .state::<Arc<Library>>()
            .spend(Period::Month, None)
            .unwrap();
        assert!(
            rows.iter()
                .any(|r| r.kind == SpendKind::PromptHelp && r.tokens == 168),
            "{rows:#?}"
        );
        assert!(
            lock(&app.state::<Arc<PromptCalls>>().0).is_empty(),
            "the call is forgotten when it ends"
        );

        // A window that is gone stops the call; a refusal keeps the shared error shape.
        let gone = Channel::new(|_| Err(tauri::Error::WebviewNotFound));
        let request: PromptRequest = serde_json::from_value(serde_json::json!({
            "id": "call-2", "action": "shots", "text": "a long journey"
        }))
        .unwrap();
        let e = prompt_help(request, gone, app.handle().clone())
            .await
            .unwrap_err();
        assert_eq!(e.0.kind, framecast_core::ErrorKind::Cancelled);
    }
}
