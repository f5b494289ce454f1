//! Authorization for Berth's own routes (the streams and downloads that are not
//! server functions): the same session check, as an extractor that refuses first.

use app::model::auth::{CurrentUser, Role};
use app::services::{Access as _, Caller, ClientIp};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, Extensions, header};
use axum::response::{IntoResponse as _, Response};

use crate::AppState;

/// The caller of a request, from what the session and client-address layers put in it.
pub fn caller_of(extensions: &Extensions, headers: &HeaderMap) -> Option<Caller> {
    let session = extensions.get::<tower_sessions::Session>()?.clone();
    let ip = extensions.get::<ClientIp>()?.0;
    let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").chars().take(300).collect();
    Some(Caller { session, ip, user_agent, device: None })
}

/// A signed-in user (any role) who has finished enrolling TOTP.
#[derive(Debug, Clone)]
pub struct Viewer(pub CurrentUser);

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(caller) = caller_of(&parts.extensions, &parts.headers) else {
            tracing::error!("a stream route is missing the session or client-address layer");
            return Err(StatusCode::INTERNAL_SERVER_ERROR.into_response());
        };
        match state.access.whoami(&caller).await {
            Ok(Some(user)) if !user.enrol_only && user.role >= Role::Viewer => Ok(Self(user)),
            Ok(Some(_)) => Err((StatusCode::FORBIDDEN, "Set up two-factor authentication first.").into_response()),
            Ok(None) => Err((StatusCode::UNAUTHORIZED, "Sign in first.").into_response()),
            Err(error) => {
                tracing::error!(%error, "could not check the session");
                Err(StatusCode::INTERNAL_SERVER_ERROR.into_response())
            }
        }
    }
}
