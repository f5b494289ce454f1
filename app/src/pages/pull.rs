//! One pull's progress, read live until it ends.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::images::get_pull;
use crate::components::form::FormError;
use crate::model::images::{PullJob, PullState};
use crate::pages::not_found::NotFound;

/// How often a hydrated page reads a running pull's progress.
#[cfg(feature = "hydrate")]
const EVERY: std::time::Duration = std::time::Duration::from_millis(500);

#[component]
pub fn PullPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<u64>().ok()).unwrap_or(0);
    let (tick, set_tick) = signal(0u64);
    let job = Resource::new(move || (id(), tick.get()), |(id, _)| get_pull(id));
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(
            move || {
                let running = job.get_untracked().and_then(Result::ok).flatten().is_some_and(|j| j.state == PullState::Running);
                if running {
                    set_tick.update(|n| *n += 1);
                }
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
    #[cfg(not(feature = "hydrate"))]
    let _ = set_tick;
    view! {
        <Title text="Pull" />
        <p><a href="/images">"← Images"</a></p>
        <Transition fallback=|| view! { <p class="muted">"Reading the pull…"</p> }>
            {move || Suspend::new(async move {
                match job.await {
                    Ok(Some(job)) => view! { <Progress job /> }.into_any(),
                    Ok(None) => view! {
                        <NotFound />
                        <p class="alert info">"Berth does not remember this pull (it keeps the last 50, until it restarts). "<a href="/images">"See the images"</a></p>
                    }
                    .into_any(),
                    Err(error) => view! { <FormError error=Signal::derive(move || Some(error.clone())) /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Progress(job: PullJob) -> impl IntoView {
    let (class, state) = match &job.state {
        PullState::Running => ("alert info", "Pulling…".to_owned()),
        PullState::Done(image) => ("alert ok", format!("Pulled: image {}.", image.chars().take(12).collect::<String>())),
        PullState::Failed(why) => ("alert error", format!("The pull failed: {why}")),
    };
    let running = job.state == PullState::Running;
    view! {
        <header class="page-head"><h1>"Pull of "<code>{job.reference.clone()}</code></h1></header>
        <p class=class role="status" data-testid="pull-state" data-state=match job.state { PullState::Running => "running", PullState::Done(_) => "done", PullState::Failed(_) => "failed" }>
            {state}
            {running.then(|| view! { " " <a href="">"Refresh"</a> })}
        </p>
        <section class="card">
            <h2>"Progress"</h2>
            <div class="log" data-testid="pull-lines">
                {job.lines.into_iter().map(|line| view! { <div class="log-line"><span class="text">{line}</span></div> }).collect_view()}
            </div>
        </section>
    }
}
