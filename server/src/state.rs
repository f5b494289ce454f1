//! What every request handler can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::SqlitePool;

use app::services::Services;

use crate::db::history::DbSocketHistory;
use crate::podman::PodmanRuntime;

/// The router's state.
#[derive(Debug, Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub services: Services,
    pub pool: SqlitePool,
    pub runtime: PodmanRuntime,
}

impl AppState {
    /// Wires the adapters into the services the UI uses.
    pub fn new(leptos_options: LeptosOptions, pool: SqlitePool, runtime: PodmanRuntime) -> Self {
        let services = Services {
            runtime: Arc::new(runtime.clone()),
            socket_history: Arc::new(DbSocketHistory { pool: pool.clone() }),
        };
        Self { leptos_options, services, pool, runtime }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
