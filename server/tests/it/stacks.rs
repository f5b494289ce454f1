//! Stacks against the real rootless Podman: deploy, redeploy, failure, policy,
//! refusals of bad input, and podman-compose seeing (and taking down) what Berth made.

use std::time::Duration;

use app::model::stacks::{Deployment, Outcome, StackDetail, StackList};

use crate::support::{TestServer, eventually, podman, podman_count, test_socket};

const WEB_V1: &str = "127.0.0.1:5000/demo/web:v1";
const WEB_V2: &str = "127.0.0.1:5000/demo/web:v2";
const IDLE: &str = "127.0.0.1:5000/demo/idle:latest";

/// A stack name of this test run.
fn stack(name: &str) -> String {
    format!("it-{name}-{}", std::process::id())
}

async fn create(server: &TestServer, name: &str, compose: &str) -> (reqwest::StatusCode, String) {
    server.post(&server.client, "/api/stack-create", &[("name", name), ("compose", compose), ("env", "")]).await
}

async fn save(server: &TestServer, name: &str, compose: &str) -> (reqwest::StatusCode, String) {
    server.post(&server.client, "/api/stack-save", &[("name", name), ("compose", compose), ("env", "")]).await
}

async fn act(server: &TestServer, name: &str, action: &str) -> (reqwest::StatusCode, String) {
    server.post(&server.client, "/api/stack-action", &[("name", name), ("action", action)]).await
}

/// Starts an action and waits for its deployment to end.
async fn run(server: &TestServer, name: &str, action: &str) -> Deployment {
    let (status, body) = act(server, name, action).await;
    assert_eq!(status, 200, "{action} {name}: {body}");
    let id: i64 = serde_json::from_str(&body).expect("a deployment id");
    finished(server, name, id).await
}

async fn finished(server: &TestServer, name: &str, id: i64) -> Deployment {
    eventually("the deployment to end", Duration::from_secs(90), || async {
        let (status, body) = server.post(&server.client, "/api/stack-deployment", &[("name", name), ("id", &id.to_string())]).await;
        assert_eq!(status, 200, "{body}");
        let deployment: Option<Deployment> = serde_json::from_str(&body).expect("json");
        deployment.filter(|d| d.summary.outcome != Outcome::Running)
    })
    .await
}

async fn detail(server: &TestServer, name: &str) -> Option<StackDetail> {
    let (status, body) = server.post(&server.client, "/api/stack", &[("name", name)]).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("json")
}

/// What the published port answers, if anything.
async fn fetch(port: u16) -> Option<String> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).build().ok()?;
    client.get(format!("http://127.0.0.1:{port}/")).send().await.ok()?.text().await.ok()
}

fn containers_of(project: &str) -> usize {
    podman_count(&["ps", "-aq", "--filter", &format!("label=com.docker.compose.project={project}")])
}

fn web(image: &str, port: u16, extra: &str) -> String {
    format!("services:\n  web:\n    image: {image}\n    restart: always\n    ports: [\"{port}:8080\"]\n{extra}  side:\n    image: {IDLE}\n")
}

