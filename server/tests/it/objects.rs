use app::model::objects::{ObjectDetail, ObjectRow};
use app::model::overview::Live;

use crate::support::{TestServer, podman, podman_count, test_socket};

const IDLE: &str = "127.0.0.1:5000/demo/idle:latest";

async fn rows(server: &TestServer, kind: &str) -> Vec<ObjectRow> {
    let (status, body) = server.post(&server.client, "/api/objects", &[("kind", kind)]).await;
    assert_eq!(status, 200, "{body}");
    let Live::Ready(rows) = serde_json::from_str::<Live<Vec<ObjectRow>>>(&body).unwrap() else { panic!("podman is down") };
    rows
}

async fn detail(server: &TestServer, kind: &str, name: &str) -> Option<ObjectDetail> {
    let (status, body) = server.post(&server.client, "/api/object", &[("kind", kind), ("name", name)]).await;
    assert_eq!(status, 200, "{body}");
    let Live::Ready(detail) = serde_json::from_str::<Live<Option<ObjectDetail>>>(&body).unwrap() else { panic!("podman is down") };
    detail
}

async fn act(server: &TestServer, kind: &str, name: &str, action: &str) -> (reqwest::StatusCode, String) {
    server.post(&server.client, "/api/object-action", &[("kind", kind), ("name", name), ("action", action)]).await
}

#[tokio::test]
async fn a_volume_in_use_is_not_removed_and_the_refusal_names_its_user() {
    let server = TestServer::signed_in(&test_socket()).await;
    let pid = std::process::id();
    let (volume, container) = (format!("berth-it-vol-{pid}"), format!("berth-it-vol-user-{pid}"));
    let (status, body) = server.post(&server.client, "/api/object-create", &[("kind", "Volume"), ("name", &volume)]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(podman_count(&["volume", "ls", "-q", "--filter", &format!("name=^{volume}$")]), 1);
    let (status, body) = server.post(&server.client, "/api/object-create", &[("kind", "Volume"), ("name", &volume)]).await;
    assert_eq!(status, 400);
    assert!(body.contains("exists already"), "{body}");

    podman(&["create", "--name", &container, "-v", &format!("{volume}:/data"), IDLE]);
    let row = rows(&server, "Volume").await.into_iter().find(|r| r.name == volume).expect("listed");
    assert_eq!(row.used_by, vec![container.clone()]);
    assert_eq!(detail(&server, "Volume", &volume).await.expect("inspected").used_by, vec![container.clone()]);
    let (status, body) = act(&server, "Volume", &volume, "Remove").await;
    assert_eq!(status, 400);
    assert!(body.contains(&format!("used by the container {container}")), "{body}");
    assert_eq!(podman_count(&["volume", "ls", "-q", "--filter", &format!("name=^{volume}$")]), 1, "still there");

    podman(&["rm", &container]);
    let (status, body) = act(&server, "Volume", &volume, "Remove").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(podman_count(&["volume", "ls", "-q", "--filter", &format!("name=^{volume}$")]), 0);
    assert_eq!(detail(&server, "Volume", &volume).await, None);
    let (status, _) = act(&server, "Volume", &volume, "Remove").await;
    assert_eq!(status, 400, "removing it twice is a plain refusal");
}

#[tokio::test]
async fn networks_are_created_with_a_subnet_refused_while_used_and_pruned() {
    let server = TestServer::signed_in(&test_socket()).await;
    let pid = std::process::id();
    let (network, container) = (format!("berth-it-net-{pid}"), format!("berth-it-net-user-{pid}"));
    for bad in ["10.0.0.0", "10.0.0.0/40", "x/24", "10.0.0.0/24; rm -rf /"] {
        let (status, body) = server.post(&server.client, "/api/object-create", &[("kind", "Network"), ("name", &network), ("subnet", bad)]).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let (status, body) = server.post(&server.client, "/api/object-create", &[("kind", "Network"), ("name", "<script>"), ("subnet", "")]).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(podman_count(&["network", "ls", "-q", "--filter", &format!("name=^{network}$")]), 0, "nothing made");

    let subnet = format!("10.{}.{}.0/24", 100 + pid % 100, pid % 250);
    let (status, body) = server.post(&server.client, "/api/object-create", &[("kind", "Network"), ("name", &network), ("subnet", &subnet)]).await;
    assert_eq!(status, 200, "{body}");
    let inspected = detail(&server, "Network", &network).await.expect("made");
    assert!(inspected.facts.contains(&("Subnets".to_owned(), subnet.clone())), "{:?}", inspected.facts);
    assert!(inspected.facts.contains(&("DNS".to_owned(), "true".to_owned())), "{:?}", inspected.facts);

    podman(&["create", "--name", &container, "--network", &network, IDLE]);
    let (status, body) = act(&server, "Network", &network, "Remove").await;
    assert_eq!(status, 400);
    assert!(body.contains(&container), "{body}");
    podman(&["rm", &container]);
    // Unused now: prune takes it.
    let (status, body) = server.post(&server.client, "/api/object-prune", &[("kind", "Network")]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(podman_count(&["network", "ls", "-q", "--filter", &format!("name=^{network}$")]), 0, "{body}");
}

#[tokio::test]
async fn a_pod_is_created_started_stopped_and_removed() {
    let server = TestServer::signed_in(&test_socket()).await;
    let pid = std::process::id();
    let (pod, member) = (format!("berth-it-pod-{pid}"), format!("berth-it-pod-member-{pid}"));
    let (status, body) = server.post(&server.client, "/api/object-create", &[("kind", "Pod"), ("name", &pod)]).await;
    assert_eq!(status, 200, "{body}");
    podman(&["create", "--pod", &pod, "--name", &member, IDLE]);
    assert_eq!(act(&server, "Pod", &pod, "Start").await.0, 200);
    assert_eq!(podman(&["inspect", "--format", "{{.State.Status}}", &member]), "running");
    let row = rows(&server, "Pod").await.into_iter().find(|r| r.name == pod).expect("listed");
    assert!(row.running);
    assert_eq!(row.used_by, vec![member.clone()]);
    let (status, body) = act(&server, "Pod", &pod, "Remove").await;
    assert_eq!(status, 400);
    assert!(body.contains("stop it first"), "{body}");
    assert_eq!(act(&server, "Pod", &pod, "Stop").await.0, 200);
    assert_ne!(podman(&["inspect", "--format", "{{.State.Status}}", &member]), "running");
    let (status, body) = act(&server, "Pod", &pod, "Remove").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(podman_count(&["pod", "ls", "-q", "--filter", &format!("name=^{pod}$")]), 0);
    let (_, _, audit) = server.get("/audit").await;
    assert!(audit.contains("pod.create") && audit.contains("pod.start") && audit.contains("pod.remove"));
}
