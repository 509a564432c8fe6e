-- Keys go only where they were meant to go.
--
-- A job records the profile whose key it used (`jobs.profile_id`), and its tasks are watched
-- again after a restart with that profile's key. Profile ids were `INTEGER PRIMARY KEY`, which
-- SQLite hands out again after the newest profile is deleted, so a later profile's key could be
-- sent to an old job's gateway. `AUTOINCREMENT` never reuses an id.
--
-- A proxy's password lives beside the key, in the OS's credential store (or the private key
-- file), no longer in the proxy URL stored here: `proxy_secret` says where it is ('keychain',
-- 'file') or NULL for none. Passwords already stored in URLs are moved out by the library when it
-- opens (SQL cannot reach the credential store).
--
-- `jobs.deadline_at` is when the job's time runs out (its start plus its overall timeout): tasks
-- still being made then are asked after once more, and given up, never watched at every start.
CREATE TABLE profiles_v7 (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL UNIQUE,
    base_url      TEXT NOT NULL,
    auth_scheme   TEXT NOT NULL DEFAULT 'bare',
    proxy         TEXT NOT NULL DEFAULT 'system',
    connect_secs  REAL NOT NULL DEFAULT 20,
    idle_secs     REAL NOT NULL DEFAULT 360,
    overall_secs  REAL NOT NULL DEFAULT 1200,
    prices        TEXT,
    default_model TEXT,
    default_count INTEGER NOT NULL DEFAULT 1 CHECK (default_count BETWEEN 1 AND 4),
    key_store     TEXT,
    key_hint      TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    route         TEXT NOT NULL DEFAULT 'stream',
    proxy_secret  TEXT
) STRICT;

INSERT INTO profiles_v7 (id, name, base_url, auth_scheme, proxy, connect_secs, idle_secs,
    overall_secs, prices, default_model, default_count, key_store, key_hint, created_at,
    updated_at, route)
SELECT id, name, base_url, auth_scheme, proxy, connect_secs, idle_secs, overall_secs, prices,
    default_model, default_count, key_store, key_hint, created_at, updated_at, route
FROM profiles;

DROP TABLE profiles;
ALTER TABLE profiles_v7 RENAME TO profiles;

ALTER TABLE jobs ADD COLUMN deadline_at INTEGER;
