use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::containers::get_container;
use crate::components::form::FormError;
use crate::components::podman_down::PodmanDown;
use crate::components::stats::ContainerStats;
use crate::components::live::use_live;
use crate::model::containers::ContainerDetail;
use crate::model::overview::Live;
use crate::model::time::format_utc;
use crate::model::url::encode_component;
use crate::pages::not_found::NotFound;

/// How often a hydrated detail page reads Podman again when no event came (events make it read at once).
const REFRESH: std::time::Duration = std::time::Duration::from_secs(10);

/// One container: what it runs, with what, where, and how it restarts.
#[component]
pub fn ContainerPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let tick = use_live(REFRESH);
    let name = move || params.read().get("name").unwrap_or_default();
    let reveal = move || query.read().get("reveal").as_deref() == Some("1");
    let detail = Resource::new(move || (name(), reveal(), tick.get()), |(name, reveal, _)| get_container(name, reveal));
    view! {
        <Title text=move || name() />
        <p><a href="/containers">"← Containers"</a></p>
        <Suspense fallback=|| view! { <p class="muted">"Asking Podman…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok((Live::Ready(Some(container)), _)) => view! { <Detail container revealed=reveal() /> }.into_any(),
                    Ok((Live::Ready(None), _)) => view! { <Gone name=name() /> }.into_any(),
                    Ok((Live::Down { socket_path, problem }, _)) => view! { <PodmanDown socket_path problem /> }.into_any(),
                    Err(error) => view! { <FormError error=Signal::derive(move || Some(error.clone())) /> }.into_any(),
                }
            })}
        </Suspense>
        // Outside the refreshing part, so the chart keeps its history.
        {move || view! { <ContainerStats name=name() /> }}
    }
}

#[component]
fn Gone(name: String) -> impl IntoView {
    view! {
        <NotFound />
        <p class="alert info" data-testid="container-gone">
            "The container "<strong>{name}</strong>" no longer exists: it was removed. "
            <a href="/containers">"See the containers that do"</a>
        </p>
    }
}

#[component]
fn Detail(container: ContainerDetail, revealed: bool) -> impl IntoView {
    let masked = container.env.iter().any(|v| v.value.is_none());
    let reveal_href = format!("/containers/{}?reveal=1", encode_component(&container.name));
    let limits = [
        container.memory_limit.map(|m| format!("memory {} MiB", m / (1024 * 1024))),
        container.cpus.map(|c| format!("{c:.2} CPUs")),
        container.pids_limit.map(|p| format!("{p} processes")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>();
    let limits = if limits.is_empty() { "none".to_owned() } else { limits.join(", ") };
    view! {
        <header class="page-head">
            <h1 data-testid="container-name">{container.name.clone()}</h1>
            <a class="button secondary" href=format!("/containers/{}/logs", encode_component(&container.name)) data-testid="logs-link">"Logs"</a>
        </header>
        <section class="card">
            <dl class="facts">
                <div class="stat"><dt>"State"</dt><dd data-testid="state">{container.state.clone()}{container.health.clone().map(|h| format!(" ({h})"))}</dd></div>
                <div class="stat"><dt>"Image"</dt><dd>{container.image.clone()}</dd></div>
                <div class="stat"><dt>"Created"</dt><dd>{format_utc(container.created)}</dd></div>
                <div class="stat"><dt>"Restart policy"</dt><dd data-testid="restart-policy">{container.restart_policy.clone()}</dd></div>
                <div class="stat"><dt>"Restarts"</dt><dd>{container.restart_count}</dd></div>
                <div class="stat"><dt>"Limits"</dt><dd>{limits}</dd></div>
                <div class="stat"><dt>"Command"</dt><dd><code>{container.entrypoint.clone()}" "{container.command.join(" ")}</code></dd></div>
                <div class="stat"><dt>"User"</dt><dd>{if container.user.is_empty() { "image default".to_owned() } else { container.user.clone() }}</dd></div>
                <div class="stat"><dt>"Id"</dt><dd><code>{container.id.chars().take(12).collect::<String>()}</code></dd></div>
            </dl>
        </section>
        <section class="card">
            <h2>"Environment"</h2>
            {(masked && !revealed).then(|| view! {
                <p class="muted">"Values that look like secrets are hidden. "<a href=reveal_href.clone()>"Show them"</a>" (operators, after confirming it's you; the audit log records it)."</p>
            })}
            <table class="table" data-testid="env">
                <tbody>
                    {container.env.into_iter().map(|v| view! {
                        <tr><td><code>{v.name}</code></td><td>{match v.value {
                            Some(value) => view! { <code>{value}</code> }.into_any(),
                            None => view! { <span class="muted" data-testid="masked">"•••••• hidden"</span> }.into_any(),
                        }}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        <section class="card">
            <h2>"Mounts"</h2>
            {if container.mounts.is_empty() { view! { <p class="muted">"None."</p> }.into_any() } else { view! {
                <table class="table"><thead><tr><th>"Type"</th><th>"Source"</th><th>"In the container"</th><th>"Access"</th></tr></thead><tbody>
                    {container.mounts.into_iter().map(|m| view! {
                        <tr><td>{m.kind.clone()}</td><td>{if m.kind == "volume" {
                            view! { <a href=format!("/volumes/{}", encode_component(&m.source))><code>{m.source.clone()}</code></a> }.into_any()
                        } else {
                            view! { <code>{m.source}</code> }.into_any()
                        }}</td><td><code>{m.destination}</code></td><td>{if m.read_write { "read-write" } else { "read-only" }}</td></tr>
                    }).collect_view()}
                </tbody></table>
            }.into_any() }}
        </section>
        <section class="card">
            <h2>"Networks"</h2>
            <table class="table"><tbody>
                {container.networks.into_iter().map(|n| view! {
                    <tr><td><a href=format!("/networks/{}", encode_component(&n.name))>{n.name.clone()}</a></td><td><code>{n.ip}</code></td><td>{n.aliases.join(", ")}</td></tr>
                }).collect_view()}
            </tbody></table>
        </section>
        {(!container.health_log.is_empty()).then(|| view! {
            <section class="card">
                <h2>"Health checks"</h2>
                <table class="table"><tbody>
                    {container.health_log.into_iter().map(|h| view! {
                        <tr><td>{h.start}</td><td>"exit "{h.exit_code}</td><td><code>{h.output}</code></td></tr>
                    }).collect_view()}
                </tbody></table>
            </section>
        })}
        <section class="card">
            <h2>"Labels"</h2>
            <table class="table" data-testid="labels"><tbody>
                {container.labels.into_iter().map(|(k, v)| view! { <tr><td><code>{k}</code></td><td>{v}</td></tr> }).collect_view()}
            </tbody></table>
        </section>
    }
}
