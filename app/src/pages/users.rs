use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::users::{AddUser, ChangeUser, UserAction, list_users};
use crate::components::form::{Field, FormError};
use crate::model::auth::{Role, UserSummary};
use crate::model::time::format_utc;

/// User management (admins).
#[component]
pub fn UsersPage() -> impl IntoView {
    let add = ServerAction::<AddUser>::new();
    let change = ServerAction::<ChangeUser>::new();
    let users = Resource::new(move || (add.version().get(), change.version().get()), |_| list_users());
    view! {
        <Title text="Users" />
        <h1>"Users"</h1>
        <section class="card">
            <FormError error=Signal::derive(move || change.value().get().and_then(Result::err)) />
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(list) => view! { <UserTable list change /> }.into_any(),
                        Err(error) => view! { <p class="alert error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <section class="card">
            <h2>"Add a user"</h2>
            <FormError error=Signal::derive(move || add.value().get().and_then(Result::err)) />
            <ActionForm action=add>
                <Field label="User name" name="username" autocomplete="off" />
                <label class="field" for="field-role">
                    <span>"Role"</span>
                    <select id="field-role" name="role">
                        <option value="viewer">"viewer: sees everything, changes nothing"</option>
                        <option value="operator">"operator: runs stacks and containers"</option>
                        <option value="admin">"admin: everything, including users"</option>
                    </select>
                </label>
                <Field label="Password" name="password" kind="password" autocomplete="new-password" hint="At least 12 characters. Tell it to them in person." />
                <button class="button" type="submit">"Add user"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn UserTable(list: Vec<UserSummary>, change: ServerAction<ChangeUser>) -> impl IntoView {
    let button = move |id: i64, action: UserAction, label: &'static str| {
        let action_name = format!("{action:?}");
        view! {
            <ActionForm action=change>
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="action" value=action_name />
                <button class="button secondary small" type="submit">{label}</button>
            </ActionForm>
        }
    };
    view! {
        <table class="table" data-testid="users">
            <thead>
                <tr><th>"User"</th><th>"Role"</th><th>"Two-factor"</th><th>"State"</th><th>"Added"</th><th></th></tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|u| {
                        let locked = u.locked_until.map(|until| format!("locked until {}", format_utc(until)));
                        let roles = Role::ALL.into_iter().filter(|r| *r != u.role).map(|r| {
                            let (action, label) = match r {
                                Role::Admin => (UserAction::MakeAdmin, "Make admin"),
                                Role::Operator => (UserAction::MakeOperator, "Make operator"),
                                Role::Viewer => (UserAction::MakeViewer, "Make viewer"),
                            };
                            button(u.id, action, label)
                        }).collect_view();
                        view! {
                            <tr>
                                <td>{u.username}</td>
                                <td>{u.role.as_str()}</td>
                                <td>{if u.totp_enabled { "on" } else { "off" }}</td>
                                <td>{locked.clone().unwrap_or_else(|| "active".to_owned())}</td>
                                <td>{format_utc(u.created_at)}</td>
                                <td class="actions">
                                    {roles}
                                    {locked.is_some().then(|| button(u.id, UserAction::Unlock, "Unlock"))}
                                    {u.totp_enabled.then(|| button(u.id, UserAction::ResetTotp, "Reset two-factor"))}
                                    {button(u.id, UserAction::Remove, "Remove")}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
