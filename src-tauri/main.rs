// No console window on Windows in release builds (`tell` says how it still reaches a terminal).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use framecast_app::launch::{self, Launch};

fn main() {
    #[cfg(target_os = "linux")]
    size_the_script_heap();
    let cwd = std::env::current_dir().unwrap_or_default();
    match Launch::parse(std::env::args_os().skip(1), &cwd) {
        Launch::Version => tell(&format!("framecast {}\n", env!("CARGO_PKG_VERSION")), false),
        Launch::Help => tell(&launch::help(framecast_core::Lang::from_env()), false),
        Launch::Open(images) => {
            if let Err(e) = framecast_app::run(images) {
                tell(&format!("Framecast could not start: {e}\n"), true);
                std::process::exit(1);
            }
        }
    }
}

/// Says `text` on the terminal Framecast was started from: on standard output, or on standard
/// error when the start `failed`.
fn tell(text: &str, failed: bool) {
    #[cfg(windows)]
    tell_on_windows(text, failed);
    #[cfg(not(windows))]
    if failed {
        eprint!("{text}");
    } else {
        print!("{text}");
    }
}

/// A Windows release build is a GUI program: started from a terminal it gets no console, so what
/// it printed went nowhere (`framecast --version` said nothing). It attaches to the console of
/// the terminal that started it, if there is one, before printing. A start that failed (no
/// WebView2, a library that cannot be opened) with no terminal to say so in — started from the
/// Start menu or Explorer's "Open with" — says so in a message box instead of vanishing.
#[cfg(windows)]
#[allow(unsafe_code)]
fn tell_on_windows(text: &str, failed: bool) {
    use windows_sys::Win32::System::Console::{ATTACH_PARENT_PROCESS, AttachConsole};
    use windows_sys::Win32::UI::WindowsAndMessaging::{MB_ICONERROR, MB_OK, MessageBoxW};
    // SAFETY: AttachConsole takes a process id, no pointer; it fails, changing nothing, when the
    // parent has no console or this process has one already (a debug build).
    let in_a_terminal = unsafe { AttachConsole(ATTACH_PARENT_PROCESS) } != 0;
    if failed {
        eprint!("{text}");
    } else {
        print!("{text}");
    }
    if failed && !in_a_terminal && !cfg!(debug_assertions) {
        let wide = |s: &str| s.encode_utf16().chain([0]).collect::<Vec<u16>>();
        let (message, title) = (wide(text.trim_end()), wide("Framecast"));
        // SAFETY: both pointers are to NUL-terminated UTF-16 buffers that live until the call
        // returns; a null owner window is allowed.
        unsafe {
            MessageBoxW(
                std::ptr::null_mut(),
                message.as_ptr(),
                title.as_ptr(),
                MB_OK | MB_ICONERROR,
            )
        };
    }
}

/// WebKitGTK's JavaScript engine sizes its heap from the machine's memory and, for a heap as
/// small as the window's (a few tens of megabytes), lets the garbage double it, and at least 32 MB
/// more, before it collects. Objects the page drops hold more than their own size (elements,
/// decoded images, answers from the backend), so reading the library screen by screen grew the
/// web process by 60 % between collections. The engine is told instead to size its heap as on a
/// machine with 1 GiB, to collect once the heap is a quarter bigger than what survived the last
/// collection, and to allow 4 MB between collections: the same scroll stays within about 10 % of
/// where it started (docs/benchmarks.md). The web process inherits the settings; any already set
/// in the environment is left alone.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn size_the_script_heap() {
    const SETTINGS: [(&str, &str); 3] = [
        ("JSC_forceRAMSize", "1073741824"),
        ("JSC_smallHeapGrowthFactor", "1.25"),
        ("JSC_largeHeapSize", "4194304"),
    ];
    for (name, value) in SETTINGS {
        if std::env::var_os(name).is_none() {
            // SAFETY: the first thing `main` does: no other thread exists yet to read the
            // environment.
            unsafe { std::env::set_var(name, value) };
        }
    }
}
