//! A stack's page (state, services, actions, policy, history) and its editor.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::stacks::{ActOnStack, DeleteStack, SaveStack, SetStackPolicy, get_stack};
use crate::components::editor::StackEditor;
use crate::components::form::FormError;
use crate::components::live::use_live;
use crate::model::stacks::{DeploymentSummary, PolicyView, ServiceRow, StackAction, StackDetail};
use crate::model::time::format_utc;
use crate::model::url::encode_component;
use crate::pages::not_found::NotFound;
use crate::pages::stack_webhook::WebhookSection;
use crate::pages::stacks::{OutcomeBadge, StateBadge};

/// How often a hydrated page reads again when no event came.
const REFRESH: std::time::Duration = std::time::Duration::from_secs(10);

fn stack_name() -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.read().get("name").unwrap_or_default()
}

/// The stack, or the page that says it does not exist.
fn missing(name: String) -> AnyView {
    view! {
        <NotFound />
        <p class="alert info" data-testid="stack-gone">"There is no stack "<strong>{name}</strong>". "<a href="/stacks">"See the stacks"</a></p>
    }
    .into_any()
}

#[component]
pub fn StackPage() -> impl IntoView {
    let name = stack_name();
    let query = use_query_map();
    let act = ServerAction::<ActOnStack>::new();
    let delete = ServerAction::<DeleteStack>::new();
    let policy = ServerAction::<SetStackPolicy>::new();
    let tick = use_live(REFRESH);
    let detail = Resource::new(move || (name(), tick.get(), policy.version().get()), |(name, _, _)| get_stack(name));
    let confirm = move || query.read().get("confirm").unwrap_or_default();
    let saved = move || query.read().get("saved").is_some();
    view! {
        <Title text=move || name() />
        <p><a href="/stacks">"← Stacks"</a></p>
        {move || saved().then(|| view! { <p class="alert ok" role="status" data-testid="saved">"Saved. Deploy to apply the changes."</p> })}
        <FormError error=Signal::derive(move || act.value().get().and_then(Result::err)) />
        <FormError error=Signal::derive(move || delete.value().get().and_then(Result::err)) />
        <FormError error=Signal::derive(move || policy.value().get().and_then(Result::err)) />
        <Suspense fallback=|| view! { <p class="muted">"Reading the stack…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(Some(stack)) => view! { <StackView stack confirm=confirm() act delete policy /> }.into_any(),
                    Ok(None) => missing(name()),
                    Err(error) => view! { <FormError error=Signal::derive(move || Some(error.clone())) /> }.into_any(),
                }
            })}
        </Suspense>
        <WebhookSection name=Signal::derive(name) />
    }
}

#[component]
fn ActionButton(name: String, action: StackAction, act: ServerAction<ActOnStack>, #[prop(optional)] primary: bool) -> impl IntoView {
    view! {
        <ActionForm action=act>
            <input type="hidden" name="name" value=name />
            <input type="hidden" name="action" value=format!("{action:?}") />
            <button class=if primary { "button small" } else { "button secondary small" } type="submit" data-testid=format!("action-{}", action.key())>
                {action.label()}
            </button>
        </ActionForm>
    }
}

