//! Webhooks end to end on the router: signatures, replays, limits, image tags and
//! `?wait=true`, against the real Podman.

use std::time::Duration;

use app::model::stacks::{Outcome, StackDetail};
use app::model::webhooks::WebhookView;
use server::webhooks::signature::sign;

use crate::support::{TestServer, eventually, now, podman, test_socket};

const WEB_V1: &str = "127.0.0.1:5000/demo/web:v1";

fn stack(name: &str) -> String {
    format!("it-hook-{name}-{}", std::process::id())
}

/// A stack of one web service on `port`, and its webhook: (url path, secret).
async fn stack_with_hook(server: &TestServer, name: &str, port: u16) -> (String, String) {
    let compose = format!("services:\n  web:\n    image: {WEB_V1}\n    ports: [\"{port}:8080\"]\n");
    let (status, body) = server.post(&server.client, "/api/stack-create", &[("name", name), ("compose", &compose), ("env", "")]).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = server.post(&server.client, "/api/webhook-secret", &[("name", name)]).await;
    assert_eq!(status, 200, "{body}");
    let hook = view(server, name).await.hook.expect("on");
    let secret = hook.fresh_secret.expect("shown to the session that made it");
    assert_eq!(secret.len(), 64, "32 random bytes, hex");
    assert!(view(server, name).await.hook.is_some_and(|h| h.fresh_secret.is_none()), "shown once");
    let path = hook.url.split_once("/hooks/").map(|(_, rest)| format!("/hooks/{rest}")).expect("a hook path");
    (path, secret)
}

async fn view(server: &TestServer, name: &str) -> WebhookView {
    let (status, body) = server.post(&server.client, "/api/webhook", &[("name", name)]).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str::<Option<WebhookView>>(&body).unwrap().expect("the stack exists")
}

