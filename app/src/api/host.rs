//! The host panels: the report (viewers); lingering, units, forwards and per-stack
//! units (admins: they change how the host starts).

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn as _;

use crate::error::AppError;
use crate::model::host::HostReport;

/// Where the host page goes after a change: the message, and the section it was made in.
#[cfg(feature = "ssr")]
fn done(message: &str, section: &str) -> String {
    format!("/host?done={}#{section}", crate::model::url::encode_component(message))
}

/// Finishes a host form: success goes back to the page with the message.
#[cfg(feature = "ssr")]
fn finish(result: Result<String, AppError>, path: &str, section: &str) -> Result<String, AppError> {
    let next = result.as_ref().ok().map(|message| done(message, section));
    crate::api::form::finish(result, path, "/host", next.as_deref())
}

/// Lingering, the user units, host facts, forwards, and whether each stack survives a reboot.
#[server(prefix = "/api", endpoint = "host")]
pub async fn get_host_report() -> Result<HostReport, AppError> {
    let (services, _, _) = crate::api::guard::require(crate::model::auth::Role::Viewer).await?;
    services.host.report().await.map_err(AppError::from)
}

/// Asks logind to turn lingering on for Berth's user.
#[server(prefix = "/api", endpoint = "host-linger")]
pub async fn enable_linger() -> Result<String, AppError> {
    let result = async {
        let (services, caller, user) = crate::api::guard::require(crate::model::auth::Role::Admin).await?;
        services.host.enable_linger(&caller, &user).await.map_err(AppError::from)
    }
    .await;
    finish(result, EnableLinger::PATH, "linger")
}

/// Installs (where needed), enables and starts podman.socket or podman-restart.service.
#[server(prefix = "/api", endpoint = "host-unit")]
pub async fn enable_unit(unit: String) -> Result<String, AppError> {
    let result = async {
        let (services, caller, user) = crate::api::guard::require(crate::model::auth::Role::Admin).await?;
        services.host.enable_unit(&caller, &user, &unit).await.map_err(AppError::from)
    }
    .await;
    finish(result, EnableUnit::PATH, "units")
}

/// Adds a wanted privileged-port forward.
#[server(prefix = "/api", endpoint = "host-forward-add")]
pub async fn add_forward(source: String, target: String, protocol: String) -> Result<String, AppError> {
    let result = async {
        let (services, caller, user) = crate::api::guard::require(crate::model::auth::Role::Admin).await?;
        services.host.add_forward(&caller, &user, &source, &target, &protocol).await.map_err(AppError::from)
    }
    .await;
    finish(result, AddForward::PATH, "forwards")
}

/// Removes a wanted forward from the list.
#[server(prefix = "/api", endpoint = "host-forward-remove")]
pub async fn remove_forward(id: i64) -> Result<String, AppError> {
    let result = async {
        let (services, caller, user) = crate::api::guard::require(crate::model::auth::Role::Admin).await?;
        services.host.remove_forward(&caller, &user, id).await.map_err(AppError::from)
    }
    .await;
    finish(result, RemoveForward::PATH, "forwards")
}

/// Installs and enables (or disables and removes) systemd units for a stack's containers.
#[server(prefix = "/api", endpoint = "host-stack-units")]
pub async fn stack_units(stack: String, install: bool) -> Result<String, AppError> {
    let result = async {
        let (services, caller, user) = crate::api::guard::require(crate::model::auth::Role::Admin).await?;
        services.host.stack_units(&caller, &user, &stack, install).await.map_err(AppError::from)
    }
    .await;
    finish(result, StackUnits::PATH, "survival")
}
