use app::model::overview::{Overview, PodmanProblem};

use crate::support::{TestServer, podman, podman_count, test_socket, testid_text};

#[tokio::test]
async fn the_overview_page_shows_what_podman_reports() {
    let server = TestServer::signed_in(&test_socket()).await;
    let (status, _, html) = server.get("/").await;
    assert_eq!(status, 200);
    let version = podman(&["info", "--format", "{{.Version.Version}}"]);
    assert_eq!(testid_text(&html, "podman-version").as_deref(), Some(version.as_str()));
    assert_eq!(testid_text(&html, "rootless").as_deref(), Some("yes"));
    assert!(html.contains("/pkg/berth.js"), "the page loads the hydration script");
}

#[tokio::test]
async fn the_overview_server_fn_returns_live_counts() {
    let server = TestServer::signed_in(&test_socket()).await;
    let name = format!("berth-it-{}", std::process::id());
    podman(&["create", "--name", &name, "127.0.0.1:5000/demo/idle:latest"]);
    // Other tests change Podman at the same time: Berth's counts must lie between what
    // podman says just before and just after.
    let counts = || {
        (
            podman_count(&["ps", "-a", "--format", "{{.ID}}"]),
            podman_count(&["ps", "--format", "{{.ID}}"]),
            // One line per tag: an image with two tags is one image.
            podman(&["images", "--format", "{{.ID}}", "--noheading"]).lines().collect::<std::collections::HashSet<_>>().len(),
        )
    };
    let before = counts();
    let overview: Overview = server.server_fn("/api/overview").await;
    let after = counts();
    podman(&["rm", "-f", &name]);
    let Overview::Ready(host) = overview else { panic!("podman is down: {overview:?}") };
    let between = |got: usize, a: usize, b: usize| (a.min(b)..=a.max(b)).contains(&got);
    assert!(host.rootless);
    assert!(host.containers_total >= 1);
    assert!(between(host.containers_total, before.0, after.0), "{} containers, podman: {before:?} {after:?}", host.containers_total);
    assert!(between(host.containers_running, before.1, after.1), "{} running, podman: {before:?} {after:?}", host.containers_running);
    assert!(between(host.images, before.2, after.2), "{} images, podman: {before:?} {after:?}", host.images);
    assert_eq!(host.socket_path, test_socket().display().to_string());
}

#[tokio::test]
async fn a_missing_socket_is_explained_with_its_fix_and_berth_recovers_when_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("podman.sock");
    let server = TestServer::signed_in(&socket).await;

    let (status, _, html) = server.get("/").await;
    assert_eq!(status, 200, "Berth keeps serving without Podman");
    assert_eq!(testid_text(&html, "podman-problem").as_deref(), Some(PodmanProblem::SocketMissing.message()));
    assert_eq!(testid_text(&html, "podman-fix").as_deref(), Some("systemctl --user enable --now podman.socket"));

    // The socket "comes back": the very next request uses it, no restart.
    std::os::unix::fs::symlink(test_socket(), &socket).unwrap();
    let (_, _, html) = server.get("/").await;
    assert!(testid_text(&html, "podman-down").is_none(), "still down: {html}");
    assert_eq!(testid_text(&html, "rootless").as_deref(), Some("yes"));
}

#[tokio::test]
async fn a_stale_socket_file_is_reported_as_not_listening() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("podman.sock");
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    let server = TestServer::signed_in(&socket).await;
    let overview: Overview = server.server_fn("/api/overview").await;
    assert_eq!(
        overview,
        Overview::Down { socket_path: socket.display().to_string(), problem: PodmanProblem::NotListening }
    );
}
