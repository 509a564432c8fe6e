//! `framecast-cli profile`: the gateway profiles the desktop app uses too — add, list, use, test,
//! remove. Keys go to the OS's credential store (or a file only the user can read), never to the
//! database, and are never printed: `list` shows only their last four characters.

use crate::output::{json_line, pick};
use clap::{Args, Subcommand};
use framecast_core::request::DEFAULT_BASE_URL;
use framecast_core::{AuthScheme, Credentials, Error, Lang};
use framecast_library::{Keys, Library, ProfileDraft};
use secrecy::{ExposeSecret, SecretString};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Args)]
pub struct ProfileArgs {
    #[command(subcommand)]
    command: ProfileCommand,
}

#[derive(Subcommand)]
enum ProfileCommand {
    /// Add a profile (it becomes the active one if none is).
    Add(AddArgs),
    /// List the profiles; the key is shown only by its last four characters.
    List {
        /// One JSON object per profile, per line.
        #[arg(long)]
        json: bool,
    },
    /// Make a profile the one `generate` (and the app) uses.
    Use { name: String },
    /// Test a profile's gateway, proxy and key (the active one when no name is given).
    Test {
        name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Remove a profile and its key.
    Remove { name: String },
}

#[derive(Args)]
struct AddArgs {
    #[arg(long)]
    name: String,
    /// The gateway's base URL.
    #[arg(long, value_name = "URL", default_value = DEFAULT_BASE_URL)]
    base_url: String,
    #[command(flatten)]
    key: KeyArgs,
    /// Send the key as `Bearer <key>` instead of the bare key.
    #[arg(long)]
    bearer: bool,
    /// `system` (the default), `none`, or a proxy URL (http://, https://, socks5://).
    #[arg(long, value_name = "URL", default_value = "system")]
    proxy: String,
    /// How videos are made: `stream` (the chat-completions stream, the default), `task`
    /// (`/v1/videos`: create, poll, fetch) or `unified` (`/v1/video/create` and
    /// `/v1/video/query`).
    #[arg(long, value_name = "stream|task|unified")]
    route: Option<crate::gateway::RouteArg>,
    /// The same as `--route task` (kept for scripts written before --route).
    #[arg(long, hide = true, conflicts_with = "route")]
    task_route: bool,
}

/// Where a key comes from on the command line.
#[derive(Args, Default)]
pub struct KeyArgs {
    /// The API key. Anyone on this computer can see it in the process list while the command
    /// runs; prefer --api-key-file or the FRAMECAST_API_KEY variable.
    #[arg(long, value_name = "KEY")]
    pub api_key: Option<String>,
    /// Read the API key from a file, or from standard input with `-`.
    #[arg(long, value_name = "PATH|-", conflicts_with = "api_key")]
    pub api_key_file: Option<PathBuf>,
}

impl KeyArgs {
    /// The key given on the command line, if any.
    pub fn read(&self) -> Result<Option<SecretString>, Error> {
        if let Some(key) = &self.api_key {
            return Ok(Some(SecretString::from(key.trim().to_owned())));
        }
        let Some(path) = &self.api_key_file else {
            return Ok(None);
        };
        let mut text = String::new();
        let read = if path.as_os_str() == "-" {
            std::io::stdin().read_to_string(&mut text).map(|_| ())
        } else {
            std::fs::read_to_string(path).map(|t| text = t)
        };
        read.map_err(|e| {
            Error::invalid_input(
                format!("the key file {} cannot be read: {e}", path.display()),
                format!("无法读取密钥文件 {}：{e}", path.display()),
            )
        })?;
        let key = text.trim();
        if key.is_empty() {
            return Err(Error::invalid_input(
                "the key file is empty",
                "密钥文件为空",
            ));
        }
        Ok(Some(SecretString::from(key.to_owned())))
    }
}

pub async fn run(args: ProfileArgs) -> ExitCode {
    let lang = Lang::from_env();
    match command(args.command, lang).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}", e.message(lang));
            ExitCode::from(if e.kind() == framecast_core::ErrorKind::InvalidInput {
                2
            } else {
                1
            })
        }
    }
}

async fn command(command: ProfileCommand, lang: Lang) -> Result<ExitCode, Error> {
    let library = Library::open_default()?;
    let keys = Keys::new(library.dir());
    library.move_proxy_passwords(&keys)?;
    match command {
        ProfileCommand::Add(a) => {
            let mut draft = ProfileDraft::new(&a.name, &a.base_url);
            draft.auth_scheme = if a.bearer {
                AuthScheme::Bearer
            } else {
                AuthScheme::Bare
            };
            draft.proxy = a.proxy;
            if a.task_route {
                draft.route = framecast_core::RouteKind::Task;
            }
            if let Some(route) = a.route {
                draft.route = route.kind();
            }
            let key = a.key.read()?;
            let profile = library.save_profile(&keys, None, &draft)?;
            if let Some(key) = key {
                let store = library.set_profile_key(&keys, profile.id, &key)?;
                if store == framecast_library::KeyStore::File {
                    let why = keys.status().why(lang);
                    eprintln!(
                        "{}",
                        match lang {
                            Lang::En => format!(
                                "The system's credential store is not available ({why}); the key is kept in a file only you can read."
                            ),
                            Lang::Zh => format!(
                                "系统凭据存储不可用（{why}）；密钥保存在只有你能读取的文件中。"
                            ),
                        }
                    );
                }
            }
            println!("{}", pick(lang, "Profile added.", "已添加配置。"));
        }
        ProfileCommand::List { json } => {
            for p in library.profiles()? {
                if json {
                    json_line(&p);
                    continue;
                }
                let key = match (&p.key_store, &p.key_hint) {
                    (Some(_), Some(h)) if !h.is_empty() => format!("key …{h}"),
                    (Some(_), _) => pick(lang, "key set", "已设置密钥").to_owned(),
                    (None, _) => pick(lang, "no key", "没有密钥").to_owned(),
                };
                let mark = if p.active { "*" } else { " " };
                println!("{mark} {:<20} {:<40} {key}", p.draft.name, p.draft.base_url);
            }
        }
        ProfileCommand::Use { name } => {
            let p = library.profile(&name)?;
            library.activate_profile(p.id)?;
        }
        ProfileCommand::Remove { name } => {
            let p = library.profile(&name)?;
            library.remove_profile(&keys, p.id)?;
        }
        ProfileCommand::Test { name, json } => {
            let p = match name {
                Some(n) => library.profile(&n)?,
                None => library.active_profile()?.ok_or_else(no_profile)?,
            };
            let key = library
                .profile_key(&keys, p.id)?
                .unwrap_or_else(|| SecretString::from(String::new()));
            let proxy = library.profile_proxy(&keys, &p)?;
            let report = framecast_core::check::check(
                &p.draft.base_url,
                &Credentials::new(key.expose_secret(), p.draft.auth_scheme),
                &proxy.to_string(),
                Duration::try_from_secs_f64(p.draft.connect_secs)
                    .unwrap_or(Duration::from_secs(20)),
                p.draft.route,
            )
            .await;
            // The models the gateway offers refine what its route can carry (as in the app).
            if report.ok {
                library.set_offered_models(p.id, &report.models, &report.chat_models)?;
            }
            if json {
                json_line(&report);
            } else {
                println!("{}", report.summary(lang));
            }
            return Ok(if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn no_profile() -> Error {
    Error::invalid_input(
        "there is no profile yet: add one with `framecast-cli profile add`",
        "还没有配置：请用 `framecast-cli profile add` 添加",
    )
}
