use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::overview::{get_disk_use, get_events, get_overview, get_socket_history};
use crate::components::live::use_live;
use crate::components::stat::Stat;
use crate::model::events::PodmanEvent;
use crate::model::overview::{DiskUse, HostOverview, Live, Overview, PodmanProblem, SocketEvent};
use crate::model::stats::format_bytes;
use crate::model::time::format_utc;

/// How often a hydrated overview reads the host again.
const REFRESH: std::time::Duration = std::time::Duration::from_secs(5);

/// The host overview: which Podman Berth talks to and what it holds, read live.
#[component]
pub fn OverviewPage() -> impl IntoView {
    let tick = use_live(REFRESH);
    let overview = Resource::new(move || tick.get(), |_| get_overview());
    let history = Resource::new(move || tick.get(), |_| get_socket_history());
    let disk = Resource::new(move || tick.get(), |_| get_disk_use());
    let events = Resource::new(move || tick.get(), |_| get_events());

    view! {
        <Title text="Overview" />
        <header class="page-head">
            <h1>"Host overview"</h1>
            <a class="button secondary" href="/">"Refresh"</a>
        </header>
        <Suspense fallback=|| view! { <p class="muted">"Asking Podman…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(Overview::Ready(host)) => view! { <HostFacts host=*host /> }.into_any(),
                    Ok(Overview::Down { socket_path, problem }) => {
                        view! { <SocketDown socket_path problem /> }.into_any()
                    }
                    Err(error) => view! {
                        <p class="alert error" role="alert">{error.to_string()}</p>
                    }
                    .into_any(),
                }
            })}
        </Suspense>
        <Suspense>
            {move || Suspend::new(async move {
                match disk.await {
                    Ok(Live::Ready(disk)) => Some(view! { <Disk disk /> }),
                    _ => None,
                }
            })}
        </Suspense>
        <Suspense>
            {move || Suspend::new(async move { events.await.ok().map(|events| view! { <EventFeed events /> }) })}
        </Suspense>
        <Suspense>
            {move || Suspend::new(async move {
                history.await.ok().filter(|events| !events.is_empty()).map(|events| view! { <History events /> })
            })}
        </Suspense>
    }
}

#[component]
fn Disk(disk: DiskUse) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="disk-h">
            <h2 id="disk-h">"Disk use"</h2>
            <table class="table" data-testid="disk-use">
                <thead><tr><th></th><th>"Count"</th><th>"Size"</th><th>"Reclaimable"</th></tr></thead>
                <tbody>
                    <tr><td><a href="/images">"Images"</a></td><td>{disk.images}</td><td>{format_bytes(disk.images_bytes)}</td><td>{format_bytes(disk.images_reclaimable)}</td></tr>
                    <tr><td><a href="/containers">"Containers"</a></td><td>{disk.containers}</td><td>{format_bytes(disk.containers_bytes)}</td><td></td></tr>
                    <tr><td><a href="/volumes">"Volumes"</a></td><td>{disk.volumes}</td><td>{format_bytes(disk.volumes_bytes)}</td><td>{format_bytes(disk.volumes_reclaimable)}</td></tr>
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn EventFeed(events: Vec<PodmanEvent>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="events-h">
            <h2 id="events-h">"Recent Podman events"</h2>
            {if events.is_empty() {
                view! { <p class="muted" data-testid="event-feed">"None since Berth started."</p> }.into_any()
            } else {
                view! {
                    <ul class="history" data-testid="event-feed">
                        {events.into_iter().map(|event| view! {
                            <li data-testid="event">
                                <time>{format_utc(event.at)}</time>" "
                                <span class="muted">{event.kind}</span>" "
                                <strong>{event.name}</strong>" "
                                <span>{event.action}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </section>
    }
}

#[component]
fn History(events: Vec<SocketEvent>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="history-h">
            <h2 id="history-h">"Socket history"</h2>
            <ul class="history" data-testid="socket-history">
                {events
                    .into_iter()
                    .map(|event| {
                        let (class, text) = match event.problem {
                            None => ("ok", "Podman answered".to_owned()),
                            Some(problem) => ("bad", problem.message().to_owned()),
                        };
                        view! {
                            <li class=class>
                                <time>{format_utc(event.at)}</time>
                                " "
                                <span>{text}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn HostFacts(host: HostOverview) -> impl IntoView {
    let rootless = if host.rootless { "yes" } else { "no" };
    view! {
        <section class="card" aria-labelledby="podman-h">
            <h2 id="podman-h">"Podman"</h2>
            <dl class="facts">
                <Stat label="Version" testid="podman-version">{host.podman_version}</Stat>
                <Stat label="API version" testid="api-version">{host.api_version}</Stat>
                <Stat label="Rootless" testid="rootless">{rootless}</Stat>
                <Stat label="Socket" testid="socket-path"><code>{host.socket_path}</code></Stat>
                <Stat label="Host" testid="hostname">{host.hostname}</Stat>
                <Stat label="System" testid="os">{host.os}" · kernel "{host.kernel}</Stat>
                <Stat label="cgroups" testid="cgroup-version">{host.cgroup_version}</Stat>
                <Stat label="OCI runtime" testid="oci-runtime">{host.oci_runtime}</Stat>
                <Stat label="Network backend" testid="network-backend">{host.network_backend}</Stat>
            </dl>
        </section>
        <section class="card" aria-labelledby="objects-h">
            <h2 id="objects-h">"What it holds"</h2>
            <dl class="counts">
                <Stat label="Containers running" testid="containers-running">{host.containers_running}</Stat>
                <Stat label="Containers" testid="containers-total">{host.containers_total}</Stat>
                <Stat label="Images" testid="images">{host.images}</Stat>
                <Stat label="Volumes" testid="volumes">{host.volumes}</Stat>
                <Stat label="Networks" testid="networks">{host.networks}</Stat>
                <Stat label="Pods" testid="pods">{host.pods}</Stat>
            </dl>
        </section>
    }
}

#[component]
fn SocketDown(socket_path: String, problem: PodmanProblem) -> impl IntoView {
    let fix = if problem.fix_is_command() {
        view! { <pre class="command" data-testid="podman-fix"><code>{problem.fix()}</code></pre> }.into_any()
    } else {
        view! { <p data-testid="podman-fix">{problem.fix()}</p> }.into_any()
    };
    view! {
        <section class="card alert error" role="alert" data-testid="podman-down">
            <h2>"Podman can't be used"</h2>
            <p data-testid="podman-problem">{problem.message()}</p>
            <p>"Socket: "<code data-testid="socket-path">{socket_path}</code></p>
            <h3>"To fix it, as the user Berth runs as:"</h3>
            {fix}
            <p class="muted">"Berth keeps checking and recovers by itself once the socket answers."</p>
        </section>
    }
}
