//! Plain data shared by browser and server. No database or Podman types here.

pub mod overview;
pub mod time;
pub mod auth;
pub mod url;
pub mod containers;
