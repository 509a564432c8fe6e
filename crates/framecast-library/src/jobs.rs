//! Jobs: the row written before a request is sent, how it changes, and the queries that list
//! and search them.

use crate::videos::VideoRecord;
use crate::{Library, LibraryError, Result, now_ms};
use framecast_core::frames::PreparedFrame;
use framecast_core::{AuthScheme, ErrorReport, JobId, JobSpec, JobState, RouteKind};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

/// Which front end started a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "JobOrigin"))]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    App,
    Cli,
}

/// A failure the gateway reported, for one video or (without an index) the job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct FailureRecord {
    pub index: Option<u8>,
    pub reason: String,
}

/// Everything recorded about a job, with its videos.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct JobRecord {
    pub id: String,
    /// Unix milliseconds.
    pub created_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
    pub origin: Origin,
    pub prompt: String,
    pub model: String,
    pub n: u8,
    /// SHA-256 of the stored start and end frames.
    pub start_frame: Option<String>,
    pub end_frame: Option<String>,
    pub gateway_host: String,
    pub auth_scheme: AuthScheme,
    /// USD per delivered video when the job started.
    pub price_usd: Option<f64>,
    /// Where its videos are saved; `None` when only links are kept.
    pub save_dir: Option<String>,
    pub retry_of: Option<String>,
    pub route: RouteKind,
    /// Where the job was sent, when recorded (jobs of the task route are watched there again).
    pub base_url: Option<String>,
    /// The profile whose key the job used; `None` for a key given for this job alone (an
    /// environment variable, a flag), which is asked for again and never replaced by another.
    pub profile_id: Option<i64>,
    /// When the job's time runs out (Unix milliseconds), when recorded.
    pub deadline_at: Option<i64>,
    /// What the job is part of, naming its files (a batch's row).
    pub label: Option<String>,
    pub state: JobState,
    pub phase: Option<framecast_core::Phase>,
    pub progress: Option<f64>,
    pub status_text: Option<String>,
    pub error: Option<ErrorReport>,
    pub failures: Vec<FailureRecord>,
    /// The gateway's lines, the key redacted.
    pub transcript: Vec<String>,
    /// Videos the gateway delivered, each paid for; deleting one later does not lower it.
    pub delivered: u8,
    pub videos: Vec<VideoRecord>,
    /// Where its frames were taken from, when from earlier videos.
    pub continues: Vec<crate::Continuation>,
    /// The options it asked for (duration, resolution, aspect, …).
    pub options: framecast_core::VideoOptions,
    /// SHA-256 of the reference images it sent, in order (stored like frames).
    pub references: Vec<String>,
}

/// What is recorded when a job starts.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub spec: &'a JobSpec,
    pub origin: Origin,
    pub gateway_host: String,
    pub auth_scheme: AuthScheme,
    pub price_usd: Option<f64>,
    pub retry_of: Option<JobId>,
    /// The start frame, then the end frame, as sent.
    pub frames: Vec<&'a PreparedFrame>,
    /// The reference images, as sent.
    pub references: Vec<&'a PreparedFrame>,
    pub route: RouteKind,
    /// Where the job's tasks can be asked about again (never the key).
    pub base_url: String,
    /// The profile whose key the job used; `None` when the key came from elsewhere.
    pub profile_id: Option<i64>,
    /// The job's overall time: after it, its tasks are given up.
    pub overall: std::time::Duration,
}

impl JobRecord {
    /// What is left of the job's time (nothing once its deadline has passed). Jobs recorded
    /// before deadlines were, count from their start with the default overall time.
    pub fn time_left(&self) -> std::time::Duration {
        let deadline = self.deadline_at.unwrap_or_else(|| {
            let overall = framecast_core::Limits::default().overall.as_millis();
            self.created_at
                .saturating_add(i64::try_from(overall).unwrap_or(i64::MAX))
        });
        let left = deadline.saturating_sub(now_ms());
        std::time::Duration::from_millis(u64::try_from(left).unwrap_or(0))
    }

