//! Volumes, networks and pods: lists and details (viewers); create, remove, start,
//! stop and prune (operators).

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn as _;

use crate::error::AppError;
use crate::model::objects::{ObjectAction, ObjectDetail, ObjectKind, ObjectRow};
use crate::model::overview::Live;

/// Every volume, network or pod.
#[server(prefix = "/api", endpoint = "objects")]
pub async fn list_objects(kind: ObjectKind) -> Result<Live<Vec<ObjectRow>>, AppError> {
    let (services, _, _) = crate::api::guard::require(crate::model::auth::Role::Viewer).await?;
    services.objects.list(kind).await.map_err(AppError::from)
}

/// One volume, network or pod.
#[server(prefix = "/api", endpoint = "object")]
pub async fn get_object(kind: ObjectKind, name: String) -> Result<Live<Option<ObjectDetail>>, AppError> {
    let (services, _, _) = crate::api::guard::require(crate::model::auth::Role::Viewer).await?;
    services.objects.inspect(kind, &name).await.map_err(AppError::from)
}

/// Creates a volume, network or pod and opens its page.
#[server(prefix = "/api", endpoint = "object-create")]
pub async fn create_object(kind: ObjectKind, name: String, subnet: Option<String>, internal: Option<String>) -> Result<String, AppError> {
    let result = async {
        let (services, caller, user) = crate::api::guard::require(crate::model::auth::Role::Operator).await?;
        let new = crate::model::objects::NewObject { name, subnet: subnet.unwrap_or_default(), internal: internal.is_some() };
        services.objects.create(&caller, &user, kind, new).await.map_err(AppError::from)
    }
    .await;
    // Back to the list, where the new one is, with word that it was made.
    let page = format!("/{}", kind.path());
    let next = result.as_ref().ok().map(|name| format!("{page}?done={}", crate::model::url::encode_component(&format!("Created the {} {name}.", kind.noun()))));
    crate::api::form::finish(result, CreateObject::PATH, &page, next.as_deref())
}

/// Removes a volume, network or pod, or starts or stops a pod.
#[server(prefix = "/api", endpoint = "object-action")]
pub async fn act_on_object(kind: ObjectKind, name: String, action: ObjectAction, back: Option<String>) -> Result<String, AppError> {
    let list = format!("/{}", kind.path());
    let back = crate::model::url::safe_next(back.as_deref().unwrap_or(&list)).to_owned();
    let result = async {
        let (services, caller, user) = crate::api::guard::require(crate::model::auth::Role::Operator).await?;
        services.objects.act(&caller, &user, kind, &name, action).await.map_err(AppError::from)
    }
    .await;
    // A removed object's page no longer exists: go back to the list.
    let next = if action == ObjectAction::Remove { list.clone() } else { back.clone() };
    let page = back.split('?').next().unwrap_or(&list).to_owned();
    crate::api::form::finish(result, ActOnObject::PATH, &page, Some(&next))
}

/// Removes the unused volumes, networks or stopped pods.
#[server(prefix = "/api", endpoint = "object-prune")]
pub async fn prune_objects(kind: ObjectKind) -> Result<String, AppError> {
    let result = async {
        let (services, caller, user) = crate::api::guard::require(crate::model::auth::Role::Operator).await?;
        services.objects.prune(&caller, &user, kind).await.map_err(AppError::from)
    }
    .await;
    let page = format!("/{}", kind.path());
    let next = result.as_ref().ok().map(|summary| format!("{page}?done={}", crate::model::url::encode_component(summary)));
    crate::api::form::finish(result, PruneObjects::PATH, &page, next.as_deref())
}
