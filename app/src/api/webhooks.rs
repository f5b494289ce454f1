//! A stack's webhook: seen by viewers; turned on, rotated, tested and turned off by
//! operators (a new secret needs a fresh password or code).

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn as _;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::model::auth::Role;
use crate::model::webhooks::WebhookView;

/// The stack page's webhook section, with a message.
#[cfg(feature = "ssr")]
fn section(name: &str, message: Option<&str>) -> String {
    let page = format!("/stacks/{}", crate::model::url::encode_component(name));
    match message {
        Some(text) => format!("{page}?hook={}#webhook", crate::model::url::encode_component(text)),
        None => format!("{page}#webhook"),
    }
}

/// A stack's webhook (`None`: no such stack).
#[server(prefix = "/api", endpoint = "webhook")]
pub async fn get_webhook(name: String) -> Result<Option<WebhookView>, AppError> {
    let (services, caller, _) = crate::api::guard::require(Role::Viewer).await?;
    let base = format!("https://{}", crate::api::guard::request_authority());
    services.webhooks.view(&caller, &name, &base).await.map_err(AppError::from)
}

/// Turns a stack's webhook on, or gives it a new secret (shown once).
#[server(prefix = "/api", endpoint = "webhook-secret")]
pub async fn new_webhook_secret(name: String) -> Result<(), AppError> {
    let result = async {
        let (services, caller, user) = crate::api::guard::require_recent(Role::Operator).await?;
        services.webhooks.enable(&caller, &user, &name).await.map_err(AppError::from)
    }
    .await;
    crate::api::form::finish(result, NewWebhookSecret::PATH, &section(&name, None), Some(&section(&name, None)))
}

/// Turns a stack's webhook off.
#[server(prefix = "/api", endpoint = "webhook-disable")]
pub async fn disable_webhook(name: String) -> Result<(), AppError> {
    let result = async {
        let (services, caller, user) = crate::api::guard::require(Role::Operator).await?;
        services.webhooks.disable(&caller, &user, &name).await.map_err(AppError::from)
    }
    .await;
    let done = section(&name, Some("The webhook is off: its URL answers 404."));
    crate::api::form::finish(result, DisableWebhook::PATH, &section(&name, None), Some(&done))
}

/// Sends a signed test ping through the webhook.
#[server(prefix = "/api", endpoint = "webhook-test")]
pub async fn test_webhook(name: String) -> Result<String, AppError> {
    let result = async {
        let (services, caller, user) = crate::api::guard::require(Role::Operator).await?;
        services.webhooks.send_test(&caller, &user, &name).await.map_err(AppError::from)
    }
    .await;
    let next = result.as_ref().ok().map(|message| section(&name, Some(message)));
    crate::api::form::finish(result, TestWebhook::PATH, &section(&name, None), next.as_deref())
}
