use std::time::Duration;

use app::model::images::{ImageRow, PullJob, PullState};
use app::model::overview::Live;

use crate::support::{TestServer, eventually, podman, podman_count, test_socket};

async fn images(server: &TestServer) -> Vec<ImageRow> {
    let live: Live<Vec<ImageRow>> = server.server_fn("/api/images").await;
    let Live::Ready(rows) = live else { panic!("podman is down") };
    rows
}

#[tokio::test]
async fn an_image_is_pulled_with_progress_refused_while_used_then_removed() {
    let server = TestServer::signed_in(&test_socket()).await;
    let pid = std::process::id();
    // A "new" image in the local registry, not yet on this host.
    let reference = format!("127.0.0.1:5000/demo/it-pull-{pid}:v1");
    podman(&["tag", "127.0.0.1:5000/demo/web:v1", &reference]);
    podman(&["push", "--tls-verify=false", &reference]);
    podman(&["rmi", &reference]);

    let (status, body) = server.post(&server.client, "/api/image-pull", &[("reference", &reference)]).await;
    assert_eq!(status, 200, "{body}");
    let id: u64 = body.trim().parse().expect("a pull id");
    let job: PullJob = eventually("the pull to end", Duration::from_secs(60), || async {
        let (_, body) = server.post(&server.client, "/api/image-pull-progress", &[("id", &id.to_string())]).await;
        let job: Option<PullJob> = serde_json::from_str(&body).unwrap();
        job.filter(|j| j.state != PullState::Running)
    })
    .await;
    let image_id = podman(&["image", "inspect", "--format", "{{.Id}}", &reference]);
    assert_eq!(job.state, PullState::Done(image_id.clone()), "{job:?}");
    assert!(!job.lines.is_empty(), "progress lines");

    let container = format!("berth-it-image-user-{pid}");
    podman(&["create", "--name", &container, &reference]);
    let row = images(&server).await.into_iter().find(|r| r.tags.contains(&reference)).expect("listed");
    assert!(row.used_by.contains(&container), "{row:?}");
    assert!(row.size > 0 && row.created > 0);

    let (status, body) = server.post(&server.client, "/api/image-remove", &[("id", &reference)]).await;
    assert_eq!(status, 400);
    assert!(body.contains(&format!("used by the container {container}")), "{body}");
    assert_eq!(podman_count(&["images", "-q", &reference]), 1, "nothing removed");

    podman(&["rm", &container]);
    let (status, body) = server.post(&server.client, "/api/image-remove", &[("id", &reference)]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(podman_count(&["images", "-q", &reference]), 0);
    assert!(!images(&server).await.iter().any(|r| r.tags.contains(&reference)));

    let (_, _, audit) = server.get("/audit").await;
    assert!(audit.contains("image.pull") && audit.contains("image.remove"), "audited");
}

#[tokio::test]
async fn bad_pulls_fail_plainly() {
    let server = TestServer::signed_in(&test_socket()).await;
    for bad in ["", "a b", "x;rm -rf /", "-v", "../../x", "a?b"] {
        let (status, body) = server.post(&server.client, "/api/image-pull", &[("reference", bad)]).await;
        assert_eq!(status, 400, "{bad:?}: {body}");
        assert!(body.contains("not an image reference"), "{body}");
    }
    let (status, body) = server.post(&server.client, "/api/image-pull", &[("reference", "127.0.0.1:5000/demo/no-such-image:v9")]).await;
    assert_eq!(status, 200, "{body}");
    let id = body.trim().to_owned();
    let job: PullJob = eventually("the pull to fail", Duration::from_secs(60), || async {
        let (_, body) = server.post(&server.client, "/api/image-pull-progress", &[("id", &id)]).await;
        serde_json::from_str::<Option<PullJob>>(&body).unwrap().filter(|j| j.state != PullState::Running)
    })
    .await;
    let PullState::Failed(why) = job.state else { panic!("{job:?}") };
    assert!(!why.is_empty() && !why.contains('\n'), "{why}");
    let (status, body) = server.post(&server.client, "/api/image-prune", &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("dangling"), "{body}");
}
