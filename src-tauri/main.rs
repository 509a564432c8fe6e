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
