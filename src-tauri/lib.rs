//! Framecast's desktop shell: the builder, its plugins, its state and its commands. Everything
//! that generates, prepares, downloads or records lives in the Tauri-free crates
//! (`framecast-core`, `framecast-library`); this crate only connects them to the window.

mod commands;
mod diagnostics;
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

use framecast_library::{Keys, Library};
use gateways::Gateways;
use state::{Drops, Folders, Opened};
use std::path::PathBuf;
use std::sync::Arc;
use tauri::{DragDropEvent, Manager, WindowEvent};

/// Starts the app, with `images` (from `framecast IMAGE [IMAGE]`) for the start and end slots,
/// and returns when it ends; an error when it could not start. If Framecast already runs, hands
/// the command line to it and exits instead.
pub fn run(images: Vec<PathBuf>) -> Result<(), tauri::Error> {
    let data_dir = framecast_library::location::data_dir().ok();
    let (recent, _log) = match &data_dir {
        Some(dir) => diagnostics::start(dir),
        None => (diagnostics::Recent::default(), None),
    };
    let app = tauri::Builder::default()
        // First, so a second instance exits before anything else starts.
        .plugin(tauri_plugin_single_instance::init(
            commands::open::forwarded,
        ))
        // Managed before any plugin runs, so a forwarded command line always finds them.
        .manage(Drops::default())
        .manage(Opened::default())
        .manage(recent)
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_window_state::Builder::default().build())
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
    // Linux plays from a loopback server whose port is taken now, before the window exists, so
    // the page's content security policy names exactly that port.
    #[cfg_attr(not(target_os = "linux"), allow(unused_mut))]
    let mut context = tauri::generate_context!();
    #[cfg(target_os = "linux")]
    let media_port = {
        let listener = media::loopback::bind()?;
        narrow_csp(&mut context, &listener);
        listener
    };
    let app = app.setup(move |app| {
        let library = Arc::new(open_library(app.handle())?);
        let folders = videos_folder(app.handle(), &library)?;
        let keys = Arc::new(Keys::new(library.dir()));
        #[cfg(target_os = "linux")]
        let media = tauri::async_runtime::block_on(async {
            media::loopback::serve(library.clone(), media_port)
        })?;
        #[cfg(not(target_os = "linux"))]
        let media = media::Media::scheme();
        let gateways = Gateways::from_env(library.clone(), keys);
        state::manage(app, library, gateways, media, folders);
        commands::batch::continue_batches(app.handle());
        notify::listen(app.handle());
        app.state::<Opened>().open(&app.state::<Drops>(), images);
        #[cfg(target_os = "linux")]
        if let Some(window) = app.get_webview_window("main") {
            software_rendering(&window);
        }
        Ok(())
    });
    app.build(context)?.run(on_run_event);
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

/// Narrows the page's content security policy to the media server's own port (see
/// `media::loopback::csp_for`).
#[cfg(target_os = "linux")]
fn narrow_csp(context: &mut tauri::Context<tauri::Wry>, media: &std::net::TcpListener) {
    use tauri::utils::config::Csp;
    let Ok(port) = media.local_addr().map(|a| a.port()) else {
        return;
    };
    let security = &mut context.config_mut().app.security;
    if let Some(csp) = &security.csp {
        security.csp = Some(Csp::Policy(media::loopback::csp_for(
            &csp.to_string(),
            port,
        )));
    }
}

/// Where new videos go: the folder chosen in Settings, else the OS's Videos folder's
/// `Framecast` (see `state::default_videos`).
fn videos_folder(
    app: &tauri::AppHandle,
    library: &Library,
) -> Result<Folders, Box<dyn std::error::Error>> {
    let chosen = library.setting(VIDEOS_SETTING)?.map(PathBuf::from);
    let default = state::default_videos(app.path().video_dir().ok(), app.path().home_dir().ok())
        .map_or_else(
            || app.path().app_data_dir().map(|d| d.join("Framecast")),
            Ok,
        )?;
    Ok(Folders::new(chosen, default))
}

/// The library setting that holds the videos folder chosen in Settings.
pub(crate) const VIDEOS_SETTING: &str = "videos_dir";

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
        app::copy_diagnostics,
        app::open_log_folder,
        settings::settings,
        settings::key_store,
        settings::save_profile,
        settings::remove_profile,
        settings::activate_profile,
        settings::test_connection,
        settings::start_demo,
        settings::leave_demo,
        settings::set_language,
        settings::choose_videos_dir,
        frames::drop_frame,
        frames::browse_frame,
        frames::paste_frame,
        frames::clear_frame,
        frames::frame_advice,
        frames::swap_frames,
        frames::frame_from_video,
        frames::reuse_frames,
        options::capabilities,
        options::route_capabilities,
        options::drop_reference,
        options::browse_reference,
        options::remove_reference,
        options::clear_references,
        options::reference_sets,
        options::save_reference_set,
        options::use_reference_set,
        options::remove_reference_set,
        options::reuse_references,
        jobs::start_job,
        jobs::cancel_job,
        jobs::discard_downloads,
        jobs::recent_jobs,
        jobs::resume_downloads,
        jobs::busy,
        batch::batch_plan_file,
        batch::batch_open_file,
        batch::batch_plan_text,
        batch::batch_start,
        batch::batch_watch,
        batch::batch_list,
        batch::batch_rows,
        batch::batch_act,
        batch::batch_retry,
        batch::batch_results,
        batch::batch_move,
        open::opened_files,
        library::library_page,
        library::library_count,
        library::library_models,
        library::library_job,
        library::set_favourite,
        library::delete_video,
        library::store_poster,
        prompt::prompt_help,
        prompt::cancel_prompt_help,
        storyboard::storyboard_list,
        storyboard::storyboard_create,
        storyboard::storyboard_rename,
        storyboard::storyboard_delete,
        storyboard::storyboard_shots,
        storyboard::shot_add,
        storyboard::shot_add_from_take,
        storyboard::shot_update,
        storyboard::shot_reorder,
        storyboard::shot_delete,
        storyboard::shot_choose,
        storyboard::storyboard_plan,
        storyboard::storyboard_generate,
        storyboard::storyboard_stop,
        storyboard::storyboard_export,
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
