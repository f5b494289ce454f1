//! Changes of the Podman socket's state.

use sqlx::SqlitePool;

/// One change of the socket's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketEventRow {
    pub at: i64,
    pub healthy: bool,
    pub problem: Option<String>,
}

/// Records a change.
pub async fn insert(pool: &SqlitePool, at: i64, healthy: bool, problem: Option<&str>) -> sqlx::Result<()> {
    sqlx::query!("INSERT INTO socket_events (at, healthy, problem) VALUES (?, ?, ?)", at, healthy, problem)
        .execute(pool)
        .await?;
    Ok(())
}

/// The most recent changes, newest first.
pub async fn recent(pool: &SqlitePool, limit: i64) -> sqlx::Result<Vec<SocketEventRow>> {
    let rows = sqlx::query!(
        r#"SELECT at, healthy AS "healthy: bool", problem FROM socket_events ORDER BY id DESC LIMIT ?"#,
        limit
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| SocketEventRow { at: r.at, healthy: r.healthy, problem: r.problem }).collect())
}
