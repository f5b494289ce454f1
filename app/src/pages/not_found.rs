use leptos::prelude::*;
use leptos_meta::Title;

/// The page for any path Berth does not have. The server sets status 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <h1>"Not found"</h1>
        <p>"There is no page at this address. "<a href="/">"Back to the overview"</a></p>
    }
}
