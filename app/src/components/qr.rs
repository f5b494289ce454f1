use leptos::prelude::*;

/// A QR code drawn as SVG from its modules (no image service, no markup injection:
/// only numbers go into the path).
#[component]
pub fn QrCode(size: usize, modules: Vec<bool>) -> impl IntoView {
    const QUIET: usize = 4;
    let mut path = String::new();
    for (index, dark) in modules.iter().enumerate() {
        if *dark && size > 0 {
            let (x, y) = (index % size + QUIET, index / size + QUIET);
            path.push_str(&format!("M{x},{y}h1v1h-1z"));
        }
    }
    let full = size + 2 * QUIET;
    view! {
        <svg
            class="qr"
            data-testid="totp-qr"
            role="img"
            aria-label="QR code for your authenticator app"
            viewBox=format!("0 0 {full} {full}")
            shape-rendering="crispEdges"
            xmlns="http://www.w3.org/2000/svg"
        >
            <rect width=full height=full fill="#fff" />
            <path d=path fill="#000" />
        </svg>
    }
}
