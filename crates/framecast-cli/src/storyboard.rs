//! `framecast-cli storyboard`: the storyboards made in the app, from the command line.
//!
//! - `list`: every storyboard, the most recently changed first (`--json`: one per line).
//! - `show ID`: its shots in order, each with its state, its chosen take and its cut.
//! - `export ID`: the chosen takes joined into one MP4 without re-encoding (`--out`) and the cut
//!   as OpenTimelineIO, FCPXML and CMX 3600 EDL (and each shot's cut as JSON), through
//!   `framecast_jobs::storyboard::export`
//!   (the app's Export… does the same).
//!
//! `ID` is a storyboard's id, its start or its last digits (as `list` shows), or its exact name. Exit status: 0 done, 2 a
//! storyboard not found or a cut that cannot be exported (nothing written), 1 anything else.

use crate::assemble::{Outputs, print_summary};
use crate::output::{json_line, pick};
use clap::{Args, Subcommand};
use framecast_core::text::{prefix, visible};
use framecast_core::{Error, ErrorKind, ErrorReport, Lang, Result};
use framecast_jobs::storyboard::{Exports, export};
use framecast_library::{Library, ShotRecord, Storyboard, VideoState};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct StoryboardArgs {
    #[command(subcommand)]
    command: StoryboardCommand,
}

#[derive(Subcommand)]
enum StoryboardCommand {
    /// Every storyboard, the most recently changed first.
    List {
        /// One JSON object per storyboard, per line.
        #[arg(long)]
        json: bool,
    },
    /// A storyboard's shots in order, with their takes.
    Show {
        /// The storyboard's id (or its start) or its name.
        id: String,
        /// The storyboard and its shots as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Join the chosen takes into one MP4 and export the cut for editors.
    Export {
        /// The storyboard's id (or its start) or its name.
        id: String,
        #[command(flatten)]
        outputs: Outputs,
        /// Print the result as one JSON object.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Shown<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    storyboard: &'a Storyboard,
    shots: &'a [ShotRecord],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Listed<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    storyboard: &'a Storyboard,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Done<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    joined: Option<&'a framecast_timeline::JoinReport>,
    exports: &'a [PathBuf],
}

pub fn run(args: &StoryboardArgs) -> ExitCode {
    let lang = Lang::from_env();
    let json = match &args.command {
        StoryboardCommand::List { json }
        | StoryboardCommand::Show { json, .. }
        | StoryboardCommand::Export { json, .. } => *json,
    };
    match command(&args.command, lang) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if json {
                json_line(&serde_json::json!({ "type": "error", "error": ErrorReport::from(&e) }));
            }
            eprintln!("{}", e.message(lang));
            match e.kind() {
                ErrorKind::InvalidInput => ExitCode::from(2),
                _ => ExitCode::FAILURE,
            }
        }
    }
}

fn command(command: &StoryboardCommand, lang: Lang) -> Result<()> {
    let library = Library::open_default()?;
    match command {
        StoryboardCommand::List { json } => {
            let boards = library.storyboards()?;
            for board in &boards {
                if *json {
                    json_line(&Listed {
                        kind: "storyboard",
                        storyboard: board,
                    });
                } else {
                    print_board(board, lang);
                }
            }
            if boards.is_empty() && !*json {
                eprintln!("{}", pick(lang, "No storyboards yet.", "还没有故事板。"));
            }
        }
        StoryboardCommand::Show { id, json } => {
            let board = find(&library, id)?;
            let shots = library.shots(&board.id)?;
            if *json {
                json_line(&Shown {
                    kind: "storyboard",
                    storyboard: &board,
                    shots: &shots,
                });
            } else {
                print_board(&board, lang);
                for shot in &shots {
                    print_shot(&library, shot, lang);
                }
            }
        }
        StoryboardCommand::Export { id, outputs, json } => {
            outputs.exports()?;
            let board = find(&library, id)?;
            let exports = Exports {
                mp4: outputs.out.clone(),
                otio: outputs.otio.clone(),
                fcpxml: outputs.fcpxml.clone(),
                edl: outputs.edl.clone(),
                shots: outputs.shots.clone(),
            };
            let exported = export(&library, &board.id, &exports)?;
            if *json {
                json_line(&Done {
                    kind: "result",
                    joined: exported.joined.as_ref(),
                    exports: &exported.written,
                });
            } else {
                print_summary(exported.joined.as_ref(), &exported.written, lang);
            }
        }
    }
    Ok(())
}

/// The storyboard `id` names: its id, its exact name, or the start or end of one id (`list`
/// shows the last eight digits, as job files do: a UUIDv7's start is its time).
fn find(library: &Library, id: &str) -> Result<Storyboard> {
    let boards = library.storyboards()?;
    if let Some(b) = boards.iter().find(|b| b.id == id || b.name == id) {
        return Ok(b.clone());
    }
    let starting: Vec<&Storyboard> = boards
        .iter()
        .filter(|b| id.len() >= 4 && (b.id.starts_with(id) || b.id.ends_with(id)))
        .collect();
    match starting.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(Error::invalid_input(
            format!("no storyboard is called or numbered “{id}”; `storyboard list` shows them"),
            format!("没有名为或编号为“{id}”的故事板；`storyboard list` 可列出全部"),
        )),
        _ => Err(Error::invalid_input(
            format!("“{id}” is part of several storyboards' ids; give more of it"),
            format!("“{id}”同时属于多个故事板的编号；请给出更长的编号"),
        )),
    }
}

fn print_board(board: &Storyboard, lang: Lang) {
    let when = chrono::DateTime::from_timestamp_millis(board.updated_at)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default();
    match lang {
        Lang::En => println!(
            "{}  {}  {} shots, {} chosen  {when}",
            short(&board.id),
            visible(&board.name),
            board.shots,
            board.chosen
        ),
        Lang::Zh => println!(
            "{}  {}  {} 个镜头，已选 {} 个  {when}",
            short(&board.id),
            visible(&board.name),
            board.shots,
            board.chosen
        ),
    }
}

/// The last eight digits of an id.
fn short(id: &str) -> &str {
    &id[id.len().saturating_sub(8)..]
}

fn print_shot(library: &Library, shot: &ShotRecord, lang: Lang) {
    let state = if shot.out_of_date {
        pick(lang, "out of date", "已过期")
    } else if shot.chosen.is_some() {
        pick(lang, "chosen", "已选定")
    } else if shot.takes.is_empty() {
        pick(lang, "no take", "无版本")
    } else {
        pick(lang, "not chosen", "未选定")
    };
    let continues = if shot.draft.continues && shot.position > 1 {
        pick(lang, " ↳ continues", " ↳ 接续")
    } else {
        ""
    };
    println!(
        "  {:>2}  {state}{continues}  {}",
        shot.position,
        visible(prefix(&shot.draft.prompt, 70))
    );
    let seconds =
        |ms: Option<u64>| ms.map_or_else(String::new, |v| format!("{:.3}", v as f64 / 1000.0));
    if let Some(take) = shot.chosen.as_deref().and_then(|v| library.video(v).ok()) {
        let file = match (&take.path, take.state) {
            (Some(p), VideoState::Saved) => p.display().to_string(),
            _ => take.url.clone(),
        };
        let cut = if shot.draft.in_ms.is_some() || shot.draft.out_ms.is_some() {
            format!(
                " @{}-{}",
                seconds(shot.draft.in_ms),
                seconds(shot.draft.out_ms)
            )
        } else {
            String::new()
        };
        println!("      {} {file}{cut}", pick(lang, "take", "版本"));
    }
}
