//! Plain data shared by browser and server. No database or Podman types here.

pub mod overview;
pub mod time;
pub mod auth;
pub mod url;
pub mod containers;
pub mod events;
pub mod logs;
pub mod stats;
pub mod images;
pub mod objects;
pub mod text;
pub mod stacks;
pub mod host;
pub mod webhooks;
