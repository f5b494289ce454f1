//! The SQLite database in the data dir (WAL), with migrations applied at start.

pub mod auth_sessions;
pub mod devices;
pub mod forwards;
pub mod history;
pub mod hooks;
pub mod recovery_codes;
pub mod socket_events;
pub mod stacks;
pub mod users;

use std::path::Path;
use std::str::FromStr as _;
use std::time::Duration;

use anyhow::Context as _;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

/// Opens (creating if missing) the database file and applies pending migrations.
pub async fn open(path: &Path) -> anyhow::Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str("sqlite:")
        .context("sqlite options")?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        // The CLI may write while the server runs: wait for the lock rather than fail.
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .with_context(|| format!("could not open the database {}", path.display()))?;
    sqlx::migrate!("../migrations")
        .run(&pool)
        .await
        .with_context(|| format!("could not apply migrations to {}", path.display()))?;
    Ok(pool)
}

/// An empty database in memory, with the migrations applied (for `berth doctor`
/// before Berth ever ran: it must not create the data dir).
pub async fn open_in_memory() -> anyhow::Result<SqlitePool> {
    // One connection: every connection to ":memory:" would be a database of its own.
    let pool = SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await.context("in-memory database")?;
    sqlx::migrate!("../migrations").run(&pool).await.context("migrations in memory")?;
    Ok(pool)
}