    /// The job as the engine runs it, without its frames (they were sent already): what
    /// watching its tasks again and naming its files need.
    pub fn spec(&self) -> Option<JobSpec> {
        Some(JobSpec {
            id: JobId::parse(&self.id).ok()?,
            request: framecast_core::GenerationRequest {
                prompt: self.prompt.clone(),
                model: self.model.clone(),
                n: self.n,
                first_frame: None,
                last_frame: None,
                stream: true,
                options: self.options.clone(),
                references: Vec::new(),
            },
            frames_sha256: self
                .start_frame
                .iter()
                .chain(&self.end_frame)
                .cloned()
                .collect(),
            references_sha256: self.references.clone(),
            save_dir: self.save_dir.as_ref().map(std::path::PathBuf::from),
            label: self.label.clone(),
        })
    }
}

impl Library {
    /// Records a job before its request is sent: its frames (by content), then its row, owned by
    /// this process. An id that was already started is refused, by the database itself, so a
    /// double click or a re-sent message can never start a second paid request.
    pub fn begin_job(&self, job: &NewJob<'_>) -> Result<()> {
        for frame in job.frames.iter().chain(&job.references) {
            self.store_frame(frame)?;
        }
        let spec = job.spec;
        let request = &spec.request;
        let frame = |i: usize| job.frames.get(i).map(|f| f.facts.sha256.clone());
        let now = now_ms();
        let inserted = self.conn().execute(
            "INSERT INTO jobs (id, created_at, updated_at, origin, owner, prompt, model, n,
                               start_frame, end_frame, gateway_host, auth_scheme, price_usd,
                               save_dir, retry_of, route, base_url, profile_id, state,
                               deadline_at, label, options)
             VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                     ?17, 'running', ?18, ?19, ?20)
             ON CONFLICT (id) DO NOTHING",
            params![
                spec.id.to_string(),
                now,
                origin_str(job.origin),
                self.session(),
                request.prompt,
                request.model,
                request.n,
                frame(0),
                frame(1),
                job.gateway_host,
                scheme_str(job.auth_scheme),
                job.price_usd,
                spec.save_dir.as_ref().map(|d| d.display().to_string()),
                job.retry_of.map(|r| r.to_string()),
                job.route.as_str(),
                job.base_url,
                job.profile_id,
                now.saturating_add(i64::try_from(job.overall.as_millis()).unwrap_or(i64::MAX)),
                spec.label,
                (!request.options.is_empty())
                    .then(|| serde_json::to_string(&request.options).unwrap_or_default()),
            ],
        )?;
        if inserted == 0 {
            return Err(LibraryError::AlreadyStarted(spec.id.to_string()));
        }
        for (i, reference) in job.references.iter().enumerate() {
            self.conn().execute(
                "INSERT INTO job_references (job_id, idx, sha256) VALUES (?1, ?2, ?3)",
                params![
                    spec.id.to_string(),
                    i64::try_from(i + 1).unwrap_or(i64::MAX),
                    reference.facts.sha256
                ],
            )?;
        }
        Ok(())
    }

    /// One job with its videos.
    pub fn job(&self, id: &JobId) -> Result<Option<JobRecord>> {
        let conn = self.conn();
        let job = conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"),
                [id.to_string()],
                read_job,
            )
            .optional()?;
        job.map(|j| with_videos(&conn, j)).transpose()
    }

    /// The newest jobs first, `limit` of them, older than `before` (a job id) when given.
    pub fn recent(&self, limit: usize, before: Option<&JobId>) -> Result<Vec<JobRecord>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM jobs WHERE (?1 IS NULL OR id < ?1) ORDER BY id DESC LIMIT ?2"
        ))?;
        let jobs = stmt
            .query_map(
                params![before.map(JobId::to_string), limit_of(limit)],
                read_job,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        jobs.into_iter().map(|j| with_videos(&conn, j)).collect()
    }

    /// Jobs the library lists whose prompt contains `text` (any script, any part of a word),
    /// newest first. Three characters or more are read from the search index, which holds the
    /// listed jobs in the order they were recorded (migration 0011).
    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<JobRecord>> {
        let text = text.trim();
        if text.is_empty() {
            return self.recent(limit, None);
        }
        let conn = self.conn();
        // Trigrams need three characters; shorter text is matched directly.
        let sql = if text.chars().count() >= 3 {
            format!(
                "SELECT {COLUMNS} FROM jobs
                 JOIN (SELECT rowid AS at FROM jobs_fts WHERE jobs_fts MATCH ?1
                       ORDER BY rowid DESC LIMIT ?2) found ON jobs.rowid = found.at
                 ORDER BY found.at DESC"
            )
        } else {
            format!(
                "SELECT {COLUMNS} FROM jobs j WHERE instr(lower(prompt), lower(?1)) > 0
                   AND NOT (j.delivered > 0 AND j.kept = 0)
                 ORDER BY id DESC LIMIT ?2"
            )
        };
        let needle = if text.chars().count() >= 3 {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_owned()
        };
        let mut stmt = conn.prepare_cached(&sql)?;
        let jobs = stmt
            .query_map(params![needle, limit_of(limit)], read_job)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        jobs.into_iter().map(|j| with_videos(&conn, j)).collect()
    }

    /// How many jobs the library holds.
    pub fn count(&self) -> Result<u64> {
        let n: i64 = self
            .conn()
            .query_row("SELECT count(*) FROM jobs", [], |r| r.get(0))?;
        Ok(n.try_into().unwrap_or(0))
    }
}

