//! The signed-in user's own account: TOTP, recovery codes, password, sessions.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn as _;

use crate::error::AppError;
use crate::model::auth::{SessionInfo, TotpEnrolment};

/// Starts TOTP enrolment (or re-enrolment, which needs a recent sign-in).
#[server(prefix = "/api", endpoint = "totp-start")]
pub async fn start_enrolment() -> Result<(), AppError> {
    let result = async {
        let (services, caller, user) = crate::api::guard::require_signed_in().await?;
        if user.totp_enabled && !services.access.recently_authenticated(&caller).await.map_err(AppError::from)? {
            return Err(AppError::ReauthRequired);
        }
        services.access.start_enrolment(&caller, &user).await.map_err(AppError::from)
    }
    .await;
    crate::api::form::finish(result, StartEnrolment::PATH, "/account/totp", Some("/account/totp"))
}

/// The enrolment in progress, if any.
#[server(prefix = "/api", endpoint = "totp-pending")]
pub async fn pending_enrolment() -> Result<Option<TotpEnrolment>, AppError> {
    let (services, caller, user) = crate::api::guard::require_signed_in().await?;
    services.access.pending_enrolment(&caller, &user).await.map_err(AppError::from)
}

/// Confirms enrolment with a code from the authenticator.
#[server(prefix = "/api", endpoint = "totp-finish")]
pub async fn finish_enrolment(code: String) -> Result<(), AppError> {
    let result = async {
        let (services, caller, user) = crate::api::guard::require_signed_in().await?;
        let result = services.access.finish_enrolment(&caller, &user, &code).await.map_err(AppError::from)?;
        crate::api::auth::set_device_cookie(result.device_cookie.as_deref());
        Ok(())
    }
    .await;
    crate::api::form::finish(result, FinishEnrolment::PATH, "/account/totp", Some("/account/recovery-codes"))
}

/// The recovery codes to show once, if any.
#[server(prefix = "/api", endpoint = "recovery-codes")]
pub async fn fresh_recovery_codes() -> Result<Option<Vec<String>>, AppError> {
    let (services, caller, _) = crate::api::guard::require_signed_in().await?;
    services.access.fresh_recovery_codes(&caller).await.map_err(AppError::from)
}

/// "I have saved them": forgets the codes shown once.
#[server(prefix = "/api", endpoint = "recovery-codes-done")]
pub async fn dismiss_recovery_codes() -> Result<(), AppError> {
    let result = async {
        let (services, caller, _) = crate::api::guard::require_signed_in().await?;
        services.access.dismiss_recovery_codes(&caller).await.map_err(AppError::from)
    }
    .await;
    crate::api::form::finish(result, DismissRecoveryCodes::PATH, "/account/recovery-codes", Some("/account"))
}

/// New recovery codes (sensitive: needs a recent sign-in).
#[server(prefix = "/api", endpoint = "recovery-codes-new")]
pub async fn regenerate_recovery_codes() -> Result<(), AppError> {
    let result = async {
        let (services, caller, user) = crate::api::guard::require_recent(crate::model::auth::Role::Viewer).await?;
        services.access.regenerate_recovery_codes(&caller, &user).await.map_err(AppError::from)
    }
    .await;
    crate::api::form::finish(result, RegenerateRecoveryCodes::PATH, "/account", Some("/account/recovery-codes"))
}

/// Confirms the user again (password or TOTP code) before a sensitive action.
#[server(prefix = "/api", endpoint = "reauth")]
pub async fn reauthenticate(secret: String, next: Option<String>) -> Result<(), AppError> {
    let next = crate::api::form::safe_next(next.as_deref().unwrap_or("/account")).to_owned();
    let result = async {
        let (services, caller, user) = crate::api::guard::require(crate::model::auth::Role::Viewer).await?;
        services.access.reauthenticate(&caller, &user, &secret).await.map_err(AppError::from)
    }
    .await;
    crate::api::form::finish(result, Reauthenticate::PATH, "/reauth", Some(&next))
}

/// Changes the user's password; their other sessions end.
#[server(prefix = "/api", endpoint = "password")]
pub async fn change_password(current: String, new: String, confirm: String) -> Result<(), AppError> {
    use crate::model::auth::Password;
    let result = async {
        let (services, caller, user) = crate::api::guard::require(crate::model::auth::Role::Viewer).await?;
        let current = Password::parse(current).map_err(AppError::Invalid)?;
        if new != confirm {
            return Err(AppError::Invalid("The two new passwords differ.".to_owned()));
        }
        let new = Password::parse_new(new).map_err(AppError::Invalid)?;
        services.access.change_password(&caller, &user, current, new).await.map_err(AppError::from)
    }
    .await;
    crate::api::form::finish(result, ChangePassword::PATH, "/account", Some("/account?changed=password"))
}

/// The user's signed-in sessions.
#[server(prefix = "/api", endpoint = "sessions")]
pub async fn my_sessions() -> Result<Vec<SessionInfo>, AppError> {
    let (services, caller, user) = crate::api::guard::require(crate::model::auth::Role::Viewer).await?;
    services.access.sessions(&caller, &user).await.map_err(AppError::from)
}

/// Ends one of the user's sessions.
#[server(prefix = "/api", endpoint = "session-revoke")]
pub async fn revoke_session(id: String) -> Result<(), AppError> {
    let result = async {
        let (services, caller, user) = crate::api::guard::require(crate::model::auth::Role::Viewer).await?;
        services.access.revoke_session(&caller, &user, &id).await.map_err(AppError::from)
    }
    .await;
    crate::api::form::finish(result, RevokeSession::PATH, "/account", Some("/account"))
}