#[component]
fn StackView(stack: StackDetail, confirm: String, act: ServerAction<ActOnStack>, delete: ServerAction<DeleteStack>, policy: ServerAction<SetStackPolicy>) -> impl IntoView {
    let page = format!("/stacks/{}", encode_component(&stack.name));
    let name = stack.name.clone();
    let blocked = stack.policy.iter().any(|p| p.allowed_by.is_none());
    let ask = |what: &str, question: AnyView, yes: AnyView| {
        (confirm == what).then(|| view! { <div class="confirm" data-testid=format!("confirm-{what}")>{question}{yes}<a class="button secondary small" href=page.clone()>"Cancel"</a></div> })
    };
    let confirm_down = ask(
        "down",
        view! { <span>"Remove the containers and networks of "<strong>{name.clone()}</strong>"? Volumes stay."</span> }.into_any(),
        view! { <ActionButton name=name.clone() action=StackAction::Down act /> }.into_any(),
    );
    let confirm_volumes = ask(
        "down-volumes",
        view! { <span>"Remove the containers, networks "<strong>"and the volumes"</strong>" of "<strong>{name.clone()}</strong>"? The data in them is lost. Berth asks for your password or a code first."</span> }.into_any(),
        view! { <ActionButton name=name.clone() action=StackAction::DownWithVolumes act /> }.into_any(),
    );
    let delete_name = name.clone();
    let confirm_delete = ask(
        "delete",
        view! { <span>"Take "<strong>{name.clone()}</strong>" down and delete its folder? Volumes and the history stay."</span> }.into_any(),
        view! {
            <ActionForm action=delete>
                <input type="hidden" name="name" value=delete_name />
                <button class="button small" type="submit" data-testid="delete-yes">"Yes, delete"</button>
            </ActionForm>
        }
        .into_any(),
    );
    view! {
        <header class="page-head">
            <h1 data-testid="stack-title">{stack.name.clone()}" "<StateBadge state=stack.state /></h1>
            <div class="actions">
                <a class="button secondary small" href=format!("{page}/edit") data-testid="edit">"Edit"</a>
            </div>
        </header>
        <section class="card">
            <div class="actions toolbar">
                <ActionButton name=name.clone() action=StackAction::Deploy act primary=true />
                <ActionButton name=name.clone() action=StackAction::PullRedeploy act />
                <ActionButton name=name.clone() action=StackAction::Start act />
                <ActionButton name=name.clone() action=StackAction::Stop act />
                <ActionButton name=name.clone() action=StackAction::Restart act />
                <a class="button secondary small" href=format!("{page}?confirm=down") data-testid="down">"Down…"</a>
                <a class="button secondary small" href=format!("{page}?confirm=down-volumes") data-testid="down-volumes">"Down and remove volumes…"</a>
                <a class="button secondary small" href=format!("{page}?confirm=delete") data-testid="delete">"Delete…"</a>
            </div>
            {confirm_down}{confirm_volumes}{confirm_delete}
            <p class="muted">"Files: "<code>{stack.folder.clone()}</code></p>
            {blocked.then(|| view! { <p class="alert error" data-testid="policy-blocked">"This stack asks for something Berth's policy blocks, so it will not deploy. See "<a href="#policy">"Policy"</a>"."</p> })}
        </section>
        {(!stack.problems.is_empty()).then(|| view! {
            <section class="card alert error" data-testid="problems">
                <h2>"The compose file can't be used"</h2>
                <ul class="problems">{stack.problems.iter().map(|p| view! { <li>{p.clone()}</li> }).collect_view()}</ul>
                <a href=format!("{page}/edit")>"Fix it in the editor"</a>
            </section>
        })}
        {(!stack.warnings.is_empty()).then(|| view! {
            <section class="card" data-testid="warnings">
                <h2>"Warnings"</h2>
                <ul class="problems">{stack.warnings.iter().map(|p| view! { <li>{p.clone()}</li> }).collect_view()}</ul>
            </section>
        })}
        <section class="card">
            <h2>"Services"</h2>
            {if stack.podman_up {
                view! { <ServiceTable rows=stack.services /> }.into_any()
            } else {
                view! { <p class="alert error">"Podman did not answer: the containers can't be shown. See the "<a href="/">"overview"</a>"."</p> }.into_any()
            }}
        </section>
        <section class="card" id="policy" data-testid="policy">
            <h2>"Policy"</h2>
            <PolicyTable stack=name.clone() rows=stack.policy policy />
        </section>
        <section class="card">
            <h2>"Deployments and webhook calls"</h2>
            <History page=page.clone() rows=stack.deployments />
        </section>
    }
}

