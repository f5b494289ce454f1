//! Small bodies on the authentication endpoints: anything over 16 KiB is refused with
//! 413 before it is read into memory or reaches the password hasher.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};

/// The limit on auth routes.
pub const AUTH_LIMIT: usize = 16 * 1024;
/// The limit on every other server function (compose uploads will get their own).
pub const DEFAULT_LIMIT: usize = 64 * 1024;

const AUTH_PATHS: [&str; 6] = ["/api/login", "/api/login-code", "/api/setup", "/api/reauth", "/api/password", "/api/user-add"];

fn limit_for(path: &str) -> usize {
    if AUTH_PATHS.contains(&path) { AUTH_LIMIT } else { DEFAULT_LIMIT }
}

fn too_large() -> Response {
    (StatusCode::PAYLOAD_TOO_LARGE, "The request is too large.\n").into_response()
}

/// Refuses oversized bodies: by `Content-Length` at once, otherwise while reading.
pub async fn limit(request: Request, next: Next) -> Response {
    let limit = limit_for(request.uri().path());
    let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return too_large();
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Err(_) => too_large(),
    }
}
