use std::time::Duration;

use app::model::logs::LogLine;
use app::model::overview::Live;
use app::model::stats::StatsReading;

use crate::support::{TestServer, browser, podman, test_socket};

const IDLE: &str = "127.0.0.1:5000/demo/idle:latest";

/// A container that writes known lines to stdout and stderr (one coloured) and exits.
fn writer(name: &str) {
    let script = "echo first-out; echo first-err >&2; printf '\\033[31mred\\033[0m <b>bold</b>\\n'; echo last-out";
    podman(&["run", "--name", name, IDLE, "sh", "-c", script]);
}

#[tokio::test]
async fn logs_are_lines_marked_by_stream_without_escape_sequences() {
    let server = TestServer::signed_in(&test_socket()).await;
    let name = format!("berth-it-logs-{}", std::process::id());
    writer(&name);
    let (status, body) = server.post(&server.client, "/api/container-logs", &[("name", &name), ("tail", "all"), ("timestamps", "false")]).await;
    assert_eq!(status, 200, "{body}");
    let live: Live<Option<Vec<LogLine>>> = serde_json::from_str(&body).unwrap();
    let Live::Ready(Some(lines)) = live else { panic!("no logs: {body}") };
    // Standard output and error are separate pipes: only each one's own order is certain.
    let of = |err: bool| lines.iter().filter(|l| l.err == err).map(|l| l.text.as_str()).collect::<Vec<_>>();
    assert_eq!(of(false), ["first-out", "red <b>bold</b>", "last-out"]);
    assert_eq!(of(true), ["first-err"]);

    let (status, body) = server.post(&server.client, "/api/container-logs", &[("name", &name), ("tail", "1"), ("timestamps", "true")]).await;
    assert_eq!(status, 200);
    let Live::Ready(Some(lines)) = serde_json::from_str::<Live<Option<Vec<LogLine>>>>(&body).unwrap() else { panic!() };
    assert_eq!(lines.len(), 1);
    let last = &lines[0].text;
    assert!((last.ends_with(" last-out") || last.ends_with(" first-err")) && last.starts_with("20"), "a timestamp first: {last:?}");

    // The download is the same text.
    let (status, headers, text) = server.get(&format!("/api/logs/{name}")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-disposition"], format!("attachment; filename=\"{name}.log\"").as_str());
    let mut downloaded: Vec<&str> = text.lines().collect();
    downloaded.sort_unstable();
    assert_eq!(downloaded, ["first-err", "first-out", "last-out", "red <b>bold</b>"]);
    assert!(text.ends_with('\n'));

    // The live stream sends the tail, then ends because the container has exited.
    let response = server.client.get(format!("{}/api/stream/logs/{name}?tail=2", server.url)).send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let body = tokio::time::timeout(Duration::from_secs(10), response.text()).await.expect("the stream ends").unwrap();
    assert!(body.contains("event: lines"), "{body}");
    // The last two lines: last-out and one of the lines before it (stdout and stderr
    // interleave as they like), never first-out, and no escape sequence.
    assert!(body.contains("last-out") && !body.contains("first-out") && !body.contains('\u{1b}'), "{body}");
    assert!(body.contains("event: end\ndata: stopped"), "an end with data, which browsers dispatch: {body}");
    podman(&["rm", "-f", &name]);

    // A stranger gets nothing.
    let stranger = browser();
    assert_eq!(server.get_with(&stranger, &format!("/api/logs/{name}")).await.0, 401);
    assert_eq!(server.get_with(&stranger, &format!("/api/stream/logs/{name}")).await.0, 401);
    // Gone, and hostile names.
    assert_eq!(server.get(&format!("/api/logs/{name}")).await.0, 404);
    let (status, _) = server.post(&server.client, "/api/container-logs", &[("name", &name), ("timestamps", "false")]).await;
    assert_eq!(status, 200, "a removed container is a page saying so, not an error");
    assert_eq!(server.get("/api/logs/..%2Fetc").await.0, 400);
}

#[tokio::test]
async fn a_live_log_follows_new_lines() {
    let server = TestServer::signed_in(&test_socket()).await;
    let name = format!("berth-it-follow-{}", std::process::id());
    podman(&["run", "-d", "--name", &name, IDLE, "sh", "-c", "echo started; while true; do sleep 1; echo tick; done"]);
    let mut response = server.client.get(format!("{}/api/stream/logs/{name}?tail=5", server.url)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let mut seen = String::new();
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(chunk) = response.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("started") && seen.matches("tick").count() >= 2 {
                return true;
            }
        }
        false
    })
    .await;
    podman(&["rm", "-f", "-t", "0", &name]);
    assert_eq!(found, Ok(true), "{seen}");
}

#[tokio::test]
async fn stats_say_why_they_are_missing() {
    let server = TestServer::signed_in(&test_socket()).await;
    let name = format!("berth-it-stats-{}", std::process::id());
    podman(&["create", "--name", &name, IDLE]);
    let stats = |name: String| {
        let server = &server;
        async move {
            let (status, body) = server.post(&server.client, "/api/container-stats", &[("name", &name)]).await;
            assert_eq!(status, 200, "{body}");
            serde_json::from_str::<Live<Option<StatsReading>>>(&body).unwrap()
        }
    };
    assert_eq!(stats(name.clone()).await, Live::Ready(Some(StatsReading::NotRunning)));
    podman(&["start", &name]);
    // This host runs hybrid cgroups: Podman refuses rootless stats, and Berth says why.
    let cgroup_v2 = std::fs::read_to_string("/proc/filesystems").unwrap_or_default().contains("cgroup2")
        && std::path::Path::new("/sys/fs/cgroup/cgroup.controllers").exists();
    let reading = stats(name.clone()).await;
    if cgroup_v2 {
        assert!(matches!(reading, Live::Ready(Some(StatsReading::Sample(_)))), "{reading:?}");
    } else {
        assert_eq!(reading, Live::Ready(Some(StatsReading::NeedsCgroupsV2)));
    }
    podman(&["rm", "-f", "-t", "0", &name]);
    assert_eq!(stats(name.clone()).await, Live::Ready(None));
}

#[tokio::test]
async fn a_followed_log_ends_when_the_container_stops() {
    let server = TestServer::signed_in(&test_socket()).await;
    let name = format!("berth-it-follow-end-{}", std::process::id());
    podman(&["run", "-d", "--name", &name, IDLE, "sh", "-c", "echo started; exec sleep 2147483647"]);
    let mut response = server.client.get(format!("{}/api/stream/logs/{name}?tail=10", server.url)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let mut seen = String::new();
    // The stream is open and has sent the tail before the container stops.
    while !seen.contains("started") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), response.chunk()).await.expect("the tail arrives").unwrap().expect("more");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    podman(&["stop", "-t", "0", &name]);
    let rest = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(chunk) = response.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
        seen
    })
    .await
    .expect("the stream ends after the container stopped");
    assert!(rest.contains("event: end\ndata: stopped"), "{rest}");
    podman(&["rm", "-f", "-t", "0", &name]);
}
