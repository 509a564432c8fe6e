-- Veo's options and reference images.
--
-- Self-contained: it adds columns and tables only, so it can be renumbered when another
-- migration lands first.
--
-- `jobs.options` is the JSON of the options a job asked for (duration, resolution, aspect,
-- negative prompt, seed, audio, prompt enhancement), NULL when it asked for none.
-- `profiles.capabilities` is a profile's own word on what its gateway carries, over its route's
-- table: JSON like {"seed": false, "enhancePrompt": true}, NULL for the table as it is.
-- Reference images are stored by content like frames (the `frames` table and `frames/` store):
-- `job_references` names those a job sent, in order; `reference_sets` are the named sets a
-- person keeps ("the red-haired girl", "our bottle") to use again, with their images in
-- `reference_set_images`.
ALTER TABLE jobs ADD COLUMN options TEXT;
ALTER TABLE profiles ADD COLUMN capabilities TEXT;

CREATE TABLE job_references (
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    idx    INTEGER NOT NULL CHECK (idx BETWEEN 1 AND 3),
    sha256 TEXT NOT NULL REFERENCES frames (sha256),
    PRIMARY KEY (job_id, idx)
) STRICT;

CREATE TABLE reference_sets (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE reference_set_images (
    set_id INTEGER NOT NULL REFERENCES reference_sets (id) ON DELETE CASCADE,
    idx    INTEGER NOT NULL CHECK (idx BETWEEN 1 AND 3),
    sha256 TEXT NOT NULL REFERENCES frames (sha256),
    PRIMARY KEY (set_id, idx)
) STRICT;
