use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::account::Reauthenticate;
use crate::components::form::{Field, FormError};

/// "Confirm it's you" before a sensitive action.
#[component]
pub fn ReauthPage() -> impl IntoView {
    let action = ServerAction::<Reauthenticate>::new();
    let query = use_query_map();
    let next = Signal::derive(move || query.read().get("next").unwrap_or_else(|| "/account".to_owned()));
    view! {
        <Title text="Confirm it's you" />
        <section class="card narrow">
            <h1>"Confirm it's you"</h1>
            <p>"This action needs your password or a current two-factor code, entered within the last five minutes."</p>
            <FormError error=Signal::derive(move || action.value().get().and_then(Result::err)) />
            <ActionForm action>
                <input type="hidden" name="next" value=next />
                <Field label="Password or code" name="secret" kind="password" autocomplete="current-password" autofocus=true />
                <button class="button" type="submit">"Confirm"</button>
            </ActionForm>
        </section>
    }
}
