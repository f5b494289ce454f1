use app::model::containers::ContainerRow;
use app::model::overview::Live;

use crate::support::{TestServer, podman, test_socket};

const IDLE: &str = "127.0.0.1:5000/demo/idle:latest";

async fn list(server: &TestServer) -> Vec<ContainerRow> {
    let (live, _host): (Live<Vec<ContainerRow>>, String) = server.server_fn("/api/containers").await;
    let Live::Ready(rows) = live else { panic!("podman is down") };
    rows
}

fn state_of(name: &str) -> String {
    podman(&["inspect", "--format", "{{.State.Status}}", name])
}

#[tokio::test]
async fn the_list_shows_what_podman_ps_shows() {
    let server = TestServer::signed_in(&test_socket()).await;
    let name = format!("berth-it-list-{}", std::process::id());
    let plain = format!("{name}-plain");
    podman(&["create", "--name", &name, "--restart", "on-failure", "--label", "com.docker.compose.project=itstack", "-p", "127.0.0.1:18181:8080", IDLE]);
    podman(&["create", "--name", &plain, IDLE]);
    let rows = list(&server).await;
    let names = podman(&["ps", "-a", "--format", "{{.Names}}"]);
    podman(&["rm", "-f", &name, &plain]);
    let mut expected: Vec<&str> = names.lines().collect();
    let mut got: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    expected.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, expected);
    let row = rows.iter().find(|r| r.name == name).unwrap();
    assert_eq!(row.state, "created");
    assert_eq!(row.stack.as_deref(), Some("itstack"));
    assert_eq!(row.restart_policy, "on-failure");
    assert_eq!(rows.iter().find(|r| r.name == plain).unwrap().restart_policy, "no");
    assert_eq!(row.ports[0].host_port, 18181);
    assert_eq!(row.ports[0].link("x").as_deref(), Some("http://127.0.0.1:18181/"));
}

#[tokio::test]
async fn an_operator_starts_stops_and_removes_a_container_and_each_is_audited() {
    let server = TestServer::signed_in(&test_socket()).await;
    server.add_user("olga", "operator", "operator password 1").await;
    let olga = server.browser_signed_in("olga", "operator password 1").await;
    let name = format!("berth-it-act-{}", std::process::id());
    podman(&["create", "--name", &name, IDLE]);
    let act = |action: &'static str| {
        let name = name.clone();
        let (server, olga) = (&server, &olga);
        async move { server.post(olga, "/api/container-action", &[("id", name.as_str()), ("action", action)]).await }
    };
    let (status, body) = act("Start").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(state_of(&name), "running");
    let (status, body) = act("Start").await;
    assert_eq!(status, 400);
    assert!(body.contains("It is running already."), "{body}");
    assert_eq!(act("Stop").await.0, 200);
    assert_ne!(state_of(&name), "running");
    let (status, body) = act("Stop").await;
    assert_eq!(status, 400);
    assert!(body.contains("It is stopped already."), "{body}");
    assert_eq!(act("Remove").await.0, 200);
    let (status, body) = act("Start").await;
    assert_eq!(status, 400);
    assert!(body.contains("no longer exists"), "{body}");

    let lines = server::audit::list(&server.state.pool, Some("olga"), None, None, None, 50).await.unwrap();
    let actions: Vec<&str> = lines.iter().filter(|l| l.target.as_deref() == Some(name.as_str())).map(|l| l.action.as_str()).collect();
    assert!(actions.contains(&"container.start") && actions.contains(&"container.stop") && actions.contains(&"container.remove"), "{actions:?}");
}

#[tokio::test]
async fn hostile_container_references_are_refused_before_podman_sees_them() {
    let server = TestServer::signed_in(&test_socket()).await;
    for bad in ["../x", "a/b", "-rf", "x;id", "$(id)"] {
        let (status, body) = server.post(&server.client, "/api/container-action", &[("id", bad), ("action", "Remove")]).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body.contains("not a container name"), "{body}");
    }
}

#[tokio::test]
async fn the_containers_page_renders_rows_and_filters_by_query() {
    let server = TestServer::signed_in(&test_socket()).await;
    let name = format!("berth-it-page-{}", std::process::id());
    podman(&["create", "--name", &name, IDLE]);
    let (status, _, html) = server.get(&format!("/containers?q={name}")).await;
    let (_, _, none) = server.get("/containers?q=no-such-container-anywhere").await;
    podman(&["rm", "-f", &name]);
    assert_eq!(status, 200);
    assert!(html.contains(&format!("data-name=\"{name}\"")), "the row is there");
    assert!(!none.contains("data-testid=\"container-row\""), "the filter hides it");
}

#[tokio::test]
async fn details_mask_secret_looking_values_until_an_operator_confirms_and_it_is_audited() {
    use app::model::containers::ContainerDetail;
    let server = TestServer::signed_in(&test_socket()).await;
    let name = format!("berth-it-detail-{}", std::process::id());
    podman(&["create", "--name", &name, "--restart", "on-failure:3", "-e", "DB_PASSWORD=hunter2", "-e", "MODE=prod", IDLE]);
    let get = |reveal: &'static str| {
        let name = name.clone();
        let server = &server;
        async move { server.post(&server.client, "/api/container", &[("name", name.as_str()), ("reveal", reveal)]).await }
    };
    let (status, body) = get("false").await;
    assert_eq!(status, 200, "{body}");
    let (live, _): (Live<Option<ContainerDetail>>, String) = serde_json::from_str(&body).unwrap();
    let Live::Ready(Some(detail)) = live else { panic!("{body}") };
    assert_eq!(detail.restart_policy, "on-failure (at most 3 times)");
    let value = |d: &ContainerDetail, n: &str| d.env.iter().find(|v| v.name == n).unwrap().value.clone();
    assert_eq!(value(&detail, "MODE").as_deref(), Some("prod"));
    assert_eq!(value(&detail, "DB_PASSWORD"), None);
    assert!(!body.contains("hunter2"));

    server.clock.advance(6 * 60);
    let (status, body) = get("true").await;
    assert_eq!(status, 403, "revealing needs a fresh confirmation: {body}");
    server.post(&server.client, "/api/reauth", &[("secret", crate::support::ADMIN_PASSWORD)]).await;
    let (status, body) = get("true").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("hunter2"));
    podman(&["rm", "-f", &name]);

    let (_, body) = get("false").await;
    let (live, _): (Live<Option<ContainerDetail>>, String) = serde_json::from_str(&body).unwrap();
    assert_eq!(live, Live::Ready(None), "a removed container is gone, not an error");
    let (status, _, html) = server.get(&format!("/containers/{name}")).await;
    assert_eq!(status, 404);
    assert!(html.contains("no longer exists"));
    let lines = server::audit::list(&server.state.pool, None, Some("container.env.reveal"), None, None, 10).await.unwrap();
    assert_eq!(lines.len(), 1);
}
