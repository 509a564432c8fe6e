//! The results of a batch, next to its videos: `<name>-results.csv` and `.jsonl`, a row each —
//! its number and name, its job, how it ended and why, its videos' files and links, and what it
//! cost — with the file's other columns carried over. Written whole under a temporary name and
//! renamed, so a reader never sees half a file.

use framecast_core::price::cents;
use framecast_core::{Error, Result};
use framecast_library::{BatchRecord, Library};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One row's result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowResult {
    pub row: u32,
    pub name: Option<String>,
    pub prompt: String,
    pub model: String,
    pub job_id: Option<String>,
    pub state: String,
    pub problem: Option<String>,
    pub videos: Vec<String>,
    pub links: Vec<String>,
    pub usd: f64,
    #[serde(flatten)]
    pub extra: BTreeMap<String, String>,
}

/// Every row's result, in the batch's order.
pub fn collect(library: &Library, batch: &str) -> Result<Vec<RowResult>> {
    let mut out = Vec::new();
    for row in library.batch_rows(batch)? {
        let job = match &row.job_id {
            Some(id) => library.job(&framecast_core::JobId::parse(id)?)?,
            None => None,
        };
        let (videos, links, usd) = match &job {
            Some(j) => (
                j.videos
                    .iter()
                    .filter_map(|v| v.file().map(|p| p.display().to_string()))
                    .collect(),
                j.videos.iter().map(|v| v.url.clone()).collect(),
                cents(j.price_usd.unwrap_or(0.0) * f64::from(j.delivered)),
            ),
            None => (Vec::new(), Vec::new(), 0.0),
        };
        out.push(RowResult {
            row: row.number,
            name: row.name,
            prompt: row.prompt,
            model: row.model,
            job_id: row.job_id,
            state: row.state.as_str().to_owned(),
            problem: row.problem,
            videos,
            links,
            usd,
            extra: row.extra,
        });
    }
    Ok(out)
}

/// Writes the results files into the batch's folder (or `fallback`); returns where.
pub fn write(
    library: &Library,
    batch: &BatchRecord,
    fallback: &Path,
) -> Result<(PathBuf, PathBuf)> {
    let rows = collect(library, &batch.id)?;
    let dir = batch
        .out_dir
        .as_ref()
        .map_or_else(|| fallback.to_owned(), PathBuf::from);
    std::fs::create_dir_all(&dir).map_err(|e| framecast_core::download::write_error(&e, &dir))?;
    let stem = framecast_core::naming::excerpt(&batch.name);
    let csv_path = dir.join(format!("{stem}-results.csv"));
    let jsonl_path = dir.join(format!("{stem}-results.jsonl"));
    let extra_columns: Vec<String> = rows
        .iter()
        .flat_map(|r| r.extra.keys().cloned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut csv = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "row", "name", "prompt", "model", "job_id", "state", "problem", "videos", "links", "usd",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect::<Vec<_>>();
    header.extend(extra_columns.iter().cloned());
    csv.write_record(&header).map_err(bad)?;
    for r in &rows {
        let mut record = vec![
            r.row.to_string(),
            r.name.clone().unwrap_or_default(),
            r.prompt.clone(),
            r.model.clone(),
            r.job_id.clone().unwrap_or_default(),
            r.state.clone(),
            r.problem.clone().unwrap_or_default(),
            r.videos.join(" "),
            r.links.join(" "),
            format!("{:.2}", r.usd),
        ];
        record.extend(
            extra_columns
                .iter()
                .map(|c| r.extra.get(c).cloned().unwrap_or_default()),
        );
        csv.write_record(&record).map_err(bad)?;
    }
    let csv_bytes = csv.into_inner().map_err(|e| bad(e.into_error()))?;
    let jsonl: String = rows
        .iter()
        .filter_map(|r| serde_json::to_string(r).ok())
        .map(|l| l + "\n")
        .collect();
    replace(&csv_path, &csv_bytes)?;
    replace(&jsonl_path, jsonl.as_bytes())?;
    Ok((csv_path, jsonl_path))
}

fn bad(e: impl std::fmt::Display) -> Error {
    Error::with(
        framecast_core::ErrorKind::Internal,
        format!("the results could not be written ({e})"),
        format!("无法写入结果（{e}）"),
    )
}

/// Writes `bytes` to `path` through a temporary name.
fn replace(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| framecast_core::download::write_error(&e, path))
}
