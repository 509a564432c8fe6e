//! "Open with Framecast": images named on a command line go to the start (and end) slot.
//!
//! The first `framecast IMAGE [IMAGE]` keeps its images in [`Opened`] until the window asks for
//! them with `opened_files`. A second `framecast` while one runs hands its command line to the
//! running one (the single-instance plugin) and exits; [`forwarded`] offers those images the same
//! way, tells the window with the `open-files` event, and brings the window to the front. Either
//! way each path is registered in [`Drops`] by Rust first, so `drop_frame` accepts exactly the
//! paths a command line named, and still no other.
//!
//! Windows' "Open with" on two images starts two `framecast`s a moment apart, each handing over
//! one image. Their lists are merged, not replaced ([`crate::launch::merge_opened`]), and the
//! window is told [`GATHER`] after the first arrives, so it takes both at once: start and end.

use crate::launch::Launch;
use crate::state::{Drops, Opened};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager, Runtime, State};

/// The event that tells the window new images wait in `opened_files`.
pub const OPEN_FILES: &str = "open-files";

/// How long the launches that arrive together are gathered before the window is told.
pub const GATHER: Duration = Duration::from_millis(300);

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
    if let Launch::Open(images) = Launch::parse(argv.into_iter().skip(1), Path::new(&cwd))
        && !images.is_empty()
    {
        let opened = app.state::<Opened>();
        opened.open(&app.state::<Drops>(), images);
        if !opened.telling.swap(true, Ordering::SeqCst) {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep(GATHER).await;
                app.state::<Opened>().telling.store(false, Ordering::SeqCst);
                let _ = app.emit(OPEN_FILES, ());
            });
        }
    }
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Offers images to the window and tells it so at once (macOS hands over all of Finder's images
/// in one event).
#[cfg_attr(
    not(target_os = "macos"),
    expect(
        dead_code,
        reason = "macOS only; compiled everywhere so Linux checks it"
    )
)]
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
        assert_eq!(
            told.load(std::sync::atomic::Ordering::SeqCst),
            0,
            "told once gathered"
        );
        std::thread::sleep(GATHER * 3);
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
        std::thread::sleep(GATHER * 3);
        assert_eq!(told.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(opened_files(app.state()).is_empty());
    }

    #[test]
    fn images_handed_over_together_reach_the_window_together() {
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
        // "Open with" on two images in Windows' Explorer: one process each, a moment apart.
        for name in ["sea.png", "sky.png"] {
            let argv = vec!["framecast.exe".to_owned(), name.to_owned()];
            forwarded(app.handle(), argv, cwd.display().to_string());
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(GATHER * 3);
        assert_eq!(
            told.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "told once"
        );
        let given = opened_files(app.state());
        let expected = [cwd.join("sea.png"), cwd.join("sky.png")];
        assert_eq!(given, expected.map(|p| p.to_string_lossy().into_owned()));
    }
}
