//! Benchmark: the Podman views against Podman itself, on the test host's rootless
//! Podman (`BERTH_TEST_SOCKET`, set up by `make bench`).
//!
//! 1. With 100 containers, the time to serve the container list page (signed in,
//!    rendered by the server) against one raw `GET /libpod/containers/json?all=true` on
//!    the same socket, sampled in turns in one run. Goal: at most 1.3x.
//! 2. A container writing about 10,000 lines a second, its log followed over Berth's
//!    SSE stream (as an open logs page does) for 60 s (`BERTH_BENCH_LOG_SECONDS`): the
//!    lines received and this process's memory every 10 s. Goal: flat memory.
//!
//! Run: `make bench`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use podman_api::Podman;
use podman_api::opts::{ContainerCreateOpts, ContainerDeleteOpts};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[expect(dead_code, reason = "each benchmark uses a part of the shared helpers")]
mod common;
use common::{get_ok, ms_since, percentile, rss_kib, serve, signed_in};

const IMAGE: &str = "127.0.0.1:5000/demo/idle:latest";
const CONTAINERS: usize = 100;
const SAMPLES: usize = 60;
const LIST: &str = "berth-bench-list";
const WRITER: &str = "berth-bench-logs";
/// 1,000 lines, then a tenth of a second's rest: about 10,000 lines a second.
const WRITE: &str = "while true; do seq 1 1000; usleep 100000; done";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let socket: PathBuf = std::env::var_os("BERTH_TEST_SOCKET")
        .map(PathBuf::from)
        .ok_or_else(|| anyhow::anyhow!("BERTH_TEST_SOCKET is not set: run `make bench`, which provisions the test host"))?;
    let podman = Podman::unix(&socket);
    let served = serve(Some(socket.clone())).await?;
    let user = signed_in(&served, "198.51.100.2").await?;

    remove_ours(&podman).await;
    let result = async {
        list_page_against_raw_call(&podman, &socket, &user, &served.url).await?;
        log_stream_memory(&podman, &user, &served.url).await
    }
    .await;
    remove_ours(&podman).await;
    result
}

async fn list_page_against_raw_call(podman: &Podman, socket: &PathBuf, user: &reqwest::Client, url: &str) -> anyhow::Result<()> {
    let creating = (0..CONTAINERS).map(|i| {
        let opts = ContainerCreateOpts::builder().image(IMAGE).name(format!("{LIST}-{i:03}")).build();
        async move { podman.containers().create(&opts).await }
    });
    for created in futures_util::future::join_all(creating).await {
        created?;
    }
    let all = raw_list(socket).await?;
    let count = all.matches("\"Id\"").count();
    anyhow::ensure!(count >= CONTAINERS, "Podman lists {count} containers, fewer than the {CONTAINERS} made");

    let page = format!("{url}/containers");
    for _ in 0..5 {
        get_ok(user, &page).await?;
        raw_list(socket).await?;
    }
    let (mut berth, mut raw) = (Vec::with_capacity(SAMPLES), Vec::with_capacity(SAMPLES));
    for _ in 0..SAMPLES {
        let start = Instant::now();
        get_ok(user, &page).await?;
        berth.push(ms_since(start));
        let start = Instant::now();
        raw_list(socket).await?;
        raw.push(ms_since(start));
    }
    let (berth_med, raw_med) = (percentile(&berth, 50.0), percentile(&raw, 50.0));
    println!("container list with {count} containers, {SAMPLES} samples each, taken in turns");
    println!("                                              median      p90");
    println!("Berth's /containers page (signed in, SSR)   {berth_med:>7.2} ms {:>7.2} ms", percentile(&berth, 90.0));
    println!("raw GET /libpod/containers/json?all=true    {raw_med:>7.2} ms {:>7.2} ms", percentile(&raw, 90.0));
    println!("ratio page/raw                              {:>7.2} x   (goal: at most 1.3x)", berth_med / raw_med);
    Ok(())
}

/// One raw call on the socket, on a connection of its own, read to the end.
async fn raw_list(socket: &PathBuf) -> anyhow::Result<String> {
    let mut stream = tokio::net::UnixStream::connect(socket).await?;
    stream.write_all(b"GET /v4.0.0/libpod/containers/json?all=true HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n").await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    let answer = String::from_utf8(answer)?;
    anyhow::ensure!(answer.starts_with("HTTP/1.1 200"), "Podman answered: {}", answer.lines().next().unwrap_or(""));
    Ok(answer)
}

async fn log_stream_memory(podman: &Podman, user: &reqwest::Client, url: &str) -> anyhow::Result<()> {
    let seconds: u64 = std::env::var("BERTH_BENCH_LOG_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let opts = ContainerCreateOpts::builder().image(IMAGE).name(WRITER).command(["sh", "-c", WRITE]).build();
    podman.containers().create(&opts).await?;
    podman.containers().get(WRITER).start(None).await?;

    let response = user.get(format!("{url}/api/stream/logs/{WRITER}?tail=100&timestamps=0")).send().await?;
    anyhow::ensure!(response.status() == 200, "the log stream answered {}", response.status());
    let mut body = response.bytes_stream();
    let started = Instant::now();
    let mut next_report = Duration::ZERO;
    let (mut lines, mut bytes) = (0u64, 0u64);
    let mut rss_start = None;
    let mut rss_peak = 0;
    println!();
    println!("log stream of a container writing ~10,000 lines/s, followed for {seconds} s over SSE");
    println!("  time     lines received   lines/s   RSS");
    while started.elapsed() < Duration::from_secs(seconds) {
        let Ok(chunk) = tokio::time::timeout(Duration::from_secs(5), body.next()).await else {
            anyhow::bail!("the log stream went quiet for 5 s");
        };
        let Some(chunk) = chunk else { anyhow::bail!("the log stream ended early") };
        let chunk = chunk?;
        bytes += chunk.len() as u64;
        // Each line is one JSON object with a "text" field.
        lines += chunk.windows(7).filter(|w| *w == b"\"text\":").count() as u64;
        let elapsed = started.elapsed();
        if elapsed >= next_report {
            let rss = rss_kib();
            rss_start.get_or_insert(rss);
            rss_peak = rss_peak.max(rss);
            let rate = if elapsed.as_secs_f64() > 0.5 { lines as f64 / elapsed.as_secs_f64() } else { 0.0 };
            println!("  {:>4} s  {lines:>14}  {rate:>8.0}   {rss} KiB", elapsed.as_secs());
            next_report += Duration::from_secs(10);
        }
    }
    let rss_end = rss_kib();
    let rss_start = rss_start.unwrap_or(rss_end);
    println!(
        "memory (RSS, Berth and this client in one process): {rss_start} KiB at start, {rss_end} KiB at the end, peak {rss_peak} KiB ({:+.1} %)",
        (rss_end as f64 - rss_start as f64) / rss_start as f64 * 100.0
    );
    println!("{lines} lines ({} MiB of events) in {seconds} s", bytes / (1024 * 1024));
    Ok(())
}

/// Removes what an earlier (perhaps interrupted) run left behind.
async fn remove_ours(podman: &Podman) {
    let force = ContainerDeleteOpts::builder().force(true).build();
    let names = std::iter::once(WRITER.to_owned()).chain((0..CONTAINERS).map(|i| format!("{LIST}-{i:03}")));
    let removing = names.map(|name| {
        let force = &force;
        async move {
            let _ = podman.containers().get(name).delete(force).await;
        }
    });
    futures_util::future::join_all(removing).await;
}
