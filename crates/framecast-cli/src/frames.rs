//! Reading `--first` / `--last` into data URLs.

use framecast_core::{CancellationToken, Error};
use serde::Serialize;

/// A frame ready to send.
pub struct Frame {
    pub data_url: String,
    pub sha256: String,
    pub summary: String,
    pub facts: serde_json::Value,
}

#[derive(Serialize)]
struct Facts<'a> {
    role: &'a str,
}

pub async fn load(
    first: Option<&str>,
    last: Option<&str>,
    _cancel: &CancellationToken,
) -> Result<Vec<Frame>, Error> {
    let mut out = Vec::new();
    for (role, arg) in [("start", first), ("end", last)] {
        let Some(arg) = arg else { continue };
        let _ = Facts { role };
        return Err(Error::invalid_input(
            format!("frames are not supported yet: {arg}"),
            format!("暂不支持图片：{arg}"),
        ));
    }
    let _ = &mut out;
    Ok(out)
}
