//! Server functions by area. Each is thin: authorize, call one service, map the error.

pub mod account;
pub mod audit;
pub mod auth;
pub mod containers;
#[cfg(feature = "ssr")]
pub mod form;
#[cfg(feature = "ssr")]
pub mod guard;
pub mod host;
pub mod images;
pub mod objects;
pub mod overview;
pub mod stacks;
pub mod users;
pub mod webhooks;

/// The remembered-device cookie: set once password and TOTP succeed, it lets this
/// browser in while its account is locked by someone else's failed attempts.
pub const DEVICE_COOKIE: &str = "__Host-berth-device";
