//! Containers: the list (viewers) and actions (operators).

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn as _;

use crate::error::AppError;
use crate::model::containers::{ContainerAction, ContainerDetail, ContainerRow};
use crate::model::overview::Live;

/// Every container, and the host name the browser used (for links to published ports).
#[server(prefix = "/api", endpoint = "containers")]
pub async fn list_containers() -> Result<(Live<Vec<ContainerRow>>, String), AppError> {
    let (services, _, _) = crate::api::guard::require(crate::model::auth::Role::Viewer).await?;
    let list = services.containers.list().await.map_err(AppError::from)?;
    Ok((list, crate::api::guard::request_host()))
}

/// One container. Secret-looking environment values stay masked unless `reveal`, which
/// needs an operator who confirmed their password or code in the last five minutes.
#[server(prefix = "/api", endpoint = "container")]
pub async fn get_container(name: String, reveal: bool) -> Result<(Live<Option<ContainerDetail>>, String), AppError> {
    use crate::model::auth::Role;
    let (services, caller, user) = if reveal {
        crate::api::guard::require_recent(Role::Operator).await?
    } else {
        crate::api::guard::require(Role::Viewer).await?
    };
    let detail = services.containers.inspect(&caller, &user, &name, reveal).await.map_err(AppError::from)?;
    Ok((detail, crate::api::guard::request_host()))
}

/// Starts, stops, restarts, kills or removes a container.
#[server(prefix = "/api", endpoint = "container-action")]
pub async fn act_on_container(id: String, action: ContainerAction, back: Option<String>) -> Result<String, AppError> {
    let back = crate::model::url::safe_next(back.as_deref().unwrap_or("/containers")).to_owned();
    let result = async {
        let (services, caller, user) = crate::api::guard::require(crate::model::auth::Role::Operator).await?;
        services.containers.act(&caller, &user, &id, action).await.map_err(AppError::from)
    }
    .await;
    let page = back.split('?').next().unwrap_or("/containers").to_owned();
    crate::api::form::finish(result, ActOnContainer::PATH, &page, Some(&back))
}

/// The last lines a container wrote (`tail`: a number or "all"; see [`crate::model::logs::parse_tail`]).
#[server(prefix = "/api", endpoint = "container-logs")]
pub async fn get_logs(name: String, tail: Option<String>, timestamps: bool) -> Result<Live<Option<Vec<crate::model::logs::LogLine>>>, AppError> {
    let (services, _, _) = crate::api::guard::require(crate::model::auth::Role::Viewer).await?;
    let tail = crate::model::logs::parse_tail(tail.as_deref());
    services.containers.logs(&name, tail, timestamps).await.map_err(AppError::from)
}

/// A container's resource use now.
#[server(prefix = "/api", endpoint = "container-stats")]
pub async fn get_stats(name: String) -> Result<Live<Option<crate::model::stats::StatsReading>>, AppError> {
    let (services, _, _) = crate::api::guard::require(crate::model::auth::Role::Viewer).await?;
    services.containers.stats(&name).await.map_err(AppError::from)
}
