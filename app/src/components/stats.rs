//! A container's resource use: the numbers now and a chart of the last two minutes,
//! drawn by Berth as SVG. On a host without cgroups v2 it says why there is none.

use leptos::prelude::*;

use crate::api::containers::get_stats;
use crate::model::overview::Live;
use crate::model::stats::{CHART_SAMPLES, StatsReading, StatsSample, format_bytes, polyline, scale_top};

/// How often a hydrated page reads resource use.
#[cfg(feature = "hydrate")]
const EVERY: std::time::Duration = std::time::Duration::from_secs(2);
const WIDTH: f64 = 590.0;
const HEIGHT: f64 = 80.0;

/// What the panel shows.
#[derive(Debug, Clone, PartialEq)]
enum Shown {
    Reading,
    Samples(Vec<StatsSample>),
    NotRunning,
    NeedsCgroupsV2,
    Unavailable,
}

impl Shown {
    fn after(self, reading: Option<StatsReading>) -> Self {
        match (self, reading) {
            (Self::Samples(mut samples), Some(StatsReading::Sample(sample))) => {
                if samples.len() == CHART_SAMPLES {
                    samples.remove(0);
                }
                samples.push(sample);
                Self::Samples(samples)
            }
            (_, Some(StatsReading::Sample(sample))) => Self::Samples(vec![sample]),
            (_, Some(StatsReading::NotRunning)) => Self::NotRunning,
            (_, Some(StatsReading::NeedsCgroupsV2)) => Self::NeedsCgroupsV2,
            (_, None) => Self::Unavailable,
        }
    }

    /// Whether reading again could change anything: not when the host can't give
    /// stats at all, nor when the container is gone.
    fn worth_polling(&self) -> bool {
        !matches!(self, Self::NeedsCgroupsV2 | Self::Unavailable)
    }
}

/// The resource panel of a container page.
#[component]
pub fn ContainerStats(name: String) -> impl IntoView {
    let first = Resource::new(move || (), {
        let name = name.clone();
        move |()| get_stats(name.clone())
    });
    let shown = RwSignal::new(Shown::Reading);
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(
            move || {
                if !shown.with_untracked(Shown::worth_polling) || shown.with_untracked(|s| *s == Shown::Reading) {
                    return;
                }
                let name = name.clone();
                leptos::task::spawn_local(async move {
                    let reading = match get_stats(name).await {
                        Ok(Live::Ready(reading)) => reading,
                        _ => None,
                    };
                    shown.update(|s| *s = std::mem::replace(s, Shown::Reading).after(reading));
                });
            },
            EVERY,
        )
        .ok();
        on_cleanup(move || {
            if let Some(handle) = handle {
                handle.clear();
            }
        });
    }
    view! {
        <section class="card" aria-labelledby="stats-h" data-testid="stats">
            <h2 id="stats-h">"Resource use"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Reading resource use…"</p> }>
                {move || Suspend::new(async move {
                    let reading = match first.await {
                        Ok(Live::Ready(reading)) => reading,
                        _ => None,
                    };
                    shown.update_untracked(|s| {
                        if *s == Shown::Reading {
                            *s = Shown::Reading.after(reading);
                        }
                    });
                    view! { <StatsBody shown /> }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn StatsBody(shown: RwSignal<Shown>) -> impl IntoView {
    let polling = move || if shown.with(Shown::worth_polling) { "on" } else { "stopped" };
    view! {
        <div data-polling=polling>
            {move || match shown.get() {
                Shown::Reading => view! { <p class="muted">"Reading resource use…"</p> }.into_any(),
                Shown::Samples(samples) => view! { <Charts samples /> }.into_any(),
                Shown::NotRunning => view! { <p class="muted" data-testid="stats-not-running">"The container is not running, so it uses no resources."</p> }.into_any(),
                Shown::Unavailable => view! { <p class="muted">"Resource use can't be read now."</p> }.into_any(),
                Shown::NeedsCgroupsV2 => view! {
                    <div class="alert info" data-testid="stats-cgroups">
                        <p><strong>"Resource use is not available on this host."</strong></p>
                        <p>"Rootless Podman measures containers through cgroups v2, and this host boots with cgroups v1 (or hybrid mode). Podman answers: "<q>"container stats resource only available for cgroup v2"</q>"."</p>
                        <p>"To fix it, boot the host with cgroups v2: on Debian, add "<code>"systemd.unified_cgroup_hierarchy=1"</code>" to "<code>"GRUB_CMDLINE_LINUX"</code>" in /etc/default/grub, run "<code>"update-grub"</code>" and reboot. Berth does not ask again until the page is reloaded."</p>
                    </div>
                }
                .into_any(),
            }}
        </div>
    }
}

#[component]
fn Charts(samples: Vec<StatsSample>) -> impl IntoView {
    let Some(now) = samples.last().cloned() else { return ().into_any() };
    let cpu: Vec<f64> = samples.iter().map(|s| s.cpu_percent).collect();
    #[expect(clippy::cast_precision_loss, reason = "a chart's resolution")]
    let memory: Vec<f64> = samples.iter().map(|s| s.memory_bytes as f64).collect();
    let cpu_top = scale_top(&cpu, 100.0);
    #[expect(clippy::cast_precision_loss, reason = "a chart's resolution")]
    let memory_top = if now.memory_limit > 0 && now.memory_limit < u64::MAX / 2 {
        now.memory_limit as f64
    } else {
        scale_top(&memory, 1024.0 * 1024.0)
    };
    let limit = if now.memory_limit > 0 { format!(" of {}", format_bytes(now.memory_limit)) } else { String::new() };
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "the top of a memory scale")]
    let memory_top_text = format_bytes(memory_top as u64);
    view! {
        <dl class="counts">
            <div class="stat"><dt>"CPU"</dt><dd data-testid="stats-cpu">{format!("{:.1} %", now.cpu_percent)}</dd></div>
            <div class="stat"><dt>"Memory"</dt><dd data-testid="stats-memory">{format_bytes(now.memory_bytes)}{limit}</dd></div>
            <div class="stat"><dt>"Network in / out"</dt><dd data-testid="stats-net">{format!("{} / {}", format_bytes(now.net_in), format_bytes(now.net_out))}</dd></div>
            <div class="stat"><dt>"Disk read / written"</dt><dd data-testid="stats-block">{format!("{} / {}", format_bytes(now.block_in), format_bytes(now.block_out))}</dd></div>
            <div class="stat"><dt>"Processes"</dt><dd>{now.pids}</dd></div>
        </dl>
        <Chart title="CPU" top=format!("{cpu_top:.0} %") points=polyline(&cpu, cpu_top, WIDTH, HEIGHT) testid="chart-cpu" />
        <Chart title="Memory" top=memory_top_text points=polyline(&memory, memory_top, WIDTH, HEIGHT) testid="chart-memory" />
    }
    .into_any()
}

#[component]
fn Chart(title: &'static str, top: String, points: String, testid: &'static str) -> impl IntoView {
    let label = format!("{title} over the last two minutes; the top of the scale is {top}");
    view! {
        <figure class="chart">
            <figcaption>{title}<span class="muted">" · scale "{top}</span></figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") preserveAspectRatio="none" role="img" aria-label=label data-testid=testid>
                <line x1="0" y1=HEIGHT / 2.0 x2=WIDTH y2=HEIGHT / 2.0 class="grid" />
                <polyline points=points class="line" />
            </svg>
        </figure>
    }
}