#[tokio::test]
async fn a_stack_deploys_redeploys_only_what_changed_and_goes_down() {
    let server = TestServer::signed_in(&test_socket()).await;
    let name = stack("site");
    let port = 18301;
    let (status, body) = create(&server, &name, &web(WEB_V1, port, "")).await;
    assert_eq!(status, 200, "{body}");
    let folder = server.data_dir.path().join("stacks").join(&name);
    assert!(folder.join("compose.yaml").is_file(), "the file is on disk");

    let first = run(&server, &name, "Deploy").await;
    assert_eq!(first.summary.outcome, Outcome::Ok, "{:#?}", first.lines);
    assert!(first.summary.summary.contains("2 created"), "{}", first.summary.summary);
    let served = eventually("the page on the published port", Duration::from_secs(10), || fetch(port)).await;
    assert_eq!(served, "berth-demo-web v1");
    let labels = podman(&["inspect", "--format", "{{index .Config.Labels \"io.podman.compose.project\"}} {{index .Config.Labels \"com.docker.compose.service\"}} {{.HostConfig.RestartPolicy.Name}}", &format!("{name}_web_1")]);
    assert_eq!(labels, format!("{name} web always"));
    let side_id = podman(&["inspect", "--format", "{{.Id}}", &format!("{name}_side_1")]);

    // The same file again: nothing to do.
    let again = run(&server, &name, "Deploy").await;
    assert!(again.summary.summary.contains("0 created, 0 recreated, 2 unchanged"), "{}", again.summary.summary);

    let (status, body) = save(&server, &name, &web(WEB_V2, port, "")).await;
    assert_eq!(status, 200, "{body}");
    let stale = detail(&server, &name).await.expect("stack");
    assert!(stale.services.iter().any(|s| s.service == "web" && !s.current), "the page says web is outdated");
    let second = run(&server, &name, "Deploy").await;
    assert_eq!(second.summary.outcome, Outcome::Ok, "{:#?}", second.lines);
    assert!(second.summary.summary.contains("1 recreated, 1 unchanged"), "{}", second.summary.summary);
    assert_eq!(eventually("v2", Duration::from_secs(10), || async { fetch(port).await.filter(|b| b.ends_with("v2")) }).await, "berth-demo-web v2");
    assert_eq!(podman(&["inspect", "--format", "{{.Id}}", &format!("{name}_side_1")]), side_id, "the unchanged service kept its container");

    let stack = detail(&server, &name).await.expect("stack");
    assert_eq!(stack.services.len(), 2);
    assert!(stack.services.iter().all(|s| s.state == "running" && s.current), "{:?}", stack.services);
    assert_eq!(stack.deployments.len(), 3);

    let down = run(&server, &name, "Down").await;
    assert_eq!(down.summary.outcome, Outcome::Ok, "{:#?}", down.lines);
    assert_eq!(containers_of(&name), 0);
    assert_eq!(podman_count(&["network", "ls", "-q", "--filter", &format!("name=^{name}_default$")]), 0, "its network is gone");
    assert_eq!(fetch(port).await, None);
}

#[tokio::test]
async fn a_failing_first_deploy_leaves_nothing_behind() {
    let server = TestServer::signed_in(&test_socket()).await;
    let name = stack("broken");
    // The second service's command does not exist: its start fails after the first started.
    let compose = format!(
        "services:\n  ok:\n    image: {IDLE}\n    networks: [back]\n  bad:\n    image: {IDLE}\n    command: [\"/no/such/binary\"]\n    depends_on: [ok]\n    networks: [back]\nnetworks:\n  back: {{}}\nvolumes:\n  data: {{}}\n"
    );
    let (status, body) = create(&server, &name, &compose).await;
    assert_eq!(status, 200, "{body}");
    let deployment = run(&server, &name, "Deploy").await;
    assert_eq!(deployment.summary.outcome, Outcome::Failed);
    assert!(deployment.summary.summary.contains("Service bad"), "names the service: {}", deployment.summary.summary);
    assert!(deployment.summary.summary.contains("not found"), "gives Podman's reason: {}", deployment.summary.summary);
    assert_eq!(containers_of(&name), 0, "the started service was removed too");
    assert_eq!(podman_count(&["network", "ls", "-q", "--filter", &format!("name=^{name}_back$")]), 0, "and its network");

    // A missing image fails before anything is made.
    let missing = format!("services:\n  web:\n    image: 127.0.0.1:5000/demo/no-such-image:v9\n");
    let (status, body) = save(&server, &name, &missing).await;
    assert_eq!(status, 200, "{body}");
    let deployment = run(&server, &name, "Deploy").await;
    assert_eq!(deployment.summary.outcome, Outcome::Failed);
    assert!(deployment.summary.summary.contains("could not pull"), "{}", deployment.summary.summary);
    assert_eq!(containers_of(&name), 0);
}

