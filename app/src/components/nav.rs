use leptos::prelude::*;
use leptos_router::components::A;

/// The sidebar: Berth's name and the sections of the panel.
#[component]
pub fn Nav() -> impl IntoView {
    view! {
        <nav class="nav" aria-label="Sections">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"⚓"</span>
                "Berth"
            </a>
            <ul>
                <li>
                    <A href="/" exact=true>"Overview"</A>
                </li>
            </ul>
        </nav>
    }
}
