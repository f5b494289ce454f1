//! Berth's server: the adapters to the outside world and the `berth` binary.
//!
//! The app is a function: [`build_router`] makes the router from its state and [`run`]
//! serves it on a listener until a shutdown future completes, so tests start the real
//! thing on port 0 with a temporary database.

pub mod audit;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod doctor;
pub mod files;
pub mod host;
pub mod http;
pub mod identity;
pub mod podman;
pub mod serve;
pub mod stacks;
pub mod state;
pub mod tls;
pub mod webhooks;

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use app::{App, shell};
use axum::Router;
use axum::routing::get;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes as _, generate_route_list};

pub use state::{AppState, Options};

/// How long open connections get to finish after a shutdown signal.
const DRAIN: Duration = Duration::from_secs(10);

/// Leptos's settings for Berth's site (`<site_root>/pkg/berth.{js,css}`, `berth_bg.wasm`).
pub fn leptos_options(site_root: &Path, listen: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("berth")
        .site_root(site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(listen)
        .build()
}

/// The whole HTTP surface: pages, server functions, machine endpoints, static files,
/// and the layers every request passes through (outermost first): security headers,
/// body limits, CSRF check, client address, session, page guard.
pub fn build_router(state: AppState) -> Router {
    use axum::middleware::{from_fn, from_fn_with_state};
    let routes = generate_route_list(App);
    let services = state.services.clone();
    let context = move || provide_context(services.clone());
    let options = state.leptos_options.clone();
    let sessions = tower_sessions::SessionManagerLayer::new(state.session_store.clone())
        .with_name("__Host-berth")
        .with_secure(true)
        .with_http_only(true)
        .with_same_site(tower_sessions::cookie::SameSite::Strict)
        .with_path("/")
        .with_expiry(tower_sessions::Expiry::OnInactivity(time::Duration::seconds(state.session_limits.idle_seconds)));
    let access: Arc<dyn app::services::Access> = state.access.clone();
    let proxies = state.trusted_proxies.clone();
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(http::streams::routes())
        .merge(webhooks::routes())
        .leptos_routes_with_context(&state, routes, context.clone(), move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell))
        .layer(from_fn_with_state(access, http::pages::guard))
        .layer(sessions)
        .layer(from_fn_with_state(proxies, http::client_ip::resolve))
        .layer(from_fn(http::csrf::check))
        // The per-route limits are body_limit's; axum's own default (2 MB) would cut
        // the compose editor's posts short of them.
        .layer(axum::extract::DefaultBodyLimit::max(http::body_limit::COMPOSE_LIMIT))
        .layer(from_fn(http::body_limit::limit))
        .layer(from_fn(http::headers::security_headers))
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown` completes, then lets open connections
/// finish (up to ten seconds). Over TLS, unless `tls` is `None` (plain HTTP, which
/// the settings allow on loopback only).
pub async fn run(
    listener: std::net::TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let handle = axum_server::Handle::new();
    let signal_handle = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        signal_handle.graceful_shutdown(Some(DRAIN));
    });
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    match tls {
        Some(tls) => {
            axum_server::from_tcp_rustls(listener, axum_server::tls_rustls::RustlsConfig::from_config(tls))
                .handle(handle)
                .serve(service)
                .await
        }
        None => axum_server::from_tcp(listener).handle(handle).serve(service).await,
    }
}
