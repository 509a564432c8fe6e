//! Frames: whatever image a person drops, turned into what the gateway and the model want.
//!
//! A start or end frame may be a 24-megapixel phone photo turned by EXIF, a screenshot with
//! alpha, a CMYK print file, a WebP from the web, or something that is not an image at all. This
//! module guarantees that what comes out is a `data:` URL of a JPEG, PNG or WebP that:
//! - was recognised by its content, never its name, and refused with a message saying what the
//!   file is and what to do when it cannot be used ([`crate::ErrorKind::InvalidInput`]);
//! - is upright (EXIF orientation applied), 8-bit RGB(A), transparent only where kept;
//! - is at most [`FrameOptions::size`] on its long side, never scaled up (except when the end
//!   frame is fitted to the start frame), and under [`FrameOptions::max_bytes`];
//! - was decoded and encoded off the async runtime, the two frames of a pair in parallel;
//! - failed alone: a decoder that panics on a hostile file refuses that frame as unreadable, and
//!   any other panic while preparing it is an [`crate::ErrorKind::Internal`] error for that frame
//!   only (the release build unwinds, so neither takes the process down).
//!
//! The rooms: [`prepared`] (what a prepared frame is and says), [`pipeline`] (from bytes to what
//! is sent), [`advice`] (what the person should know about a frame's shape and a pair, for the
//! orientation the form has chosen, computed once here). The pipeline's stages: [`source`]
//! (intake), [`sniff`] (recognition), `decode` (limits and pixels), `jpeg` (libjpeg-turbo with
//! DCT scaling), `orient` (EXIF), `fit` (plan and resample), `encode` (bytes under the limit),
//! [`aspect`] (shapes against the model's).

pub mod advice;
pub mod aspect;
mod decode;
mod encode;
mod fit;
mod jpeg;
mod orient;
pub mod pipeline;
pub mod prepared;
pub mod sniff;
pub mod source;

pub use advice::Advice;
pub use aspect::{ModelAspect, Shape};
pub use decode::DecodeLimits;
pub use encode::Transparency;
pub use fit::FrameSize;
pub use orient::Orientation;
pub use pipeline::{prepare, prepare_bytes, prepare_pair};
pub use prepared::{
    Action, DEFAULT_MAX_BYTES, FrameFacts, FrameOptions, PreparedFrame, PreparedPair, SourceFacts,
    Warning, WarningCode, data_url,
};
pub use sniff::SourceFormat;
pub use source::{FrameSource, Origin};
