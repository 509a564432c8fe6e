//! Reading a batch file as people really save it: a CSV with a header (`prompt, first, last,
//! model, count`, optional `name`; other columns kept and ignored), JSON Lines with the same keys,
//! or plain text with one prompt per line (blank lines skipped).
//!
//! The text may be UTF-8 with or without a byte-order mark, UTF-16 with one (Excel's "Unicode
//! text"), or the GBK (GB18030) that Excel writes on Chinese Windows: anything that is not valid
//! UTF-8 is read as GB18030 when it decodes cleanly, and otherwise refused with what to do.
//! Quoted CSV fields may hold commas and line breaks. A malformed line is kept as a row with its
//! line number and the reason, and every other row is still read.

use framecast_core::{Error, Result, Text};
use std::collections::BTreeMap;
use std::path::Path;

/// The most rows one batch may have.
pub const MAX_ROWS: usize = 10_000;

/// How the file's text was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16,
    Gbk,
}

/// A row as the file gives it, before defaults and checks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InputRow {
    /// Where it starts in the file (1-based).
    pub line: u32,
    pub prompt: String,
    pub first: Option<String>,
    pub last: Option<String>,
    pub model: Option<String>,
    pub count: Option<u8>,
    pub name: Option<String>,
    /// The file's other columns.
    pub extra: BTreeMap<String, String>,
    /// Why the line could not be read as a row.
    pub problem: Option<Text>,
}

/// A whole file, read.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub encoding: Encoding,
    pub rows: Vec<InputRow>,
}

/// Decodes `bytes` as one of the encodings people save batch files in.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding)> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(rest).map(|t| (t, Encoding::Utf8Bom));
    }
    if let Some((enc, _)) = encoding_rs::Encoding::for_bom(bytes)
        && enc != encoding_rs::UTF_8
    {
        let (text, _, bad) = enc.decode(bytes);
        if !bad {
            return Ok((text.into_owned(), Encoding::Utf16));
        }
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_owned(), Encoding::Utf8));
    }
    let (text, _, bad) = encoding_rs::GB18030.decode(bytes);
    if bad {
        return Err(Error::invalid_input(
            "the file is neither UTF-8 nor GBK text; save it as “CSV UTF-8” and try again",
            "该文件既不是 UTF-8 也不是 GBK 文本；请另存为“CSV UTF-8”后重试",
        ));
    }
    Ok((text.into_owned(), Encoding::Gbk))
}

fn utf8(bytes: &[u8]) -> Result<String> {
    String::from_utf8(bytes.to_vec()).map_err(|_| {
        Error::invalid_input(
            "the file says it is UTF-8 but is not; save it again as UTF-8",
            "该文件标明为 UTF-8 但内容不是；请重新保存为 UTF-8",
        )
    })
}

/// Reads the batch file at `path`, by its name (`.csv`, `.jsonl`/`.ndjson`, anything else one
/// prompt per line).
pub fn read(path: &Path) -> Result<Input> {
    let bytes = std::fs::read(path).map_err(|e| {
        Error::invalid_input(
            format!("the batch file {} cannot be read ({e})", path.display()),
            format!("无法读取批量文件 {}（{e}）", path.display()),
        )
    })?;
    let kind = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    parse(&bytes, &kind)
}

/// Reads batch text of `kind` (`csv`, `jsonl`, `ndjson`, or anything else for one prompt a line).
pub fn parse(bytes: &[u8], kind: &str) -> Result<Input> {
    let (text, encoding) = decode(bytes)?;
    let rows = match kind {
        "csv" => csv_rows(&text)?,
        "jsonl" | "ndjson" => jsonl_rows(&text),
        _ => text_rows(&text),
    };
    if rows.len() > MAX_ROWS {
        return Err(Error::invalid_input(
            format!(
                "the batch has {} rows; at most {MAX_ROWS} can run as one batch",
                rows.len()
            ),
            format!("该批量有 {} 行；一个批量最多 {MAX_ROWS} 行", rows.len()),
        ));
    }
    Ok(Input { encoding, rows })
}

/// One prompt per line, blank lines skipped.
fn text_rows(text: &str) -> Vec<InputRow> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| InputRow {
            line: line_number(i),
            prompt: l.trim().to_owned(),
            ..InputRow::default()
        })
        .collect()
}

fn line_number(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

/// The columns a batch understands; the rest are kept as they are.
const KNOWN: [&str; 6] = ["prompt", "first", "last", "model", "count", "name"];

fn csv_rows(text: &str) -> Result<Vec<InputRow>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::Fields)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| bad_file(&e.to_string()))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    if !header.iter().any(|h| h == "prompt") {
        return Err(Error::invalid_input(
            "the CSV's first line must name its columns, one of them “prompt” (and maybe first, last, model, count, name)",
            "CSV 的第一行必须是列名，其中之一为“prompt”（还可有 first、last、model、count、name）",
        ));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let row = match record {
            Ok(r) => {
                let line = r
                    .position()
                    .map_or(0, |p| u32::try_from(p.line()).unwrap_or(u32::MAX));
                let fields: BTreeMap<String, String> = header
                    .iter()
                    .cloned()
                    .zip(r.iter().map(str::to_owned))
                    .filter(|(_, v)| !v.is_empty())
                    .collect();
                let mut row = from_fields(line, &fields);
                if r.len() > header.len() {
                    row.problem.get_or_insert(Text::new(
                        format!("line {line} has more fields than the header names"),
                        format!("第 {line} 行的字段比表头多"),
                    ));
                }
                row
            }
            Err(e) => {
                let line = e
                    .position()
                    .map_or(0, |p| u32::try_from(p.line()).unwrap_or(u32::MAX));
                InputRow {
                    line,
                    problem: Some(Text::new(
                        format!("line {line} cannot be read: {e}"),
                        format!("第 {line} 行无法读取：{e}"),
                    )),
                    ..InputRow::default()
                }
            }
        };
        rows.push(row);
    }
    Ok(rows)
}