#[tokio::test]
async fn a_failing_redeploy_keeps_the_previous_container_running() {
    let server = TestServer::signed_in(&test_socket()).await;
    let name = stack("keep");
    let port = 18302;
    let (status, body) = create(&server, &name, &web(WEB_V1, port, "")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(run(&server, &name, "Deploy").await.summary.outcome, Outcome::Ok);
    eventually("v1", Duration::from_secs(10), || fetch(port)).await;
    let before = podman(&["inspect", "--format", "{{.Id}}", &format!("{name}_web_1")]);

    let broken = web(WEB_V1, port, "    command: [\"/no/such/binary\"]\n");
    assert_eq!(save(&server, &name, &broken).await.0, 200);
    let deployment = run(&server, &name, "Deploy").await;
    assert_eq!(deployment.summary.outcome, Outcome::Failed, "{:#?}", deployment.lines);
    assert_eq!(podman(&["inspect", "--format", "{{.Id}} {{.State.Status}}", &format!("{name}_web_1")]), format!("{before} running"));
    assert_eq!(fetch(port).await.as_deref(), Some("berth-demo-web v1"), "still serving");
    assert_eq!(podman_count(&["ps", "-aq", "--filter", &format!("name={name}_web_1-berth")]), 0, "no staging container left");
    assert_eq!(run(&server, &name, "Down").await.summary.outcome, Outcome::Ok);
}

#[tokio::test]
async fn a_dependency_must_be_healthy_and_a_second_deployment_waits_its_turn() {
    let server = TestServer::signed_in(&test_socket()).await;
    let name = stack("health");
    let compose = format!(
        "services:\n  db:\n    image: {IDLE}\n    healthcheck:\n      test: [\"CMD\", \"false\"]\n      interval: 1s\n  app:\n    image: {IDLE}\n    depends_on:\n      db:\n        condition: service_healthy\n"
    );
    assert_eq!(create(&server, &name, &compose).await.0, 200);
    let (status, body) = act(&server, &name, "Deploy").await;
    assert_eq!(status, 200, "{body}");
    let id: i64 = serde_json::from_str(&body).expect("id");
    let (status, body) = act(&server, &name, "Deploy").await;
    assert_eq!(status, 400);
    assert!(body.contains("is running"), "{body}");
    let deployment = finished(&server, &name, id).await;
    assert_eq!(deployment.summary.outcome, Outcome::Failed);
    assert!(deployment.summary.summary.contains("was not healthy"), "{}", deployment.summary.summary);
    assert_eq!(podman_count(&["ps", "-aq", "--filter", &format!("name=^{name}_app_1$")]), 0, "app never started");
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_changes() {
    let server = TestServer::signed_in(&test_socket()).await;
    let stacks = server.data_dir.path().join("stacks");
    let good = format!("services:\n  web:\n    image: {IDLE}\n");
    for bad in ["../x", "a/b", "-rf", "x;id", "$(id)", "Web", &"a".repeat(64), "new"] {
        let (status, body) = create(&server, bad, &good).await;
        assert_eq!(status, 400, "{bad:?}: {body}");
    }
    let name = stack("bad");
    let bomb = "a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nservices: {}\n";
    let huge = format!("{good}# {}\n", "x".repeat(2 * 1024 * 1024));
    let cases = [
        ("services:\n  web: [unclosed\n", "line"),
        (&format!("{good}    mystery: 1\n") as &str, "mystery"),
        (&format!("services:\n  a:\n    image: {IDLE}\n    depends_on: [b]\n  b:\n    image: {IDLE}\n    depends_on: [a]\n"), "cycle"),
        (&format!("services:\n  web:\n    build: .\n"), "build"),
        (bomb, "alias"),
        (&huge, "MiB"),
        (&format!("services:\n  a:\n    image: {IDLE}\n    ports: [\"18303:80\"]\n  b:\n    image: {IDLE}\n    ports: [\"18303:80\"]\n"), "18303"),
    ];
    for (compose, expected) in cases {
        let (status, body) = create(&server, &name, compose).await;
        assert_eq!(status, 400, "{expected}: {body}");
        assert!(body.to_lowercase().contains(&expected.to_lowercase()), "the error says {expected:?}: {body}");
        assert!(!stacks.join(&name).exists(), "nothing written for {expected:?}");
    }
    // An edit that fails keeps the saved version.
    assert_eq!(create(&server, &name, &good).await.0, 200);
    let (status, _) = save(&server, &name, "services:\n  web: [unclosed\n").await;
    assert_eq!(status, 400);
    assert_eq!(std::fs::read_to_string(stacks.join(&name).join("compose.yaml")).expect("file"), good);
    assert_eq!(containers_of(&name), 0);
}

#[tokio::test]
async fn policy_blocks_host_powers_until_an_admin_allows_them_for_one_stack() {
    let server = TestServer::signed_in(&test_socket()).await;
    let name = stack("powers");
    let compose = format!("services:\n  tool:\n    image: {IDLE}\n    cap_add: [NET_ADMIN]\n");
    assert_eq!(create(&server, &name, &compose).await.0, 200, "saving is fine: the page shows the policy");
    let (status, body) = act(&server, &name, "Deploy").await;
    assert_eq!(status, 400);
    assert!(body.contains("Blocked by policy"), "{body}");
    assert_eq!(containers_of(&name), 0);
    let page = detail(&server, &name).await.expect("stack");
    assert_eq!(page.policy.len(), 1);
    assert_eq!(page.policy[0].item, "cap-add");
    assert_eq!(page.policy[0].allowed_by, None);

    // Operators may not allow it.
    server.add_user("op", "operator", "operator password 1").await;
    let operator = server.browser_signed_in("op", "operator password 1").await;
    let (status, _) = server.post(&operator, "/api/stack-policy", &[("name", &name), ("item", "cap-add"), ("allow", "true")]).await;
    assert_eq!(status, 403);

    let (status, body) = server.post(&server.client, "/api/stack-policy", &[("name", &name), ("item", "cap-add"), ("allow", "true")]).await;
    assert_eq!(status, 200, "{body}");
    let page = detail(&server, &name).await.expect("stack");
    assert!(page.policy[0].allowed_by.as_deref().is_some_and(|by| by.contains("admin")), "{:?}", page.policy);
    let deployment = run(&server, &name, "Deploy").await;
    assert_eq!(deployment.summary.outcome, Outcome::Ok, "{:#?}", deployment.lines);
    let caps = podman(&["inspect", "--format", "{{.HostConfig.CapAdd}}", &format!("{name}_tool_1")]);
    assert!(caps.contains("NET_ADMIN"), "{caps}");
    let audit = server::audit::list(&server.state.pool, None, Some("stack.policy.allow"), None, None, 10).await.expect("audit");
    assert_eq!(audit.len(), 1, "the override is audited");
    assert_eq!(run(&server, &name, "Down").await.summary.outcome, Outcome::Ok);
}

#[tokio::test]
async fn podman_compose_sees_berths_stacks_and_berth_sees_and_adopts_its() {
    let server = TestServer::signed_in(&test_socket()).await;
    let name = stack("interop");
    let compose = format!("services:\n  app:\n    image: {IDLE}\n");
    assert_eq!(create(&server, &name, &compose).await.0, 200);
    assert_eq!(run(&server, &name, "Deploy").await.summary.outcome, Outcome::Ok);
    // The data dir here belongs to root (the test), so podman-compose reads a copy.
    let copy = tempfile::Builder::new().prefix("berth-it-compose").tempdir_in("/tmp").expect("dir");
    std::fs::write(copy.path().join("compose.yaml"), &compose).expect("write");
    make_readable(copy.path());
    let compose_file = copy.path().join("compose.yaml");
    let ps = podman_compose(&["-f", compose_file.to_str().expect("utf-8"), "-p", &name, "ps"]);
    assert!(ps.contains(&format!("{name}_app_1")), "podman-compose ps lists it: {ps}");
    podman_compose(&["-f", compose_file.to_str().expect("utf-8"), "-p", &name, "down"]);
    assert_eq!(containers_of(&name), 0, "podman-compose took it down");

    // A stack podman-compose started is listed as external and can be adopted.
    let outside = stack("outside");
    let dir = tempfile::Builder::new().prefix("berth-it-compose").tempdir_in("/tmp").expect("dir");
    std::fs::write(dir.path().join("compose.yaml"), format!("services:\n  app:\n    image: {IDLE}\n")).expect("write");
    make_readable(dir.path());
    let file = dir.path().join("compose.yaml");
    podman_compose(&["-f", file.to_str().expect("utf-8"), "-p", &outside, "up", "-d"]);
    let list: StackList = server.server_fn("/api/stacks").await;
    let found = list.external.iter().find(|s| s.name == outside).expect("listed as external");
    assert_eq!(found.running, 1);
    let (status, body) = server.post(&server.client, "/api/stack-adopt", &[("name", &outside)]).await;
    assert_eq!(status, 200, "{body}");
    let list: StackList = server.server_fn("/api/stacks").await;
    assert!(list.stacks.iter().any(|s| s.name == outside), "now one of Berth's");
    assert!(!list.external.iter().any(|s| s.name == outside));
    let deployment = run(&server, &outside, "Down").await;
    assert_eq!(deployment.summary.outcome, Outcome::Ok, "{:#?}", deployment.lines);
    assert_eq!(containers_of(&outside), 0);
}

/// Runs `podman-compose` as the test user.
fn podman_compose(args: &[&str]) -> String {
    let user = std::env::var("BERTH_TEST_USER").unwrap_or_else(|_| "berth-test".to_owned());
    let as_user = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end/host/as-user.sh");
    let output = std::process::Command::new(as_user).arg(user).arg("podman-compose").args(args).output().expect("as-user.sh runs");
    assert!(output.status.success(), "podman-compose {args:?}: {}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The test user runs podman-compose, and must read what root wrote.
fn make_readable(dir: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt as _;
    let mut path = dir.to_path_buf();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path.push("compose.yaml");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
}
