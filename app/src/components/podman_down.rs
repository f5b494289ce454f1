use leptos::prelude::*;

use crate::model::overview::PodmanProblem;

/// One line saying Podman can't be used, where, and the fix (lists and detail pages;
/// the overview explains it at length).
#[component]
pub fn PodmanDown(socket_path: String, problem: PodmanProblem) -> impl IntoView {
    view! {
        <p class="alert error" role="alert" data-testid="podman-down">
            {problem.message()}" Socket: "<code>{socket_path}</code>". Fix: "<code>{problem.fix()}</code>". Berth tries again by itself."
        </p>
    }
}
