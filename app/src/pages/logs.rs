//! A container's logs: the last lines (also with JavaScript off), then, once the page
//! is hydrated, a live tail over SSE. Lines are text, never markup.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::containers::get_logs;
use crate::components::form::FormError;
use crate::components::podman_down::PodmanDown;
use crate::model::logs::LogLine;
#[cfg(feature = "hydrate")]
use crate::model::logs::{LIVE_LINES, parse_tail};
use crate::model::overview::Live;
use crate::model::url::encode_component;
use crate::pages::not_found::NotFound;

/// The tail lengths the form offers.
const TAILS: [&str; 5] = ["100", "200", "1000", "5000", "all"];

/// Where the live view stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "hydrate"), expect(dead_code, reason = "only the browser follows"))]
enum Follow {
    /// Not hydrated, or paused.
    Off,
    Connecting,
    Live,
    /// The container stopped writing (it stopped, or was removed).
    Ended,
}

#[component]
pub fn LogsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let name = move || params.read().get("name").unwrap_or_default();
    let tail = move || query.read().get("tail").filter(|t| !t.is_empty()).unwrap_or_else(|| "200".to_owned());
    let timestamps = move || query.read().get("timestamps").is_some_and(|v| v == "1" || v == "on");
    let search = RwSignal::new(query.get_untracked().get("q").unwrap_or_default());
    let snapshot = Resource::new(move || (name(), tail(), timestamps()), |(name, tail, ts)| get_logs(name, Some(tail), ts));
    let live: RwSignal<Option<Vec<(u64, LogLine)>>> = RwSignal::new(None);
    let follow = RwSignal::new(Follow::Off);
    let following = RwSignal::new(true);

    #[cfg(feature = "hydrate")]
    start_following(name, tail, timestamps, live, follow, following);

    let download = move || {
        let ts = if timestamps() { "?timestamps=1" } else { "" };
        format!("/api/logs/{}{ts}", encode_component(&name()))
    };
    view! {
        <Title text=move || format!("Logs of {}", name()) />
        <p><a href=move || format!("/containers/{}", encode_component(&name()))>"← "{name}</a></p>
        <header class="page-head">
            <h1>"Logs of "{name}</h1>
            <a class="button secondary" href=download data-testid="download-logs" download="">"Download"</a>
        </header>
        <form class="card filters" method="get">
            <label class="field">
                <span>"Lines"</span>
                <select name="tail">
                    {TAILS.map(|t| view! { <option value=t selected=move || tail() == t>{t}</option> })}
                </select>
            </label>
            <label class="check"><input type="checkbox" name="timestamps" value="1" checked=timestamps />" Timestamps"</label>
            <label class="field">
                <span>"Search"</span>
                <input
                    name="q"
                    data-testid="log-search"
                    prop:value=move || search.get()
                    on:input=move |event| search.set(event_target_value(&event))
                    placeholder="text in the line"
                />
            </label>
            <button class="button secondary" type="submit">"Show"</button>
            <button
                class="button secondary"
                type="button"
                data-testid="follow-toggle"
                hidden=move || follow.get() == Follow::Off && following.get()
                on:click=move |_| following.update(|f| *f = !*f)
            >
                {move || if following.get() { "Pause" } else { "Follow" }}
            </button>
            <span class="muted" data-testid="follow-state">
                {move || match follow.get() {
                    Follow::Off if !following.get() => "Paused",
                    Follow::Off => "",
                    Follow::Connecting => "Connecting…",
                    Follow::Live => "Following live",
                    Follow::Ended => "The container stopped writing: the log ends here.",
                }}
            </span>
        </form>
        <Suspense fallback=|| view! { <p class="muted">"Reading the logs…"</p> }>
            {move || Suspend::new(async move {
                match snapshot.await {
                    Ok(Live::Ready(Some(lines))) => {
                        view! { <LogView lines live search /> }.into_any()
                    }
                    Ok(Live::Ready(None)) => view! {
                        <NotFound />
                        <p class="alert info" data-testid="container-gone">"The container "<strong>{name()}</strong>" no longer exists."</p>
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
fn LogView(lines: Vec<LogLine>, live: RwSignal<Option<Vec<(u64, LogLine)>>>, search: RwSignal<String>) -> impl IntoView {
    let snapshot: Vec<(u64, LogLine)> = (0u64..).zip(lines).collect();
    let shown = Memo::new(move |_| {
        let needle = search.get().to_lowercase();
        let all = live.get().unwrap_or_else(|| snapshot.clone());
        if needle.is_empty() { all } else { all.into_iter().filter(|(_, l)| l.text.to_lowercase().contains(&needle)).collect::<Vec<_>>() }
    });
    let count = move || {
        let n = shown.with(Vec::len);
        if n == 1 { "1 line".to_owned() } else { format!("{n} lines") }
    };
    view! {
        <p class="muted" data-testid="log-count">{count}</p>
        <div class="log" data-testid="log" role="log" aria-live="off">
            <For each=move || shown.get() key=|(n, _)| *n let((_, line))>
                <div class=if line.err { "log-line err" } else { "log-line" } data-testid="log-line">
                    <span class="stream" title=if line.err { "standard error" } else { "standard output" }>{if line.err { "err" } else { "out" }}</span>
                    <span class="text">{line.text}</span>
                </div>
            </For>
        </div>
    }
}

/// Follows the log over SSE while `following` is on; the first batch replaces the
/// lines rendered by the server.
#[cfg(feature = "hydrate")]
fn start_following(
    name: impl Fn() -> String + Send + Sync + 'static,
    tail: impl Fn() -> String + Send + Sync + 'static,
    timestamps: impl Fn() -> bool + Send + Sync + 'static,
    live: RwSignal<Option<Vec<(u64, LogLine)>>>,
    follow: RwSignal<Follow>,
    following: RwSignal<bool>,
) {
    use crate::components::live::{Listener, event_source};
    let source = StoredValue::new(None::<crate::components::live::Source>);
    Effect::new(move |_| {
        // Reconnects when the address or the pause button changes.
        let url = format!(
            "/api/stream/logs/{}?tail={}&timestamps={}",
            encode_component(&name()),
            parse_tail(Some(&tail())),
            if timestamps() { "1" } else { "0" }
        );
        source.set_value(None);
        if !following.get() {
            follow.set(Follow::Off);
            return;
        }
        follow.set(Follow::Connecting);
        let fresh = StoredValue::new(true);
        let next = StoredValue::new(0u64);
        let on_open: Listener = Box::new(move |_| {
            fresh.set_value(true);
            follow.set(Follow::Live);
        });
        let on_lines: Listener = Box::new(move |data| {
            let Ok(batch) = serde_json::from_str::<Vec<LogLine>>(&data) else { return };
            live.update(|lines| {
                let lines = lines.get_or_insert_with(Vec::new);
                if fresh.get_value() {
                    lines.clear();
                    fresh.set_value(false);
                }
                for line in batch {
                    let n = next.get_value();
                    next.set_value(n + 1);
                    lines.push((n, line));
                }
                if lines.len() > LIVE_LINES {
                    lines.drain(..lines.len() - LIVE_LINES);
                }
            });
        });
        let on_end: Listener = Box::new(move |_| {
            follow.set(Follow::Ended);
            // Closing keeps the browser from reconnecting and replaying the tail.
            source.with_value(|s| s.as_ref().map(crate::components::live::Source::close));
        });
        source.set_value(Some(event_source(&url, vec![("open", on_open), ("lines", on_lines), ("end", on_end)])));
    });
}
