//! Framecast's desktop shell: the builder, its plugins, its state and its commands. Everything
//! that generates, prepares, downloads or records lives in the Tauri-free crates
//! (`framecast-core`, `framecast-library`); this crate only connects them to the window.

mod commands;
mod dialogs;
mod error;
mod gateways;
pub mod launch;
mod media;
mod notify;
mod quit;
mod state;

#[cfg(test)]
mod bindings;

use commands::jobs::Recovered;
use framecast_library::{Keys, Library};
use gateways::Gateways;
use media::Media;
use state::{Drops, Folders, Frames, Jobs, Opened};
use std::path::PathBuf;
use std::sync::Arc;
use tauri::{DragDropEvent, Manager, WindowEvent};

/// Starts the app, with `images` (from `framecast IMAGE [IMAGE]`) for the start and end slots,
/// and returns when it ends; an error when it could not start. If Framecast already runs, hands
/// the command line to it and exits instead.
pub fn run(images: Vec<PathBuf>) -> Result<(), tauri::Error> {
    let app = tauri::Builder::default()
        // First, so a second instance exits before anything else starts.
        .plugin(tauri_plugin_single_instance::init(
            commands::open::forwarded,
        ))
        // Managed before any plugin runs, so a forwarded command line always finds them.
        .manage(Drops::default())
        .manage(Opened::default())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .setup(|app| {
            let default_videos = app
                .path()
                .video_dir()
                .or_else(|_| app.path().app_data_dir())
                .map(|d| d.join("Framecast"))?;
            let library = Arc::new(open_library(app.handle())?);
            let keys = Arc::new(Keys::new(library.dir()));
            // Take over what a Framecast that stopped left unfinished; the window continues
            // its downloads once it has listed the jobs (commands::jobs::resume_downloads).
            let recovered = library.recover().unwrap_or_else(|e| {
                tracing::error!(%e, "recovery failed");
                Vec::new()
            });
            #[cfg(target_os = "linux")]
            let media = tauri::async_runtime::block_on(Media::loopback(library.clone()))?;
            #[cfg(not(target_os = "linux"))]
            let media = Media::scheme();
            app.manage(Folders::from_env(default_videos));
            app.manage(Arc::new(Gateways::from_env(library.clone(), keys)));
            app.manage(library);
            app.manage(Recovered::new(recovered));
            app.manage(Arc::new(media));
            app.manage(Arc::new(Jobs::default()));
            app.manage(Arc::new(notify::Shown::default()));
            notify::listen(app.handle());
            app.manage(Frames::default());
            app.state::<Opened>().open(&app.state::<Drops>(), images);
            #[cfg(target_os = "linux")]
            if let Some(window) = app.get_webview_window("main") {
                software_rendering(&window);
            }
            Ok(())
        })
        .on_window_event(|window, event| match event {
            WindowEvent::CloseRequested { api, .. }
                if quit::ask(window.app_handle(), quit::Request::CloseWindow) =>
            {
                api.prevent_close();
            }
            WindowEvent::DragDrop(DragDropEvent::Drop { paths, .. }) => {
                if let Some(drops) = window.try_state::<Drops>() {
                    drops.dropped(paths);
                }
            }
            _ => {}
        })
        .invoke_handler(handlers());
    // Saved videos play through the app's own URI scheme, except on Linux (media/mod.rs says why).
    #[cfg(not(target_os = "linux"))]
    let app =
        app.register_asynchronous_uri_scheme_protocol(media::scheme::SCHEME, media::scheme::serve);
    // ⌘Q asks first while work runs, as closing the window does (quit.rs).
    #[cfg(target_os = "macos")]
    let app = app.menu(quit::app_menu).on_menu_event(quit::on_menu_event);
    app.build(tauri::generate_context!())?.run(on_run_event);
    Ok(())
}

/// The app's own events: an exit the event loop was asked for (asked about first while work
/// runs, quit.rs), and on macOS the files opened from the Finder ("Open With", a drop on the Dock
/// icon), which come to the running app as an event, not as arguments.
fn on_run_event(app: &tauri::AppHandle, event: tauri::RunEvent) {
    match event {
        tauri::RunEvent::ExitRequested { code, api, .. } => {
            let request = match code {
                Some(_) => quit::Request::Chosen,
                None => quit::Request::Quit,
            };
            if quit::ask(app, request) {
                api.prevent_exit();
            }
        }
        #[cfg(target_os = "macos")]
        tauri::RunEvent::Opened { urls } => {
            let images = urls
                .iter()
                .filter_map(|u| u.to_file_path().ok())
                .take(launch::MAX_IMAGES)
                .collect();
            commands::open::offer(app, images);
        }
        _ => {}
    }
}

/// Opens the library; if it cannot be opened, says so in a dialog before giving up, because a
/// Framecast that cannot record its jobs must not send any.
fn open_library(app: &tauri::AppHandle) -> Result<Library, Box<dyn std::error::Error>> {
    Library::open_default().map_err(|e| {
        use tauri_plugin_dialog::{DialogExt, MessageDialogKind};
        let error = framecast_core::Error::from(e);
        let text = format!(
            "{}\n\n{}",
            error.message(framecast_core::Lang::En),
            error.message(framecast_core::Lang::Zh)
        );
        app.dialog()
            .message(&text)
            .title("Framecast")
            .kind(MessageDialogKind::Error)
            .blocking_show();
        text.into()
    })
}

/// Renders the page without WebKitGTK's accelerated compositing. The UI is a form and a few video
/// tiles; compositing layers cost about 100 MB of memory at idle here (docs/benchmarks.md), and
/// they are also what fails on some Linux GPU drivers (a blank window). Video still plays.
///
/// The page's resources all come from this machine (the bundle, and videos and posters from the
/// loopback media server), so WebKit's in-memory cache is kept as small as for a local document:
/// scrolling through thousands of posters must not keep every one of them decoded.
#[cfg(target_os = "linux")]
fn software_rendering(window: &tauri::WebviewWindow) {
    use webkit2gtk::{
        CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
    };
    let _ = window.with_webview(|webview| {
        let view = webview.inner();
        if let Some(settings) = view.settings() {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
        if let Some(context) = view.context() {
            context.set_cache_model(CacheModel::DocumentViewer);
        }
    });
}

fn handlers() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    use commands::*;
    tauri::generate_handler![
        app::app_info,
        app::quit,
        settings::settings,
        settings::key_store,
        settings::save_profile,
        settings::remove_profile,
        settings::activate_profile,
        settings::test_connection,
        settings::start_demo,
        settings::leave_demo,
        settings::set_language,
        frames::drop_frame,
        frames::browse_frame,
        frames::paste_frame,
        frames::clear_frame,
        frames::swap_frames,
        frames::frame_from_video,
        frames::reuse_frames,
        jobs::start_job,
        jobs::cancel_job,
        jobs::discard_downloads,
        jobs::recent_jobs,
        jobs::resume_downloads,
        jobs::busy,
        open::opened_files,
        library::library_page,
        library::library_models,
        library::library_job,
        library::set_favourite,
        library::delete_video,
        library::store_poster,
        spend::spend_report,
        spend::set_budget,
        spend::export_ledger,
        videos::save_video,
        videos::save_all,
        videos::reveal_video,
        videos::copy_link,
        videos::copy_text,
        test_hooks::test_drop,
        test_hooks::test_close,
    ]
}
