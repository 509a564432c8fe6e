//! "Open with Framecast": images named on a command line go to the start (and end) slot.
//!
//! The first `framecast IMAGE [IMAGE]` keeps its images in [`Opened`] until the window asks for
//! them with `opened_files`. A second `framecast` while one runs hands its command line to the
//! running one (the single-instance plugin) and exits; [`forwarded`] offers those images the same
//! way, tells the window with the `open-files` event, and brings the window to the front. Either
//! way each path is registered in [`Drops`] by Rust first, so `drop_frame` accepts exactly the
//! paths a command line named, and still no other.

use crate::launch::Launch;
use crate::state::{Drops, Opened};
use std::path::{Path, PathBuf};
use tauri::{AppHandle, Emitter, Manager, Runtime, State};

/// The event that tells the window new images wait in `opened_files`.
pub const OPEN_FILES: &str = "open-files";

/// The images named on a command line that the window has not taken yet, start frame first.
#[tauri::command]
pub fn opened_files(opened: State<'_, Opened>) -> Vec<String> {
    opened
        .take()
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect()
}

/// A second `framecast` started while this one runs: `argv` is its command line (the program
/// first) and `cwd` its working directory.
pub fn forwarded<R: Runtime>(app: &AppHandle<R>, argv: Vec<String>, cwd: String) {
    if let Launch::Open(images) = Launch::parse(argv.into_iter().skip(1), Path::new(&cwd)) {
        offer(app, images);
    }
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Offers images to the window and tells it so.
pub fn offer<R: Runtime>(app: &AppHandle<R>, images: Vec<PathBuf>) {
    if images.is_empty() {
        return;
    }
    app.state::<Opened>().open(&app.state::<Drops>(), images);
    let _ = app.emit(OPEN_FILES, ());
}

#[cfg(test)]
mod tests {
    use super::*;
    use tauri::Listener;
    use tauri::test::{mock_builder, mock_context, noop_assets};

    #[test]
    fn forwarded_images_are_registered_then_given_to_the_window_once() {
        let app = mock_builder()
            .manage(Drops::default())
            .manage(Opened::default())
            .build(mock_context(noop_assets()))
            .unwrap();
        let told = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = told.clone();
        app.listen_any(OPEN_FILES, move |_| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        });
        let cwd = std::env::temp_dir();
        // An absolute path elsewhere (built from the temporary directory, so it has a drive
        // letter on Windows too).
        let sky = cwd.join("elsewhere").join("sky.jpg");
        let sky_arg = sky.to_string_lossy().into_owned();
        let argv = [
            "/usr/bin/framecast",
            "--some-flag",
            "sea.png",
            sky_arg.as_str(),
            "x.png",
        ]
        .map(|s| s.to_owned());

        forwarded(app.handle(), argv.to_vec(), cwd.display().to_string());

        let sea = cwd.join("sea.png");
        let drops = app.state::<Drops>();
        assert!(drops.was_dropped(&sea) && drops.was_dropped(&sky));
        assert!(!drops.was_dropped(&cwd.join("x.png")), "only two are taken");
        assert!(!drops.was_dropped(Path::new("/usr/bin/framecast")));
        assert_eq!(told.load(std::sync::atomic::Ordering::SeqCst), 1);
        let given = opened_files(app.state());
        assert_eq!(
            given,
            [sea.to_string_lossy(), sky.to_string_lossy()].map(|s| s.into_owned())
        );
        assert!(opened_files(app.state()).is_empty(), "given out once");

        // `framecast --version` or a bare `framecast` brings the window forward, offers nothing.
        for argv in [vec!["framecast", "--version"], vec!["framecast"]] {
            forwarded(
                app.handle(),
                argv.into_iter().map(str::to_owned).collect(),
                "/".to_owned(),
            );
        }
        assert_eq!(told.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(opened_files(app.state()).is_empty());
    }
}
