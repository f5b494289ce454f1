//! The privileged-port forwards the owner wants.

use app::model::host::{Forward, Protocol};
use sqlx::SqlitePool;

/// Every wanted forward with its id, by source port.
pub async fn list(pool: &SqlitePool) -> sqlx::Result<Vec<(i64, Forward)>> {
    let rows = sqlx::query!(r#"SELECT id AS "id!: i64", source_port, target_port, protocol FROM port_forwards ORDER BY source_port, protocol"#)
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let forward = Forward {
                source: u16::try_from(r.source_port).ok()?,
                target: u16::try_from(r.target_port).ok()?,
                protocol: Protocol::parse(&r.protocol).ok()?,
            };
            Some((r.id, forward))
        })
        .collect())
}

/// Adds a forward; `Ok(false)` when one from the same source port and protocol exists.
pub async fn insert(pool: &SqlitePool, forward: &Forward, at: i64, by: &str) -> sqlx::Result<bool> {
    let protocol = forward.protocol.as_str();
    let done = sqlx::query!(
        "INSERT INTO port_forwards (source_port, target_port, protocol, created_at, created_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT (source_port, protocol) DO NOTHING",
        forward.source,
        forward.target,
        protocol,
        at,
        by
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes a forward; returns it, if it existed.
pub async fn remove(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<Forward>> {
    let found = list(pool).await?.into_iter().find(|(i, _)| *i == id).map(|(_, f)| f);
    sqlx::query!("DELETE FROM port_forwards WHERE id = ?", id).execute(pool).await?;
    Ok(found)
}
