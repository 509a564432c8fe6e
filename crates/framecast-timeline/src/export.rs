//! What the timeline exporters share: writing a file whole or not at all (a temporary name in the
//! target folder, renamed when complete), and naming an original video as a `file://` URL.

use framecast_core::{Error, Result, Text};
use std::io::Write;
use std::path::Path;

/// Writes `contents` to `path`, replacing it only once the whole text is on disk.
pub fn write(path: &Path, contents: &str) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let fail = |e: &std::io::Error| {
        let name = path.display();
        Error::internal(
            Text::new(format!("writing {name}"), format!("写入 {name}")),
            e,
        )
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".framecast-").suffix(".part");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(|e| {
        let dir = dir.display();
        Error::invalid_input(
            format!("cannot write into {dir}: {e}"),
            format!("无法写入 {dir}：{e}"),
        )
    })?;
    tmp.write_all(contents.as_bytes()).map_err(|e| fail(&e))?;
    tmp.persist(path).map_err(|e| fail(&e.error))?;
    Ok(())
}

/// `file:///…` for an absolute path, percent-encoded.
pub fn file_url(path: &Path) -> String {
    url::Url::from_file_path(path).map_or_else(|()| path.display().to_string(), String::from)
}
