-- The library view: favourite takes, a poster per video, what was paid for, and which moment of
-- which video a job continued from.

-- A take the person marked as a keeper.
ALTER TABLE videos ADD COLUMN favourite INTEGER NOT NULL DEFAULT 0 CHECK (favourite IN (0, 1));
-- A still captured once from the video: a JPEG under posters/, relative to the data directory.
ALTER TABLE videos ADD COLUMN poster TEXT;

CREATE INDEX videos_favourite ON videos (job_id) WHERE favourite = 1;

-- Videos delivered, each one paid for: counted as they arrive and never taken back, so deleting
-- a video from the library does not make the spend ledger forget what it cost.
ALTER TABLE jobs ADD COLUMN delivered INTEGER NOT NULL DEFAULT 0;
UPDATE jobs SET delivered = (SELECT count(*) FROM videos WHERE videos.job_id = jobs.id);

CREATE TRIGGER videos_delivered AFTER INSERT ON videos BEGIN
    UPDATE jobs SET delivered = delivered + 1 WHERE id = new.job_id;
END;

CREATE INDEX jobs_by_model ON jobs (model, created_at);

-- Where a job's frames came from when they were taken from an earlier video. The source is named,
-- not referenced: deleting it leaves the lineage readable.
CREATE TABLE continuations (
    job_id   TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    slot     TEXT NOT NULL CHECK (slot IN ('start', 'end')),
    from_job TEXT NOT NULL,
    from_idx INTEGER NOT NULL CHECK (from_idx >= 1),
    at_ms    INTEGER NOT NULL CHECK (at_ms >= 0),
    PRIMARY KEY (job_id, slot)
) STRICT;

CREATE INDEX continuations_from ON continuations (from_job);
