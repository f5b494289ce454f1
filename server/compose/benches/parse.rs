//! Times `parse` on ~1 MiB of valid compose YAML (goal: < 50 ms) and on an alias bomb
//! (goal: refused in < 100 ms). Run with `cargo bench -p compose`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use compose::{Input, MAX_COMPOSE_BYTES, StackName, parse};

const RUNS: usize = 15;

/// Valid compose YAML just under 1 MiB: up to 500 services with a realistic mix of keys.
fn big_file() -> String {
    let mut s = String::from("x-common: &common\n  restart: unless-stopped\n  labels:\n    team: web\nservices:\n");
    let mut i = 0;
    loop {
        let service = format!(
            "  svc{i}:\n    <<: *common\n    image: registry.example:5000/team/app{i}:1.{i}\n    command: [\"/bin/app\", \"--port\", \"8080\"]\n    ports: [\"127.0.0.1:{}:8080\"]\n    volumes:\n      - ./data/{i}:/data\n      - cache{i}:/cache\n    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:8080/health\"]\n      interval: 30s\n      timeout: 5s\n      retries: 3\n    environment:\n{}",
            10_000 + i,
            (0..24).map(|k| format!("      SETTING_{k}: \"${{VALUE_{k}:-default-value-{k}-for-service-{i}}}\"\n")).collect::<String>()
        );
        if s.len() + service.len() > MAX_COMPOSE_BYTES - 32 * 1024 || i >= 500 {
            break;
        }
        s.push_str(&service);
        i += 1;
    }
    s.push_str("volumes:\n");
    for v in 0..i {
        s.push_str(&format!("  cache{v}:\n"));
    }
    s
}

fn alias_bomb() -> String {
    let mut s = String::from("x-a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let (prev, next) = (w[0], w[1]);
        let refs = vec![format!("*{prev}"); 9].join(", ");
        s.push_str(&format!("x-{next}: &{next} [{refs}]\n"));
    }
    s.push_str("services:\n  web:\n    image: nginx\n    command: *i\n");
    s
}

fn time(label: &str, text: &str, goal: Duration, want_ok: bool) -> bool {
    let name = StackName::parse("bench").unwrap_or_else(|e| panic!("{e}"));
    let variables = BTreeMap::new();
    let input = Input { compose: text, env: "", variables: &variables };
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        let result = parse(&name, &input);
        times.push(start.elapsed());
        match (&result, want_ok) {
            (Ok(_), true) | (Err(_), false) => {}
            (Ok(_), false) => panic!("{label}: expected a refusal"),
            (Err(es), true) => panic!("{label}: expected success, got {:?}", es.first()),
        }
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (min, median, max) = (times[0], times[RUNS / 2], times[RUNS - 1]);
    let met = median < goal;
    println!(
        "{label}: {} KiB, {RUNS} runs: median {:.2} ms, min {:.2} ms, max {:.2} ms; goal < {} ms: {}",
        text.len() / 1024,
        ms(median),
        ms(min),
        ms(max),
        goal.as_millis(),
        if met { "met" } else { "NOT met" }
    );
    met
}

/// The YAML parser alone (events, no tree), for reference.
fn raw_events(text: &str) {
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        let mut parser = saphyr_parser::Parser::new_from_str(text);
        let mut n = 0usize;
        while let Some(Ok(_)) = parser.next_event() {
            n += 1;
        }
        std::hint::black_box(n);
        times.push(start.elapsed());
    }
    times.sort();
    println!("  (of which saphyr-parser events alone: median {:.2} ms)", times[RUNS / 2].as_secs_f64() * 1000.0);
}

fn main() {
    let big = big_file();
    let bomb = alias_bomb();
    let a = time("1 MiB of valid compose YAML", &big, Duration::from_millis(50), true);
    raw_events(&big);
    let b = time("alias bomb (9 levels of 9)", &bomb, Duration::from_millis(100), false);
    if !(a && b) {
        println!("some goals were not met");
    }
}
