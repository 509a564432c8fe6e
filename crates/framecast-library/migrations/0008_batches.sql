-- Batch runs: a file or a list of prompts as a queue that survives restarts and never sends a
-- row twice. The batch and every row are recorded before anything is sent.
--
-- A row is `waiting` until a runner claims it: the claim sets `sent` and the job's id in one
-- compare-and-set, before the job is recorded and its request sent. So a row is sent at most
-- once: a `sent` row whose job the library holds is that job's (recovered like any other, never
-- sent again); a `sent` row whose job was never recorded by a process that is gone never reached
-- the network, and goes back to `waiting`. A refusal before the gateway started anything (HTTP 429 or 503: nothing was
-- charged) puts the row back to `waiting` until `not_before`.
CREATE TABLE batches (
    id            TEXT PRIMARY KEY,   -- a UUIDv7
    name          TEXT NOT NULL,
    source        TEXT,               -- the file it was read from; NULL for pasted prompts
    source_sha256 TEXT,               -- that file's content, to continue the same batch
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    state         TEXT NOT NULL,      -- running | paused | cancelled | done
    concurrency   INTEGER NOT NULL DEFAULT 2 CHECK (concurrency BETWEEN 1 AND 16),
    cap_usd       REAL,               -- the most this batch may spend, when set
    out_dir       TEXT,               -- where its videos and its results go
    defaults      TEXT NOT NULL       -- JSON: the settings rows take when they say nothing
) STRICT;

CREATE TABLE batch_rows (
    batch_id   TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    number     INTEGER NOT NULL CHECK (number >= 1),   -- as the file counts rows
    position   INTEGER NOT NULL,                       -- the order rows are sent in
    line       INTEGER,                                -- where it is in the file
    name       TEXT,
    prompt     TEXT NOT NULL,
    first      TEXT,                                   -- frame paths, resolved against the file
    last       TEXT,
    model      TEXT NOT NULL,
    n          INTEGER NOT NULL CHECK (n BETWEEN 1 AND 4),
    price_usd  REAL NOT NULL,                          -- per video, as planned
    state      TEXT NOT NULL,      -- waiting | sent | done | partial | failed | skipped
    problem    TEXT,               -- why it cannot be sent, was skipped or failed (English)
    problem_zh TEXT,               -- the same in Chinese
    job_id     TEXT,               -- the job that sent it (no foreign key: see above)
    owner      TEXT,               -- the process that claimed it (its lease, as for jobs)
    attempts   INTEGER NOT NULL DEFAULT 0,
    not_before INTEGER,            -- a refused row waits until then (Unix ms)
    extra      TEXT,               -- JSON: the file's other columns, carried into the results
    PRIMARY KEY (batch_id, number)
) STRICT;

CREATE INDEX batch_rows_waiting ON batch_rows (batch_id, position) WHERE state = 'waiting';
CREATE INDEX batch_rows_by_job ON batch_rows (job_id) WHERE job_id IS NOT NULL;

-- A job may be named for what it is part of (a batch's row: `007-bottle`); its files say so.
ALTER TABLE jobs ADD COLUMN label TEXT;
