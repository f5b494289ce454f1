//! Streams a page follows and files it downloads: Podman's events, a container's
//! logs and a deployment's steps over SSE, and the logs as a text file. Viewers and up; each route refuses
//! before it touches Podman.

use std::convert::Infallible;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse as _, Response};
use axum::routing::get;
use futures_util::{Stream, StreamExt as _, stream};
use tokio::sync::broadcast::error::RecvError;

use app::model::logs::parse_tail;

use super::authz::Viewer;
use crate::AppState;
use crate::podman::answer::{Asked, READ_TIMEOUT, ask};
use crate::podman::containers::parse_ref;
use crate::podman::logs;

/// Berth's routes for streams and downloads.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/stream/events", get(events))
        .route("/api/stream/logs/{name}", get(follow_logs))
        .route("/api/logs/{name}", get(download_logs))
        .route("/api/stream/deployments/{id}", get(follow_deployment))
}

/// Every Podman event that changes what a view shows, as `podman` SSE events.
async fn events(_: Viewer, State(state): State<AppState>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = state.events.subscribe();
    let events = stream::unfold(receiver, |mut receiver| async move {
        loop {
            let data = match receiver.recv().await {
                Ok(event) if event.changes_views() => serde_json::to_string(&event).unwrap_or_default(),
                Ok(_) => continue,
                // Missed some: the page reads everything again anyway.
                Err(RecvError::Lagged(_)) => "{}".to_owned(),
                Err(RecvError::Closed) => return None,
            };
            return Some((Ok(Event::default().event("podman").data(data)), receiver));
        }
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}

#[derive(Debug, serde::Deserialize)]
struct LogQuery {
    tail: Option<String>,
    timestamps: Option<String>,
}

impl LogQuery {
    fn timestamps(&self) -> bool {
        matches!(self.timestamps.as_deref(), Some("1" | "true" | "on"))
    }
}

/// Whether the container exists, as a response when it can't be streamed.
async fn check_container(state: &AppState, name: &str) -> Result<String, Response> {
    let name = parse_ref(name).map_err(|e| (StatusCode::BAD_REQUEST, e.to_string()).into_response())?;
    match ask(READ_TIMEOUT, state.runtime.client().containers().get(name).inspect()).await {
        // Its name, even when asked by id: the events that say it stopped name it so.
        Asked::Answered(data) => Ok(data.name.unwrap_or_else(|| name.to_owned())),
        Asked::Refused { status: 404, .. } => Err((StatusCode::NOT_FOUND, "That container no longer exists.").into_response()),
        _ => Err((StatusCode::SERVICE_UNAVAILABLE, "Podman did not answer.").into_response()),
    }
}

/// A container's last lines, then each new batch, as `lines` SSE events (JSON arrays
/// of lines); `end` when the container stops writing (with data: browsers drop an
/// event whose data is empty, and would reconnect for ever).
async fn follow_logs(_: Viewer, State(state): State<AppState>, Path(name): Path<String>, Query(query): Query<LogQuery>) -> Response {
    let name = match check_container(&state, &name).await {
        Ok(name) => name,
        Err(response) => return response,
    };
    let tail = parse_tail(query.tail.as_deref());
    // Podman's follow does not always end when the container does: its events say so.
    let stopped = container_stopped(state.events.subscribe(), name.clone());
    let lines = logs::stream(state.runtime.client().clone(), name, Some(tail), query.timestamps(), true)
        .take_until(stopped)
        .map(|batch| Ok::<_, Infallible>(Event::default().event("lines").data(serde_json::to_string(&batch).unwrap_or_default())))
        .chain(stream::once(async { Ok(Event::default().event("end").data("stopped")) }));
    Sse::new(lines).keep_alive(KeepAlive::default()).into_response()
}

/// Resolves once Podman reports that the container died or was removed, and a moment
/// more, so that the last lines it wrote still arrive.
async fn container_stopped(mut events: tokio::sync::broadcast::Receiver<app::model::events::PodmanEvent>, name: String) {
    loop {
        match events.recv().await {
            Ok(event) if event.kind == "container" && event.name == name && matches!(event.action.as_str(), "died" | "remove") => break,
            Err(RecvError::Closed) => std::future::pending::<()>().await,
            _ => {}
        }
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
}

/// The whole log as a text file (or its last `tail` lines).
async fn download_logs(_: Viewer, State(state): State<AppState>, Path(name): Path<String>, Query(query): Query<LogQuery>) -> Response {
    let name = match check_container(&state, &name).await {
        Ok(name) => name,
        Err(response) => return response,
    };
    let tail = query.tail.as_deref().map(|t| parse_tail(Some(t)));
    let disposition = format!("attachment; filename=\"{name}.log\"");
    let body = logs::stream(state.runtime.client().clone(), name, tail, query.timestamps(), false).map(|batch| {
        let mut text = String::new();
        for line in batch {
            text.push_str(&line.text);
            text.push('\n');
        }
        Ok::<_, Infallible>(Bytes::from(text))
    });
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)],
        Body::from_stream(body),
    )
        .into_response()
}

/// A running deployment's steps as `line` SSE events (every line so far first), then
/// `end` with its outcome. A finished one sends only `end`.
async fn follow_deployment(_: Viewer, State(state): State<AppState>, Path(id): Path<i64>) -> Response {
    use crate::stacks::jobs::Progress;
    let Some(log) = state.stacks.jobs.log(id) else {
        return (StatusCode::NOT_FOUND, "That deployment is not running.").into_response();
    };
    let end = |outcome: app::model::stacks::Outcome, summary: String| {
        Event::default().event("end").data(serde_json::json!({ "outcome": outcome, "summary": summary }).to_string())
    };
    let (past, finished, receiver) = log.follow();
    let past = stream::iter(past.into_iter().map(|line| Ok::<_, Infallible>(Event::default().event("line").data(line))));
    let rest = match finished {
        Some((outcome, summary)) => stream::once(async move { Ok(end(outcome, summary)) }).boxed(),
        None => stream::unfold(Some(receiver), move |receiver| async move {
            let mut receiver = receiver?;
            loop {
                match receiver.recv().await {
                    Ok(Progress::Line(line)) => return Some((Ok(Event::default().event("line").data(line)), Some(receiver))),
                    Ok(Progress::Finished(outcome, summary)) => return Some((Ok(end(outcome, summary)), None)),
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return None,
                }
            }
        })
        .boxed(),
    };
    Sse::new(past.chain(rest)).keep_alive(KeepAlive::default()).into_response()
}
