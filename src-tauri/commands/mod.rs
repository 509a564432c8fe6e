//! The commands the web side may invoke, one module per area. Each fetches state, calls the core,
//! and maps the error; arguments are validated here, on the Rust side.

pub mod app;
pub mod batch;
pub mod frames;
pub mod jobs;
pub mod library;
pub mod open;
pub mod options;
pub mod prompt;
pub mod settings;
pub mod spend;
pub mod storyboard;
pub mod test_hooks;
pub mod videos;
