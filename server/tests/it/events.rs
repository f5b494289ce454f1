use std::time::{Duration, Instant};

use app::model::events::PodmanEvent;

use crate::support::{TestServer, browser, eventually, podman, test_socket};

const IDLE: &str = "127.0.0.1:5000/demo/idle:latest";

#[tokio::test]
async fn a_container_started_from_the_shell_reaches_an_open_page_within_two_seconds() {
    let server = TestServer::signed_in(&test_socket()).await;
    assert_eq!(server.get_with(&browser(), "/api/stream/events").await.0, 401);
    let name = format!("berth-it-events-{}", std::process::id());
    let mut stream = server.client.get(format!("{}/api/stream/events", server.url)).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    // The hub follows Podman from its start; give the subscription a moment to exist
    // by waiting until the hub has seen this test's own marker event.
    podman(&["create", "--name", &name, IDLE]);
    let mut seen = String::new();
    let created = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(chunk) = stream.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains(&name) {
                return;
            }
        }
    })
    .await;
    assert!(created.is_ok(), "the create event: {seen}");
    seen.clear();
    let started = Instant::now();
    podman(&["start", &name]);
    let arrived = tokio::time::timeout(Duration::from_secs(2), async {
        while let Some(chunk) = stream.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("\"action\":\"start\"") && seen.contains(&name) {
                return started.elapsed();
            }
        }
        Duration::MAX
    })
    .await;
    podman(&["rm", "-f", "-t", "0", &name]);
    let elapsed = arrived.unwrap_or_else(|_| panic!("no start event within 2 s of `podman start` returning: {seen}"));
    assert!(elapsed < Duration::from_secs(2));

    // The dashboard's feed has them too, newest first.
    let events: Vec<PodmanEvent> = eventually("the remove in the feed", Duration::from_secs(5), || async {
        let events: Vec<PodmanEvent> = server.server_fn("/api/events").await;
        events.iter().any(|e| e.name == name && e.action == "remove").then_some(events)
    })
    .await;
    let start = events.iter().position(|e| e.name == name && e.action == "start").expect("start");
    let remove = events.iter().position(|e| e.name == name && e.action == "remove").expect("remove");
    assert!(remove < start, "newest first");
}
