//! Authorization for server functions: who is calling, and may they?
//! Every server fn calls one of these first and returns its error when it fails.

use crate::error::AppError;
use crate::model::auth::{CurrentUser, Role};
use crate::services::{Caller, ClientIp, Services};

/// The services and the caller of the current request.
pub async fn caller() -> Result<(Services, Caller), AppError> {
    use axum::http::header::{COOKIE, USER_AGENT};
    let services = crate::services::from_context()?;
    let session = leptos_axum::extract::<tower_sessions::Session>().await.map_err(|error| {
        tracing::error!(%error, "no session layer on this request");
        AppError::Internal
    })?;
    let parts = leptos::prelude::use_context::<axum::http::request::Parts>().ok_or(AppError::Internal)?;
    let ip = parts.extensions.get::<ClientIp>().map(|c| c.0).ok_or_else(|| {
        tracing::error!("no client address on this request");
        AppError::Internal
    })?;
    let user_agent = parts.headers.get(USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").chars().take(300).collect();
    let device = parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == crate::api::DEVICE_COOKIE)
        .map(|(_, value)| value.to_owned());
    Ok((services, Caller { session, ip, user_agent, device }))
}

/// Sets the HTTP status that goes with a refusal (401, 403), so clients other than
/// Berth's own pages see what happened without decoding the body.
fn refuse(error: AppError) -> AppError {
    crate::api::form::set_error_status(&error);
    error
}

/// The caller, who must be signed in (fully: not only to enrol TOTP) with at least `role`.
pub async fn require(role: Role) -> Result<(Services, Caller, CurrentUser), AppError> {
    authorize(role).await.map_err(refuse)
}

async fn authorize(role: Role) -> Result<(Services, Caller, CurrentUser), AppError> {
    let (services, caller) = caller().await?;
    let user = services.access.whoami(&caller).await.map_err(AppError::from)?.ok_or(AppError::Unauthenticated)?;
    if user.enrol_only {
        return Err(AppError::Invalid("Set up two-factor authentication first.".to_owned()));
    }
    if user.role < role {
        return Err(AppError::Forbidden);
    }
    Ok((services, caller, user))
}

/// Like [`require`], for sensitive actions: the user must also have confirmed their
/// password or a TOTP code within the last five minutes.
pub async fn require_recent(role: Role) -> Result<(Services, Caller, CurrentUser), AppError> {
    let (services, caller, user) = require(role).await?;
    if !services.access.recently_authenticated(&caller).await.map_err(AppError::from)? {
        return Err(refuse(AppError::ReauthRequired));
    }
    Ok((services, caller, user))
}

/// The caller, who must be signed in, possibly only to enrol TOTP.
pub async fn require_signed_in() -> Result<(Services, Caller, CurrentUser), AppError> {
    let (services, caller) = caller().await?;
    let user = services.access.whoami(&caller).await.map_err(AppError::from)?.ok_or_else(|| refuse(AppError::Unauthenticated))?;
    Ok((services, caller, user))
}

/// The host name the browser used to reach Berth (without the port).
pub fn request_host() -> String {
    let authority = request_authority();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default().to_owned(),
        None => authority.rsplit_once(':').map_or(authority.as_str(), |(h, _)| h).to_owned(),
    };
    if host.is_empty() || !host.chars().all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c)) { "localhost".to_owned() } else { host }
}

/// The host and port the browser used to reach Berth (`host:port`), for links that
/// other programs will call (a webhook's URL).
pub fn request_authority() -> String {
    let Some(parts) = leptos::prelude::use_context::<axum::http::request::Parts>() else { return "localhost".to_owned() };
    let authority = parts
        .headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(|a| a.as_str().to_owned()))
        .unwrap_or_default();
    let plain = !authority.is_empty() && authority.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
    if plain { authority } else { "localhost".to_owned() }
}
