use leptos::prelude::*;

use crate::error::AppError;
use crate::model::overview::{Overview, SocketEvent};

/// How many socket changes the overview lists.
#[cfg(feature = "ssr")]
const HISTORY_LENGTH: u32 = 5;

/// The host overview, read live from the Podman socket.
#[server(prefix = "/api", endpoint = "overview")]
pub async fn get_overview() -> Result<Overview, AppError> {
    let (services, _, _) = crate::api::guard::require(crate::model::auth::Role::Viewer).await?;
    services.runtime.overview().await.map_err(AppError::from)
}

/// The latest changes of the Podman socket's state.
#[server(prefix = "/api", endpoint = "socket-history")]
pub async fn get_socket_history() -> Result<Vec<SocketEvent>, AppError> {
    let (services, _, _) = crate::api::guard::require(crate::model::auth::Role::Viewer).await?;
    services.socket_history.recent(HISTORY_LENGTH).await.map_err(AppError::from)
}

/// What Podman's storage holds.
#[server(prefix = "/api", endpoint = "disk-use")]
pub async fn get_disk_use() -> Result<crate::model::overview::Live<crate::model::overview::DiskUse>, AppError> {
    let (services, _, _) = crate::api::guard::require(crate::model::auth::Role::Viewer).await?;
    services.runtime.disk_use().await.map_err(AppError::from)
}

/// Podman's most recent events, newest first.
#[server(prefix = "/api", endpoint = "events")]
pub async fn get_events() -> Result<Vec<crate::model::events::PodmanEvent>, AppError> {
    let (services, _, _) = crate::api::guard::require(crate::model::auth::Role::Viewer).await?;
    Ok(services.events.recent(EVENT_FEED_LENGTH).await)
}

/// How many events the dashboard's feed lists.
#[cfg(feature = "ssr")]
const EVENT_FEED_LENGTH: usize = 15;
