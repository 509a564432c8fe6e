//! Framecast's engine, free of any UI: it turns a prompt and frames into saved videos through a
//! Veo gateway's chat-completions API, with honest progress and without ever paying twice.
//!
//! The pieces, in the order a job meets them:
//! - [`frames`]: start and end frames, from whatever was dropped to data URLs of the right pixels;
//! - [`request`]: the request, its JSON body, the endpoint URL and the key;
//! - [`client`]: the one POST and the reading of its answer, with timeouts and cancellation;
//! - [`task`], [`unified`]: the task route and the create/query dialect instead (create, poll,
//!   fetch): a generation that outlives its connection, the loop they share in [`poll`];
//! - [`options`]: duration, resolution, aspect and the rest, what each route can carry, and the
//!   combinations refused before sending;
//! - [`sse`]: the event-stream decoder (pure);
//! - [`chunk`]: lenient reading of completion chunks (pure);
//! - [`classify`]: what one line of gateway text means (pure);
//! - [`echo`]: the fenced block in which the gateway repeats the task (pure);
//! - [`tracker`]: from lines to events and an [`Outcome`] (pure);
//! - [`http_error`], [`body`]: refusals to error kinds, and small answers read within a cap;
//! - [`redact`]: the key taken out of everything the engine says;
//! - [`download`], [`naming`], [`sidecar`]: saving each video with a good name and a note;
//! - [`job`]: all of it at once, downloads starting while the stream goes on;
//! - [`id`]: the job id, minted once and used everywhere;
//! - [`check`], [`proxy`], [`price`]: testing a gateway, reaching it, and what its videos cost;
//! - [`prompt`]: prompt help, a text model on the same gateway improving, translating or
//!   storyboarding a prompt;
//! - [`error`], [`event`]: what the app and the CLI are told;
//! - [`text`]: shortening, root causes, and gateway text made safe to print.

pub mod body;
pub mod check;
pub mod chunk;
pub mod classify;
pub mod client;
pub mod download;
pub mod echo;
pub mod error;
pub mod event;
pub mod frames;
pub mod http_error;
pub mod id;
pub mod job;
pub mod naming;
pub mod options;
pub mod poll;
pub mod price;
pub mod prompt;
pub mod proxy;
pub mod redact;
pub mod request;
pub mod sidecar;
pub mod sse;
pub mod task;
pub mod text;
pub mod tracker;
pub mod unified;

pub use client::{Gateway, Limits};
pub use download::{DownloadPolicy, Downloader};
pub use error::{Error, ErrorKind, ErrorReport, Lang, Result, Text};
pub use event::{Event, Phase};
pub use id::JobId;
pub use job::{Controls, JobResult, JobSpec, JobState, RouteKind, VideoResult};
pub use options::{Capabilities, VideoOptions};
pub use request::{AuthScheme, Credentials, GenerationRequest};
pub use tokio_util::sync::CancellationToken;
pub use tracker::{Outcome, Video};
