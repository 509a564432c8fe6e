//! Quitting while work runs: however the person asks Framecast to end, while a video is
//! generating or downloading it asks first (the window shows the choices and answers with the
//! `quit` command); otherwise it ends at once. [`decide`] is the one decision, for every way in:
//!
//! - **Closing the window** (its close button, Alt+F4, ⌘W): `WindowEvent::CloseRequested`.
//! - **⌘Q and the app menu's Quit** on macOS: the menu Tauri gives a macOS app sends AppKit's
//!   `terminate:`, which the event loop (tao 0.37) ends the process on without a word to the app
//!   (no `ExitRequested`; tauri#9198). So [`app_menu`] puts an item of Framecast's own, with the
//!   same title and ⌘Q, in its place.
//! - **An exit the event loop is asked for** without a code (`RunEvent::ExitRequested`): today
//!   only when the last window has gone, when there is no window left to ask in; if a later tao
//!   sends it for ⌘Q too, it is asked about as the menu is.
//!
//! The Dock's Quit, logging out and shutting down still reach `terminate:` on macOS and end the
//! app at once; as after a crash, the next start continues what was unfinished.

use crate::state::{Busy, Jobs};
use std::sync::Arc;
use tauri::{AppHandle, Emitter, Manager, Runtime};

/// The event that asks the window how to quit, with what is running.
pub const QUIT_REQUESTED: &str = "quit-requested";

/// How Framecast was asked to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// The window's close button (Alt+F4, ⌘W).
    CloseWindow,
    /// The person asked the app to quit: ⌘Q or the app menu's Quit on macOS, or an exit the
    /// event loop was asked for without a code.
    Quit,
    /// Framecast's own exit (`AppHandle::exit`, with a code), once the person has chosen.
    Chosen,
}

/// What to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Hold the exit and ask the window.
    Ask,
    /// Let Framecast end (or the window close).
    Go,
}

/// Ask only while something runs, only when the person asked (not for the exit their answer
/// makes), and only when there is a window to ask in.
pub fn decide(busy: Busy, request: Request, window: bool) -> Verdict {
    if busy.idle() || request == Request::Chosen || !window {
        Verdict::Go
    } else {
        Verdict::Ask
    }
}

/// Asks the window how to quit if [`decide`] says to; true when it was asked, and the exit (or
/// the close) is to be held.
pub fn ask<R: Runtime>(app: &AppHandle<R>, request: Request) -> bool {
    let Some(jobs) = app.try_state::<Arc<Jobs>>() else {
        return false;
    };
    let busy = jobs.busy();
    let window = app.get_webview_window("main");
    if decide(busy, request, window.is_some()) == Verdict::Go {
        return false;
    }
    // ⌘Q may come while the window is minimised or hidden.
    if let Some(window) = window.filter(|_| request == Request::Quit) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
    app.emit(QUIT_REQUESTED, busy).is_ok()
}

/// The id of Framecast's own Quit item in the macOS app menu.
pub const QUIT_ITEM: &str = "framecast-quit";

/// macOS: Tauri's default menu, with the app menu's Quit (its last item, which sends
/// `terminate:`) replaced by Framecast's own, which [`on_menu_event`] asks about first.
#[cfg_attr(
    not(target_os = "macos"),
    expect(
        dead_code,
        reason = "macOS only; compiled everywhere so Linux checks it"
    )
)]
pub fn app_menu<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<tauri::menu::Menu<R>> {
    use tauri::menu::{Menu, MenuItem, MenuItemKind};
    let menu = Menu::default(app)?;
    if let Some(MenuItemKind::Submenu(app_menu)) = menu.items()?.into_iter().next() {
        let items = app_menu.items()?;
        if let Some(MenuItemKind::Predefined(_)) = items.last() {
            app_menu.remove_at(items.len() - 1)?;
            let title = format!("Quit {}", app.package_info().name);
            app_menu.append(&MenuItem::with_id(
                app,
                QUIT_ITEM,
                title,
                true,
                Some("CmdOrCtrl+Q"),
            )?)?;
        }
    }
    Ok(menu)
}

/// macOS: Framecast's Quit item ends the app unless the window is asked first.
#[cfg_attr(
    not(target_os = "macos"),
    expect(
        dead_code,
        reason = "macOS only; compiled everywhere so Linux checks it"
    )
)]
pub fn on_menu_event<R: Runtime>(app: &AppHandle<R>, event: tauri::menu::MenuEvent) {
    if event.id() == QUIT_ITEM && !ask(app, Request::Quit) {
        app.exit(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_only_while_work_runs_when_the_person_asked_and_a_window_can_ask() {
        let idle = Busy::default();
        let generating = Busy {
            generating: 1,
            downloading: 0,
        };
        let downloading = Busy {
            generating: 0,
            downloading: 2,
        };
        for busy in [generating, downloading] {
            // The close button, and ⌘Q on macOS (or an exit asked for without a code).
            assert_eq!(decide(busy, Request::CloseWindow, true), Verdict::Ask);
            assert_eq!(decide(busy, Request::Quit, true), Verdict::Ask);
            // The person chose "quit now" or "when done": that exit goes.
            assert_eq!(decide(busy, Request::Chosen, true), Verdict::Go);
            // The last window has gone (the event loop's own exit request): nothing to ask in.
            assert_eq!(decide(busy, Request::Quit, false), Verdict::Go);
        }
        for request in [Request::CloseWindow, Request::Quit, Request::Chosen] {
            assert_eq!(decide(idle, request, true), Verdict::Go, "{request:?}");
        }
    }
}
