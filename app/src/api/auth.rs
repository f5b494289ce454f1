//! Signing in and out, and first-run setup.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn as _;

use crate::error::AppError;
use crate::model::auth::{CurrentUser, LoginStep};

/// The signed-in user, if any (for the navigation and the page guard).
#[server(prefix = "/api", endpoint = "whoami")]
pub async fn whoami() -> Result<Option<CurrentUser>, AppError> {
    let (services, caller) = crate::api::guard::caller().await?;
    services.access.whoami(&caller).await.map_err(AppError::from)
}

/// Whether first-run setup is open.
#[server(prefix = "/api", endpoint = "setup-open")]
pub async fn setup_open() -> Result<bool, AppError> {
    let services = crate::services::from_context()?;
    services.access.setup_open().await.map_err(AppError::from)
}

/// Creates the first admin with the setup token printed by `berth serve`.
#[server(prefix = "/api", endpoint = "setup")]
pub async fn setup(token: String, username: String, password: String, confirm: String) -> Result<(), AppError> {
    use crate::model::auth::{Password, Username};
    let result = async {
        let (services, caller) = crate::api::guard::caller().await?;
        let username = Username::parse(&username).map_err(AppError::Invalid)?;
        if password != confirm {
            return Err(AppError::Invalid("The two passwords differ.".to_owned()));
        }
        let password = Password::parse_new(password).map_err(AppError::Invalid)?;
        services.access.setup(&caller, &token, username, password).await.map_err(AppError::from)
    }
    .await;
    crate::api::form::finish(result, Setup::PATH, "/setup", Some("/account/totp"))
}

/// First step of signing in: user name and password.
#[server(prefix = "/api", endpoint = "login")]
pub async fn login(username: String, password: String, next: Option<String>) -> Result<LoginStep, AppError> {
    use crate::api::form::{finish, safe_next};
    use crate::model::auth::Password;
    let next = safe_next(next.as_deref().unwrap_or("/")).to_owned();
    let result = async {
        let (services, caller) = crate::api::guard::caller().await?;
        let password = Password::parse(password).map_err(AppError::Invalid)?;
        let result = services.access.login(&caller, &username, password).await.map_err(AppError::from)?;
        set_device_cookie(result.device_cookie.as_deref());
        Ok(result.step)
    }
    .await;
    let target = match &result {
        Ok(LoginStep::Done) => next.clone(),
        Ok(LoginStep::NeedTotp) => format!("/login/code?next={}", crate::model::url::encode_component(&next)),
        Ok(LoginStep::MustEnrol) => "/account/totp".to_owned(),
        Err(_) => String::new(),
    };
    let page = format!("/login?next={}", crate::model::url::encode_component(&next));
    finish(result, Login::PATH, &page, Some(&target))
}

/// Second step of signing in: a TOTP code or a recovery code.
#[server(prefix = "/api", endpoint = "login-code")]
pub async fn login_code(code: String, next: Option<String>) -> Result<LoginStep, AppError> {
    use crate::api::form::{finish, safe_next};
    let next = safe_next(next.as_deref().unwrap_or("/")).to_owned();
    let result = async {
        let (services, caller) = crate::api::guard::caller().await?;
        let result = services.access.login_code(&caller, &code).await.map_err(AppError::from)?;
        set_device_cookie(result.device_cookie.as_deref());
        Ok(result.step)
    }
    .await;
    let page = format!("/login/code?next={}", crate::model::url::encode_component(&next));
    finish(result, LoginCode::PATH, &page, Some(&next))
}

/// Signs out: the session is deleted on the server.
#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let result = async {
        let (services, caller) = crate::api::guard::caller().await?;
        services.access.logout(&caller).await.map_err(AppError::from)
    }
    .await;
    crate::api::form::finish(result, Logout::PATH, "/", Some("/login"))
}

/// Sets (or renews) the remembered-device cookie.
#[cfg(feature = "ssr")]
pub fn set_device_cookie(value: Option<&str>) {
    let Some(value) = value else { return };
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else { return };
    // 400 days: the longest a browser keeps a cookie.
    let cookie = format!("{}={value}; Path=/; Max-Age=34560000; Secure; HttpOnly; SameSite=Strict", crate::api::DEVICE_COOKIE);
    if let Ok(header) = axum::http::HeaderValue::from_str(&cookie) {
        response.append_header(axum::http::header::SET_COOKIE, header);
    }
}
