use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    ParamSegment, SsrMode, StaticSegment,
    components::{Route, Router, Routes},
};

use crate::components::nav::Nav;
use crate::pages::{
    account::AccountPage,
    audit::AuditPage,
    container::ContainerPage,
    containers::ContainersPage,
    deployment::DeploymentPage,
    host::HostPage,
    images::ImagesPage,
    logs::LogsPage,
    objects::{NetworkPage, NetworksPage, PodPage, PodsPage, VolumePage, VolumesPage},
    pull::PullPage,
    login::{LoginCodePage, LoginPage},
    not_found::NotFound,
    overview::OverviewPage,
    reauth::ReauthPage,
    setup::SetupPage,
    stack::{StackEditPage, StackPage},
    stacks::{NewStackPage, StacksPage},
    totp::{EnrolPage, RecoveryCodesPage},
    users::UsersPage,
};

/// The per-request CSP nonce the server put in the request (see the server's
/// `http::headers`), so inline scripts carry the nonce the header allows.
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

/// The HTML document around every page, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(nonce) = use_context::<http::request::Parts>().and_then(|parts| parts.extensions.get::<CspNonce>().cloned()) {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The application: navigation and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();

    view! {
        <Stylesheet id="berth" href="/pkg/berth.css" />
        <Title formatter=|page: String| format!("{page} · Berth") />
        <Router>
            <div class="layout">
                <Nav />
                <main class="content">
                    // Async SSR: every page arrives complete, so it works with JavaScript off.
                    <Routes fallback=NotFound>
                        <Route path=StaticSegment("") view=OverviewPage ssr=SsrMode::Async />
                        <Route path=StaticSegment("stacks") view=StacksPage ssr=SsrMode::Async />
                        <Route path=(StaticSegment("stacks"), StaticSegment("new")) view=NewStackPage ssr=SsrMode::Async />
                        <Route path=(StaticSegment("stacks"), ParamSegment("name")) view=StackPage ssr=SsrMode::Async />
                        <Route path=(StaticSegment("stacks"), ParamSegment("name"), StaticSegment("edit")) view=StackEditPage ssr=SsrMode::Async />
                        <Route
                            path=(StaticSegment("stacks"), ParamSegment("name"), StaticSegment("deployments"), ParamSegment("id"))
                            view=DeploymentPage
                            ssr=SsrMode::Async
                        />
                        <Route path=StaticSegment("containers") view=ContainersPage ssr=SsrMode::Async />
                        <Route path=(StaticSegment("containers"), ParamSegment("name")) view=ContainerPage ssr=SsrMode::Async />
                        <Route path=(StaticSegment("containers"), ParamSegment("name"), StaticSegment("logs")) view=LogsPage ssr=SsrMode::Async />
                        <Route path=StaticSegment("images") view=ImagesPage ssr=SsrMode::Async />
                        <Route path=(StaticSegment("images"), StaticSegment("pulls"), ParamSegment("id")) view=PullPage ssr=SsrMode::Async />
                        <Route path=StaticSegment("volumes") view=VolumesPage ssr=SsrMode::Async />
                        <Route path=(StaticSegment("volumes"), ParamSegment("name")) view=VolumePage ssr=SsrMode::Async />
                        <Route path=StaticSegment("networks") view=NetworksPage ssr=SsrMode::Async />
                        <Route path=(StaticSegment("networks"), ParamSegment("name")) view=NetworkPage ssr=SsrMode::Async />
                        <Route path=StaticSegment("pods") view=PodsPage ssr=SsrMode::Async />
                        <Route path=(StaticSegment("pods"), ParamSegment("name")) view=PodPage ssr=SsrMode::Async />
                        <Route path=StaticSegment("host") view=HostPage ssr=SsrMode::Async />
                        <Route path=StaticSegment("setup") view=SetupPage ssr=SsrMode::Async />
                        <Route path=StaticSegment("login") view=LoginPage ssr=SsrMode::Async />
                        <Route path=(StaticSegment("login"), StaticSegment("code")) view=LoginCodePage ssr=SsrMode::Async />
                        <Route path=StaticSegment("reauth") view=ReauthPage ssr=SsrMode::Async />
                        <Route path=StaticSegment("account") view=AccountPage ssr=SsrMode::Async />
                        <Route path=(StaticSegment("account"), StaticSegment("totp")) view=EnrolPage ssr=SsrMode::Async />
                        <Route
                            path=(StaticSegment("account"), StaticSegment("recovery-codes"))
                            view=RecoveryCodesPage
                            ssr=SsrMode::Async
                        />
                        <Route path=StaticSegment("users") view=UsersPage ssr=SsrMode::Async />
                        <Route path=StaticSegment("audit") view=AuditPage ssr=SsrMode::Async />
                    </Routes>
                </main>
            </div>
        </Router>
    }
}

/// Sets `data-hydrated` on `<html>` once the wasm has taken over the page, so tests
/// (and curious users) can tell a live page from a static one.
fn mark_hydrated() {
    #[cfg(feature = "hydrate")]
    Effect::new(|_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
