//! Benchmark: does a login flood slow down signed-in users?
//!
//! Serves Berth (the real router, TLS, a temporary SQLite file) on 127.0.0.1, signs a
//! user in, and measures the time to serve an authenticated page (/account) idle and
//! while 100 concurrent clients send wrong passwords, each request from a different
//! forwarded address (so the per-address throttle doesn't stop them and every one
//! costs an argon2 hash). Prints medians, p99, their ratios and the process's memory.
//!
//! Run: `make bench` (or `cargo bench -p server --bench login_flood`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[expect(dead_code, reason = "each benchmark uses a part of the shared helpers")]
mod common;
use common::{client, get_ok, ms_since, percentile, rss_kib, serve, signed_in};

const SAMPLES: usize = 300;
const FLOODERS: usize = 100;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let served = serve(None).await?;
    let url = served.url.clone();
    let user = signed_in(&served, "198.51.100.1").await?;
    let page = format!("{url}/account");
    for _ in 0..20 {
        get_ok(&user, &page).await?; // warm-up
    }
    let rss_start = rss_kib();
    let idle = sample(&user, &page).await?;

    let stop = Arc::new(AtomicBool::new(false));
    let attempts = Arc::new(AtomicU64::new(0));
    let mut flood = Vec::new();
    for n in 0..FLOODERS {
        let (stop, attempts, url) = (stop.clone(), attempts.clone(), url.clone());
        flood.push(tokio::spawn(async move {
            let Ok(client) = client("10.255.255.255") else { return };
            let mut i: u32 = 0;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                // A new address every request: the flood is not throttled away.
                let ip = format!("10.{}.{}.{}", n, (i >> 8) & 0xff, i & 0xff);
                let _ = client
                    .post(format!("{url}/api/login"))
                    .header("accept", "application/json")
                    .header("x-forwarded-for", ip)
                    .form(&[("username", format!("user{i}")), ("password", "wrong password".to_owned())])
                    .send()
                    .await;
                attempts.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    // Let the flood build up before measuring.
    while attempts.load(Ordering::Relaxed) < 50 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let started = Instant::now();
    let before = attempts.load(Ordering::Relaxed);
    let flooded = sample(&user, &page).await?;
    let rate = (attempts.load(Ordering::Relaxed) - before) as f64 / started.elapsed().as_secs_f64();
    let rss_flood = rss_kib();
    stop.store(true, Ordering::Relaxed);
    for task in flood {
        let _ = task.await;
    }
    drop(served);

    let (idle_med, idle_p99) = (percentile(&idle, 50.0), percentile(&idle, 99.0));
    let (flood_med, flood_p99) = (percentile(&flooded, 50.0), percentile(&flooded, 99.0));
    println!("authenticated page /account, {SAMPLES} sequential requests each, {FLOODERS} flooding clients");
    println!("                     median      p99");
    println!("idle             {idle_med:>8.2} ms {idle_p99:>8.2} ms");
    println!("under flood      {flood_med:>8.2} ms {flood_p99:>8.2} ms");
    println!("ratio flood/idle {:>8.2} x  {:>8.2} x   (goal: median within 2x)", flood_med / idle_med, flood_p99 / idle_p99);
    println!("wrong-password attempts answered during the flood: {rate:.0}/s");
    println!("memory (RSS): {} KiB idle, {} KiB under flood", rss_start, rss_flood);
    Ok(())
}

async fn sample(client: &reqwest::Client, url: &str) -> anyhow::Result<Vec<f64>> {
    let mut times = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let start = Instant::now();
        get_ok(client, url).await?;
        times.push(ms_since(start));
    }
    Ok(times)
}
