//! Stacks: lists, pages and deployment logs (viewers); create, edit, deploy and the
//! other actions (operators); policy overrides (admins, after re-authentication).

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn as _;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::model::auth::Role;
use crate::model::stacks::{Deployment, StackAction, StackDetail, StackList};

/// A stack's page.
#[cfg(feature = "ssr")]
fn page_of(name: &str) -> String {
    format!("/stacks/{}", crate::model::url::encode_component(name))
}

/// Where to go after saving: the deployment's log when asked to deploy and it started,
/// else the stack's page, which says what keeps it from deploying (policy, problems).
#[cfg(feature = "ssr")]
async fn deploy_after_saving(
    services: &crate::services::Services,
    caller: &crate::services::Caller,
    user: &crate::model::auth::CurrentUser,
    name: &str,
    deploy: bool,
) -> String {
    if deploy && let Ok(id) = services.stacks.act(caller, user, name, StackAction::Deploy).await {
        return format!("{}/deployments/{id}", page_of(name));
    }
    format!("{}?saved=1", page_of(name))
}

/// Every stack, Berth's and the ones started outside it.
#[server(prefix = "/api", endpoint = "stacks")]
pub async fn list_stacks() -> Result<StackList, AppError> {
    let (services, _, _) = crate::api::guard::require(Role::Viewer).await?;
    services.stacks.list().await.map_err(AppError::from)
}

/// One stack, with its files, services, policy and history.
#[server(prefix = "/api", endpoint = "stack")]
pub async fn get_stack(name: String) -> Result<Option<StackDetail>, AppError> {
    let (services, _, _) = crate::api::guard::require(Role::Viewer).await?;
    services.stacks.get(&name).await.map_err(AppError::from)
}

/// The problems with a compose file and `.env`, without saving them.
#[server(prefix = "/api", endpoint = "stack-validate")]
pub async fn validate_stack(name: String, compose: String, env: Option<String>) -> Result<Vec<String>, AppError> {
    let (services, _, _) = crate::api::guard::require(Role::Operator).await?;
    services.stacks.validate(&name, &compose, env.as_deref().unwrap_or_default()).await.map_err(AppError::from)
}

/// Creates a stack from the editor and opens its page (or deploys it at once).
#[server(prefix = "/api", endpoint = "stack-create")]
pub async fn create_stack(name: String, compose: String, env: Option<String>, deploy: Option<String>) -> Result<String, AppError> {
    let result = async {
        let (services, caller, user) = crate::api::guard::require(Role::Operator).await?;
        services.stacks.save(&caller, &user, &name, &compose, env.as_deref().unwrap_or_default(), true).await.map_err(AppError::from)?;
        Ok(deploy_after_saving(&services, &caller, &user, &name, deploy.is_some()).await)
    }
    .await;
    let next = result.as_ref().ok().cloned();
    crate::api::form::finish(result, CreateStack::PATH, "/stacks/new", next.as_deref())
}

/// Saves a stack's compose file and `.env` (and deploys them when asked).
#[server(prefix = "/api", endpoint = "stack-save")]
pub async fn save_stack(name: String, compose: String, env: Option<String>, deploy: Option<String>) -> Result<String, AppError> {
    let page = page_of(&name);
    let result = async {
        let (services, caller, user) = crate::api::guard::require(Role::Operator).await?;
        services.stacks.save(&caller, &user, &name, &compose, env.as_deref().unwrap_or_default(), false).await.map_err(AppError::from)?;
        Ok(deploy_after_saving(&services, &caller, &user, &name, deploy.is_some()).await)
    }
    .await;
    let next = result.as_ref().ok().cloned();
    crate::api::form::finish(result, SaveStack::PATH, &format!("{page}/edit"), next.as_deref())
}

/// Deploys, pulls and redeploys, starts, stops, restarts or takes down a stack, and
/// opens the deployment's log. Removing volumes needs a fresh password or code.
#[server(prefix = "/api", endpoint = "stack-action")]
pub async fn act_on_stack(name: String, action: StackAction) -> Result<i64, AppError> {
    let page = page_of(&name);
    let result = async {
        let (services, caller, user) = if action == StackAction::DownWithVolumes {
            crate::api::guard::require_recent(Role::Operator).await?
        } else {
            crate::api::guard::require(Role::Operator).await?
        };
        services.stacks.act(&caller, &user, &name, action).await.map_err(AppError::from)
    }
    .await;
    let next = result.as_ref().ok().map(|id| format!("{page}/deployments/{id}"));
    crate::api::form::finish(result, ActOnStack::PATH, &page, next.as_deref())
}

/// Takes a stack down and deletes its folder (its volumes and history stay).
#[server(prefix = "/api", endpoint = "stack-delete")]
pub async fn delete_stack(name: String) -> Result<(), AppError> {
    let result = async {
        let (services, caller, user) = crate::api::guard::require(Role::Operator).await?;
        services.stacks.delete(&caller, &user, &name).await.map_err(AppError::from)
    }
    .await;
    let done = format!("/stacks?deleted={}", crate::model::url::encode_component(&name));
    crate::api::form::finish(result, DeleteStack::PATH, &page_of(&name), Some(&done))
}

/// A deployment of a stack and its log.
#[server(prefix = "/api", endpoint = "stack-deployment")]
pub async fn get_deployment(name: String, id: i64) -> Result<Option<Deployment>, AppError> {
    let (services, _, _) = crate::api::guard::require(Role::Viewer).await?;
    services.stacks.deployment(&name, id).await.map_err(AppError::from)
}

/// Allows (or blocks again) one policy item for one stack.
#[server(prefix = "/api", endpoint = "stack-policy")]
pub async fn set_stack_policy(name: String, item: String, allow: bool) -> Result<(), AppError> {
    let page = page_of(&name);
    let result = async {
        let (services, caller, user) = crate::api::guard::require_recent(Role::Admin).await?;
        services.stacks.set_override(&caller, &user, &name, &item, allow).await.map_err(AppError::from)
    }
    .await;
    crate::api::form::finish(result, SetStackPolicy::PATH, &page, Some(&format!("{page}#policy")))
}

/// Stops the containers of a stack started outside Berth.
#[server(prefix = "/api", endpoint = "stack-external-stop")]
pub async fn stop_external_stack(name: String) -> Result<(), AppError> {
    let result = async {
        let (services, caller, user) = crate::api::guard::require(Role::Operator).await?;
        services.stacks.stop_external(&caller, &user, &name).await.map_err(AppError::from)
    }
    .await;
    crate::api::form::finish(result, StopExternalStack::PATH, "/stacks", Some("/stacks"))
}

/// Makes a stack started outside Berth one of Berth's, from its compose file.
#[server(prefix = "/api", endpoint = "stack-adopt")]
pub async fn adopt_stack(name: String) -> Result<(), AppError> {
    let result = async {
        let (services, caller, user) = crate::api::guard::require(Role::Operator).await?;
        services.stacks.adopt(&caller, &user, &name).await.map_err(AppError::from)
    }
    .await;
    let next = result.as_ref().ok().map(|()| page_of(&name));
    crate::api::form::finish(result, AdoptStack::PATH, "/stacks", next.as_deref())
}
