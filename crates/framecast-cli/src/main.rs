//! `framecast-cli`: Framecast's engine from the command line, for scripting and batch work.
//!
//! It shares everything with the desktop app (request, stream, classification, downloads, the
//! library); this crate only reads arguments and prints. Every job is recorded in the library
//! that the desktop app uses too (`FRAMECAST_DATA_DIR` moves it), before its request is sent.
//!
//! - `generate`: one job. With `--json`, stdout is one JSON object per line, each with the job's
//!   `jobId`, the last always `{"type":"result",...}`; without it, a live progress bar and a
//!   readable summary. Exit status: 0 when every requested video arrived (and was saved, unless
//!   `--no-download`), 2 for invalid input (nothing was sent), 3 for a partial result, 130 when
//!   interrupted, 1 otherwise.
//! - `history`: the library's jobs, newest first (by prompt, model, date, favourites).
//! - `spend`: what was delivered and what it cost, by month or day and model.
//! - `resume`: finishes what a Framecast that stopped left unfinished; never re-sends a request.
//! - `profile`: the gateway profiles (base URL, key, proxy) shared with the desktop app.
//! - `batch`: a file of prompts as a queue, planned before money, each row sent once.
//! - `assemble`: takes joined into one MP4 without re-encoding, and the cut exported as
//!   OpenTimelineIO, FCPXML and CMX 3600 EDL.
//! - `storyboard`: the app's storyboards listed and shown, and their chosen takes exported.
//! - `prompt`: prompt help — improve, translate, or turn an idea into shots — with a text model
//!   on the same gateway and key.

mod assemble;
mod batch;
mod frames;
mod gateway;
mod generate;
mod history;
mod output;
mod profile;
mod prompt;
mod resume;
mod spend;
mod storyboard;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "framecast-cli",
    version,
    about = "Generate videos with Veo through a chat-completions gateway"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate 1–4 videos from a prompt and/or a start (and end) frame, and save them.
    Generate(generate::GenerateArgs),
    /// List the library's jobs, newest first, with their videos.
    History(history::HistoryArgs),
    /// What was delivered and what it cost, by month (or by day of one month) and model.
    Spend(spend::SpendArgs),
    /// Finish the downloads a Framecast that stopped (a crash, a kill, a quit) left unfinished.
    Resume(resume::ResumeArgs),
    /// Manage gateway profiles (shared with the desktop app).
    Profile(profile::ProfileArgs),
    /// Run a file of prompts as a queue: planned first, each row sent once, continued if run again.
    Batch(batch::BatchArgs),
    /// Join takes into one MP4 without re-encoding, and export the cut for editors.
    Assemble(assemble::AssembleArgs),
    /// Prompt help: improve or translate a prompt, or turn an idea into shots, with a text model
    /// on the same gateway.
    Prompt(prompt::PromptArgs),
    /// The storyboards made in the app: list them, show one's shots, export its cut.
    Storyboard(storyboard::StoryboardArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // One job at a time: a single-threaded runtime keeps the HTTP connection's task and the
    // stream reader on one thread, with no cross-thread wake-up per network read (8× faster on
    // a 25 MB stream). Frame decoding still runs on the blocking pool, two frames in parallel.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("framecast-cli: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match cli.command {
        Command::Generate(args) => runtime.block_on(generate::run(args)),
        Command::History(args) => history::run(&args),
        Command::Spend(args) => spend::run(&args),
        Command::Resume(args) => runtime.block_on(resume::run(args)),
        Command::Profile(args) => runtime.block_on(profile::run(args)),
        Command::Batch(args) => runtime.block_on(batch::run(args)),
        Command::Assemble(args) => assemble::run(&args),
        Command::Prompt(args) => runtime.block_on(prompt::run(args)),
        Command::Storyboard(args) => storyboard::run(&args),
    }
}
