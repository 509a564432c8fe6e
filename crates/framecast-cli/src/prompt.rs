//! `framecast-cli prompt`: prompt help from the command line — `improve` a prompt along Google's
//! Veo guide, `translate` it between Chinese and English, or turn an idea into a storyboard's
//! `shots` — with a text model on the same gateway, key and proxy `generate` would use.
//!
//! Without `--json` the suggestion streams to stdout as it is written (the shots as a numbered
//! list), and the model, tokens and cost go to stderr. With `--json`, stdout is one JSON object
//! per line: `{"type":"suggestion","action","model","text","shots","usage","usd"}`. Each call
//! is recorded in the ledger (`framecast-cli spend`, "Prompt help"). Exit status: 0, 2 for
//! invalid input (nothing was sent), 130 when interrupted, 1 otherwise.

use crate::gateway::GatewayArgs;
use crate::output::{json_line, pick};
use clap::{Args, Subcommand, ValueEnum};
use framecast_core::prompt::{Action, Help, PromptEvent};
use framecast_core::{CancellationToken, Error, ErrorKind, Lang};
use framecast_library::{Keys, Library};
use serde::Serialize;
use std::io::{Read, Write};
use std::process::ExitCode;

#[derive(Args)]
pub struct PromptArgs {
    #[command(subcommand)]
    command: PromptCommand,
}

#[derive(Subcommand)]
enum PromptCommand {
    /// Rewrite a prompt along Veo's guide (subject, action, style, camera, light, sound), in its
    /// own language.
    Improve {
        /// The prompt, or `-` to read it from standard input.
        text: String,
        #[command(flatten)]
        common: Common,
    },
    /// Translate a prompt between Chinese and English.
    Translate {
        /// The prompt, or `-` to read it from standard input.
        text: String,
        /// The language to translate into (default: English for a Chinese prompt, else Chinese).
        #[arg(long, value_name = "en|zh")]
        to: Option<LangArg>,
        #[command(flatten)]
        common: Common,
    },
    /// Turn one idea into a storyboard's shots, each with its prompt and what it continues.
    Shots {
        /// The idea, e.g. "a paper boat's journey from a gutter to the sea", or `-`.
        idea: String,
        /// How many shots (1–12; default: as many as the idea needs).
        #[arg(long, value_name = "N")]
        count: Option<u8>,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Args)]
struct Common {
    /// The text model (default: the profile's choice, else the first chat model the gateway lists).
    #[arg(long, value_name = "MODEL")]
    model: Option<String>,
    /// Print one JSON object per line instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    gateway: GatewayArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum LangArg {
    En,
    Zh,
}

#[derive(Serialize)]
struct Line<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    help: &'a Help,
}

pub async fn run(args: PromptArgs) -> ExitCode {
    let lang = Lang::from_env();
    let (action, text, common) = match args.command {
        PromptCommand::Improve { text, common } => (Action::Improve, text, common),
        PromptCommand::Translate { text, to, common } => (
            Action::Translate {
                to: to.map(|t| match t {
                    LangArg::En => Lang::En,
                    LangArg::Zh => Lang::Zh,
                }),
            },
            text,
            common,
        ),
        PromptCommand::Shots {
            idea,
            count,
            common,
        } => (Action::Shots { count }, idea, common),
    };
    let text = match read_text(text) {
        Ok(t) => t,
        Err(e) => return fail(&e, lang),
    };
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.cancel();
        }
    });
    match call(action, &text, &common, &cancel, lang).await {
        Ok(help) => {
            show(&help, common.json, lang);
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e, lang),
    }
}

/// The text as given, or standard input for `-`.
fn read_text(text: String) -> Result<String, Error> {
    if text != "-" {
        return Ok(text);
    }
    let mut read = String::new();
    std::io::stdin().read_to_string(&mut read).map_err(|e| {
        Error::invalid_input(
            format!("standard input cannot be read: {e}"),
            format!("无法读取标准输入：{e}"),
        )
    })?;
    Ok(read)
}

async fn call(
    action: Action,
    text: &str,
    common: &Common,
    cancel: &CancellationToken,
    lang: Lang,
) -> Result<Help, Error> {
    let library = Library::open_default()?;
    let keys = Keys::new(library.dir());
    library.move_proxy_passwords(&keys)?;
    let overrides = common.gateway.overrides()?;
    let target = framecast_jobs::target::for_text(&library, &keys, &overrides)?;
    let streams = !common.json && !matches!(action, Action::Shots { .. });
    let mut emit = |event: PromptEvent| match event {
        PromptEvent::Model { model } if !common.json => eprintln!(
            "{}",
            match lang {
                Lang::En => format!("Asking {model}…"),
                Lang::Zh => format!("正在询问 {model}……"),
            }
        ),
        PromptEvent::Delta { text } if streams => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        }
        _ => {}
    };
    framecast_jobs::prompt::help(
        &library,
        &target,
        common.model.as_deref(),
        action,
        text,
        cancel,
        &mut emit,
    )
    .await
}

fn show(help: &Help, json: bool, lang: Lang) {
    if json {
        json_line(&Line {
            kind: "suggestion",
            help,
        });
        return;
    }
    if matches!(help.action, Action::Shots { .. }) {
        for (i, shot) in help.shots.iter().enumerate() {
            println!("{}. {}", i + 1, shot.prompt);
            if let Some(from) = shot.continues_from {
                println!(
                    "   {}",
                    match lang {
                        Lang::En => format!("(continues from shot {})", from + 1),
                        Lang::Zh => format!("（接续第 {} 个镜头）", from + 1),
                    }
                );
            }
        }
    } else {
        println!();
    }
    eprintln!("{}", cost_line(help, lang));
}

/// `gpt-4o-mini · 168 tokens · $0.0001`, or the tokens alone when no price is set.
fn cost_line(help: &Help, lang: Lang) -> String {
    let tokens = help.usage.map(|u| u.total_tokens);
    let mut parts = vec![help.model.clone()];
    match tokens {
        Some(n) => parts.push(match lang {
            Lang::En => format!("{n} tokens"),
            Lang::Zh => format!("{n} 个 token"),
        }),
        None => parts.push(pick(lang, "tokens not reported", "网关未报告 token 数").to_owned()),
    }
    parts.push(match help.usd {
        Some(usd) => format!("${usd:.4}"),
        None => pick(lang, "no token price set", "未设置 token 价格").to_owned(),
    });
    parts.join(" · ")
}

fn fail(e: &Error, lang: Lang) -> ExitCode {
    eprintln!("{}", e.message(lang));
    match e.kind() {
        ErrorKind::InvalidInput => ExitCode::from(2),
        ErrorKind::Cancelled => ExitCode::from(130),
        _ => ExitCode::FAILURE,
    }
}
