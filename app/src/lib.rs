//! Berth's user interface and the contract between browser and server.
//!
//! Everything here compiles twice: to wasm for the browser (`hydrate`) and into the
//! `berth` binary (`ssr`). Code that touches the outside world lives in the server
//! crate, behind the service traits in [`services`].

pub mod api;
pub mod components;
pub mod error;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod services;
mod shell;

pub use shell::{App, CspNonce, shell};

/// Browser entry point: attaches the reactive system to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
