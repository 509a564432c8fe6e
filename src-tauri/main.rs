// No console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use framecast_app::launch::{self, Launch};

fn main() {
    let cwd = std::env::current_dir().unwrap_or_default();
    match Launch::parse(std::env::args_os().skip(1), &cwd) {
        Launch::Version => println!("framecast {}", env!("CARGO_PKG_VERSION")),
        Launch::Help => print!("{}", launch::help(framecast_core::Lang::from_env())),
        Launch::Open(images) => framecast_app::run(images),
    }
}
