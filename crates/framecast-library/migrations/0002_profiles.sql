-- Gateway profiles and the app's settings. A profile's key is never here: it lives in the OS's
-- credential store (or, where there is none, in a file only the user can read); the profile
-- says which, and the key's last characters, so the key can be shown as "set, ends in …1234".

CREATE TABLE profiles (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    base_url      TEXT NOT NULL,
    auth_scheme   TEXT NOT NULL DEFAULT 'bare',     -- 'bare' or 'bearer'
    proxy         TEXT NOT NULL DEFAULT 'system',   -- 'system', 'none' or the proxy's URL
    connect_secs  REAL NOT NULL DEFAULT 20,
    idle_secs     REAL NOT NULL DEFAULT 360,
    overall_secs  REAL NOT NULL DEFAULT 1200,
    prices        TEXT,                             -- JSON price table; NULL: the defaults
    default_model TEXT,
    default_count INTEGER NOT NULL DEFAULT 1 CHECK (default_count BETWEEN 1 AND 4),
    key_store     TEXT,                             -- 'keychain', 'file', or NULL: no key
    key_hint      TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

-- Small named settings: the active profile, the UI's language and theme.
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
