use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::account::{ChangePassword, RegenerateRecoveryCodes, RevokeSession, my_sessions};
use crate::api::auth::whoami;
use crate::components::form::{Field, FormError};
use crate::model::auth::SessionInfo;
use crate::model::time::format_utc;

/// The signed-in user's account: password, two-factor, sessions.
#[component]
pub fn AccountPage() -> impl IntoView {
    let password = ServerAction::<ChangePassword>::new();
    let codes = ServerAction::<RegenerateRecoveryCodes>::new();
    let revoke = ServerAction::<RevokeSession>::new();
    let me = Resource::new(|| (), |_| whoami());
    let sessions = Resource::new(move || (revoke.version().get(), password.version().get()), |_| my_sessions());
    let query = use_query_map();
    let changed = move || {
        let done = query.read().get("changed").as_deref() == Some("password")
            || password.value().get().is_some_and(|r| r.is_ok());
        done.then(|| view! { <p class="alert ok" role="status">"Password changed. Your other sessions were signed out."</p> })
    };
    view! {
        <Title text="Account" />
        <h1>"Your account"</h1>
        <section class="card">
            <h2>"Password"</h2>
            {changed}
            <FormError error=Signal::derive(move || password.value().get().and_then(Result::err)) />
            <ActionForm action=password>
                <Field label="Current password" name="current" kind="password" autocomplete="current-password" />
                <Field label="New password" name="new" kind="password" autocomplete="new-password" hint="At least 12 characters." />
                <Field label="New password again" name="confirm" kind="password" autocomplete="new-password" />
                <button class="button" type="submit">"Change password"</button>
            </ActionForm>
        </section>
        <section class="card">
            <h2>"Two-factor authentication"</h2>
            <Suspense>
                {move || Suspend::new(async move {
                    let enabled = me.await.ok().flatten().is_some_and(|u| u.totp_enabled);
                    if enabled {
                        view! {
                            <p data-testid="totp-status">"On."</p>
                            <FormError error=Signal::derive(move || codes.value().get().and_then(Result::err)) />
                            <div class="actions">
                                <a class="button secondary" href="/account/totp">"Move to a new authenticator"</a>
                                <ActionForm action=codes>
                                    <button class="button secondary" type="submit">"New recovery codes"</button>
                                </ActionForm>
                            </div>
                        }
                        .into_any()
                    } else {
                        view! {
                            <p data-testid="totp-status">"Off. Turn it on so a stolen password is not enough to get in."</p>
                            <a class="button" href="/account/totp">"Set up"</a>
                        }
                        .into_any()
                    }
                })}
            </Suspense>
        </section>
        <section class="card">
            <h2>"Where you are signed in"</h2>
            <FormError error=Signal::derive(move || revoke.value().get().and_then(Result::err)) />
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    sessions.await.map(|list| view! { <SessionTable list revoke /> })
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn SessionTable(list: Vec<SessionInfo>, revoke: ServerAction<RevokeSession>) -> impl IntoView {
    view! {
        <table class="table" data-testid="sessions">
            <thead>
                <tr><th>"Browser"</th><th>"Address"</th><th>"Signed in"</th><th>"Last active"</th><th></th></tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|s| {
                        let label = if s.current { "Sign out" } else { "End" };
                        view! {
                            <tr>
                                <td class="ua">{s.user_agent}{s.current.then_some(" (this browser)")}</td>
                                <td>{s.ip}</td>
                                <td>{format_utc(s.created_at)}</td>
                                <td>{format_utc(s.last_seen_at)}</td>
                                <td>
                                    <ActionForm action=revoke>
                                        <input type="hidden" name="id" value=s.id />
                                        <button class="button secondary small" type="submit">{label}</button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
