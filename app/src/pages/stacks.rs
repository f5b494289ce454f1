//! The stacks list (Berth's and those started outside it) and the new-stack editor.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::stacks::{AdoptStack, CreateStack, StopExternalStack, list_stacks};
use crate::components::editor::StackEditor;
use crate::components::form::FormError;
use crate::components::live::use_live;
use crate::model::stacks::{EXAMPLE_COMPOSE, ExternalStack, Outcome, StackRow, StackState};
use crate::model::time::format_utc;
use crate::model::url::encode_component;

/// How often a hydrated list reads again when no event came.
const REFRESH: std::time::Duration = std::time::Duration::from_secs(10);

/// A stack state as a badge.
#[component]
pub fn StateBadge(state: StackState) -> impl IntoView {
    let class = match state {
        StackState::Running => "badge ok",
        StackState::Partial => "badge warn",
        StackState::Stopped | StackState::Down => "badge",
    };
    view! { <span class=class data-testid="stack-state">{state.label()}</span> }
}

/// A deployment outcome as a badge.
#[component]
pub fn OutcomeBadge(outcome: Outcome) -> impl IntoView {
    let (class, text) = match outcome {
        Outcome::Running => ("badge warn", "running"),
        Outcome::Ok => ("badge ok", "ok"),
        Outcome::Failed => ("badge error", "failed"),
        Outcome::Refused => ("badge error", "refused"),
    };
    view! { <span class=class data-testid="outcome">{text}</span> }
}

#[component]
pub fn StacksPage() -> impl IntoView {
    let query = use_query_map();
    let stop = ServerAction::<StopExternalStack>::new();
    let adopt = ServerAction::<AdoptStack>::new();
    let tick = use_live(REFRESH);
    let list = Resource::new(move || (tick.get(), stop.version().get()), |_| list_stacks());
    let deleted = move || query.read().get("deleted").filter(|v| !v.is_empty());
    view! {
        <Title text="Stacks" />
        <header class="page-head">
            <h1>"Stacks"</h1>
            <a class="button" href="/stacks/new" data-testid="new-stack">"New stack"</a>
        </header>
        {move || deleted().map(|name| view! { <p class="alert ok" role="status">"The stack "<strong>{name}</strong>" was deleted. Its volumes were kept."</p> })}
        <FormError error=Signal::derive(move || stop.value().get().and_then(Result::err)) />
        <FormError error=Signal::derive(move || adopt.value().get().and_then(Result::err)) />
        <Suspense fallback=|| view! { <p class="muted">"Reading the stacks…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) => view! {
                        <section class="card">
                            <StackTable rows=list.stacks />
                        </section>
                        {(!list.external.is_empty()).then(|| view! {
                            <section class="card" data-testid="external-stacks">
                                <h2>"Started outside Berth"</h2>
                                <p class="muted">"Found by their compose labels (podman-compose, docker compose). Berth can show and stop them, or adopt one from the compose file its labels name."</p>
                                <ExternalTable rows=list.external stop adopt />
                            </section>
                        })}
                    }
                    .into_any(),
                    Err(error) => view! { <FormError error=Signal::derive(move || Some(error.clone())) /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn StackTable(rows: Vec<StackRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="muted" data-testid="no-stacks">"No stacks yet. A stack is a compose file: "<a href="/stacks/new">"write or upload one"</a>"."</p> }.into_any();
    }
    view! {
        <table class="table" data-testid="stacks">
            <thead>
                <tr><th>"Name"</th><th>"State"</th><th>"Services"</th><th>"Last deployment"</th><th>"Policy"</th></tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|row| {
                    let href = format!("/stacks/{}", encode_component(&row.name));
                    let last = row.last_deployment.map(|d| view! {
                        <OutcomeBadge outcome=d.outcome />" "{d.action}" · "{format_utc(d.started_at)}" · "{d.trigger}
                    });
                    let policy = match (row.problem, row.policy_blocks) {
                        (Some(problem), _) => view! { <span class="badge error" title=problem>"invalid file"</span> }.into_any(),
                        (None, 0) => view! { <span class="muted">"ok"</span> }.into_any(),
                        (None, n) => view! { <span class="badge warn">{format!("{n} blocked")}</span> }.into_any(),
                    };
                    let key = row.name.clone();
                    view! {
                        <tr data-testid="stack-row" data-name=key>
                            <td><a href=href><strong>{row.name}</strong></a></td>
                            <td><StateBadge state=row.state /></td>
                            <td data-testid="stack-services">{format!("{}/{}", row.running, row.total)}</td>
                            <td>{last}</td>
                            <td data-testid="stack-policy">{policy}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn ExternalTable(rows: Vec<ExternalStack>, stop: ServerAction<StopExternalStack>, adopt: ServerAction<AdoptStack>) -> impl IntoView {
    view! {
        <table class="table">
            <thead><tr><th>"Project"</th><th>"Running"</th><th>"Containers"</th><th>"Compose file"</th><th></th></tr></thead>
            <tbody>
                {rows.into_iter().map(|row| {
                    let (key, stop_name, adopt_name) = (row.name.clone(), row.name.clone(), row.name.clone());
                    view! {
                    <tr data-testid="external-row" data-name=key>
                        <td><strong>{row.name}</strong></td>
                        <td>{format!("{}/{}", row.running, row.containers.len())}</td>
                        <td>{row.containers.into_iter().map(|c| view! { <a href=format!("/containers/{}", encode_component(&c))>{c.clone()}</a>" " }).collect_view()}</td>
                        <td><code>{row.config_files}</code>" "<span class="muted">{row.working_dir}</span></td>
                        <td class="actions">
                            <ActionForm action=stop>
                                <input type="hidden" name="name" value=stop_name />
                                <button class="button secondary small" type="submit">"Stop"</button>
                            </ActionForm>
                            <ActionForm action=adopt>
                                <input type="hidden" name="name" value=adopt_name />
                                <button class="button secondary small" type="submit">"Adopt"</button>
                            </ActionForm>
                        </td>
                    </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn NewStackPage() -> impl IntoView {
    let create = ServerAction::<CreateStack>::new();
    view! {
        <Title text="New stack" />
        <p><a href="/stacks">"← Stacks"</a></p>
        <header class="page-head"><h1>"New stack"</h1></header>
        <FormError error=Signal::derive(move || create.value().get().and_then(Result::err)) />
        <section class="card">
            <ActionForm action=create attr:class="stack-form" attr:data-testid="stack-form">
                <label class="field">
                    <span>"Name"</span>
                    <input name="name" required=true autocomplete="off" pattern="[a-z0-9][a-z0-9_\\-]{0,62}" data-testid="stack-name" />
                    <small class="muted">"Lower-case letters, digits, '-' and '_'; containers are named <name>_<service>_1."</small>
                </label>
                <StackEditor name=Signal::derive(String::new) compose=EXAMPLE_COMPOSE.to_owned() env=String::new() />
                <div class="actions">
                    <label class="check"><input type="checkbox" name="deploy" value="1" checked=true data-testid="deploy-now" />" Deploy now"</label>
                    <button class="button" type="submit" data-testid="create">"Create"</button>
                </div>
            </ActionForm>
        </section>
    }
}
