//! The plan before money: what each row will send (its defaults filled in, its frames found), what
//! the batch will cost at the profile's prices, what the month has spent already, and the rows
//! that cannot be sent, each with the reason. Nothing is sent, recorded or prepared here; frames
//! are only looked at (found, readable, an image by their first bytes).

use super::input::{Input, InputRow};
use framecast_core::frames::sniff;
use framecast_core::price::{PriceTable, cents};
use framecast_core::request::model_problem;
use framecast_core::{Lang, Text};
use framecast_library::{BatchRow, RowState};
use serde::Serialize;
use std::io::Read;
use std::path::{Path, PathBuf};

/// What a row takes when it says nothing.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Defaults {
    pub model: String,
    pub count: u8,
}

/// The plan of a batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub rows: Vec<BatchRow>,
    /// Rows that will be sent.
    pub sendable: u32,
    /// Videos those rows ask for.
    pub videos: u32,
    /// What they cost at the profile's prices, if every video arrives (each is charged).
    pub estimate_usd: f64,
    /// What this month has cost so far.
    pub month_usd: f64,
    pub budget_usd: Option<f64>,
    pub cap_usd: Option<f64>,
    /// The month would pass its budget.
    pub over_budget: bool,
    /// The batch would pass its cap.
    pub over_cap: bool,
}

/// What the plan is measured against.
#[derive(Debug, Clone, Default)]
pub struct Spending {
    pub month_usd: f64,
    pub budget_usd: Option<f64>,
    pub cap_usd: Option<f64>,
}

/// Plans `input`, read from a file in `dir` (frames are found relative to it).
pub fn plan(
    input: &Input,
    dir: &Path,
    defaults: &Defaults,
    prices: &PriceTable,
    known_models: Option<&[String]>,
    spending: &Spending,
) -> Plan {
    let rows: Vec<BatchRow> = input
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| planned(i, row, dir, defaults, prices, known_models))
        .collect();
    let sendable: Vec<&BatchRow> = rows.iter().filter(|r| r.problem.is_none()).collect();
    let videos = sendable.iter().map(|r| u32::from(r.n)).sum();
    let estimate_usd = estimate(sendable.iter().map(|r| (r.price_usd, r.n)));
    Plan {
        sendable: u32::try_from(sendable.len()).unwrap_or(u32::MAX),
        videos,
        estimate_usd,
        month_usd: spending.month_usd,
        budget_usd: spending.budget_usd,
        cap_usd: spending.cap_usd,
        over_budget: spending.over_budget(estimate_usd),
        over_cap: spending.cap_usd.is_some_and(|c| estimate_usd > c + 1e-9),
        rows,
    }
}

/// What jobs cost if every video they ask for arrives (each is charged): each job's price per
/// video times its count, in cents. Batches and storyboards plan with it.
pub fn estimate(jobs: impl IntoIterator<Item = (f64, u8)>) -> f64 {
    cents(
        jobs.into_iter()
            .map(|(price, n)| price * f64::from(n))
            .sum(),
    )
}

impl Spending {
    /// Whether spending `estimate_usd` more would take the month over its budget.
    pub fn over_budget(&self, estimate_usd: f64) -> bool {
        self.budget_usd
            .is_some_and(|b| self.month_usd + estimate_usd > b + 1e-9)
    }
}

fn planned(
    i: usize,
    row: &InputRow,
    dir: &Path,
    defaults: &Defaults,
    prices: &PriceTable,
    known_models: Option<&[String]>,
) -> BatchRow {
    let model = row
        .model
        .clone()
        .unwrap_or_else(|| defaults.model.clone())
        .trim()
        .to_owned();
    let n = row.count.unwrap_or(defaults.count);
    let first = row.first.as_deref().map(|f| resolve(dir, f));
    let last = row.last.as_deref().map(|f| resolve(dir, f));
    let problem = row
        .problem
        .clone()
        .or_else(|| sendable(row, &model, first.as_deref(), last.as_deref(), known_models));
    let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
    BatchRow {
        number,
        position: i64::from(number),
        line: Some(row.line),
        name: row.name.clone(),
        prompt: row.prompt.clone(),
        first: first.map(|p| p.display().to_string()),
        last: last.map(|p| p.display().to_string()),
        price_usd: prices.per_video(&model),
        model,
        n,
        state: if problem.is_some() {
            RowState::Skipped
        } else {
            RowState::Waiting
        },
        problem_zh: problem.as_ref().map(|p| p.zh.clone()),
        problem: problem.map(|p| p.en),
        job_id: None,
        attempts: 0,
        not_before: None,
        extra: row.extra.clone(),
    }
}

