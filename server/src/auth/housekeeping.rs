//! Forgets expired sessions: the cookie store's and Berth's own list.

use std::time::Duration;

use tokio::sync::watch;
use tower_sessions::ExpiredDeletion as _;

use crate::AppState;

/// How often expired sessions are removed.
const INTERVAL: Duration = Duration::from_secs(300);

/// Runs until `stop` changes.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(INTERVAL);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stop.changed() => return,
        }
        let now = crate::clock::unix_now();
        let limits = state.session_limits;
        if let Err(error) = state.session_store.delete_expired().await {
            tracing::warn!(%error, "could not delete expired cookie sessions");
        }
        match crate::db::auth_sessions::delete_expired(&state.pool, now - limits.idle_seconds, now - limits.absolute_seconds).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(sessions = n, "ended expired sessions"),
            Err(error) => tracing::warn!(%error, "could not end expired sessions"),
        }
    }
}
