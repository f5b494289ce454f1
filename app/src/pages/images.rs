//! Images: the list with the containers that use each, pull, remove and prune.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::images::{PruneImages, PullImage, RemoveImage, list_images};
use crate::components::form::FormError;
use crate::components::live::use_live;
use crate::components::podman_down::PodmanDown;
use crate::model::images::ImageRow;
use crate::model::overview::Live;
use crate::model::stats::format_bytes;
use crate::model::time::format_utc;
use crate::model::url::encode_component;

/// How often a hydrated list reads Podman again when no event came.
const REFRESH: std::time::Duration = std::time::Duration::from_secs(10);

#[component]
pub fn ImagesPage() -> impl IntoView {
    let query = use_query_map();
    let pull = ServerAction::<PullImage>::new();
    let remove = ServerAction::<RemoveImage>::new();
    let prune = ServerAction::<PruneImages>::new();
    let tick = use_live(REFRESH);
    let list = Resource::new(move || (tick.get(), remove.version().get(), prune.version().get()), |_| list_images());
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let done = move || prune.value().get().and_then(Result::ok).or_else(|| param("done"));
    view! {
        <Title text="Images" />
        <header class="page-head">
            <h1>"Images"</h1>
        </header>
        <section class="card">
            <h2>"Pull an image"</h2>
            <ActionForm action=pull attr:class="inline-form">
                <label class="field grow">
                    <span>"Image reference"</span>
                    <input name="reference" required=true placeholder="docker.io/library/nginx:1.27" autocomplete="off" data-testid="pull-reference" />
                </label>
                <button class="button" type="submit">"Pull"</button>
            </ActionForm>
            <p class="muted">"Registries on this machine (localhost, 127.0.0.1) are reached without TLS, as Docker does."</p>
            <FormError error=Signal::derive(move || pull.value().get().and_then(Result::err)) />
        </section>
        <FormError error=Signal::derive(move || remove.value().get().and_then(Result::err)) />
        <FormError error=Signal::derive(move || prune.value().get().and_then(Result::err)) />
        {move || done().map(|text| view! { <p class="alert ok" role="status" data-testid="done">{text}</p> })}
        <section class="card">
            <Suspense fallback=|| view! { <p class="muted">"Asking Podman…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(Live::Ready(rows)) => {
                            let confirm = param("confirm");
                            view! { <ImageTable rows confirm remove prune /> }.into_any()
                        }
                        Ok(Live::Down { socket_path, problem }) => view! { <PodmanDown socket_path problem /> }.into_any(),
                        Err(error) => view! { <p class="alert error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ImageTable(rows: Vec<ImageRow>, confirm: Option<String>, remove: ServerAction<RemoveImage>, prune: ServerAction<PruneImages>) -> impl IntoView {
    let dangling = rows.iter().filter(|r| r.tags.is_empty() && r.used_by.is_empty()).count();
    let total: u64 = rows.iter().map(|r| r.size).sum();
    let summary = format!("{} images, {}", rows.len(), format_bytes(total));
    let prune_part = if confirm.as_deref() == Some("prune") {
        view! {
            <span class="confirm" data-testid="confirm-prune">
                "Remove every dangling image (no tag, no container)?"
                <ActionForm action=prune><button class="button small" type="submit">"Yes, prune"</button></ActionForm>
                <a class="button secondary small" href="/images">"Keep them"</a>
            </span>
        }
        .into_any()
    } else {
        view! { <a class="button secondary small" href="/images?confirm=prune">{format!("Prune dangling images ({dangling})…")}</a> }.into_any()
    };
    view! {
        <div class="table-head">
            <p class="muted" data-testid="image-count">{summary}</p>
            {prune_part}
        </div>
        <table class="table" data-testid="images">
            <thead><tr><th>"Tags"</th><th>"Id"</th><th>"Size"</th><th>"Created"</th><th>"Used by"</th><th></th></tr></thead>
            <tbody>
                {rows.into_iter().map(|row| {
                    let asking = confirm.as_deref() == Some(row.id.as_str());
                    view! { <ImageLine row asking remove /> }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn ImageLine(row: ImageRow, asking: bool, remove: ServerAction<RemoveImage>) -> impl IntoView {
    let short: String = row.id.chars().take(12).collect();
    let label = row.tags.first().cloned().unwrap_or_else(|| format!("<none> {short}"));
    let tags = if row.tags.is_empty() {
        view! { <span class="muted">"none (dangling)"</span> }.into_any()
    } else {
        row.tags.iter().map(|t| view! { <div><strong>{t.clone()}</strong></div> }).collect_view().into_any()
    };
    let used_by = row
        .used_by
        .iter()
        .map(|name| view! { <a href=format!("/containers/{}", encode_component(name))>{name.clone()}</a>" " })
        .collect_view();
    let action = if asking {
        view! {
            <span class="confirm" data-testid="confirm-remove">
                "Remove "<strong>{label.clone()}</strong>"?"
                <ActionForm action=remove>
                    <input type="hidden" name="id" value=row.id.clone() />
                    <button class="button small" type="submit">"Yes, remove"</button>
                </ActionForm>
                <a class="button secondary small" href="/images">"Keep it"</a>
            </span>
        }
        .into_any()
    } else {
        view! { <a class="button secondary small" href=format!("/images?confirm={}", encode_component(&row.id))>"Remove…"</a> }.into_any()
    };
    view! {
        <tr data-testid="image-row" data-tags=row.tags.join(" ")>
            <td>{tags}</td>
            <td><code>{short}</code></td>
            <td>{format_bytes(row.size)}</td>
            <td>{format_utc(row.created)}</td>
            <td data-testid="used-by">{used_by}</td>
            <td class="actions">{action}</td>
        </tr>
    }
}
