//! What the benchmarks share: a Berth serving the real router over TLS on 127.0.0.1
//! with a temporary SQLite file, a signed-in client, and the numbers they print.

use std::path::PathBuf;
use std::time::Instant;

use server::{AppState, Options, build_router, run, tls};

pub const USER: &str = "bench";
const PASSWORD: &str = "bench password 123";

/// A Berth serving until dropped, with a viewer account `bench` in its database.
pub struct Served {
    pub url: String,
    pub state: AppState,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// Serves Berth against the Podman socket at `socket`.
pub async fn serve(socket: Option<PathBuf>) -> anyhow::Result<Served> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir()?;
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let address = listener.local_addr()?;
    let tls = tls::load_or_create(None, dir.path())?;
    let socket = socket.unwrap_or_else(|| dir.path().join("no-podman.sock"));
    let mut options = Options::new(dir.path().to_path_buf(), socket, dir.path().join("site"), address);
    options.trusted_proxies = vec!["127.0.0.1/32".parse()?];
    let state = AppState::assemble(options).await?;
    let served_state = state.clone();
    let password = app::model::auth::Password::parse(PASSWORD.into()).map_err(anyhow::Error::msg)?;
    let hash = server::auth::password::Hasher::new()?.hash(&password).await?;
    server::db::users::insert(&state.pool, USER, "viewer", &hash, server::clock::unix_now()).await?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(run(listener, Some(tls.config), build_router(state), async move {
        let _ = stopped.await;
    }));
    Ok(Served { url: format!("https://{address}"), state: served_state, _dir: dir, _stop: stop })
}

/// A client signed in as `bench`, from `forwarded_for`.
pub async fn signed_in(served: &Served, forwarded_for: &str) -> anyhow::Result<reqwest::Client> {
    let user = client(forwarded_for)?;
    let login = user
        .post(format!("{}/api/login", served.url))
        .header("accept", "application/json")
        .form(&[("username", USER), ("password", PASSWORD)])
        .send()
        .await?;
    anyhow::ensure!(login.status().is_success(), "sign-in failed: {}", login.status());
    Ok(user)
}

/// A browser-like client (cookies, same-origin fetches) that doesn't follow redirects.
pub fn client(forwarded_for: &str) -> anyhow::Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("sec-fetch-site", "same-origin".parse()?);
    headers.insert("x-forwarded-for", forwarded_for.parse()?);
    Ok(reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()?)
}

pub async fn get_ok(client: &reqwest::Client, url: &str) -> anyhow::Result<()> {
    let response = client.get(url).send().await?;
    anyhow::ensure!(response.status() == 200, "GET {url}: {}", response.status());
    response.bytes().await?;
    Ok(())
}

/// Milliseconds since `start`.
pub fn ms_since(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

pub fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank]
}

/// This process's resident memory.
pub fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}
