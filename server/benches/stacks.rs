//! Benchmark: deploying and taking down the same 3-service stack (local images, one
//! network) with Berth's engine and with `podman-compose`, in turns, in one run, on the
//! test host's rootless Podman (`BERTH_TEST_SOCKET`, `BERTH_TEST_USER`; `make bench`).
//!
//! The services ignore SIGTERM (busybox as PID 1, `stop_signal: SIGTERM`), so a down
//! waits the 10 s grace of each container: podman-compose does that one container
//! after another, Berth a dependency group at a time. Goals: deploy at most 0.3x and
//! down at most 0.4x podman-compose's time.
//!
//! Berth is timed in process (the engine's deploy and down, as the page's button runs
//! them, without HTTP); podman-compose as the whole command a user would run.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use compose::StackName;
use server::stacks::engine::Engine;
use server::stacks::jobs::Log;
use server::stacks::libpod::Libpod;
use server::stacks::store::{StackFiles, Store};

const ROUNDS: usize = 2;

fn stack(port: u16) -> String {
    let registry = "127.0.0.1:5000/demo";
    format!(
        "services:\n  web:\n    image: {registry}/web:v1\n    ports: [\"{port}:8080\"]\n    stop_signal: SIGTERM\n  worker:\n    image: {registry}/idle:latest\n    stop_signal: SIGTERM\n  cache:\n    image: {registry}/idle:latest\n    stop_signal: SIGTERM\n"
    )
}

fn podman_compose(user: &str, file: &Path, project: &str, args: &[&str]) -> anyhow::Result<f64> {
    let as_user = Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end/host/as-user.sh");
    let start = Instant::now();
    let output = Command::new(as_user)
        .arg(user)
        .arg("podman-compose")
        .arg("-f")
        .arg(file)
        .arg("-p")
        .arg(project)
        .args(args)
        .output()?;
    let took = start.elapsed().as_secs_f64();
    anyhow::ensure!(output.status.success(), "podman-compose {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    Ok(took)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let socket: PathBuf = std::env::var_os("BERTH_TEST_SOCKET")
        .map(PathBuf::from)
        .ok_or_else(|| anyhow::anyhow!("BERTH_TEST_SOCKET is not set: run `make bench`, which provisions the test host"))?;
    let user = std::env::var("BERTH_TEST_USER").unwrap_or_else(|_| "berth-test".to_owned());
    let data = tempfile::tempdir()?;
    let store = Store::open(data.path())?;
    let engine = Engine { libpod: Libpod::new(&socket), podman: podman_api::Podman::unix(&socket), wait_limit: Duration::from_secs(60) };

    // podman-compose runs as the test user: its file lives where that user can read it.
    let shared = tempfile::Builder::new().prefix("berth-bench-compose").tempdir_in("/tmp")?;
    let file = shared.path().join("compose.yaml");
    std::fs::write(&file, stack(18402))?;
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o755))?;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644))?;
    }

    let name = StackName::parse("berth-bench-stack").map_err(anyhow::Error::msg)?;
    let files = StackFiles { compose: stack(18401), env: String::new() };
    store.write(&name, &files)?;
    let prepared = engine.prepare(&store, &name, &files, &BTreeSet::new()).map_err(|p| anyhow::anyhow!(p.join("; ")))?;

    let (mut berth_up, mut berth_down, mut pc_up, mut pc_down) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 1..=ROUNDS {
        let log = Log::detached();
        let start = Instant::now();
        server::stacks::deploy::deploy(&engine, &prepared, &log, false).await.map_err(anyhow::Error::msg)?;
        berth_up.push(start.elapsed().as_secs_f64());
        let start = Instant::now();
        server::stacks::lifecycle::down(&engine, &name, Some(&prepared), &log, false).await.map_err(anyhow::Error::msg)?;
        berth_down.push(start.elapsed().as_secs_f64());

        pc_up.push(podman_compose(&user, &file, "berth-bench-pc", &["up", "-d"])?);
        pc_down.push(podman_compose(&user, &file, "berth-bench-pc", &["down"])?);
        println!(
            "round {round}: Berth up {:.2} s, down {:.2} s; podman-compose up {:.2} s, down {:.2} s",
            berth_up[round - 1],
            berth_down[round - 1],
            pc_up[round - 1],
            pc_down[round - 1]
        );
    }
    let (bu, bd, pu, pd) = (median(&mut berth_up), median(&mut berth_down), median(&mut pc_up), median(&mut pc_down));
    println!("3-service stack, local images, {ROUNDS} rounds in turns (medians)");
    println!("                    Berth   podman-compose   ratio   goal");
    println!("deploy (up -d)   {bu:>6.2} s       {pu:>6.2} s    {:>5.2}x  <= 0.30x", bu / pu);
    println!("down             {bd:>6.2} s       {pd:>6.2} s    {:>5.2}x  <= 0.40x", bd / pd);
    Ok(())
}