/// A call from CI (`ip`, never a browser's session), signed with `signature` when given.
async fn call(server: &TestServer, ip: &str, path: &str, body: &str, signature: Option<&str>) -> (u16, serde_json::Value) {
    let client = reqwest::Client::builder().danger_accept_invalid_certs(true).timeout(Duration::from_secs(120)).build().unwrap();
    let mut request = client.post(format!("{}{path}", server.url)).header("x-forwarded-for", ip).header("content-type", "application/json").body(body.to_owned());
    if let Some(signature) = signature {
        request = request.header("x-hub-signature-256", signature);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

fn workflow_body(delivery: &str, extra: &str) -> String {
    format!(r#"{{"ts":{},"delivery":"{delivery}"{extra}}}"#, now())
}

async fn detail(server: &TestServer, name: &str) -> StackDetail {
    let (_, body) = server.post(&server.client, "/api/stack", &[("name", name)]).await;
    serde_json::from_str::<Option<StackDetail>>(&body).unwrap().expect("stack")
}

#[tokio::test]
async fn every_signature_problem_gets_the_same_401_and_nothing_deploys() {
    let server = TestServer::signed_in(&test_socket()).await;
    let name = stack("sig");
    let (path, secret) = stack_with_hook(&server, &name, 18411).await;
    let body = workflow_body("sig-1", "");
    let good = sign(secret.as_bytes(), body.as_bytes());
    let mut flipped = body.clone().into_bytes();
    flipped[3] ^= 1;
    let flipped = String::from_utf8(flipped).unwrap();
    let cases: [(&str, Option<String>); 6] = [
        (&flipped, Some(good.clone())),
        (&body, Some(sign(b"not the secret", body.as_bytes()))),
        (&body, Some(format!("sha1={}", &good[7..47]))),
        (&body, Some(format!("sha256={}", good[7..].to_uppercase()))),
        (&body, Some(good[..good.len() - 1].to_owned())),
        (&body, None),
    ];
    let mut answers = Vec::new();
    for (i, (sent, signature)) in cases.iter().enumerate() {
        let (status, answer) = call(&server, "203.0.113.10", &path, sent, signature.as_deref()).await;
        assert_eq!(status, 401, "case {i}: {answer}");
        answers.push(answer);
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "one answer for all: {answers:?}");
    let history = detail(&server, &name).await.deployments;
    assert_eq!(history.len(), 6);
    assert!(history.iter().all(|d| d.outcome == Outcome::Refused && d.summary.contains("bad signature") && d.trigger.contains("203.0.113.10")));
    assert_eq!(podman(&["ps", "-aq", "--filter", &format!("label=com.docker.compose.project={name}")]), "");

    // Bad signatures count against the address: ten, then 429 even for a good one.
    for _ in 0..4 {
        assert_eq!(call(&server, "203.0.113.10", &path, &body, None).await.0, 401);
    }
    let (status, _) = call(&server, "203.0.113.10", &path, &body, Some(&good)).await;
    assert_eq!(status, 429, "the address used up its attempts");
    // Another address is not affected.
    let (status, answer) = call(&server, "203.0.113.11", &path, &body, Some(&good)).await;
    assert_eq!(status, 202, "{answer}");
    settle(&server, &name).await;
}

#[tokio::test]
async fn replays_stale_bodies_foreign_repositories_and_unknown_hooks_are_refused() {
    let server = TestServer::signed_in(&test_socket()).await;
    let name = stack("replay");
    let (path, secret) = stack_with_hook(&server, &name, 18412).await;
    let signed = |body: &str| Some(sign(secret.as_bytes(), body.as_bytes()));
    let ip = "203.0.113.20";

    let body = workflow_body("replay-1", "");
    let (status, answer) = call(&server, ip, &path, &body, signed(&body).as_deref()).await;
    assert_eq!(status, 202, "{answer}");
    let id = answer["deployment"].as_i64().expect("a deployment id");
    assert_eq!(answer["status_url"], format!("/stacks/{name}/deployments/{id}"));
    let (status, answer) = call(&server, ip, &path, &body, signed(&body).as_deref()).await;
    assert_eq!(status, 403, "the same body again: {answer}");
    assert!(answer["error"].as_str().unwrap().contains("replayed"));

    let stale = format!(r#"{{"ts":{},"delivery":"replay-2"}}"#, now() - 600);
    assert_eq!(call(&server, ip, &path, &stale, signed(&stale).as_deref()).await.0, 403);

    let foreign = workflow_body("replay-3", r#","images":{"web":"evil.example/web:v2"}"#);
    let (status, answer) = call(&server, ip, &path, &foreign, signed(&foreign).as_deref()).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("never its repository"));
    let unknown_service = workflow_body("replay-4", r#","images":{"db":"v2"}"#);
    let (status, answer) = call(&server, ip, &path, &unknown_service, signed(&unknown_service).as_deref()).await;
    assert_eq!(status, 422, "{answer}");

    assert_eq!(call(&server, ip, "/hooks/stacks/00000000000000000000000000000000", &body, signed(&body).as_deref()).await.0, 404);
    let big = format!(r#"{{"ts":{},"delivery":"big","pad":"{}"}}"#, now(), "x".repeat(70 * 1024));
    assert_eq!(call(&server, ip, &path, &big, signed(&big).as_deref()).await.0, 413);

    // Only the first call deployed; every refusal is in the history with its reason.
    let history = detail(&server, &name).await.deployments;
    assert_eq!(history.iter().filter(|d| d.action == "pull-redeploy").count(), 1);
    for reason in ["replayed delivery replay-1", "stale ts", "never its repository", "does not have"] {
        assert!(history.iter().any(|d| d.outcome == Outcome::Refused && d.summary.contains(reason)), "{reason}: {history:?}");
    }
    settle(&server, &name).await;
}

#[tokio::test]
async fn a_ping_answers_and_the_seventh_call_in_a_minute_waits() {
    let server = TestServer::signed_in(&test_socket()).await;
    let name = stack("ping");
    let (path, secret) = stack_with_hook(&server, &name, 18413).await;
    let client = reqwest::Client::builder().danger_accept_invalid_certs(true).build().unwrap();
    let ping = |n: u32| {
        let body = format!(r#"{{"zen":"{n}"}}"#);
        client
            .post(format!("{}{path}", server.url))
            .header("x-forwarded-for", "203.0.113.30")
            .header("x-github-event", "ping")
            .header("x-github-delivery", format!("d-{n}"))
            .header("x-hub-signature-256", sign(secret.as_bytes(), body.as_bytes()))
            .body(body)
            .send()
    };
    for n in 0..6 {
        let response = ping(n).await.unwrap();
        assert_eq!(response.status(), 200);
    }
    let response = ping(6).await.unwrap();
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    // The page's test button goes through the same checks.
    let (status, body) = server.post(&server.client, "/api/webhook-test", &[("name", &name)]).await;
    assert_eq!(status, 400, "over the limit too: {body}");
}

#[tokio::test]
async fn wait_true_answers_with_the_outcome_and_a_tag_change_keeps_the_repository() {
    let server = TestServer::signed_in(&test_socket()).await;
    let name = stack("wait");
    let (path, secret) = stack_with_hook(&server, &name, 18414).await;
    let signed = |body: &str| Some(sign(secret.as_bytes(), body.as_bytes()));
    let ip = "203.0.113.40";
    let wait = format!("{path}?wait=true");

    let body = workflow_body("wait-1", r#","images":{"web":"v2"}"#);
    let (status, answer) = call(&server, ip, &wait, &body, signed(&body).as_deref()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["outcome"], "ok");
    let served = eventually("v2 to answer", Duration::from_secs(20), || async {
        reqwest::get("http://127.0.0.1:18414/").await.ok()?.text().await.ok().filter(|t| t.ends_with("v2"))
    })
    .await;
    assert_eq!(served, "berth-demo-web v2");
    let pins = view(&server, &name).await.pins;
    assert_eq!(pins.len(), 1);
    assert_eq!(pins[0].image, "127.0.0.1:5000/demo/web:v2");

    let missing = workflow_body("wait-2", r#","images":{"web":"no-such-tag"}"#);
    let (status, answer) = call(&server, ip, &wait, &missing, signed(&missing).as_deref()).await;
    assert_eq!(status, 502, "a failed deploy fails the call: {answer}");
    assert_eq!(answer["outcome"], "failed");
    // The failure kept the running v2 and the pin.
    assert_eq!(view(&server, &name).await.pins[0].image, "127.0.0.1:5000/demo/web:v2");
    assert_eq!(reqwest::get("http://127.0.0.1:18414/").await.unwrap().text().await.unwrap(), "berth-demo-web v2");
    settle(&server, &name).await;
}

#[tokio::test]
async fn only_operators_manage_webhooks_and_a_new_secret_needs_a_fresh_sign_in() {
    let server = TestServer::signed_in(&test_socket()).await;
    let name = stack("roles");
    let (path, first) = stack_with_hook(&server, &name, 18415).await;
    // A new secret: the old one stops working at once, the URL stays.
    let (status, body) = server.post(&server.client, "/api/webhook-secret", &[("name", &name)]).await;
    assert_eq!(status, 200, "{body}");
    let hook = view(&server, &name).await.hook.expect("on");
    assert!(hook.url.ends_with(&path), "the URL is stable");
    let second = hook.fresh_secret.expect("the new secret");
    assert_ne!(first, second);
    let ping = |secret: String| {
        let url = format!("{}{path}", server.url);
        async move {
            let client = reqwest::Client::builder().danger_accept_invalid_certs(true).build().unwrap();
            let body = r#"{"zen":"x"}"#;
            let response = client
                .post(url)
                .header("x-forwarded-for", "203.0.113.50")
                .header("x-github-event", "ping")
                .header("x-hub-signature-256", sign(secret.as_bytes(), body.as_bytes()))
                .body(body)
                .send()
                .await
                .unwrap();
            response.status().as_u16()
        }
    };
    assert_eq!(ping(first.clone()).await, 401);
    assert_eq!(ping(second).await, 200);
    server.add_user("vic", "viewer", "viewer password 1").await;
    let viewer = server.browser_signed_in("vic", "viewer password 1").await;
    assert_eq!(server.post(&viewer, "/api/webhook-secret", &[("name", &name)]).await.0, 403);
    assert_eq!(server.post(&viewer, "/api/webhook-disable", &[("name", &name)]).await.0, 403);
    let seen: Option<WebhookView> = serde_json::from_str(&server.post(&viewer, "/api/webhook", &[("name", &name)]).await.1).unwrap();
    assert!(seen.unwrap().hook.unwrap().fresh_secret.is_none(), "a viewer never sees a secret");

    server.clock.advance(6 * 60);
    let (status, body) = server.post(&server.client, "/api/webhook-secret", &[("name", &name)]).await;
    assert_eq!(status, 403, "a new secret needs a fresh password or code: {body}");
    // Turning it off ends the URL.
    let (status, body) = server.post(&server.client, "/api/webhook-disable", &[("name", &name)]).await;
    assert_eq!(status, 200, "{body}");
    assert!(view(&server, &name).await.hook.is_none());
    assert!(!first.is_empty());
}

/// Waits until no deployment of the stack runs, then removes its containers.
async fn settle(server: &TestServer, name: &str) {
    eventually("the stack's deployments to end", Duration::from_secs(90), || async {
        detail(server, name).await.deployments.iter().all(|d| d.outcome != Outcome::Running).then_some(())
    })
    .await;
    for id in podman(&["ps", "-aq", "--filter", &format!("label=com.docker.compose.project={name}")]).lines() {
        podman(&["rm", "-f", "-t", "0", id]);
    }
}
