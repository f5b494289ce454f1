use std::time::Duration;

use app::model::overview::PodmanProblem;
use server::podman::{PodmanRuntime, watch};

use crate::support::{TestServer, eventually, test_socket};

#[tokio::test]
async fn security_headers_are_on_pages_404s_and_static_files() {
    let server = TestServer::signed_in(&test_socket()).await;
    for path in ["/", "/no/such/page", "/pkg/berth.css", "/healthz"] {
        let (status, headers, _) = server.get(path).await;
        assert!(status == 200 || (path == "/no/such/page" && status == 404), "{path}: {status}");
        for (name, value) in [
            ("strict-transport-security", "max-age=31536000"),
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "no-referrer"),
            ("cross-origin-opener-policy", "same-origin"),
            ("cross-origin-resource-policy", "same-origin"),
        ] {
            assert_eq!(headers.get(name).and_then(|v| v.to_str().ok()), Some(value), "{name} on {path}");
        }
    }
}

#[tokio::test]
async fn unknown_paths_answer_404_with_a_page() {
    let server = TestServer::signed_in(&test_socket()).await;
    let (status, _, html) = server.get("/no/such/page").await;
    assert_eq!(status, 404);
    assert!(html.contains("Not found"));
}

#[tokio::test]
async fn shutdown_lets_the_server_finish() {
    let server = TestServer::signed_in(&test_socket()).await;
    let url = server.url.clone();
    let (status, _, body) = server.get("/healthz").await;
    assert_eq!((status.as_u16(), body.as_str()), (200, "ok"));
    server.stop().await.expect("clean stop");
    let client = reqwest::Client::builder().danger_accept_invalid_certs(true).build().unwrap();
    assert!(client.get(format!("{url}/healthz")).send().await.is_err(), "nothing listens after shutdown");
}

#[tokio::test]
async fn the_database_is_wal_and_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let pool = server::db::open(&dir.path().join("berth.db")).await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&pool).await.unwrap();
    assert_eq!(mode, "wal");
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success").fetch_one(&pool).await.unwrap();
    assert!(applied >= 1);
    // Opening again (a restart) applies nothing twice.
    pool.close().await;
    server::db::open(&dir.path().join("berth.db")).await.unwrap();
}

#[tokio::test]
async fn the_watcher_records_when_the_socket_is_lost_and_when_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("podman.sock");
    let pool = server::db::open(&dir.path().join("berth.db")).await.unwrap();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(watch::run(PodmanRuntime::new(&socket), pool.clone(), Duration::from_millis(100), stop_rx));

    let recent = |pool: sqlx::SqlitePool| async move { server::db::socket_events::recent(&pool, 10).await.unwrap() };
    let first = eventually("the lost socket to be recorded", Duration::from_secs(10), || {
        let pool = pool.clone();
        async move { recent(pool).await.into_iter().next() }
    })
    .await;
    assert!(!first.healthy);
    assert_eq!(first.problem.as_deref(), Some(PodmanProblem::SocketMissing.name()));

    std::os::unix::fs::symlink(test_socket(), &socket).unwrap();
    let back = eventually("the socket's return to be recorded", Duration::from_secs(20), || {
        let pool = pool.clone();
        async move { recent(pool).await.into_iter().next().filter(|e| e.healthy) }
    })
    .await;
    assert_eq!(back.problem, None);
    assert_eq!(recent(pool.clone()).await.len(), 2, "one row per change, not per check");

    stop_tx.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task).await.expect("the watcher stops").unwrap();
}

#[tokio::test]
async fn a_rootful_podman_is_refused() {
    assert_eq!(rustix::process::geteuid().as_raw(), 0, "make test runs as root, which starts a rootful Podman here");
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("rootful.sock");
    let _service = tokio::process::Command::new("podman")
        .args(["system", "service", "--time=0"])
        .arg(format!("unix://{}", socket.display()))
        .kill_on_drop(true)
        .spawn()
        .expect("podman system service starts");
    let runtime = PodmanRuntime::new(&socket);
    let verdict = eventually("the rootful socket to answer", Duration::from_secs(30), || {
        let runtime = runtime.clone();
        async move {
            match runtime.health().await {
                Err(PodmanProblem::SocketMissing | PodmanProblem::NotListening) => None,
                other => Some(other),
            }
        }
    })
    .await;
    assert_eq!(verdict, Err(PodmanProblem::Rootful));
}

#[tokio::test]
async fn the_page_scripts_carry_the_nonce_of_their_own_csp_header() {
    let server = TestServer::signed_in(&test_socket()).await;
    let mut nonces = Vec::new();
    for _ in 0..2 {
        let (status, headers, html) = server.get("/").await;
        assert_eq!(status, 200);
        let csp = headers["content-security-policy"].to_str().unwrap().to_owned();
        for directive in ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "default-src 'self'"] {
            assert!(csp.contains(directive), "{directive} missing from {csp}");
        }
        let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).unwrap().to_owned();
        assert!(html.contains(&format!("<script type=\"module\" nonce=\"{nonce}\"")), "the hydration script has the header's nonce");
        assert!(!csp.contains("unsafe-inline"));
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1], "a new nonce per response");
}
