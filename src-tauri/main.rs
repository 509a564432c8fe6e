// No console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use framecast_app::launch::{self, Launch};

fn main() {
    #[cfg(target_os = "linux")]
    size_the_script_heap();
    let cwd = std::env::current_dir().unwrap_or_default();
    match Launch::parse(std::env::args_os().skip(1), &cwd) {
        Launch::Version => println!("framecast {}", env!("CARGO_PKG_VERSION")),
        Launch::Help => print!("{}", launch::help(framecast_core::Lang::from_env())),
        Launch::Open(images) => framecast_app::run(images),
    }
}

/// WebKitGTK's JavaScript engine sizes its heap from the machine's memory: on a desktop with
/// gigabytes to spare it lets the window's garbage grow by a hundred megabytes and more before it
/// collects (scrolling the library from its first job to its last: +30 %). The window's live
/// objects take a few tens of megabytes, so the engine is told to size its heap as on a machine
/// with 1 GiB, which brought that scroll's growth to 4–13 % at the same speed
/// (docs/benchmarks.md).
/// The web process inherits the setting; an explicit `JSC_forceRAMSize` is left alone.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn size_the_script_heap() {
    const VAR: &str = "JSC_forceRAMSize";
    if std::env::var_os(VAR).is_none() {
        // SAFETY: the first thing `main` does: no other thread exists yet to read the environment.
        unsafe { std::env::set_var(VAR, (1u64 << 30).to_string()) };
    }
}
