//! Images: the list (viewers); pull, remove and prune (operators).

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn as _;

use crate::error::AppError;
use crate::model::images::{ImageRow, PullJob};
use crate::model::overview::Live;

/// Every image, with the containers that use it.
#[server(prefix = "/api", endpoint = "images")]
pub async fn list_images() -> Result<Live<Vec<ImageRow>>, AppError> {
    let (services, _, _) = crate::api::guard::require(crate::model::auth::Role::Viewer).await?;
    services.images.list().await.map_err(AppError::from)
}

/// Starts pulling an image and opens the page that follows it.
#[server(prefix = "/api", endpoint = "image-pull")]
pub async fn pull_image(reference: String) -> Result<u64, AppError> {
    let result = async {
        let (services, caller, user) = crate::api::guard::require(crate::model::auth::Role::Operator).await?;
        services.images.pull(&caller, &user, &reference).await.map_err(AppError::from)
    }
    .await;
    let next = result.as_ref().ok().map(|id| format!("/images/pulls/{id}"));
    crate::api::form::finish(result, PullImage::PATH, "/images", next.as_deref())
}

/// A pull's progress (`None`: Berth no longer remembers it, e.g. after a restart).
#[server(prefix = "/api", endpoint = "image-pull-progress")]
pub async fn get_pull(id: u64) -> Result<Option<PullJob>, AppError> {
    let (services, _, _) = crate::api::guard::require(crate::model::auth::Role::Viewer).await?;
    services.images.pull_job(id).await.map_err(AppError::from)
}

/// Removes an image no container uses.
#[server(prefix = "/api", endpoint = "image-remove")]
pub async fn remove_image(id: String) -> Result<String, AppError> {
    let result = async {
        let (services, caller, user) = crate::api::guard::require(crate::model::auth::Role::Operator).await?;
        services.images.remove(&caller, &user, &id).await.map_err(AppError::from)
    }
    .await;
    crate::api::form::finish(result, RemoveImage::PATH, "/images", Some("/images"))
}

/// Removes dangling images (no tag, no container).
#[server(prefix = "/api", endpoint = "image-prune")]
pub async fn prune_images() -> Result<String, AppError> {
    let result = async {
        let (services, caller, user) = crate::api::guard::require(crate::model::auth::Role::Operator).await?;
        services.images.prune(&caller, &user).await.map_err(AppError::from)
    }
    .await;
    let next = result.as_ref().ok().map(|summary| format!("/images?done={}", crate::model::url::encode_component(summary)));
    crate::api::form::finish(result, PruneImages::PATH, "/images", next.as_deref())
}
