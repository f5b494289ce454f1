//! Volumes, networks and pods: one list page and one detail page for the three.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::objects::{ActOnObject, CreateObject, PruneObjects, get_object, list_objects};
use crate::components::form::FormError;
use crate::components::live::use_live;
use crate::components::podman_down::PodmanDown;
use crate::model::objects::{ObjectAction, ObjectDetail, ObjectKind, ObjectRow};
use crate::model::overview::Live;
use crate::model::time::format_utc;
use crate::model::url::encode_component;
use crate::pages::not_found::NotFound;

/// How often a hydrated page reads Podman again when no event came.
const REFRESH: std::time::Duration = std::time::Duration::from_secs(10);

#[component]
pub fn VolumesPage() -> impl IntoView {
    view! { <ObjectsPage kind=ObjectKind::Volume /> }
}

#[component]
pub fn NetworksPage() -> impl IntoView {
    view! { <ObjectsPage kind=ObjectKind::Network /> }
}

#[component]
pub fn PodsPage() -> impl IntoView {
    view! { <ObjectsPage kind=ObjectKind::Pod /> }
}

#[component]
pub fn VolumePage() -> impl IntoView {
    view! { <ObjectPage kind=ObjectKind::Volume /> }
}

#[component]
pub fn NetworkPage() -> impl IntoView {
    view! { <ObjectPage kind=ObjectKind::Network /> }
}

#[component]
pub fn PodPage() -> impl IntoView {
    view! { <ObjectPage kind=ObjectKind::Pod /> }
}

