//! Stacks: compose files in the data dir, deployed as the user's rootless containers
//! over the libpod API, with their history in SQLite.

pub mod deploy;
pub mod engine;
pub mod external;
pub mod jobs;
pub mod libpod;
pub mod lifecycle;
pub mod service;
pub mod spec;
pub mod store;

pub use service::StackService;
