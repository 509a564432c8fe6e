//! OS notifications: when a job ends while the window is not in front, say so; a click on the
//! notification brings the window and that job's card forward. Written in the UI's language
//! (the window tells Rust which, see `commands::settings::set_language`).

use crate::state::lock;
use framecast_core::{JobResult, JobSpec, Lang};
use framecast_library::Library;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

/// Which job each shown notification is about.
#[derive(Default)]
pub struct Shown {
    next: AtomicI32,
    jobs: Mutex<HashMap<i32, String>>,
}

/// Brings the window forward and asks the UI to show `job`'s card.
pub fn focus_job<R: Runtime>(app: &AppHandle<R>, job: &str) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
    let _ = app.emit("focus-job", job);
}

/// Registers the click handler: called once at start.
pub fn listen<R: Runtime>(app: &AppHandle<R>) {
    let handle = app.clone();
    let _ = app.notification().on_action(move |action| {
        let Some(id) = action.notification().map(|n| n.id()) else {
            return;
        };
        let job = handle
            .try_state::<Arc<Shown>>()
            .and_then(|shown| lock(&shown.jobs).get(&id).cloned());
        if let Some(job) = job {
            focus_job(&handle, &job);
        }
    });
}

/// Tells the person a job ended, unless they are looking at the window.
pub struct Notifier<R: Runtime> {
    app: AppHandle<R>,
}

impl<R: Runtime> Notifier<R> {
    pub fn new(app: &AppHandle<R>) -> Self {
        Self { app: app.clone() }
    }

    pub fn job_ended(&self, spec: &JobSpec, result: &JobResult) {
        let focused = self
            .app
            .get_webview_window("main")
            .and_then(|w| w.is_focused().ok())
            .unwrap_or(true);
        let Some(shown) = self.app.try_state::<Arc<Shown>>() else {
            return;
        };
        if focused {
            return;
        }
        let lang = self
            .app
            .try_state::<Arc<Library>>()
            .and_then(|l| l.setting("language").ok().flatten())
            .map_or(Lang::En, |l| if l == "zh" { Lang::Zh } else { Lang::En });
        let (title, body) = words(spec, result, lang);
        let id = shown.next.fetch_add(1, Ordering::SeqCst) + 1;
        lock(&shown.jobs).insert(id, spec.id.to_string());
        if let Err(e) = self
            .app
            .notification()
            .builder()
            .id(id)
            .title(title)
            .body(body)
            .show()
        {
            tracing::info!(%e, "no notification could be shown");
        }
    }
}

/// The notification's title and body.
fn words(spec: &JobSpec, result: &JobResult, lang: Lang) -> (String, String) {
    let prompt: String = spec.request.prompt.chars().take(80).collect();
    let (arrived, asked) = (result.videos.len(), result.requested);
    let title = match (lang, arrived) {
        (Lang::En, 0) => "Framecast: the job failed".to_owned(),
        (Lang::Zh, 0) => "Framecast：任务失败".to_owned(),
        (Lang::En, n) if n < usize::from(asked) => {
            format!("Framecast: {n} of {asked} videos ready")
        }
        (Lang::Zh, n) if n < usize::from(asked) => {
            format!("Framecast：{asked} 个视频中 {n} 个已完成")
        }
        (Lang::En, 1) => "Framecast: your video is ready".to_owned(),
        (Lang::En, n) => format!("Framecast: {n} videos are ready"),
        (Lang::Zh, n) => format!("Framecast：{n} 个视频已完成"),
    };
    let body = match (&result.error, arrived) {
        (Some(e), 0) => e.message(lang),
        _ => prompt,
    };
    (title, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use framecast_core::{Error, ErrorKind, GenerationRequest, JobId};

    #[test]
    fn notifications_say_what_happened_in_the_uis_language() {
        let spec = JobSpec {
            id: JobId::new(),
            request: GenerationRequest::text("a paper boat"),
            frames_sha256: Vec::new(),
            references_sha256: Vec::new(),
            save_dir: None,
            label: None,
        };
        let mut result = JobResult::failed(2, Error::new(ErrorKind::Quota));
        let (t, b) = words(&spec, &result, Lang::Zh);
        assert_eq!(t, "Framecast：任务失败");
        assert!(b.contains("余额不足"), "{b}");
        result.videos.push(framecast_core::VideoResult {
            index: 1,
            url: "https://x/1.mp4".into(),
            path: None,
            bytes: None,
            error: None,
            extra: false,
        });
        assert_eq!(
            words(&spec, &result, Lang::En).0,
            "Framecast: 1 of 2 videos ready"
        );
        result.requested = 1;
        assert_eq!(
            words(&spec, &result, Lang::En),
            (
                "Framecast: your video is ready".to_owned(),
                "a paper boat".to_owned()
            )
        );
    }
}
