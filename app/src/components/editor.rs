//! The compose editor: `compose.yaml` and `.env` as text areas, a check that lists
//! problems with their line and column before anything is saved, and (once hydrated)
//! loading a file from the computer.

use leptos::prelude::*;

use crate::api::stacks::validate_stack;

/// The two text areas of a stack form (`compose`, `env`) with a "Check" button.
#[component]
pub fn StackEditor(#[prop(into)] name: Signal<String>, compose: String, env: String) -> impl IntoView {
    let compose = RwSignal::new(compose);
    let env = RwSignal::new(env);
    let check = Action::new(move |(name, compose, env): &(String, String, String)| {
        let (name, compose, env) = (name.clone(), compose.clone(), env.clone());
        // The name is only a label for the check; a new stack's may be empty yet.
        async move { validate_stack(if name.is_empty() { "new".to_owned() } else { name }, compose, Some(env)).await }
    });
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let run_check = move |_| {
        check.dispatch((name.get_untracked(), compose.get_untracked(), env.get_untracked()));
    };
    view! {
        <label class="field">
            <span>"compose.yaml"</span>
            <textarea
                name="compose"
                class="code"
                rows="18"
                spellcheck="false"
                autocomplete="off"
                data-testid="compose"
                prop:value=move || compose.get()
                on:input=move |event| compose.set(event_target_value(&event))
            >
                {compose.get_untracked()}
            </textarea>
        </label>
        <div class="editor-tools" hidden=move || !hydrated.get()>
            <label class="button secondary small">
                "Load a file…"
                <input type="file" accept=".yaml,.yml,text/yaml" class="visually-hidden" data-testid="compose-file" on:change=move |event| load_file(&event, compose) />
            </label>
            <button class="button secondary small" type="button" data-testid="check" on:click=run_check>"Check"</button>
            <span data-testid="check-result">
                {move || check.value().get().map(|answer| match answer {
                    Ok(problems) if problems.is_empty() => view! { <span class="ok-text">"No problems found."</span> }.into_any(),
                    Ok(problems) => view! {
                        <ul class="problems" role="alert">
                            {problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                        </ul>
                    }
                    .into_any(),
                    Err(error) => view! { <span class="error-text">{error.to_string()}</span> }.into_any(),
                })}
            </span>
        </div>
        <label class="field">
            <span>".env"</span>
            <textarea
                name="env"
                class="code"
                rows="5"
                spellcheck="false"
                autocomplete="off"
                placeholder="TAG=v1"
                data-testid="env"
                prop:value=move || env.get()
                on:input=move |event| env.set(event_target_value(&event))
            >
                {env.get_untracked()}
            </textarea>
            <small class="muted">"Variables for ${VAR} in the compose file. Kept beside it, readable only by you."</small>
        </label>
    }
}

/// Reads the chosen file into the compose text area.
#[cfg(feature = "hydrate")]
fn load_file(event: &leptos::ev::Event, compose: RwSignal<String>) {
    use wasm_bindgen::JsCast as _;
    let Some(input) = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
    let Some(file) = input.files().and_then(|files| files.get(0)) else { return };
    // The server refuses more anyway; don't read a huge file into the page.
    if file.size() > 2.0 * 1024.0 * 1024.0 {
        compose.set("# That file is larger than 2 MiB; compose files are limited to 1 MiB.".to_owned());
        return;
    }
    let promise = file.text();
    leptos::task::spawn_local(async move {
        if let Ok(text) = wasm_bindgen_futures::JsFuture::from(promise).await
            && let Some(text) = text.as_string()
        {
            compose.set(text);
        }
    });
}

#[cfg(not(feature = "hydrate"))]
fn load_file(_: &leptos::ev::Event, _: RwSignal<String>) {}
