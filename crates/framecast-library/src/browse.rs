//! Browsing the library: one page of jobs matching a filter, each as its tile shows it (the
//! keeper take, how many takes), the number that match, and the models there are to filter by.
//! Pages are by offset, so a virtualised grid can fetch the rows around any scroll position; a
//! page is one indexed statement, a few milliseconds at a hundred thousand jobs. How many match
//! is a statement of its own, asked once per filter rather than with every page. A job in full
//! (every take, its transcript) is [`Library::job`].

use crate::videos::VideoState;
use crate::{Library, Result};
use framecast_core::JobState;
use rusqlite::types::Value;
use rusqlite::{Row, params_from_iter};
use serde::{Deserialize, Serialize};

/// What became of a job, as the library filters it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// At least one video arrived and is kept (saved, saving, or its link).
    Delivered,
    /// Nothing arrived (or the gateway's answer was lost).
    Failed,
    /// Framecast stopped before the job ended.
    Interrupted,
    /// A video's link expired, or its download failed, before it was saved.
    Expired,
}

/// Newest or oldest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Order {
    #[default]
    Newest,
    Oldest,
}

/// Which jobs to list. Every field narrows; the default lists everything, newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct LibraryFilter {
    /// Any part of the prompt, in any script.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub text: Option<String>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub model: Option<String>,
    /// Started at or after (Unix milliseconds).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub since: Option<i64>,
    /// Started before (Unix milliseconds).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub until: Option<i64>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub outcome: Option<Outcome>,
    /// Only jobs with a favourite take.
    pub favourites: bool,
    /// `Some(true)`: only jobs sent with frames; `Some(false)`: only text-only jobs.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub with_frames: Option<bool>,
    pub order: Order,
}

/// A job as the library's grid shows it: what it asked for, how it ended, and its keeper take.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct LibraryItem {
    pub id: String,
    /// Unix milliseconds.
    pub created_at: i64,
    pub prompt: String,
    pub model: String,
    pub n: u8,
    pub state: JobState,
    /// The takes still in the library.
    pub takes: u8,
    /// The take its tile shows: a favourite, else the first saved, else the first.
    pub keeper: Option<Take>,
    /// Its frames were taken from earlier videos.
    pub continued: bool,
}

/// A take as a tile shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Take {
    /// `<job id>-<index>`.
    pub id: String,
    pub index: u8,
    pub state: VideoState,
    /// A poster frame is stored for it.
    pub poster: bool,
    pub favourite: bool,
}

/// One page of jobs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct LibraryPage {
    pub offset: u32,
    pub items: Vec<LibraryItem>,
}

/// A model the library holds jobs of, and how many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ModelCount {
    pub model: String,
    pub jobs: u32,
}