/// A frame path as the file gives it, resolved against the file's folder.
fn resolve(dir: &Path, path: &str) -> PathBuf {
    let path = Path::new(path.trim());
    if path.is_absolute() {
        path.to_owned()
    } else {
        dir.join(path)
    }
}

/// Why a row cannot be sent, if it cannot.
fn sendable(
    row: &InputRow,
    model: &str,
    first: Option<&Path>,
    last: Option<&Path>,
    known_models: Option<&[String]>,
) -> Option<Text> {
    let line = row.line;
    if row.prompt.trim().is_empty() && first.is_none() {
        return Some(Text::new(
            format!("line {line}: no prompt and no start frame"),
            format!("第 {line} 行：没有提示词也没有开始帧"),
        ));
    }
    if last.is_some() && first.is_none() {
        return Some(Text::new(
            format!("line {line}: an end frame needs a start frame"),
            format!("第 {line} 行：设置结束帧之前需要先设置开始帧"),
        ));
    }
    if model_problem(model).is_some() {
        return Some(Text::new(
            format!("line {line}: “{model}” is not a model name"),
            format!("第 {line} 行：“{model}”不是有效的模型名称"),
        ));
    }
    if let Some(known) = known_models
        && !known.is_empty()
        && !known.iter().any(|k| k == model)
    {
        return Some(Text::new(
            format!("line {line}: the gateway does not offer the model “{model}”"),
            format!("第 {line} 行：网关没有提供模型“{model}”"),
        ));
    }
    for frame in first.into_iter().chain(last) {
        if let Some(why) = unreadable(frame) {
            return Some(Text::new(
                format!("line {line}: the frame {} {}", frame.display(), why.en),
                format!("第 {line} 行：图片 {} {}", frame.display(), why.zh),
            ));
        }
    }
    None
}

/// Why a frame cannot be used, from a look at its first bytes.
fn unreadable(path: &Path) -> Option<Text> {
    let mut head = Vec::with_capacity(sniff::SNIFF_LEN);
    let opened = std::fs::File::open(path)
        .and_then(|f| f.take(sniff::SNIFF_LEN as u64).read_to_end(&mut head));
    match opened {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Some(Text::new("is missing", "不存在"))
        }
        Err(e) => Some(Text::new(
            format!("cannot be read ({e})"),
            format!("无法读取（{e}）"),
        )),
        Ok(_) => sniff::recognise_file(&head).err().map(|e| {
            let said = e.specifics().cloned().unwrap_or_else(|| e.messages());
            Text::new(
                format!("cannot be used: {}", said.en),
                format!("无法使用：{}", said.zh),
            )
        }),
    }
}

impl Plan {
    /// The plan in a few lines, for people.
    pub fn summary(&self, lang: Lang) -> String {
        let skipped = self.rows.len() - self.sendable as usize;
        match lang {
            Lang::En => {
                let mut s = format!(
                    "{} rows, {} to send ({} videos), about ${:.2}; this month so far ${:.2}",
                    self.rows.len(),
                    self.sendable,
                    self.videos,
                    self.estimate_usd,
                    self.month_usd
                );
                if let Some(b) = self.budget_usd {
                    s.push_str(&format!(" of a ${b:.2} budget"));
                }
                if skipped > 0 {
                    s.push_str(&format!("; {skipped} cannot be sent"));
                }
                s
            }
            Lang::Zh => {
                let mut s = format!(
                    "共 {} 行，将发送 {} 行（{} 个视频），约 ${:.2}；本月已花费 ${:.2}",
                    self.rows.len(),
                    self.sendable,
                    self.videos,
                    self.estimate_usd,
                    self.month_usd
                );
                if let Some(b) = self.budget_usd {
                    s.push_str(&format!("（预算 ${b:.2}）"));
                }
                if skipped > 0 {
                    s.push_str(&format!("；{skipped} 行无法发送"));
                }
                s
            }
        }
    }
}