#[component]
fn ObjectsPage(kind: ObjectKind) -> impl IntoView {
    let query = use_query_map();
    let create = ServerAction::<CreateObject>::new();
    let act = ServerAction::<ActOnObject>::new();
    let prune = ServerAction::<PruneObjects>::new();
    let tick = use_live(REFRESH);
    let list = Resource::new(move || (tick.get(), act.version().get(), prune.version().get()), move |_| list_objects(kind));
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let done = move || prune.value().get().and_then(Result::ok).or_else(|| param("done"));
    let base = format!("/{}", kind.path());
    view! {
        <Title text=kind.title() />
        <header class="page-head"><h1>{kind.title()}</h1></header>
        <section class="card">
            <h2>"New "{kind.noun()}</h2>
            <ActionForm action=create attr:class="inline-form">
                <input type="hidden" name="kind" value=format!("{kind:?}") />
                <label class="field"><span>"Name"</span><input name="name" required=true autocomplete="off" data-testid="new-name" /></label>
                {(kind == ObjectKind::Network).then(|| view! {
                    <label class="field"><span>"Subnet (optional)"</span><input name="subnet" placeholder="10.89.5.0/24" autocomplete="off" /></label>
                    <label class="check"><input type="checkbox" name="internal" value="on" />" Internal (no route outside)"</label>
                })}
                <button class="button" type="submit">"Create"</button>
            </ActionForm>
            <FormError error=Signal::derive(move || create.value().get().and_then(Result::err)) />
        </section>
        <FormError error=Signal::derive(move || act.value().get().and_then(Result::err)) />
        <FormError error=Signal::derive(move || prune.value().get().and_then(Result::err)) />
        {move || done().map(|text| view! { <p class="alert ok" role="status" data-testid="done">{text}</p> })}
        <section class="card">
            <Suspense fallback=|| view! { <p class="muted">"Asking Podman…"</p> }>
                {move || {
                    let base = base.clone();
                    Suspend::new(async move {
                        match list.await {
                            Ok(Live::Ready(rows)) => {
                                let confirm = param("confirm");
                                view! { <ObjectTable kind rows confirm act prune base /> }.into_any()
                            }
                            Ok(Live::Down { socket_path, problem }) => view! { <PodmanDown socket_path problem /> }.into_any(),
                            Err(error) => view! { <p class="alert error" role="alert">{error.to_string()}</p> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn ObjectTable(
    kind: ObjectKind,
    rows: Vec<ObjectRow>,
    confirm: Option<String>,
    act: ServerAction<ActOnObject>,
    prune: ServerAction<PruneObjects>,
    base: String,
) -> impl IntoView {
    let count = format!("{} {}", rows.len(), if rows.len() == 1 { kind.noun().to_owned() } else { kind.title().to_lowercase() });
    let prune_part = if confirm.as_deref() == Some("prune") {
        view! {
            <span class="confirm" data-testid="confirm-prune">
                "Remove "{kind.prune_scope()}"?"
                <ActionForm action=prune>
                    <input type="hidden" name="kind" value=format!("{kind:?}") />
                    <button class="button small" type="submit">"Yes, prune"</button>
                </ActionForm>
                <a class="button secondary small" href=base.clone()>"Keep them"</a>
            </span>
        }
        .into_any()
    } else {
        view! { <a class="button secondary small" href=format!("{base}?confirm=prune")>"Prune…"</a> }.into_any()
    };
    view! {
        <div class="table-head">
            <p class="muted" data-testid="object-count">{count}</p>
            {prune_part}
        </div>
        <table class="table" data-testid="objects">
            <thead>
                <tr>
                    <th>"Name"</th>
                    {kind.columns().iter().map(|c| view! { <th>{*c}</th> }).collect_view()}
                    <th>"Created"</th>
                    <th>{if kind == ObjectKind::Pod { "Containers" } else { "Used by" }}</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|row| {
                    let asking = confirm.as_deref() == Some(row.name.as_str());
                    view! { <ObjectLine kind row asking act back=base.clone() /> }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn ObjectLine(kind: ObjectKind, row: ObjectRow, asking: bool, act: ServerAction<ActOnObject>, back: String) -> impl IntoView {
    let href = format!("/{}/{}", kind.path(), encode_component(&row.name));
    let buttons = kind
        .actions(row.running)
        .iter()
        .map(|action| view! { <ActButton kind name=row.name.clone() action=*action back=back.clone() act /> })
        .collect_view();
    let remove = if asking {
        view! {
            <span class="confirm" data-testid="confirm-remove">
                "Remove the "{kind.noun()}" "<strong>{row.name.clone()}</strong>"?"
                <ActButton kind name=row.name.clone() action=ObjectAction::Remove back=back.clone() act label="Yes, remove" />
                <a class="button secondary small" href=back.clone()>"Keep it"</a>
            </span>
        }
        .into_any()
    } else {
        view! { <a class="button secondary small" href=format!("{back}?confirm={}", encode_component(&row.name))>"Remove…"</a> }.into_any()
    };
    view! {
        <tr data-testid="object-row" data-name=row.name.clone()>
            <td><a href=href><strong>{row.name.clone()}</strong></a></td>
            {row.facts.into_iter().map(|f| view! { <td>{f}</td> }).collect_view()}
            <td>{if row.created > 0 { format_utc(row.created) } else { String::new() }}</td>
            <td data-testid="used-by"><ContainerLinks names=row.used_by /></td>
            <td class="actions">{buttons}{remove}</td>
        </tr>
    }
}

#[component]
fn ActButton(
    kind: ObjectKind,
    name: String,
    action: ObjectAction,
    back: String,
    act: ServerAction<ActOnObject>,
    #[prop(optional)] label: &'static str,
) -> impl IntoView {
    let label = if label.is_empty() { action.label() } else { label };
    view! {
        <ActionForm action=act>
            <input type="hidden" name="kind" value=format!("{kind:?}") />
            <input type="hidden" name="name" value=name />
            <input type="hidden" name="action" value=format!("{action:?}") />
            <input type="hidden" name="back" value=back />
            <button class="button secondary small" type="submit">{label}</button>
        </ActionForm>
    }
}

#[component]
fn ContainerLinks(names: Vec<String>) -> impl IntoView {
    names
        .into_iter()
        .map(|name| view! { <a href=format!("/containers/{}", encode_component(&name))>{name.clone()}</a>" " })
        .collect_view()
}

#[component]
fn ObjectPage(kind: ObjectKind) -> impl IntoView {
    let params = use_params_map();
    let act = ServerAction::<ActOnObject>::new();
    let tick = use_live(REFRESH);
    let name = move || params.read().get("name").unwrap_or_default();
    let detail = Resource::new(move || (name(), tick.get(), act.version().get()), move |(name, _, _)| get_object(kind, name));
    view! {
        <Title text=move || name() />
        <p><a href=format!("/{}", kind.path())>"← "{kind.title()}</a></p>
        <FormError error=Signal::derive(move || act.value().get().and_then(Result::err)) />
        <Suspense fallback=|| view! { <p class="muted">"Asking Podman…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(Live::Ready(Some(object))) => view! { <ObjectFacts kind object act /> }.into_any(),
                    Ok(Live::Ready(None)) => view! {
                        <NotFound />
                        <p class="alert info" data-testid="object-gone">"The "{kind.noun()}" "<strong>{name()}</strong>" does not exist. "<a href=format!("/{}", kind.path())>"See the ones that do"</a></p>
                    }
                    .into_any(),
                    Ok(Live::Down { socket_path, problem }) => view! { <PodmanDown socket_path problem /> }.into_any(),
                    Err(error) => view! { <FormError error=Signal::derive(move || Some(error.clone())) /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ObjectFacts(kind: ObjectKind, object: ObjectDetail, act: ServerAction<ActOnObject>) -> impl IntoView {
    let back = format!("/{}/{}", kind.path(), encode_component(&object.name));
    let list = format!("/{}", kind.path());
    let users_heading = if kind == ObjectKind::Pod { "Containers" } else { "Used by" };
    view! {
        <header class="page-head">
            <h1 data-testid="object-name">{object.name.clone()}</h1>
            <div class="actions">
                {kind.actions(object.running).iter().map(|action| view! {
                    <ActButton kind name=object.name.clone() action=*action back=back.clone() act />
                }).collect_view()}
                <a class="button secondary small" href=format!("{list}?confirm={}", encode_component(&object.name))>"Remove…"</a>
            </div>
        </header>
        <section class="card">
            <dl class="facts">
                {object.facts.into_iter().map(|(label, value)| view! { <div class="stat"><dt>{label}</dt><dd>{value}</dd></div> }).collect_view()}
            </dl>
        </section>
        <section class="card">
            <h2>{users_heading}</h2>
            {if object.used_by.is_empty() {
                view! { <p class="muted" data-testid="used-by">"No container."</p> }.into_any()
            } else {
                view! { <p data-testid="used-by"><ContainerLinks names=object.used_by /></p> }.into_any()
            }}
        </section>
        <section class="card">
            <h2>"Inspect"</h2>
            <pre class="raw" data-testid="raw">{object.raw}</pre>
        </section>
    }
}
