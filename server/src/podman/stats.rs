//! Container resource use from the libpod API (`/libpod/containers/stats`).

use serde_json::Value;

use app::model::stats::StatsSample;

/// Podman's words when rootless stats are impossible on a cgroups v1 or hybrid host.
pub fn needs_cgroups_v2(message: &str) -> bool {
    message.contains("cgroup v2") || message.contains("cgroups v2")
}

/// The first container's reading in a libpod stats answer.
pub fn sample_of(answer: &Value) -> Option<StatsSample> {
    let stats = answer.get("Stats")?.as_array()?.first()?;
    let count = |key: &str| stats.get(key).and_then(Value::as_u64).unwrap_or(0);
    Some(StatsSample {
        cpu_percent: stats.get("CPU").and_then(Value::as_f64).filter(|c| c.is_finite() && *c >= 0.0).unwrap_or(0.0),
        memory_bytes: count("MemUsage"),
        memory_limit: count("MemLimit"),
        net_in: count("NetInput"),
        net_out: count("NetOutput"),
        block_in: count("BlockInput"),
        block_out: count("BlockOutput"),
        pids: count("PIDs"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_answer_reads_as_a_sample() {
        let answer: Value = serde_json::from_str(include_str!("../../tests/fixtures/podman-stats-running.json")).expect("fixture parses");
        let sample = sample_of(&answer).expect("one container's reading");
        assert!((sample.cpu_percent - 12.5).abs() < 1e-9);
        assert_eq!(sample.memory_bytes, 7_340_032);
        assert_eq!(sample.memory_limit, 2_147_483_648);
        assert_eq!((sample.net_in, sample.net_out), (51_200, 20_480));
        assert_eq!((sample.block_in, sample.block_out), (1_048_576, 4_096));
        assert_eq!(sample.pids, 3);
    }

    #[test]
    fn an_empty_or_odd_answer_has_no_sample() {
        assert_eq!(sample_of(&serde_json::json!({"Error": null, "Stats": []})), None);
        assert_eq!(sample_of(&serde_json::json!({"Stats": "x"})), None);
        let odd = sample_of(&serde_json::json!({"Stats": [{"CPU": -3.0, "MemUsage": "lots"}]})).expect("a sample");
        assert_eq!((odd.cpu_percent, odd.memory_bytes), (0.0, 0));
    }

    #[test]
    fn the_recorded_cgroups_v1_refusal_is_recognised() {
        let answer: Value = serde_json::from_str(include_str!("../../tests/fixtures/podman-stats-cgroups-v1.json")).expect("fixture parses");
        assert!(needs_cgroups_v2(answer["message"].as_str().expect("a message")));
        assert!(!needs_cgroups_v2("no such container"));
    }
}
