//! The page guard: every page needs a signed-in session, except the sign-in and setup
//! pages. It runs before rendering, so a page never renders for a stranger. Server
//! functions authorize themselves (a redirect is not a guard).

use std::sync::Arc;

use app::services::Access;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Redirect, Response};

/// Pages anyone may open.
const PUBLIC_PAGES: [&str; 3] = ["/login", "/login/code", "/setup"];
/// Pages an admin who must enrol TOTP may open.
const ENROL_PAGES: [&str; 2] = ["/account/totp", "/account/recovery-codes"];

fn is_page(path: &str) -> bool {
    !(path.starts_with("/api/") || path.starts_with("/pkg/") || path.starts_with("/hooks/") || path == "/favicon.svg" || path == "/healthz")
}

/// Redirects strangers to the sign-in page (or to setup on first run).
pub async fn guard(State(access): State<Arc<dyn Access>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if !(request.method() == Method::GET || request.method() == Method::HEAD) || !is_page(&path) {
        return next.run(request).await;
    }
    if path == "/setup" {
        match access.setup_open().await {
            // The setup page itself answers 404 (Berth's own page) once an admin exists.
            Ok(false) => return next.run(request).await,
            Ok(true) => {}
            Err(error) => return failure(&error),
        }
    }
    let Some(caller) = super::authz::caller_of(request.extensions(), request.headers()) else { return StatusCode::INTERNAL_SERVER_ERROR.into_response() };
    let user = match access.whoami(&caller).await {
        Ok(user) => user,
        Err(error) => return failure(&error),
    };
    match user {
        None if PUBLIC_PAGES.contains(&path.as_str()) => next.run(request).await,
        // Only strangers need to know whether this is a first run.
        None => match access.setup_open().await {
            Ok(true) => Redirect::to("/setup").into_response(),
            Ok(false) => {
                let target = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
                Redirect::to(&format!("/login?next={}", app::model::url::encode_component(target))).into_response()
            }
            Err(error) => failure(&error),
        },
        Some(user) if user.enrol_only && !ENROL_PAGES.contains(&path.as_str()) => Redirect::to("/account/totp").into_response(),
        // Signed in already: the sign-in pages have nothing to offer.
        Some(_) if PUBLIC_PAGES.contains(&path.as_str()) => Redirect::to("/").into_response(),
        Some(_) => next.run(request).await,
    }
}

fn failure(error: &app::services::ServiceError) -> Response {
    tracing::error!(%error, "the page guard could not check the session");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}
