use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::{Login, LoginCode};
use crate::components::form::{Field, FormError};

/// The `next` query parameter, where to go after signing in.
fn next_param() -> Signal<String> {
    let query = use_query_map();
    Signal::derive(move || query.read().get("next").unwrap_or_else(|| "/".to_owned()))
}

/// Sign in: user name and password.
#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let next = next_param();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <Title text="Sign in" />
        <section class="card narrow">
            <h1>"Sign in to Berth"</h1>
            <FormError error />
            <ActionForm action>
                <input type="hidden" name="next" value=next />
                <Field label="User name" name="username" autocomplete="username" autofocus=true />
                <Field label="Password" name="password" kind="password" autocomplete="current-password" />
                <button class="button" type="submit">"Sign in"</button>
            </ActionForm>
        </section>
    }
}

/// Sign in, second step: the code from the authenticator or a recovery code.
#[component]
pub fn LoginCodePage() -> impl IntoView {
    let action = ServerAction::<LoginCode>::new();
    let next = next_param();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <Title text="Two-factor code" />
        <section class="card narrow">
            <h1>"Two-factor code"</h1>
            <p>"Enter the 6-digit code your authenticator app shows for Berth, or one of your recovery codes."</p>
            <FormError error />
            <ActionForm action>
                <input type="hidden" name="next" value=next />
                <Field label="Code" name="code" autocomplete="one-time-code" autofocus=true />
                <button class="button" type="submit">"Continue"</button>
            </ActionForm>
            <p class="muted"><a href="/login">"Start again"</a></p>
        </section>
    }
}
