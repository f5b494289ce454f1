use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use crate::api::auth::{Logout, whoami};
use crate::model::auth::Role;

/// The sidebar: Berth's name, the sections the user may open, and who is signed in.
#[component]
pub fn Nav() -> impl IntoView {
    let location = use_location();
    // Asked again on every navigation, so signing in or out shows at once.
    let me = Resource::new(move || location.pathname.get(), |_| whoami());
    let logout = ServerAction::<Logout>::new();
    view! {
        <nav class="nav" aria-label="Sections">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"⚓"</span>
                "Berth"
            </a>
            <Suspense>
                {move || Suspend::new(async move {
                    let user = me.await.ok().flatten()?;
                    let admin = user.role == Role::Admin;
                    // Until an admin has two-factor set up, there is nowhere else to go.
                    let sections = (!user.enrol_only).then(|| view! {
                        <ul>
                            <li><A href="/" exact=true>"Overview"</A></li>
                            <li><A href="/stacks">"Stacks"</A></li>
                            <li><A href="/containers">"Containers"</A></li>
                            <li><A href="/images">"Images"</A></li>
                            <li><A href="/volumes">"Volumes"</A></li>
                            <li><A href="/networks">"Networks"</A></li>
                            <li><A href="/pods">"Pods"</A></li>
                            <li><A href="/host">"Host"</A></li>
                            {admin.then(|| view! {
                                <li><A href="/users">"Users"</A></li>
                                <li><A href="/audit">"Audit log"</A></li>
                            })}
                            <li><A href="/account">"Account"</A></li>
                        </ul>
                    });
                    Some(view! {
                        {sections}
                        <div class="whoami">
                            <span data-testid="whoami">{user.username}</span>
                            <span class="muted">" · "{user.role.as_str()}</span>
                            <ActionForm action=logout>
                                <button class="button secondary small" type="submit">"Sign out"</button>
                            </ActionForm>
                        </div>
                    })
                })}
            </Suspense>
        </nav>
    }
}
