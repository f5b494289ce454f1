//! Webhook redeploys: `POST /hooks/stacks/<hook id>`, signed like GitHub's webhooks,
//! refused when replayed, limited per hook and per address, and recorded in the
//! stack's history and the audit log.

pub mod limiter;
pub mod payload;
pub mod signature;
mod handler;
mod service;

pub use handler::routes;
pub use service::{Answer, HookService};
