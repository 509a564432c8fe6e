//! The schema's versions: numbered SQL files applied in order, the count kept in SQLite's
//! `user_version`. Each migration runs in the same immediate transaction as the version bump, so
//! two processes opening an old library at once migrate it exactly once, and a failed migration
//! leaves the library as it was. A library made by a newer Framecast is refused, not damaged.

use crate::{LibraryError, Result};
use rusqlite::{Connection, TransactionBehavior};

/// Every migration, oldest first; the schema version is how many have run.
pub const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_library.sql"),
    include_str!("../migrations/0002_profiles.sql"),
    include_str!("../migrations/0003_tasks.sql"),
    include_str!("../migrations/0004_library_view.sql"),
    include_str!("../migrations/0005_kept_videos.sql"),
    include_str!("../migrations/0006_listed_jobs.sql"),
    include_str!("../migrations/0007_keys_stay_home.sql"),
    include_str!("../migrations/0008_batches.sql"),
    include_str!("../migrations/0009_options.sql"),
    include_str!("../migrations/0010_prompt_help.sql"),
    include_str!("../migrations/0011_search_what_is_listed.sql"),
    include_str!("../migrations/0012_storyboards.sql"),
];

/// Brings the database to the newest schema.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_to(conn, MIGRATIONS.len())
}

/// Brings the database to schema version `target` (tests build each earlier version with it).
pub fn migrate_to(conn: &mut Connection, target: usize) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = version(&tx)?;
    if found > MIGRATIONS.len() {
        return Err(LibraryError::TooNew {
            found,
            known: MIGRATIONS.len(),
        });
    }
    for (version, sql) in MIGRATIONS.iter().enumerate().take(target).skip(found) {
        tx.execute_batch(sql)?;
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(version + 1).unwrap_or(i64::MAX),
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// The schema version of an open database.
pub fn version(conn: &Connection) -> Result<usize> {
    let v: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    Ok(usize::try_from(v).unwrap_or(0))
}
