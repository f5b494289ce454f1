//! The adapter to the user's Podman: the libpod API over its unix socket.

pub mod answer;
pub mod containers;
pub mod diagnose;
pub mod events;
pub mod images;
pub mod logs;
pub mod objects;
pub mod raw;
pub mod stats;
pub mod runtime;
pub mod watch;

pub use runtime::PodmanRuntime;
