//! The machine-to-machine route: `POST /hooks/stacks/<hook id>[?wait=true]`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse as _, Response};
use axum::routing::post;

use app::services::ClientIp;

use crate::AppState;

#[derive(Debug, serde::Deserialize)]
struct Options {
    wait: Option<String>,
}

/// The webhook routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/hooks/stacks/{hook}", post(call))
}

async fn call(State(state): State<AppState>, Path(hook): Path<String>, Query(options): Query<Options>, Extension(ClientIp(ip)): Extension<ClientIp>, headers: HeaderMap, body: Bytes) -> Response {
    let wait = matches!(options.wait.as_deref(), Some("true" | "1" | "yes"));
    let answer = state.hooks.handle(&hook, ip, &headers, &body, wait).await;
    let mut response = (answer.status, axum::Json(answer.body)).into_response();
    if let Some(seconds) = answer.retry_after
        && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}
