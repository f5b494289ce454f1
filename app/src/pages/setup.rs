use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::auth::{Setup, setup_open};
use crate::components::form::{Field, FormError};
use crate::pages::not_found::NotFound;

/// First run: create the first admin with the one-time setup token. Not found once an admin exists.
#[component]
pub fn SetupPage() -> impl IntoView {
    let open = Resource::new(|| (), |_| setup_open());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                if open.await.unwrap_or(false) { view! { <SetupForm /> }.into_any() } else { view! { <NotFound /> }.into_any() }
            })}
        </Suspense>
    }
}

#[component]
fn SetupForm() -> impl IntoView {
    let action = ServerAction::<Setup>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <Title text="Set up Berth" />
        <section class="card narrow">
            <h1>"Set up Berth"</h1>
            <p>
                "Create the first admin. The one-time setup token was printed by "
                <code>"berth serve"</code>" when it started, and is in the file "
                <code>"setup-token"</code>" in Berth's data directory."
            </p>
            <FormError error />
            <ActionForm action>
                <Field label="Setup token" name="token" autocomplete="off" autofocus=true />
                <Field label="Admin user name" name="username" autocomplete="username" />
                <Field
                    label="Password"
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    hint="At least 12 characters. Any characters; nothing is cut off."
                />
                <Field label="Password again" name="confirm" kind="password" autocomplete="new-password" />
                <button class="button" type="submit">"Create admin"</button>
            </ActionForm>
            <p class="muted">"Next you set up two-factor authentication: admins need it."</p>
        </section>
    }
}
