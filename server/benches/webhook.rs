//! Benchmark: from a webhook call to the new version answering on the published port,
//! against doing the same by hand (`podman pull` + `podman-compose up -d`), in turns,
//! in one run, on the test host's rootless Podman (`make bench`).
//!
//! Each round publishes v1 of a one-service web stack under the tag `live`, deploys it
//! both ways, publishes v2 under the same tag, then times each way until the port
//! answers with v2. podman-compose 1.0.3 does not recreate a container whose image
//! changed (`up -d` starts the old one again), so the by-hand command is
//! `up -d --force-recreate`, which is what a user has to type.

#[expect(dead_code, reason = "each benchmark uses a part of the shared helpers")]
mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use compose::StackName;
use server::stacks::store::StackFiles;

const ROUNDS: usize = 3;
const IMAGE: &str = "127.0.0.1:5000/demo/bench-hook:live";
const BERTH_PORT: u16 = 18441;
const HAND_PORT: u16 = 18442;

fn compose(port: u16) -> String {
    format!("services:\n  web:\n    image: {IMAGE}\n    ports: [\"{port}:8080\"]\n")
}

fn as_user(user: &str, args: &[&str]) -> anyhow::Result<()> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end/host/as-user.sh");
    let output = Command::new(script).arg(user).args(args).output()?;
    anyhow::ensure!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    Ok(())
}

/// Publishes demo/web:<version> as the `live` tag, as CI pushes a new build.
fn publish(user: &str, version: &str) -> anyhow::Result<()> {
    as_user(user, &["podman", "tag", &format!("127.0.0.1:5000/demo/web:{version}"), IMAGE])?;
    as_user(user, &["podman", "push", "--quiet", "--tls-verify=false", IMAGE])
}

/// Waits until the port answers with `version`; returns when it did.
async fn answers(port: u16, version: &str) -> anyhow::Result<Instant> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).build()?;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(response) = client.get(format!("http://127.0.0.1:{port}/")).send().await
            && response.text().await.is_ok_and(|t| t.ends_with(version))
        {
            return Ok(Instant::now());
        }
        anyhow::ensure!(Instant::now() < deadline, "port {port} never answered with {version}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let socket = std::env::var_os("BERTH_TEST_SOCKET").ok_or_else(|| anyhow::anyhow!("BERTH_TEST_SOCKET is not set: run `make bench`"))?;
    let user = std::env::var("BERTH_TEST_USER").unwrap_or_else(|_| "berth-test".to_owned());
    let served = common::serve(Some(socket.into())).await?;
    let state = &served.state;

    // Berth's stack and its webhook, made as the page would make them.
    let name = StackName::parse("berth-bench-hook").map_err(anyhow::Error::msg)?;
    state.stacks.store.write(&name, &StackFiles { compose: compose(BERTH_PORT), env: String::new() })?;
    server::db::stacks::ensure(&state.pool, name.as_str(), server::clock::unix_now(), Some("bench")).await?;
    let hook_id = server::auth::keys::random_id();
    let secret = "bench secret, not for production";
    let sealed = state.hooks.keys.encrypt(secret.as_bytes())?;
    server::db::hooks::upsert(&state.pool, name.as_str(), &hook_id, &sealed, server::clock::unix_now()).await?;
    let client = reqwest::Client::builder().danger_accept_invalid_certs(true).timeout(Duration::from_secs(300)).build()?;
    let mut deliveries = 0;
    let mut call = async |wait: bool| -> anyhow::Result<()> {
        deliveries += 1;
        let body = format!(r#"{{"ts":{},"delivery":"bench-{}-{deliveries}"}}"#, server::clock::unix_now(), std::process::id());
        let url = format!("{}/hooks/stacks/{hook_id}{}", served.url, if wait { "?wait=true" } else { "" });
        let response = client
            .post(url)
            .header("content-type", "application/json")
            .header("x-hub-signature-256", server::webhooks::signature::sign(secret.as_bytes(), body.as_bytes()))
            .body(body)
            .send()
            .await?;
        anyhow::ensure!(response.status().is_success(), "webhook: {} {}", response.status(), response.text().await.unwrap_or_default());
        Ok(())
    };

    // The same stack for podman-compose, where the test user can read it.
    let shared = tempfile::Builder::new().prefix("berth-bench-hook").tempdir_in("/tmp")?;
    let file = shared.path().join("compose.yaml");
    std::fs::write(&file, compose(HAND_PORT))?;
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o755))?;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644))?;
    }
    let file = file.to_str().ok_or_else(|| anyhow::anyhow!("a temp path that is not UTF-8"))?.to_owned();
    let by_hand = || -> anyhow::Result<()> {
        as_user(&user, &["podman", "pull", "--quiet", "--tls-verify=false", IMAGE])?;
        as_user(&user, &["podman-compose", "-f", &file, "-p", "berth-bench-hook-pc", "up", "-d", "--force-recreate"])
    };

    let (mut berth, mut hand) = (Vec::new(), Vec::new());
    for round in 1..=ROUNDS {
        publish(&user, "v1")?;
        call(true).await?;
        answers(BERTH_PORT, "v1").await?;
        by_hand()?;
        answers(HAND_PORT, "v1").await?;
        publish(&user, "v2")?;

        let start = Instant::now();
        call(false).await?;
        berth.push(answers(BERTH_PORT, "v2").await?.duration_since(start).as_secs_f64());
        let start = Instant::now();
        by_hand()?;
        hand.push(answers(HAND_PORT, "v2").await?.duration_since(start).as_secs_f64());
        println!("round {round}: webhook -> v2 answers {:.2} s; podman pull + podman-compose up -d --force-recreate -> v2 answers {:.2} s", berth[round - 1], hand[round - 1]);
    }
    let _ = as_user(&user, &["podman-compose", "-f", &file, "-p", "berth-bench-hook-pc", "down"]);
    let _ = as_user(&user, &["podman", "rm", "-f", "-t", "0", "berth-bench-hook_web_1"]);
    let (b, h) = (median(&mut berth), median(&mut hand));
    println!("a new image under the same tag, until the published port serves it ({ROUNDS} rounds in turns, medians)");
    println!("                           Berth webhook   by hand   ratio");
    println!("call -> new version         {b:>8.2} s   {h:>7.2} s  {:>5.2}x", b / h);
    Ok(())
}
