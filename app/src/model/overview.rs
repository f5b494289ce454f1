use serde::{Deserialize, Serialize};

/// Something read live from Podman, or why Podman can't be reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Live<T> {
    /// Podman answered.
    Ready(T),
    /// Podman did not answer (or is not one Berth may use).
    Down {
        /// The socket Berth is configured to use.
        socket_path: String,
        /// Why it can't be used.
        problem: PodmanProblem,
    },
}

/// What the host overview shows.
pub type Overview = Live<Box<HostOverview>>;

/// Facts about the rootless Podman host, read from the libpod API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostOverview {
    pub podman_version: String,
    pub api_version: String,
    pub rootless: bool,
    pub socket_path: String,
    pub hostname: String,
    pub kernel: String,
    pub os: String,
    pub cgroup_version: String,
    pub oci_runtime: String,
    pub network_backend: String,
    pub containers_total: usize,
    pub containers_running: usize,
    pub images: usize,
    pub volumes: usize,
    pub networks: usize,
    pub pods: usize,
}

/// What Podman's storage holds (`podman system df`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiskUse {
    pub images: usize,
    pub images_bytes: u64,
    /// Held by images no container uses.
    pub images_reclaimable: u64,
    pub containers: usize,
    /// Written by containers on top of their images.
    pub containers_bytes: u64,
    pub volumes: usize,
    pub volumes_bytes: u64,
    /// Held by volumes no container uses.
    pub volumes_reclaimable: u64,
}

/// Why Berth can't use the Podman socket. Each says what happened and how to fix it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PodmanProblem {
    /// No socket file at the configured path.
    SocketMissing,
    /// The file exists but nothing listens on it (a stale socket).
    NotListening,
    /// The socket exists but this user may not open it.
    PermissionDenied,
    /// Something listens but did not answer in time.
    NotAnswering,
    /// The Podman behind the socket runs as root; Berth refuses it.
    Rootful,
    /// The socket answered with something that is not a usable libpod API.
    BadAnswer,
}

/// A change of the socket's state, as the background watcher saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SocketEvent {
    /// Unix seconds.
    pub at: i64,
    /// `None`: the socket answered (again).
    pub problem: Option<PodmanProblem>,
}

/// The command that starts the user's Podman API socket.
pub const ENABLE_SOCKET: &str = "systemctl --user enable --now podman.socket";

impl PodmanProblem {
    /// Every problem, for parsing stored names.
    pub const ALL: [Self; 6] =
        [Self::SocketMissing, Self::NotListening, Self::PermissionDenied, Self::NotAnswering, Self::Rootful, Self::BadAnswer];

    /// A stable name, for logs and the database.
    pub fn name(self) -> &'static str {
        match self {
            Self::SocketMissing => "socket-missing",
            Self::NotListening => "not-listening",
            Self::PermissionDenied => "permission-denied",
            Self::NotAnswering => "not-answering",
            Self::Rootful => "rootful",
            Self::BadAnswer => "bad-answer",
        }
    }

    /// The problem with this stable name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// One sentence saying what is wrong.
    pub fn message(self) -> &'static str {
        match self {
            Self::SocketMissing => "The Podman API socket does not exist: the podman.socket user unit is not running.",
            Self::NotListening => "The Podman API socket file exists, but nothing is listening on it.",
            Self::PermissionDenied => "Berth is not allowed to open the Podman API socket.",
            Self::NotAnswering => "The Podman API socket did not answer in time.",
            Self::Rootful => "The Podman behind this socket runs as root. Berth manages rootless Podman only, so a compromised app can't mean a compromised root.",
            Self::BadAnswer => "Something answered on the socket, but not a Podman API Berth can use.",
        }
    }

    /// What to do about it, as the person at the server would type it.
    pub fn fix(self) -> &'static str {
        match self {
            Self::SocketMissing | Self::NotListening | Self::NotAnswering => ENABLE_SOCKET,
            Self::PermissionDenied => {
                "Run Berth as the user who owns the socket, or point --podman-socket at your own user's socket."
            }
            Self::Rootful => {
                "Point --podman-socket at your user's socket ($XDG_RUNTIME_DIR/podman/podman.sock) and run: systemctl --user enable --now podman.socket"
            }
            Self::BadAnswer => "Check that --podman-socket names Podman's API socket, then run: systemctl --user restart podman.socket",
        }
    }

    /// Whether the fix is a command to copy (rendered in monospace).
    pub fn fix_is_command(self) -> bool {
        matches!(self, Self::SocketMissing | Self::NotListening | Self::NotAnswering)
    }
}
