//! One deployment of a stack: its steps as they happen (SSE once hydrated; without
//! JavaScript the page reloads itself while the deployment runs), then its outcome.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::stacks::get_deployment;
use crate::components::form::FormError;
use crate::model::stacks::{Deployment, Outcome};
use crate::model::time::format_utc;
use crate::model::url::encode_component;
use crate::pages::not_found::NotFound;
use crate::pages::stacks::OutcomeBadge;

#[component]
pub fn DeploymentPage() -> impl IntoView {
    let params = use_params_map();
    let name = move || params.read().get("name").unwrap_or_default();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let deployment = Resource::new(move || (name(), id()), |(name, id)| get_deployment(name, id));
    view! {
        <Title text=move || format!("Deployment {} of {}", id(), name()) />
        <p><a href=move || format!("/stacks/{}", encode_component(&name()))>"← "{name}</a></p>
        <Suspense fallback=|| view! { <p class="muted">"Reading the deployment…"</p> }>
            {move || Suspend::new(async move {
                match deployment.await {
                    Ok(Some(deployment)) => view! { <DeploymentView deployment /> }.into_any(),
                    Ok(None) => view! {
                        <NotFound />
                        <p class="alert info">"This stack has no such deployment."</p>
                    }
                    .into_any(),
                    Err(error) => view! { <FormError error=Signal::derive(move || Some(error.clone())) /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn DeploymentView(deployment: Deployment) -> impl IntoView {
    let summary = deployment.summary;
    let outcome = RwSignal::new(summary.outcome);
    let ending = RwSignal::new(summary.summary.clone());
    let lines = RwSignal::new(deployment.lines);
    #[cfg(feature = "hydrate")]
    if summary.outcome == Outcome::Running {
        follow(summary.id, lines, outcome, ending);
    }
    // Without JavaScript, a running deployment's page reloads itself until it ends.
    let reload = (summary.outcome == Outcome::Running).then(|| view! { <noscript inner_html=r#"<meta http-equiv="refresh" content="2">"# /> });
    view! {
        {reload}
        <header class="page-head">
            <h1>{summary.action.clone()}" of "{summary.stack.clone()}</h1>
            <span data-testid="deployment-outcome">{move || view! { <OutcomeBadge outcome=outcome.get() /> }}</span>
        </header>
        <section class="card">
            <dl class="facts">
                <div class="stat"><dt>"Started"</dt><dd>{format_utc(summary.started_at)}</dd></div>
                <div class="stat"><dt>"By"</dt><dd>{summary.trigger.clone()}</dd></div>
                <div class="stat"><dt>"Finished"</dt><dd>{summary.finished_at.map(format_utc).unwrap_or_else(|| "still running".to_owned())}</dd></div>
            </dl>
            <p data-testid="deployment-summary">{move || ending.get()}</p>
        </section>
        <section class="card">
            <h2>"Steps"</h2>
            <div class="log" data-testid="deployment-log" role="log">
                {move || lines.get().into_iter().map(|line| view! { <div class="log-line"><span class="text">{line}</span></div> }).collect_view()}
            </div>
        </section>
    }
}

/// Follows a running deployment's steps over SSE.
#[cfg(feature = "hydrate")]
fn follow(id: i64, lines: RwSignal<Vec<String>>, outcome: RwSignal<Outcome>, ending: RwSignal<String>) {
    use crate::components::live::{Listener, Source, event_source};
    #[derive(serde::Deserialize)]
    struct End {
        outcome: Outcome,
        summary: String,
    }
    let source = StoredValue::new(None::<Source>);
    let fresh = StoredValue::new(true);
    // The stream starts with every line so far: they replace the server's.
    let on_open: Listener = Box::new(move |_| fresh.set_value(true));
    let on_line: Listener = Box::new(move |data| {
        lines.update(|lines| {
            if fresh.get_value() {
                lines.clear();
                fresh.set_value(false);
            }
            lines.push(data);
        });
    });
    let on_end: Listener = Box::new(move |data| {
        if let Ok(end) = serde_json::from_str::<End>(&data) {
            outcome.set(end.outcome);
            ending.set(end.summary);
        }
        source.with_value(|s| s.as_ref().map(Source::close));
    });
    source.set_value(Some(event_source(&format!("/api/stream/deployments/{id}"), vec![("open", on_open), ("line", on_line), ("end", on_end)])));
    on_cleanup(move || source.set_value(None));
}