fn limit_of(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

pub(crate) const COLUMNS: &str =
    "id, created_at, updated_at, finished_at, origin, prompt, model, n,
    start_frame, end_frame, gateway_host, auth_scheme, price_usd, save_dir, retry_of, state, phase,
    progress, status_text, error, failures, transcript, route, base_url, profile_id, delivered,
    deadline_at, label, options";

pub(crate) fn read_job(r: &Row<'_>) -> rusqlite::Result<JobRecord> {
    let json = |i: usize| -> rusqlite::Result<Option<String>> { r.get(i) };
    Ok(JobRecord {
        id: r.get(0)?,
        created_at: r.get(1)?,
        updated_at: r.get(2)?,
        finished_at: r.get(3)?,
        origin: if r.get::<_, String>(4)? == "cli" {
            Origin::Cli
        } else {
            Origin::App
        },
        prompt: r.get(5)?,
        model: r.get(6)?,
        n: r.get(7)?,
        start_frame: r.get(8)?,
        end_frame: r.get(9)?,
        gateway_host: r.get(10)?,
        auth_scheme: if r.get::<_, String>(11)? == "bearer" {
            AuthScheme::Bearer
        } else {
            AuthScheme::Bare
        },
        price_usd: r.get(12)?,
        save_dir: r.get(13)?,
        retry_of: r.get(14)?,
        state: JobState::parse(&r.get::<_, String>(15)?),
        phase: r
            .get::<_, Option<String>>(16)?
            .and_then(|p| serde_json::from_value(serde_json::Value::String(p)).ok()),
        progress: r.get(17)?,
        status_text: r.get(18)?,
        error: json(19)?.and_then(|e| serde_json::from_str(&e).ok()),
        failures: json(20)?
            .and_then(|f| serde_json::from_str(&f).ok())
            .unwrap_or_default(),
        transcript: json(21)?
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default(),
        route: RouteKind::parse(&r.get::<_, String>(22)?),
        base_url: r.get(23)?,
        profile_id: r.get(24)?,
        delivered: r.get(25)?,
        deadline_at: r.get(26)?,
        label: r.get(27)?,
        options: json(28)?
            .and_then(|o| serde_json::from_str(&o).ok())
            .unwrap_or_default(),
        videos: Vec::new(),
        continues: Vec::new(),
        references: Vec::new(),
    })
}

fn with_videos(conn: &Connection, mut job: JobRecord) -> Result<JobRecord> {
    job.videos = crate::videos::of_job(conn, &job.id)?;
    job.continues = crate::lineage::of_job(conn, &job.id)?;
    job.references = crate::references::of_job(conn, &job.id)?;
    Ok(job)
}

fn origin_str(origin: Origin) -> &'static str {
    match origin {
        Origin::App => "app",
        Origin::Cli => "cli",
    }
}

pub(crate) fn scheme_str(scheme: AuthScheme) -> &'static str {
    match scheme {
        AuthScheme::Bare => "bare",
        AuthScheme::Bearer => "bearer",
    }
}
