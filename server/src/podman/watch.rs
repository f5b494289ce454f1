//! Watches the Podman socket in the background: logs and records each change of its
//! state, so a lost socket is noticed (and its return) even when nobody looks.

use std::time::Duration;

use app::model::overview::PodmanProblem;
use sqlx::SqlitePool;
use tokio::sync::watch;

use super::PodmanRuntime;
use crate::db::socket_events;

/// How often the socket is checked.
pub const INTERVAL: Duration = Duration::from_secs(5);

/// Checks the socket every `interval` until `stop` changes. The first check happens at once.
pub async fn run(runtime: PodmanRuntime, pool: SqlitePool, interval: Duration, mut stop: watch::Receiver<bool>) {
    let mut last: Option<Result<(), PodmanProblem>> = None;
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stop.changed() => return,
        }
        let state = runtime.health().await;
        if last.as_ref() == Some(&state) {
            continue;
        }
        let socket = runtime.socket().display().to_string();
        match &state {
            Ok(()) if last.is_some() => tracing::info!(%socket, "the Podman socket answers again"),
            Ok(()) => tracing::info!(%socket, "connected to rootless Podman"),
            Err(problem) => tracing::warn!(
                %socket,
                problem = problem.name(),
                fix = problem.fix(),
                "{}", problem.message()
            ),
        }
        let problem = state.as_ref().err().map(|p| p.name());
        if let Err(error) = socket_events::insert(&pool, crate::clock::unix_now(), state.is_ok(), problem).await {
            tracing::error!(%error, "could not record the socket's state");
        }
        last = Some(state);
    }
}
