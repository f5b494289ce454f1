//! Stacks: compose files deployed as the user's containers, their deployments and
//! their policy.

use serde::{Deserialize, Serialize};

/// How a stack's containers are doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StackState {
    /// Every service has a running container.
    Running,
    /// Some services run, some don't.
    Partial,
    /// Containers exist but none runs.
    Stopped,
    /// No container exists.
    Down,
}

impl StackState {
    /// From how many services run out of how many, and whether any container exists.
    pub fn of(running: usize, total: usize, containers: usize) -> Self {
        match (running, containers) {
            (_, 0) => Self::Down,
            (0, _) => Self::Stopped,
            (r, _) if r >= total => Self::Running,
            _ => Self::Partial,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Partial => "partly running",
            Self::Stopped => "stopped",
            Self::Down => "down",
        }
    }
}

/// One stack in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackRow {
    pub name: String,
    pub state: StackState,
    /// Services with a running container.
    pub running: usize,
    /// Services in the compose file (external stacks: containers found).
    pub total: usize,
    pub last_deployment: Option<DeploymentSummary>,
    /// Policy findings not allowed for this stack: it will not deploy until fixed.
    pub policy_blocks: usize,
    /// Problems that stop the compose file from parsing (the first one).
    pub problem: Option<String>,
}

/// A stack started outside Berth (podman-compose, docker compose), found by its labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalStack {
    pub name: String,
    pub running: usize,
    pub containers: Vec<String>,
    /// The folder its compose file was in, as its labels say.
    pub working_dir: String,
    /// The compose files its labels name.
    pub config_files: String,
}

/// The stacks page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackList {
    pub stacks: Vec<StackRow>,
    pub external: Vec<ExternalStack>,
}

/// A service of a stack and its container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRow {
    pub service: String,
    pub image: String,
    /// The container's name, if one exists.
    pub container: Option<String>,
    /// Podman's state of the container ("running", "exited", ...), empty without one.
    pub state: String,
    pub health: String,
    /// Published ports as "host:container/proto".
    pub ports: Vec<String>,
    pub restart: String,
    /// Whether the container runs the current compose file (its config hash matches).
    pub current: bool,
}

/// A policy finding and whether the stack may have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyView {
    /// The item's key (`privileged`, `bind-outside`, ...).
    pub item: String,
    pub title: String,
    pub risk: String,
    pub service: Option<String>,
    pub detail: String,
    /// Allowed for this stack by an admin (who and when, as text), or blocked.
    pub allowed_by: Option<String>,
}

/// An override an admin made for this stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverrideView {
    pub item: String,
    pub title: String,
    pub allowed_by: String,
    pub allowed_at: i64,
}

/// Everything the stack page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackDetail {
    pub name: String,
    pub compose: String,
    pub env: String,
    pub state: StackState,
    pub services: Vec<ServiceRow>,
    /// Why the compose file can't be used, one problem per line (empty when it parses).
    pub problems: Vec<String>,
    pub warnings: Vec<String>,
    pub policy: Vec<PolicyView>,
    pub overrides: Vec<OverrideView>,
    pub deployments: Vec<DeploymentSummary>,
    /// The folder with `compose.yaml` and `.env`.
    pub folder: String,
    /// Whether Podman answered (services show only then).
    pub podman_up: bool,
}

/// What a deployment (or other stack action) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StackAction {
    /// Create what is missing and recreate what changed.
    Deploy,
    /// Pull every image first, then deploy.
    PullRedeploy,
    Start,
    Stop,
    Restart,
    /// Remove the containers and networks (volumes stay).
    Down,
    /// Down, and remove the stack's volumes too.
    DownWithVolumes,
}

impl StackAction {
    pub const ALL: [Self; 7] = [Self::Deploy, Self::PullRedeploy, Self::Start, Self::Stop, Self::Restart, Self::Down, Self::DownWithVolumes];

    /// The name kept in the history.
    pub fn key(self) -> &'static str {
        match self {
            Self::Deploy => "deploy",
            Self::PullRedeploy => "pull-redeploy",
            Self::Start => "start",
            Self::Stop => "stop",
            Self::Restart => "restart",
            Self::Down => "down",
            Self::DownWithVolumes => "down-volumes",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Deploy => "Deploy",
            Self::PullRedeploy => "Pull and redeploy",
            Self::Start => "Start",
            Self::Stop => "Stop",
            Self::Restart => "Restart",
            Self::Down => "Down",
            Self::DownWithVolumes => "Down and remove volumes",
        }
    }
}

/// How a deployment ended, or that it still runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Running,
    Ok,
    Failed,
    /// Refused before it started (a webhook call that did not deploy, say).
    Refused,
}

impl Outcome {
    pub fn key(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Ok => "ok",
            Self::Failed => "failed",
            Self::Refused => "refused",
        }
    }

    pub fn from_key(key: &str) -> Self {
        match key {
            "running" => Self::Running,
            "ok" => Self::Ok,
            "refused" => Self::Refused,
            _ => Self::Failed,
        }
    }
}

/// One line of a stack's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentSummary {
    pub id: i64,
    pub stack: String,
    /// A [`StackAction::key`].
    pub action: String,
    /// Who or what asked: a user name, or "webhook".
    pub trigger: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub outcome: Outcome,
    /// One line on how it ended.
    pub summary: String,
}

/// A deployment and its log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    pub summary: DeploymentSummary,
    pub lines: Vec<String>,
}

/// The starting point of a new stack's editor.
pub const EXAMPLE_COMPOSE: &str = "services:\n  web:\n    image: docker.io/library/nginx:stable\n    restart: always\n    ports:\n      - \"8080:80\"\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_follows_what_runs() {
        assert_eq!(StackState::of(0, 2, 0), StackState::Down);
        assert_eq!(StackState::of(0, 2, 2), StackState::Stopped);
        assert_eq!(StackState::of(1, 2, 2), StackState::Partial);
        assert_eq!(StackState::of(2, 2, 2), StackState::Running);
    }

    #[test]
    fn actions_round_trip_through_keys() {
        for action in StackAction::ALL {
            assert_eq!(StackAction::from_key(action.key()), Some(action));
        }
        assert_eq!(StackAction::from_key("rm -rf"), None);
    }
}
