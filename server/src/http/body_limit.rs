//! Bounded bodies: anything over 16 KiB on the authentication endpoints (before it
//! reaches the password hasher), 8 MiB on the compose editor's and 64 KiB elsewhere is
//! refused with 413 before it is read into memory.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};

/// The limit on auth routes.
pub const AUTH_LIMIT: usize = 16 * 1024;
/// The limit on every other server function.
pub const DEFAULT_LIMIT: usize = 64 * 1024;
/// The limit on the compose editor's posts: room for a form-encoded file well past the
/// parser's own 1 MiB limit, so that a big file gets the parser's message with its size.
pub const COMPOSE_LIMIT: usize = 8 * 1024 * 1024;

const AUTH_PATHS: [&str; 6] = ["/api/login", "/api/login-code", "/api/setup", "/api/reauth", "/api/password", "/api/user-add"];

const COMPOSE_PATHS: [&str; 3] = ["/api/stack-create", "/api/stack-save", "/api/stack-validate"];

fn limit_for(path: &str) -> usize {
    if AUTH_PATHS.contains(&path) {
        AUTH_LIMIT
    } else if COMPOSE_PATHS.contains(&path) {
        COMPOSE_LIMIT
    } else {
        DEFAULT_LIMIT
    }
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
