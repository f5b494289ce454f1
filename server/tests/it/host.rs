use app::model::host::{ForwardState, HostReport, Verdict};

use crate::support::{TestServer, podman, test_socket};

const WEB: &str = "127.0.0.1:5000/demo/web:v1";

async fn report(server: &TestServer) -> HostReport {
    server.server_fn("/api/host").await
}

#[tokio::test]
async fn the_report_never_shows_a_check_it_could_not_make_as_passed() {
    let server = TestServer::signed_in(&test_socket()).await;
    let report = report(&server).await;
    assert_eq!(report.units.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["podman.socket", "podman-restart.service", "berth.service"]);
    // The tests run as root beside the test user's Podman: root has no systemd user
    // manager here, so its units can't be asked about. That must read as unknown.
    let manager = std::process::Command::new("systemctl").args(["--user", "is-system-running"]).output().map(|o| o.status.success()).unwrap_or(false);
    if !manager {
        for unit in &report.units {
            assert_eq!(unit.check.verdict, Verdict::Unknown, "{}: {}", unit.name, unit.check.detail);
            assert!(!unit.can_enable);
        }
        assert_ne!(report.survival(), Verdict::Ok);
    }
    assert!(report.podman_up);
    assert!(report.checks.iter().any(|c| c.key == "cgroups"));
    assert!(report.checks.iter().any(|c| c.key == "ports"));
}

#[tokio::test]
async fn forwards_are_validated_listed_checked_and_removed() {
    let server = TestServer::signed_in(&test_socket()).await;
    for (source, target, protocol, says) in [("80", "443", "tcp", "below 1024"), ("0", "8080", "tcp", "between 1 and 65535"), ("80", "8080", "icmp", "Unknown protocol"), ("x", "8080", "tcp", "must be a number")] {
        let (status, body) = server.post(&server.client, "/api/host-forward-add", &[("source", source), ("target", target), ("protocol", protocol)]).await;
        assert_eq!(status, 400, "{source} {target} {protocol}: {body}");
        assert!(body.contains(says), "{body}");
    }
    assert!(report(&server).await.forwards.is_empty(), "nothing was stored");

    // A target port a container publishes, and a source port nothing listens on.
    let pid = std::process::id();
    let name = format!("berth-it-forward-{pid}");
    let target = 20000 + (pid % 10000) as u16;
    podman(&["run", "-d", "--name", &name, "-p", &format!("{target}:8080"), WEB]);
    let (status, body) = server.post(&server.client, "/api/host-forward-add", &[("source", "81"), ("target", &target.to_string()), ("protocol", "tcp")]).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = server.post(&server.client, "/api/host-forward-add", &[("source", "81"), ("target", "9999"), ("protocol", "tcp")]).await;
    assert_eq!(status, 400);
    assert!(body.contains("in the list already"), "{body}");

    let listed = report(&server).await.forwards;
    assert_eq!(listed.len(), 1);
    let view = &listed[0];
    assert_eq!((view.forward.source, view.forward.target), (81, target));
    assert_eq!(view.published_by, vec![name.clone()]);
    assert!(matches!(&view.state, ForwardState::NotWorking(why) if why.contains("refused")), "{:?}", view.state);
    assert!(view.recipes.iptables.iter().any(|l| l.contains("-A OUTPUT -o lo") && l.ends_with(&format!("--to-ports {target}"))));

    let (status, body) = server.post(&server.client, "/api/host-forward-remove", &[("id", &view.id.to_string())]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("-D OUTPUT"), "the removal says how to undo the rules: {body}");
    assert!(report(&server).await.forwards.is_empty());
    let (status, _) = server.post(&server.client, "/api/host-forward-remove", &[("id", &view.id.to_string())]).await;
    assert_eq!(status, 404);
    podman(&["rm", "-f", "-t", "0", &name]);
}

#[tokio::test]
async fn only_podman_units_may_be_enabled_from_the_panel() {
    let server = TestServer::signed_in(&test_socket()).await;
    for unit in ["berth.service", "ssh.service", "../x", ""] {
        let (status, body) = server.post(&server.client, "/api/host-unit", &[("unit", unit)]).await;
        assert_eq!(status, 400, "{unit}: {body}");
        assert!(body.contains("only podman.socket and podman-restart.service"), "{body}");
    }
    for stack in ["../x", "-rf", "A"] {
        let (status, body) = server.post(&server.client, "/api/host-stack-units", &[("stack", stack), ("install", "true")]).await;
        assert_eq!(status, 400, "{stack}: {body}");
    }
}
