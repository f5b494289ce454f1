//! The adapter to the user's Podman: the libpod API over its unix socket.

pub mod containers;
pub mod diagnose;
pub mod runtime;
pub mod watch;

pub use runtime::PodmanRuntime;
