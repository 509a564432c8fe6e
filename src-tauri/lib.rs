//! Framecast's desktop shell: the builder, its plugins, its state and its commands. Everything
//! that generates, prepares or downloads lives in `framecast-core`; this crate only connects it
//! to the window.

mod commands;
mod dialogs;
mod error;
mod media;
mod state;

#[cfg(test)]
mod bindings;

use media::Media;
use state::{Downloads, Frames, Jobs, Settings, Videos};
use std::sync::Arc;
use tauri::Manager;

/// Starts the app.
pub fn run() {
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .setup(|app| {
            let default_library = app
                .path()
                .video_dir()
                .or_else(|_| app.path().app_data_dir())
                .map(|d| d.join("Framecast"))?;
            let settings = Settings::from_env(default_library);
            let media = tauri::async_runtime::block_on(Media::start(settings.library_dir.clone()))?;
            app.manage(settings);
            app.manage(Arc::new(media));
            app.manage(Downloads::new()?);
            app.manage(Arc::new(Jobs::default()));
            app.manage(Arc::new(Videos::default()));
            app.manage(Frames::default());
            #[cfg(target_os = "linux")]
            if let Some(window) = app.get_webview_window("main") {
                software_rendering(&window);
            }
            Ok(())
        })
        .invoke_handler(handlers());
    if let Err(e) = app.run(tauri::generate_context!()) {
        eprintln!("Framecast could not start: {e}");
        std::process::exit(1);
    }
}

/// Renders the page without WebKitGTK's accelerated compositing. The UI is a form and a few video
/// tiles; compositing layers cost about 100 MB of memory at idle here (docs/benchmarks.md), and
/// they are also what fails on some Linux GPU drivers (a blank window). Video still plays.
#[cfg(target_os = "linux")]
fn software_rendering(window: &tauri::WebviewWindow) {
    use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
    let _ = window.with_webview(|webview| {
        if let Some(settings) = webview.inner().settings() {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    });
}

fn handlers() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    use commands::*;
    tauri::generate_handler![
        app::app_info,
        frames::drop_frame,
        frames::browse_frame,
        frames::paste_frame,
        frames::clear_frame,
        frames::swap_frames,
        jobs::start_job,
        jobs::cancel_job,
        videos::save_video,
        videos::save_all,
        videos::reveal_video,
        videos::copy_link,
        videos::copy_text,
        test_hooks::test_drop,
    ]
}
