-- The first library: jobs, their videos, and the frames they sent.
-- Times are Unix milliseconds. JSON columns hold the engine's own shapes.

-- Prepared frames, stored once by content (files under frames/ in the data directory).
CREATE TABLE frames (
    sha256     TEXT PRIMARY KEY,
    mime       TEXT NOT NULL,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    bytes      INTEGER NOT NULL,
    file       TEXT NOT NULL,      -- relative to the data directory
    thumbnail  TEXT NOT NULL,      -- relative to the data directory
    facts      TEXT NOT NULL,      -- JSON: what the frame pipeline reported
    created_at INTEGER NOT NULL
) STRICT;

-- One row per job, written before its request is sent.
CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,  -- a UUIDv7, minted once
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    origin       TEXT NOT NULL,     -- 'app' or 'cli'
    owner        TEXT,              -- the process working on it (see owners in the crate docs)
    prompt       TEXT NOT NULL,
    model        TEXT NOT NULL,
    n            INTEGER NOT NULL CHECK (n BETWEEN 1 AND 4),
    start_frame  TEXT REFERENCES frames (sha256),
    end_frame    TEXT REFERENCES frames (sha256),
    gateway_host TEXT NOT NULL,
    auth_scheme  TEXT NOT NULL,     -- 'bare' or 'bearer'; never the key
    price_usd    REAL,              -- per delivered video, when the job started
    save_dir     TEXT,              -- NULL: only the links are kept
    retry_of     TEXT REFERENCES jobs (id) ON DELETE SET NULL,
    state        TEXT NOT NULL,     -- running | downloading | done | partial | failed | cancelled | interrupted
    phase        TEXT,
    progress     REAL,
    status_text  TEXT,
    error        TEXT,              -- JSON: the engine's error report
    failures     TEXT,              -- JSON: what the gateway said failed
    transcript   TEXT               -- JSON: the gateway's lines, the key redacted
) STRICT;

CREATE INDEX jobs_by_time ON jobs (created_at DESC);
CREATE INDEX jobs_in_flight ON jobs (state) WHERE state IN ('running', 'downloading');

-- One row per delivered video, written the moment its URL arrives.
CREATE TABLE videos (
    job_id       TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    idx          INTEGER NOT NULL CHECK (idx >= 1),
    url          TEXT NOT NULL,
    delivered_at INTEGER NOT NULL,
    state        TEXT NOT NULL,     -- downloading | saved | failed | expired | discarded | link_only
    path         TEXT,              -- where it is going while downloading, where it is once saved
    bytes        INTEGER NOT NULL DEFAULT 0,
    total        INTEGER,
    error        TEXT,              -- JSON: the engine's error report
    saved_at     INTEGER,
    PRIMARY KEY (job_id, idx)
) STRICT;

CREATE INDEX videos_unfinished ON videos (job_id) WHERE state IN ('downloading', 'failed');

-- Prompt search: trigram tokens match any part of a word, in any script (Chinese has no spaces).
CREATE VIRTUAL TABLE jobs_fts USING fts5 (
    prompt,
    content = 'jobs',
    content_rowid = 'rowid',
    tokenize = 'trigram'
);

CREATE TRIGGER jobs_fts_insert AFTER INSERT ON jobs BEGIN
    INSERT INTO jobs_fts (rowid, prompt) VALUES (new.rowid, new.prompt);
END;

CREATE TRIGGER jobs_fts_delete AFTER DELETE ON jobs BEGIN
    INSERT INTO jobs_fts (jobs_fts, rowid, prompt) VALUES ('delete', old.rowid, old.prompt);
END;

CREATE TRIGGER jobs_fts_update AFTER UPDATE OF prompt ON jobs BEGIN
    INSERT INTO jobs_fts (jobs_fts, rowid, prompt) VALUES ('delete', old.rowid, old.prompt);
    INSERT INTO jobs_fts (rowid, prompt) VALUES (new.rowid, new.prompt);
END;
