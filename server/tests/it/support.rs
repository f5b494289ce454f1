use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use server::podman::PodmanRuntime;
use server::{AppState, build_router, db, leptos_options, run, tls};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The test user's Podman socket.
pub fn test_socket() -> PathBuf {
    std::env::var_os("BERTH_TEST_SOCKET")
        .map(PathBuf::from)
        .expect("BERTH_TEST_SOCKET is not set: run the tests with `make test`, which provisions the test host")
}

/// Runs `podman` as the test user, as a person at the shell would.
pub fn podman(args: &[&str]) -> String {
    let user = std::env::var("BERTH_TEST_USER").unwrap_or_else(|_| "berth-test".to_owned());
    let as_user = Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end/host/as-user.sh");
    let output = Command::new(as_user).arg(user).arg("podman").args(args).output().expect("as-user.sh runs");
    assert!(output.status.success(), "podman {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("utf-8").trim().to_owned()
}

/// How many lines `podman <args>` prints.
pub fn podman_count(args: &[&str]) -> usize {
    podman(args).lines().filter(|l| !l.trim().is_empty()).count()
}

/// A Berth serving on 127.0.0.1:<random port> with its own temporary data dir.
pub struct TestServer {
    pub url: String,
    pub client: reqwest::Client,
    _data_dir: tempfile::TempDir,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// Starts Berth against the Podman socket at `socket`.
    pub async fn start(socket: &Path) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let data_dir = tempfile::tempdir().expect("temp dir");
        let pool = db::open(&data_dir.path().join("berth.db")).await.expect("database opens");
        let tls = tls::load_or_create(None, data_dir.path()).expect("self-signed certificate");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
        let address = listener.local_addr().expect("address");
        let site_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/site");
        let state = AppState::new(leptos_options(&site_root, address), pool, PodmanRuntime::new(socket));
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(run(listener, tls.config, build_router(state), async move {
            let _ = rx.await;
        }));
        let client = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        Self { url: format!("https://{address}"), client, _data_dir: data_dir, shutdown: Some(tx), task: Some(task) }
    }

    /// GETs a path and returns status, headers and body.
    pub async fn get(&self, path: &str) -> (reqwest::StatusCode, reqwest::header::HeaderMap, String) {
        let response = self.client.get(format!("{}{path}", self.url)).send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        (status, headers, response.text().await.expect("body"))
    }

    /// Calls a server function (POST, url-encoded arguments) and returns its JSON.
    pub async fn server_fn<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let response = self
            .client
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body("")
            .send()
            .await
            .expect("request");
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.expect("json")
    }

    /// Asks the server to stop and waits for it to finish.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let task = self.task.take().expect("running");
        tokio::time::timeout(Duration::from_secs(15), task).await.expect("stops within 15 s").expect("task")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// The text inside the element with `data-testid="<id>"`, without hydration markers.
pub fn testid_text(html: &str, id: &str) -> Option<String> {
    let marker = format!("data-testid=\"{id}\"");
    let start = html.find(&marker)?;
    let open_end = start + html[start..].find('>')? + 1;
    let mut depth = 0usize;
    let mut text = String::new();
    let mut rest = &html[open_end..];
    loop {
        let lt = rest.find('<')?;
        text.push_str(&rest[..lt]);
        rest = &rest[lt..];
        if rest.starts_with("<!") {
            rest = &rest[rest.find('>')? + 1..];
        } else if rest.starts_with("</") {
            if depth == 0 {
                return Some(text.trim().to_owned());
            }
            depth -= 1;
            rest = &rest[rest.find('>')? + 1..];
        } else {
            depth += 1;
            rest = &rest[rest.find('>')? + 1..];
        }
    }
}

/// Polls `check` until it returns `Some` or the deadline passes.
pub async fn eventually<T, F, Fut>(what: &str, deadline: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let end = tokio::time::Instant::now() + deadline;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < end, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
