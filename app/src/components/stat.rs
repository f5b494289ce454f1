use leptos::prelude::*;

/// A labelled figure, such as "Containers 3 / 7". `testid` names it for tests.
#[component]
pub fn Stat(label: &'static str, testid: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="stat">
            <dt>{label}</dt>
            <dd data-testid=testid>{children()}</dd>
        </div>
    }
}
