//! One path for a job, below both front ends. The desktop app's commands, the CLI's `generate`
//! and `resume` (and batch runs and storyboards) start and recover jobs only through here,
//! so the rules that cost money or leak keys are written once:
//!
//! - [`target`]: where a job goes and with which key — the environment's (or a flag's) one-off
//!   settings over the active profile over the defaults, and, for a job recorded earlier, only
//!   the key that job was sent with;
//! - [`start`]: a job checked, recorded before anything is sent, then run with every event
//!   passing the library's recorder before anyone sees it; a [`Starter`] holds what a run of
//!   many jobs starts each with;
//! - [`recover`]: what a process that stopped left unfinished, watched and downloaded again with
//!   the job's own gateway, key and proxy, never re-sent;
//! - [`batch`]: a file of prompts as a queue of such jobs, each row sent once;
//! - [`storyboard`]: a storyboard's shots as such jobs, in order where one continues from
//!   another, and its chosen takes exported;
//! - [`prompt`]: prompt help, a text model on the same gateway with the same key, each call
//!   recorded in the ledger once it answers.
//!
//! Everything here is plain Rust over the engine and the library: no Tauri, no terminal.

pub mod batch;
pub mod prompt;
pub mod recover;
pub mod start;
pub mod storyboard;
pub mod target;

pub use recover::{Resumed, resume};
pub use start::{Draft, Started, Starter, begin};
pub use target::{Overrides, Target, TextTarget};
