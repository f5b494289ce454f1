use leptos::prelude::*;

use crate::error::AppError;
use crate::model::url::encode_component;

/// The error of the last submission of a form, if any. A "confirm it's you" error
/// links to the re-authentication page, which comes back here.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    move || {
        error.get().map(|error| {
            let reauth = (error == AppError::ReauthRequired).then(|| {
                let search = location.search.get();
                let search = search.trim_start_matches('?');
                let here = if search.is_empty() { location.pathname.get() } else { format!("{}?{search}", location.pathname.get()) };
                let next = encode_component(&here);
                view! { " " <a href=format!("/reauth?next={next}")>"Confirm now"</a> }
            });
            view! {
                <p class="alert error" role="alert" data-testid="form-error">
                    {error.to_string()}
                    {reauth}
                </p>
            }
        })
    }
}

/// A labelled input.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional)] hint: &'static str,
    #[prop(optional)] autofocus: bool,
    #[prop(optional)] inputmode: &'static str,
) -> impl IntoView {
    let id = format!("field-{name}");
    let label_for = id.clone();
    view! {
        <label class="field" for=label_for>
            <span>{label}</span>
            <input
                id=id
                name=name
                type=kind
                autocomplete=(!autocomplete.is_empty()).then_some(autocomplete)
                inputmode=(!inputmode.is_empty()).then_some(inputmode)
                autofocus=autofocus
                required=true
            />
            {(!hint.is_empty()).then(|| view! { <small class="muted">{hint}</small> })}
        </label>
    }
}