#[component]
fn ServiceTable(rows: Vec<ServiceRow>) -> impl IntoView {
    view! {
        <table class="table" data-testid="services">
            <thead><tr><th>"Service"</th><th>"Container"</th><th>"State"</th><th>"Image"</th><th>"Ports"</th><th>"Restart"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|row| {
                    let container = row.container.clone().map(|c| view! { <a href=format!("/containers/{}", encode_component(&c))>{c.clone()}</a> });
                    let state = if row.state.is_empty() { "not created".to_owned() } else { row.state.clone() };
                    let service = row.service.clone();
                    view! {
                        <tr data-testid="service-row" data-service=service>
                            <td><strong>{row.service}</strong></td>
                            <td>{container}{(!row.current && row.container.is_some()).then(|| view! { " "<span class="badge warn" title="The compose file changed since this container was made: deploy to apply it.">"outdated"</span> })}</td>
                            <td><span class=format!("state state-{}", row.state) data-testid="service-state">{state}</span>" "<span class=format!("health-{}", row.health)>{row.health.clone()}</span></td>
                            <td><code>{row.image}</code></td>
                            <td>{row.ports.join(", ")}</td>
                            <td>{row.restart}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn PolicyTable(stack: String, rows: Vec<PolicyView>, policy: ServerAction<SetStackPolicy>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="muted" data-testid="policy-clear">"Nothing in this stack needs an exception: no host paths, sockets, privileges or host namespaces."</p> }.into_any();
    }
    view! {
        <p class="muted">"Berth blocks what could give a container power over the host. An admin may allow an item for this stack only; it asks for your password or a code, and the audit log keeps who did it."</p>
        <table class="table">
            <thead><tr><th>"What"</th><th>"Where"</th><th>"Why it is blocked"</th><th>"Status"</th><th></th></tr></thead>
            <tbody>
                {rows.into_iter().map(|row| {
                    let allowed = row.allowed_by.is_some();
                    let (stack, item, key) = (stack.clone(), row.item.clone(), row.item.clone());
                    view! {
                        <tr data-testid="policy-row" data-item=key>
                            <td><strong>{row.title}</strong></td>
                            <td>{row.service.map(|s| format!("{s}: ")).unwrap_or_default()}<code>{row.detail}</code></td>
                            <td>{row.risk}</td>
                            <td data-testid="policy-status">{match row.allowed_by {
                                Some(by) => view! { <span class="badge warn">"allowed"</span>" "<span class="muted">{by}</span> }.into_any(),
                                None => view! { <span class="badge error">"blocked"</span> }.into_any(),
                            }}</td>
                            <td>
                                <ActionForm action=policy>
                                    <input type="hidden" name="name" value=stack />
                                    <input type="hidden" name="item" value=item />
                                    <input type="hidden" name="allow" value=if allowed { "false" } else { "true" } />
                                    <button class="button secondary small" type="submit">{if allowed { "Block again" } else { "Allow for this stack" }}</button>
                                </ActionForm>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn History(page: String, rows: Vec<DeploymentSummary>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="muted">"Not deployed yet."</p> }.into_any();
    }
    view! {
        <table class="table" data-testid="deployments">
            <thead><tr><th>"When"</th><th>"What"</th><th>"By"</th><th>"Outcome"</th><th>"Summary"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|row| view! {
                    <tr data-testid="deployment-row">
                        <td><a href=format!("{page}/deployments/{}", row.id)>{format_utc(row.started_at)}</a></td>
                        <td>{row.action}</td>
                        <td>{row.trigger}</td>
                        <td><OutcomeBadge outcome=row.outcome /></td>
                        <td>{row.summary}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
pub fn StackEditPage() -> impl IntoView {
    let name = stack_name();
    let save = ServerAction::<SaveStack>::new();
    let detail = Resource::new(name, get_stack);
    view! {
        <Title text=move || format!("Edit {}", name()) />
        <p><a href=move || format!("/stacks/{}", encode_component(&name()))>"← "{name}</a></p>
        <header class="page-head"><h1>"Edit "{name}</h1></header>
        <FormError error=Signal::derive(move || save.value().get().and_then(Result::err)) />
        <Suspense fallback=|| view! { <p class="muted">"Reading the stack…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(Some(stack)) => view! {
                        <section class="card">
                            <ActionForm action=save attr:class="stack-form" attr:data-testid="stack-form">
                                <input type="hidden" name="name" value=stack.name.clone() />
                                <StackEditor name=Signal::derive(name) compose=stack.compose env=stack.env />
                                <div class="actions">
                                    <label class="check"><input type="checkbox" name="deploy" value="1" checked=true data-testid="deploy-now" />" Deploy after saving"</label>
                                    <button class="button" type="submit" data-testid="save">"Save"</button>
                                </div>
                            </ActionForm>
                        </section>
                    }
                    .into_any(),
                    Ok(None) => missing(name()),
                    Err(error) => view! { <FormError error=Signal::derive(move || Some(error.clone())) /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
