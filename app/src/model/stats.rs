//! Resource use of a running container, and the numbers behind its chart.

use serde::{Deserialize, Serialize};

/// How many samples a chart keeps (at one every two seconds: two minutes).
pub const CHART_SAMPLES: usize = 60;

/// One reading of a container's resource use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsSample {
    /// CPU use since the previous reading, in percent of one CPU.
    pub cpu_percent: f64,
    pub memory_bytes: u64,
    /// 0 when there is no limit.
    pub memory_limit: u64,
    pub net_in: u64,
    pub net_out: u64,
    pub block_in: u64,
    pub block_out: u64,
    pub pids: u64,
}

/// What Podman said when asked for a container's resource use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StatsReading {
    Sample(StatsSample),
    /// Only running containers have resource use.
    NotRunning,
    /// Rootless stats need cgroups v2; this host runs v1 or hybrid.
    NeedsCgroupsV2,
}

/// The `points` of an SVG polyline drawing `values` in a `width` × `height` box, the
/// newest at the right edge, `max` at the top (values above it are clipped).
pub fn polyline(values: &[f64], max: f64, width: f64, height: f64) -> String {
    if values.is_empty() {
        return String::new();
    }
    #[expect(clippy::cast_precision_loss, reason = "at most CHART_SAMPLES points")]
    let step = width / (CHART_SAMPLES.max(2) - 1) as f64;
    #[expect(clippy::cast_precision_loss, reason = "at most CHART_SAMPLES points")]
    let start = width - step * (values.len() - 1) as f64;
    let max = if max > 0.0 { max } else { 1.0 };
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            #[expect(clippy::cast_precision_loss, reason = "at most CHART_SAMPLES points")]
            let x = start + step * i as f64;
            let y = height - (v.clamp(0.0, max) / max) * height;
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The top of a chart's scale: a round number at or above the largest value.
pub fn scale_top(values: &[f64], at_least: f64) -> f64 {
    let largest = values.iter().copied().fold(at_least, f64::max);
    let magnitude = 10f64.powf(largest.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|top| *top >= largest).unwrap_or(largest)
}

/// A byte count for people: 0 B, 512 B, 1.5 KiB, 20.0 MiB, ...
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    #[expect(clippy::cast_precision_loss, reason = "shown with one decimal")]
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polyline_puts_the_newest_sample_at_the_right_edge() {
        assert_eq!(polyline(&[], 100.0, 590.0, 100.0), "");
        assert_eq!(polyline(&[50.0], 100.0, 590.0, 100.0), "590.0,50.0");
        assert_eq!(polyline(&[0.0, 100.0, 250.0], 100.0, 590.0, 100.0), "570.0,100.0 580.0,0.0 590.0,0.0");
    }

    #[test]
    fn scale_tops_are_round() {
        assert!((scale_top(&[3.0, 7.0], 1.0) - 10.0).abs() < f64::EPSILON);
        assert!((scale_top(&[130.0], 100.0) - 200.0).abs() < f64::EPSILON);
        assert!((scale_top(&[0.2], 1.0) - 1.0).abs() < f64::EPSILON);
    }

    #[test]
    fn bytes_read_like_people_write_them() {
        assert_eq!(format_bytes(0), "0 B");
        assert_eq!(format_bytes(1023), "1023 B");
        assert_eq!(format_bytes(1536), "1.5 KiB");
        assert_eq!(format_bytes(20 * 1024 * 1024), "20.0 MiB");
    }
}
