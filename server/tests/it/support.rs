use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use server::auth::clock::ManualClock;
use server::{AppState, Options, build_router, run, tls};
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

/// A Berth serving on 127.0.0.1:<random port> with its own temporary data dir and a
/// clock the test moves.
pub struct TestServer {
    pub url: String,
    /// A browser-like client: keeps cookies, sends `Sec-Fetch-Site: same-origin`.
    pub client: reqwest::Client,
    pub state: AppState,
    pub clock: ManualClock,
    pub data_dir: tempfile::TempDir,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

/// The admin every `signed_in` server has, with TOTP set up.
pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

impl TestServer {
    /// Starts Berth against the Podman socket at `socket`.
    pub async fn start(socket: &Path) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let data_dir = tempfile::tempdir().expect("temp dir");
        let tls = tls::load_or_create(None, data_dir.path()).expect("self-signed certificate");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
        let address = listener.local_addr().expect("address");
        let site_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/site");
        let clock = ManualClock::at(crate::support::now());
        let mut options = Options::new(data_dir.path().to_path_buf(), socket.to_path_buf(), site_root, address);
        options.clock = std::sync::Arc::new(clock.clone());
        // Tests that need several client addresses send them as a proxy would.
        options.trusted_proxies = vec!["127.0.0.1/32".parse().expect("cidr")];
        // Health waits that can't succeed end quickly.
        options.stack_wait_limit = Duration::from_secs(5);
        let state = AppState::assemble(options).await.expect("state assembles");
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(run(listener, Some(tls.config), build_router(state.clone()), async move {
            let _ = rx.await;
        }));
        Self {
            url: format!("https://{address}"),
            client: browser(),
            state,
            clock,
            data_dir,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    /// A server whose `client` is signed in as an admin with TOTP, and that admin's TOTP secret.
    pub async fn with_admin(socket: &Path) -> (Self, Vec<u8>) {
        let server = Self::start(socket).await;
        let token = server.state.setup_token.reveal().expect("setup is open");
        let (status, _) = server
            .post(&server.client, "/api/setup", &[("token", token.as_str()), ("username", ADMIN), ("password", ADMIN_PASSWORD), ("confirm", ADMIN_PASSWORD)])
            .await;
        assert_eq!(status, 200, "setup");
        let secret = server.enrol(&server.client).await;
        (server, secret)
    }

    /// A server whose `client` is signed in as an admin with TOTP.
    pub async fn signed_in(socket: &Path) -> Self {
        Self::with_admin(socket).await.0
    }

    /// Adds a user straight to the database (as `berth user add` does).
    pub async fn add_user(&self, name: &str, role: &str, password: &str) -> i64 {
        let password = app::model::auth::Password::parse(password.to_owned()).expect("password");
        let hash = server::auth::password::Hasher::new().expect("hasher").hash(&password).await.expect("hash");
        server::db::users::insert(&self.state.pool, name, role, &hash, now()).await.expect("insert").expect("new name")
    }

    /// Signs a fresh browser in with a password only (users without TOTP).
    pub async fn browser_signed_in(&self, name: &str, password: &str) -> reqwest::Client {
        let client = browser();
        let (status, body) = self.post(&client, "/api/login", &[("username", name), ("password", password)]).await;
        assert_eq!(status, 200, "login {name}: {body}");
        client
    }

    /// Enrols TOTP for the client's user; returns the secret.
    pub async fn enrol(&self, client: &reqwest::Client) -> Vec<u8> {
        let (status, _) = self.post(client, "/api/totp-start", &[]).await;
        assert_eq!(status, 200, "start enrolment");
        let (status, body) = self.post(client, "/api/totp-pending", &[]).await;
        assert_eq!(status, 200);
        let enrolment: Option<app::model::auth::TotpEnrolment> = serde_json::from_str(&body).expect("json");
        let secret = base32_decode(&enrolment.expect("enrolment in progress").secret);
        let code = self.code(&secret, 0);
        let (status, body) = self.post(client, "/api/totp-finish", &[("code", code.as_str())]).await;
        assert_eq!(status, 200, "finish enrolment: {body}");
        secret
    }

    /// The TOTP code for `secret`, `steps` steps after the server's clock.
    pub fn code(&self, secret: &[u8], steps: i64) -> String {
        let totp = server::auth::totp::Totp::berth(secret.to_vec(), "x").expect("totp");
        totp.code_at(u64::try_from(server::auth::clock::Clock::now(&self.clock) + steps * 30).expect("time"))
    }

    /// GETs a path and returns status, headers and body.
    pub async fn get(&self, path: &str) -> (reqwest::StatusCode, reqwest::header::HeaderMap, String) {
        self.get_with(&self.client, path).await
    }

    /// GETs a path with a given client.
    pub async fn get_with(&self, client: &reqwest::Client, path: &str) -> (reqwest::StatusCode, reqwest::header::HeaderMap, String) {
        let response = client.get(format!("{}{path}", self.url)).send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        (status, headers, response.text().await.expect("body"))
    }

    /// POSTs a form to a server function as the wasm client would, returning status and body.
    pub async fn post(&self, client: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> (reqwest::StatusCode, String) {
        let response = self.post_raw(client, path, form).await;
        let status = response.status();
        (status, response.text().await.expect("body"))
    }

    /// Like [`TestServer::post`], returning the whole response.
    pub async fn post_raw(&self, client: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        client
            .post(format!("{}{path}", self.url))
            .header("accept", "application/json")
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// Calls a server function without arguments and returns its JSON.
    pub async fn server_fn<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let (status, body) = self.post(&self.client, path, &[]).await;
        assert!(status.is_success(), "{path}: {status}: {body}");
        serde_json::from_str(&body).expect("json")
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

/// A client that behaves like a browser on Berth's own pages.
pub fn browser() -> reqwest::Client {
    browser_with(reqwest::header::HeaderMap::new())
}

/// A browser at another address, behind the trusted proxy (127.0.0.1).
pub fn browser_from(ip: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", reqwest::header::HeaderValue::from_str(ip).expect("header"));
    browser_with(headers)
}

fn browser_with(mut headers: reqwest::header::HeaderMap) -> reqwest::Client {
    headers.insert("sec-fetch-site", reqwest::header::HeaderValue::from_static("same-origin"));
    reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// Unix seconds now.
pub fn now() -> i64 {
    server::clock::unix_now()
}

/// RFC 4648 base32 (no padding), for the TOTP key the enrolment page shows.
pub fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits = 0u64;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.trim_end_matches('=').bytes() {
        let value = ALPHABET.iter().position(|&a| a == c).expect("base32") as u64;
        bits = (bits << 5) | value;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
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
