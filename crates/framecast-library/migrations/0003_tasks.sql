-- The task route: a profile chooses how its jobs are made, a job says how it was made, and each
-- task a job created is kept with its id the moment the gateway gives it, so nothing on this
-- side can lose the video it makes.

ALTER TABLE profiles ADD COLUMN route TEXT NOT NULL DEFAULT 'stream';   -- 'stream' or 'task'
ALTER TABLE jobs ADD COLUMN route TEXT NOT NULL DEFAULT 'stream';
-- Where a job's tasks can be watched again after a restart (never the key: that is the profile's).
ALTER TABLE jobs ADD COLUMN base_url TEXT;
ALTER TABLE jobs ADD COLUMN profile_id INTEGER;

CREATE TABLE tasks (
    job_id     TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    idx        INTEGER NOT NULL CHECK (idx >= 1),
    task_id    TEXT,                -- NULL: its creation was sent but the answer was lost
    state      TEXT NOT NULL,       -- watching | done | failed | expired | lost
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (job_id, idx)
) STRICT;

CREATE INDEX tasks_watching ON tasks (job_id) WHERE state = 'watching';
