//! Plain HTML forms (JavaScript off) and the browser's redirects.
//!
//! Berth sends `Referrer-Policy: no-referrer`, so a form post can't be sent back to
//! "where it came from". Server fns that back forms name their pages: on success the
//! browser goes to the next page; on failure a plain form goes back to its page with
//! the error in the address, where the page's `ServerAction` shows it.

use leptos::server_fn::error::ServerFnUrlError;

use crate::error::AppError;

/// Whether the request is a plain form post (not the wasm client).
pub fn is_plain_form() -> bool {
    leptos::prelude::use_context::<axum::http::request::Parts>().is_some_and(|parts| {
        parts.headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
    })
}

/// Sets the HTTP status that goes with an error (and `Retry-After` when throttled), so
/// a refused password is a 400 or 429 in logs and to other clients, not a server error.
pub fn set_error_status(error: &AppError) {
    use axum::http::StatusCode;
    let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() else { return };
    let status = match error {
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Forbidden | AppError::ReauthRequired => StatusCode::FORBIDDEN,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
        AppError::Invalid(_) => StatusCode::BAD_REQUEST,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal | AppError::Transport(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    response.set_status(status);
    if let AppError::Throttled(seconds) = error
        && let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string())
    {
        response.insert_header(axum::http::header::RETRY_AFTER, value);
    }
}

/// Finishes a form's server fn: redirects to `next` on success; on failure, sends a
/// plain form back to `page` with the error, and sets 429 + Retry-After when throttled.
pub fn finish<T>(result: Result<T, AppError>, server_fn_path: &str, page: &str, next: Option<&str>) -> Result<T, AppError> {
    match &result {
        Ok(_) => {
            if let Some(next) = next {
                leptos_axum::redirect(next);
            }
        }
        Err(error) => {
            set_error_status(error);
            if is_plain_form() {
                let base = format!("https://berth.invalid{page}");
                if let Ok(url) = ServerFnUrlError::new(server_fn_path, error.clone()).to_url(&base) {
                    let target = match url.query() {
                        Some(query) => format!("{}?{query}", url.path()),
                        None => url.path().to_owned(),
                    };
                    leptos_axum::redirect(&target);
                    // A plain form needs a redirect status even when throttled.
                    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                        response.set_status(axum::http::StatusCode::SEE_OTHER);
                    }
                }
            }
        }
    }
    result
}

pub use crate::model::url::safe_next;
