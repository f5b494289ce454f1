use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

use crate::api::containers::{ActOnContainer, list_containers};
use crate::components::form::FormError;
use crate::components::podman_down::PodmanDown;
use crate::components::live::use_live;
use crate::model::containers::{ContainerAction, ContainerQuery, ContainerRow, ContainerSort};
use crate::model::overview::Live;
use crate::model::time::format_utc;
use crate::model::url::encode_component;

/// How often a hydrated list reads Podman again when no event came (events make it read at once).
const REFRESH: std::time::Duration = std::time::Duration::from_secs(10);

/// The container list: search, filters and order live in the query string, so the page
/// works the same with JavaScript off (a plain GET form) and can be bookmarked.
#[component]
pub fn ContainersPage() -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let act = ServerAction::<ActOnContainer>::new();
    let tick = use_live(REFRESH);
    let list = Resource::new(move || (tick.get(), act.version().get()), |_| list_containers());

    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let filter = move || ContainerQuery {
        search: param("q").unwrap_or_default(),
        state: param("state"),
        stack: param("stack"),
        sort: ContainerSort::parse(&param("sort").unwrap_or_default()),
    };
    let here = move || {
        let search = location.search.get();
        if search.is_empty() { "/containers".to_owned() } else { format!("/containers?{}", search.trim_start_matches('?')) }
    };

    view! {
        <Title text="Containers" />
        <header class="page-head">
            <h1>"Containers"</h1>
        </header>
        <form class="card filters" method="get" action="/containers">
            <label class="field"><span>"Search"</span><input name="q" value=move || param("q") placeholder="name, image or id" /></label>
            <label class="field">
                <span>"State"</span>
                <select name="state">
                    <option value="">"any"</option>
                    {["running", "created", "exited", "paused"].map(|s| view! {
                        <option value=s selected=move || param("state").as_deref() == Some(s)>{s}</option>
                    })}
                </select>
            </label>
            <label class="field"><span>"Stack"</span><input name="stack" value=move || param("stack") /></label>
            <label class="field">
                <span>"Order"</span>
                <select name="sort">
                    {ContainerSort::ALL.map(|(sort, name, label)| view! {
                        <option value=name selected=move || filter().sort == sort>{label}</option>
                    })}
                </select>
            </label>
            <button class="button secondary" type="submit">"Show"</button>
        </form>
        <FormError error=Signal::derive(move || act.value().get().and_then(Result::err)) />
        <section class="card">
            <Suspense fallback=|| view! { <p class="muted">"Asking Podman…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok((Live::Ready(rows), host)) => {
                            let total = rows.len();
                            let rows = filter().apply(rows);
                            let confirm = param("confirm");
                            view! { <ContainerTable rows total host confirm act back=here() /> }.into_any()
                        }
                        Ok((Live::Down { socket_path, problem }, _)) => view! { <PodmanDown socket_path problem /> }.into_any(),
                        Err(error) => view! { <p class="alert error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ContainerTable(
    rows: Vec<ContainerRow>,
    total: usize,
    host: String,
    confirm: Option<String>,
    act: ServerAction<ActOnContainer>,
    back: String,
) -> impl IntoView {
    let shown = rows.len();
    let noun = if total == 1 { "container" } else { "containers" };
    let summary = if shown == total { format!("{total} {noun}") } else { format!("{shown} of {total} {noun}") };
    view! {
        <p class="muted" data-testid="container-count">{summary}</p>
        <table class="table" data-testid="containers">
            <thead>
                <tr><th>"Name"</th><th>"Image"</th><th>"State"</th><th>"Ports"</th><th>"Stack"</th><th>"Restart"</th><th>"Created"</th><th></th></tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|row| {
                        let asking = confirm.as_deref() == Some(row.id.as_str());
                        view! { <ContainerLine row host=host.clone() asking act back=back.clone() /> }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn ContainerLine(row: ContainerRow, host: String, asking: bool, act: ServerAction<ActOnContainer>, back: String) -> impl IntoView {
    let running = row.state == "running";
    let ports = row
        .ports
        .iter()
        .map(|p| {
            let text = format!("{}→{}/{}", p.host_port, p.container_port, p.protocol);
            match p.link(&host) {
                Some(href) => view! { <a href=href rel="noopener noreferrer" target="_blank">{text}</a>" " }.into_any(),
                None => view! { <span>{text}" "</span> }.into_any(),
            }
        })
        .collect_view();
    let button = |action: ContainerAction, label: &'static str| {
        view! { <ActButton act id=row.id.clone() action label back=back.clone() /> }
    };
    let confirm_href = {
        let joiner = if back.contains('?') { '&' } else { '?' };
        format!("{back}{joiner}confirm={}", encode_component(&row.id))
    };
    let remove = if asking {
        let name = row.name.clone();
        view! {
            <span class="confirm" data-testid="confirm-remove">
                "Remove "<strong>{name.clone()}</strong>"? It is stopped first if running."
                {button(ContainerAction::Remove, "Yes, remove")}
                <a class="button secondary small" href=back.clone()>"Keep it"</a>
            </span>
        }
        .into_any()
    } else {
        view! { <a class="button secondary small" href=confirm_href>"Remove…"</a> }.into_any()
    };
    view! {
        <tr data-testid="container-row" data-name=row.name.clone()>
            <td><a href=format!("/containers/{}", encode_component(&row.name))><strong>{row.name.clone()}</strong></a><br /><small class="muted"><code>{row.id.chars().take(12).collect::<String>()}</code></small></td>
            <td>{row.image.clone()}</td>
            <td>
                <span class=format!("state state-{}", row.state) data-testid="state">{row.state.clone()}</span>
                {row.health.clone().map(|h| view! { " " <span class=format!("health health-{h}")>{h.clone()}</span> })}
                <br /><small class="muted">{row.status.clone()}</small>
            </td>
            <td>{ports}</td>
            <td>{row.stack.clone()}</td>
            <td data-testid="restart">{row.restart_policy.clone()}</td>
            <td>{format_utc(row.created)}</td>
            <td class="actions">
                {if running {
                    view! { {button(ContainerAction::Stop, "Stop")} {button(ContainerAction::Restart, "Restart")} {button(ContainerAction::Kill, "Kill")} }.into_any()
                } else {
                    button(ContainerAction::Start, "Start").into_any()
                }}
                {remove}
            </td>
        </tr>
    }
}

#[component]
fn ActButton(act: ServerAction<ActOnContainer>, id: String, action: ContainerAction, label: &'static str, back: String) -> impl IntoView {
    view! {
        <ActionForm action=act>
            <input type="hidden" name="id" value=id />
            <input type="hidden" name="action" value=format!("{action:?}") />
            <input type="hidden" name="back" value=back />
            <button class="button secondary small" type="submit">{label}</button>
        </ActionForm>
    }
}
