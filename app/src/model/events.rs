//! Podman's event stream, as the dashboard's feed and the live views see it.

use serde::{Deserialize, Serialize};

/// One event from Podman: a container started, an image was pulled, ...
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodmanEvent {
    /// Unix seconds.
    pub at: i64,
    /// container, image, volume, network or pod.
    pub kind: String,
    /// start, died, remove, pull, ...
    pub action: String,
    /// The object's name (or its id when it has none).
    pub name: String,
}

impl PodmanEvent {
    /// Whether the event changes what the views show. Health checks and execs run all
    /// the time and change nothing a list shows.
    pub fn changes_views(&self) -> bool {
        !matches!(self.action.as_str(), "health_status" | "exec" | "exec_died" | "attach" | "checkpoint" | "sync" | "cleanup")
    }
}
