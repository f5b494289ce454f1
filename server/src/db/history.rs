//! [`SocketHistory`] over the database.

use app::model::overview::{PodmanProblem, SocketEvent};
use app::services::{ServiceError, SocketHistory};
use async_trait::async_trait;
use sqlx::SqlitePool;

use super::socket_events;

/// The socket's recorded changes of state.
#[derive(Debug, Clone)]
pub struct DbSocketHistory {
    pub pool: SqlitePool,
}

#[async_trait]
impl SocketHistory for DbSocketHistory {
    async fn recent(&self, limit: u32) -> Result<Vec<SocketEvent>, ServiceError> {
        let rows = socket_events::recent(&self.pool, i64::from(limit)).await.map_err(|e| ServiceError::Internal(e.into()))?;
        Ok(rows
            .into_iter()
            .map(|row| SocketEvent {
                at: row.at,
                // A name this version doesn't know still means "unhealthy".
                problem: if row.healthy {
                    None
                } else {
                    Some(row.problem.as_deref().and_then(PodmanProblem::from_name).unwrap_or(PodmanProblem::BadAnswer))
                },
            })
            .collect())
    }
}