fn jsonl_rows(text: &str) -> Vec<InputRow> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let line = line_number(i);
            match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(l.trim()) {
                Ok(object) => {
                    let fields = object
                        .into_iter()
                        .filter_map(|(k, v)| {
                            let text = match v {
                                serde_json::Value::String(s) => s,
                                serde_json::Value::Null => return None,
                                other => other.to_string(),
                            };
                            Some((k.trim().to_lowercase(), text.trim().to_owned()))
                        })
                        .filter(|(_, v)| !v.is_empty())
                        .collect();
                    from_fields(line, &fields)
                }
                Err(e) => InputRow {
                    line,
                    problem: Some(Text::new(
                        format!("line {line} is not a JSON object ({e})"),
                        format!("第 {line} 行不是 JSON 对象（{e}）"),
                    )),
                    ..InputRow::default()
                },
            }
        })
        .collect()
}

/// A row from its named fields (keys lower-cased, empty values left out).
fn from_fields(line: u32, fields: &BTreeMap<String, String>) -> InputRow {
    let get = |k: &str| fields.get(k).cloned();
    let mut row = InputRow {
        line,
        prompt: get("prompt").unwrap_or_default(),
        first: get("first"),
        last: get("last"),
        model: get("model"),
        name: get("name"),
        extra: fields
            .iter()
            .filter(|(k, _)| !KNOWN.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        ..InputRow::default()
    };
    if let Some(count) = get("count") {
        match count.parse::<u8>() {
            Ok(n) if (1..=4).contains(&n) => row.count = Some(n),
            _ => {
                row.problem = Some(Text::new(
                    format!("line {line}: count must be a whole number from 1 to 4, not “{count}”"),
                    format!("第 {line} 行：count 必须是 1 到 4 的整数，而不是“{count}”"),
                ));
            }
        }
    }
    row
}

fn bad_file(why: &str) -> Error {
    Error::invalid_input(
        format!("the CSV cannot be read: {why}"),
        format!("无法读取该 CSV：{why}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_a_bom_and_gbk_read_the_same() {
        let text = "prompt,name\n纸船漂向大海,boat\n";
        let plain = parse(text.as_bytes(), "csv").unwrap();
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        let with_bom = parse(&bom, "csv").unwrap();
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let from_gbk = parse(&gbk, "csv").unwrap();
        assert_eq!(plain.encoding, Encoding::Utf8);
        assert_eq!(with_bom.encoding, Encoding::Utf8Bom);
        assert_eq!(from_gbk.encoding, Encoding::Gbk);
        for input in [&plain, &with_bom, &from_gbk] {
            assert_eq!(input.rows[0].prompt, "纸船漂向大海");
            assert_eq!(input.rows[0].name.as_deref(), Some("boat"));
        }
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(parse(&utf16, "csv").unwrap().rows[0].prompt, "纸船漂向大海");
    }

    #[test]
    fn quoted_fields_keep_commas_and_line_breaks_and_lines_are_counted() {
        let text =
            "prompt,count,model,notes\n\"a boat, at dawn\",2,,keep me\n\"two\nlines\",9\nplain,1\n";
        let input = parse(text.as_bytes(), "csv").unwrap();
        assert_eq!(input.rows.len(), 3);
        assert_eq!(input.rows[0].prompt, "a boat, at dawn");
        assert_eq!(input.rows[0].count, Some(2));
        assert_eq!(input.rows[0].model, None);
        assert_eq!(input.rows[0].extra["notes"], "keep me");
        assert_eq!(input.rows[1].prompt, "two\nlines");
        assert_eq!(input.rows[1].line, 3);
        assert!(
            input.rows[1]
                .problem
                .as_ref()
                .unwrap()
                .en
                .contains("line 3")
        );
        assert_eq!(input.rows[2].line, 5, "the row after a quoted line break");
    }

    #[test]
    fn json_lines_and_plain_text() {
        let jsonl = "{\"prompt\": \"rain\", \"count\": 2}\n\nnot json\n{\"prompt\": \"snow\", \"first\": \"a.png\"}\n";
        let rows = parse(jsonl.as_bytes(), "jsonl").unwrap().rows;
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].count, Some(2));
        assert_eq!(rows[1].line, 3);
        assert!(rows[1].problem.is_some());
        assert_eq!(rows[2].first.as_deref(), Some("a.png"));
        let text = "one\n\n  two  \n\n";
        let rows = parse(text.as_bytes(), "txt").unwrap().rows;
        assert_eq!(
            rows.iter()
                .map(|r| (r.line, r.prompt.as_str()))
                .collect::<Vec<_>>(),
            [(1, "one"), (3, "two")]
        );
    }

    #[test]
    fn a_csv_without_a_prompt_column_or_in_another_encoding_is_refused_with_what_to_do() {
        let e = parse(b"a,b\n1,2\n", "csv").unwrap_err();
        assert!(e.to_string().contains("prompt"), "{e}");
        let e = parse(&[0xff, 0xfe, 0xfd, 0x81, 0x30], "txt").unwrap_err();
        assert!(e.to_string().contains("UTF-8"), "{e}");
    }
}