impl Library {
    /// The jobs matching `filter`, `limit` of them from `offset` on. A job whose delivered
    /// videos were all deleted is not listed (its cost stays in the ledger). How many match in
    /// all is [`Library::count_matches`], asked apart: a search too short for the index reads
    /// every listed prompt to count its matches, and a keystroke's page need not wait for that.
    pub fn browse(&self, filter: &LibraryFilter, offset: u32, limit: u32) -> Result<LibraryPage> {
        let matching = Matching::of(filter);
        let mut args = matching.args;
        args.push(Value::Integer(limit.min(1000).into()));
        args.push(Value::Integer(offset.into()));
        let direction = matching.direction;
        // The page is chosen first, so each job's keeper (the rule `keeper()` in the window's
        // library store states) is looked up for its jobs only.
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT j.id, j.created_at, j.prompt, j.model, j.n, j.state, j.kept,
                    EXISTS (SELECT 1 FROM continuations c WHERE c.job_id = j.id),
                    k.idx, k.state, k.poster IS NOT NULL, k.favourite
             FROM ({pick} LIMIT ? OFFSET ?) page
             JOIN jobs j ON j.rowid = page.at
             LEFT JOIN videos k ON k.job_id = j.id AND k.idx = (
                 SELECT v.idx FROM videos v WHERE v.job_id = j.id
                 ORDER BY v.favourite DESC, v.state = 'saved' DESC, v.idx LIMIT 1)
             ORDER BY j.created_at {direction}, j.id {direction}",
            pick = matching.pick,
        ))?;
        let items = stmt
            .query_map(params_from_iter(args.iter()), read_item)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(LibraryPage { offset, items })
    }

    /// How many jobs match `filter` (as [`Library::browse`] lists them).
    pub fn count_matches(&self, filter: &LibraryFilter) -> Result<u32> {
        let matching = Matching::of(filter);
        let total: i64 = self.conn().query_row(
            &matching.count,
            params_from_iter(matching.args.iter()),
            |r| r.get(0),
        )?;
        Ok(total.try_into().unwrap_or(u32::MAX))
    }

    /// The models of the jobs the library lists, the most used first.
    pub fn models(&self) -> Result<Vec<ModelCount>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT model, count(*) FROM jobs j WHERE {LISTED}
             GROUP BY model ORDER BY count(*) DESC, model"
        ))?;
        Ok(stmt
            .query_map([], |r| {
                Ok(ModelCount {
                    model: r.get(0)?,
                    jobs: r.get::<_, i64>(1)?.try_into().unwrap_or(0),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

fn read_item(r: &Row<'_>) -> rusqlite::Result<LibraryItem> {
    let id: String = r.get(0)?;
    let keeper = match r.get::<_, Option<u8>>(8)? {
        Some(index) => Some(Take {
            id: format!("{id}-{index}"),
            index,
            state: VideoState::parse(&r.get::<_, String>(9)?),
            poster: r.get(10)?,
            favourite: r.get(11)?,
        }),
        None => None,
    };
    Ok(LibraryItem {
        id,
        created_at: r.get(1)?,
        prompt: r.get(2)?,
        model: r.get(3)?,
        n: r.get(4)?,
        state: JobState::parse(&r.get::<_, String>(5)?),
        takes: r.get::<_, i64>(6)?.clamp(0, 255).try_into().unwrap_or(0),
        continued: r.get(7)?,
        keeper,
    })
}

/// The jobs a filter matches, as SQL: the statement that counts them, the one that picks their
/// row ids in order (a page of it is read by `LIMIT ? OFFSET ?`), and the arguments of both.
struct Matching {
    count: String,
    pick: String,
    direction: &'static str,
    args: Vec<Value>,
}

impl Matching {
    fn of(filter: &LibraryFilter) -> Self {
        let (clauses, mut args) = conditions(filter);
        let direction = match filter.order {
            Order::Newest => "DESC",
            Order::Oldest => "ASC",
        };
        let (from, pick) = match search_index_query(filter) {
            // The search index holds exactly the listed jobs (migration 0011), so the matches
            // are counted by the index alone and a page is read from it in the order the jobs
            // were recorded, which is the order they were started.
            Some(query) => {
                args.insert(0, Value::Text(query));
                let and = clauses
                    .iter()
                    .map(|c| format!(" AND {c}"))
                    .collect::<String>();
                let join = if clauses.is_empty() {
                    ""
                } else {
                    " JOIN jobs j ON j.rowid = f.rowid"
                };
                let from = format!("FROM jobs_fts f{join} WHERE jobs_fts MATCH ?{and}");
                let pick = format!("SELECT f.rowid AS at {from} ORDER BY f.rowid {direction}");
                (from, pick)
            }
            None => {
                let listed = std::iter::once(LISTED.to_owned())
                    .chain(clauses)
                    .collect::<Vec<_>>()
                    .join(" AND ");
                let from = format!("FROM jobs j WHERE {listed}");
                let pick = format!(
                    "SELECT j.rowid AS at {from} \
                     ORDER BY j.created_at {direction}, j.id {direction}"
                );
                (from, pick)
            }
        };
        Matching {
            count: format!("SELECT count(*) {from}"),
            pick,
            direction,
            args,
        }
    }
}

/// The jobs the library lists: all but those whose delivered takes were all deleted. The partial
/// index `jobs_listed` (migration 0006) states the same condition, so SQLite counts from it, and
/// the search index holds these jobs only (migration 0011).
const LISTED: &str = "NOT (j.delivered > 0 AND j.kept = 0)";

/// The prompt search as the search index reads it: text of three characters or more (trigrams
/// need three), as one quoted phrase. Shorter text is matched by [`conditions`].
fn search_index_query(filter: &LibraryFilter) -> Option<String> {
    let text = filter.text.as_deref().map(str::trim)?;
    (text.chars().count() >= 3).then(|| format!("\"{}\"", text.replace('"', "\"\"")))
}

/// The filter as SQL conditions on `jobs j`, and their arguments in order: all but whether a
/// job is listed and a search of three characters or more ([`search_index_query`]).
fn conditions(filter: &LibraryFilter) -> (Vec<String>, Vec<Value>) {
    let mut clauses = Vec::new();
    let mut args = Vec::new();
    if let Some(text) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.chars().count() < 3)
    {
        // `LIKE` folds ASCII case, as `lower()` does, in half the time.
        clauses.push(r"j.prompt LIKE '%' || ? || '%' ESCAPE '\'".to_owned());
        args.push(Value::Text(
            text.replace('\\', r"\\")
                .replace('%', r"\%")
                .replace('_', r"\_"),
        ));
    }
    if let Some(model) = &filter.model {
        clauses.push("j.model = ?".to_owned());
        args.push(Value::Text(model.clone()));
    }
    if let Some(since) = filter.since {
        clauses.push("j.created_at >= ?".to_owned());
        args.push(Value::Integer(since));
    }
    if let Some(until) = filter.until {
        clauses.push("j.created_at < ?".to_owned());
        args.push(Value::Integer(until));
    }
    if let Some(outcome) = filter.outcome {
        clauses.push(
            match outcome {
                Outcome::Delivered => {
                    "EXISTS (SELECT 1 FROM videos v WHERE v.job_id = j.id
                       AND v.state IN ('saved', 'downloading', 'link_only'))"
                }
                Outcome::Failed => "j.state IN ('failed', 'unknown')",
                Outcome::Interrupted => "j.state = 'interrupted'",
                Outcome::Expired => {
                    "EXISTS (SELECT 1 FROM videos v WHERE v.job_id = j.id
                       AND v.state IN ('expired', 'failed'))"
                }
            }
            .to_owned(),
        );
    }
    if filter.favourites {
        clauses.push(
            "EXISTS (SELECT 1 FROM videos v WHERE v.job_id = j.id AND v.favourite = 1)".to_owned(),
        );
    }
    match filter.with_frames {
        Some(true) => clauses.push("j.start_frame IS NOT NULL".to_owned()),
        Some(false) => clauses.push("j.start_frame IS NULL".to_owned()),
        None => {}
    }
    (clauses, args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    fn plan(conn: &Connection, sql: &str, args: &[Value]) -> Vec<String> {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        stmt.query_map(params_from_iter(args.iter()), |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<Vec<_>>>()
            .unwrap()
    }

    /// The total above the grid is counted once per filter. Without a search, or for one too
    /// short for trigrams, it reads the partial index of the listed jobs, not every job's row,
    /// only while `LISTED` says what the index's condition says.
    #[test]
    fn the_listed_jobs_are_counted_from_their_index() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::migrate::migrate(&mut conn).unwrap();
        let short = LibraryFilter {
            text: Some("ra".into()),
            ..LibraryFilter::default()
        };
        for filter in [LibraryFilter::default(), short] {
            assert!(search_index_query(&filter).is_none());
            let matching = Matching::of(&filter);
            let plan = plan(&conn, &matching.count, &matching.args);
            assert!(
                plan.iter().any(|step| step.contains("jobs_listed")),
                "{plan:?}"
            );
        }
    }

    /// A page is read in its own order, from the search index for a search and from the index
    /// of the listed jobs otherwise: no job is looked up before it is on the page, and nothing
    /// is sorted. A search without other filters is counted by the search index alone.
    #[test]
    fn a_page_is_read_from_an_index_in_order() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::migrate::migrate(&mut conn).unwrap();
        let search = LibraryFilter {
            text: Some("rain".into()),
            ..LibraryFilter::default()
        };
        for (filter, index) in [
            (search.clone(), "VIRTUAL TABLE"),
            (LibraryFilter::default(), "jobs_listed"),
            (
                LibraryFilter {
                    text: Some("ra".into()),
                    order: Order::Oldest,
                    ..LibraryFilter::default()
                },
                "jobs_listed",
            ),
        ] {
            let matching = Matching::of(&filter);
            let mut args = matching.args.clone();
            args.extend([Value::Integer(50), Value::Integer(0)]);
            let sql = format!("{} LIMIT ? OFFSET ?", matching.pick);
            let plan = plan(&conn, &sql, &args);
            assert!(
                plan.iter().all(|step| !step.contains("TEMP B-TREE")),
                "{plan:?}"
            );
            assert!(plan[0].contains(index), "{plan:?}");
        }
        let matching = Matching::of(&search);
        let plan = plan(&conn, &matching.count, &matching.args);
        assert_eq!(plan.len(), 1, "{plan:?}");
        assert!(plan[0].contains("VIRTUAL TABLE"), "{plan:?}");
    }
}
