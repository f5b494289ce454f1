//! The normalized project: what the engine deploys.
//!
//! Positions (`at`, `key_positions`) are for findings and messages only: they are not
//! serialized, so a stored project and its [`crate::config_hash`] do not change when the
//! file is reformatted. Durations are whole milliseconds (`*_ms`), byte sizes whole bytes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, Position};

/// A parsed, interpolated and checked compose project.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Project {
    /// The stack name.
    pub name: String,
    /// Services by name.
    pub services: BTreeMap<String, Service>,
    /// Networks by their key in the file. Includes `default` when a service uses it
    /// implicitly.
    pub networks: BTreeMap<String, Network>,
    /// Named volumes by their key in the file.
    pub volumes: BTreeMap<String, Volume>,
    /// Secrets by their key in the file.
    pub secrets: BTreeMap<String, Secret>,
    /// Things worth telling the user that do not stop a deploy (unset variables).
    pub warnings: Vec<Diagnostic>,
}

/// One service: one container, `<project>_<service>_1`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Service {
    /// The image reference, as written (after interpolation).
    pub image: String,
    /// Replaces the image's `CMD`; `None` keeps it.
    pub command: Option<Vec<String>>,
    /// Replaces the image's `ENTRYPOINT`; `None` keeps it.
    pub entrypoint: Option<Vec<String>>,
    /// `environment:`, which wins over [`Self::env_from_files`].
    pub environment: BTreeMap<String, String>,
    /// `env_file:` entries: normalized relative paths (see [`crate::normalize_relative`]),
    /// in order. The server reads each and calls [`crate::merge_env_file`].
    pub env_file: Vec<String>,
    /// Variables read from the `env_file`s (filled by [`crate::merge_env_file`]; later
    /// files win over earlier ones).
    pub env_from_files: BTreeMap<String, String>,
    /// Published ports, one per host port (ranges are expanded).
    pub ports: Vec<Port>,
    /// `expose:`: container ports, one per port (ranges are expanded).
    pub expose: Vec<Expose>,
    /// `volumes:` mounts, in order (tmpfs mounts in long syntax included).
    pub volumes: Vec<Mount>,
    /// `tmpfs:` entries: `"/path"` or `"/path:options"`.
    pub tmpfs: Vec<String>,
    /// Networks the service joins, by their key in the project. Empty when
    /// [`Self::network_mode`] is set.
    pub networks: BTreeMap<String, ServiceNetwork>,
    /// Services that must be up first.
    pub depends_on: BTreeMap<String, Dependency>,
    /// The restart policy.
    pub restart: Restart,
    /// The health check, when the file sets one.
    pub healthcheck: Option<Healthcheck>,
    /// Container labels (`com.docker.compose.*`, `io.podman.compose.*` and `berth.*` are
    /// refused: the engine owns them).
    pub labels: BTreeMap<String, String>,
    /// `user:` (`uid`, `uid:gid`, or names).
    pub user: Option<String>,
    /// `working_dir:`, an absolute path.
    pub working_dir: Option<String>,
    /// `hostname:`.
    pub hostname: Option<String>,
    /// `stop_signal:`, normalized to `SIGNAME` (or the number, for real-time signals);
    /// see [`Service::stop_signal_number`].
    pub stop_signal: Option<String>,
    /// `stop_grace_period:` in milliseconds.
    pub stop_grace_period_ms: Option<u64>,
    /// `init:`.
    pub init: Option<bool>,
    /// `read_only:` root filesystem.
    pub read_only: bool,
    /// `cap_drop:`, upper-case without the `CAP_` prefix (`ALL` allowed).
    pub cap_drop: Vec<String>,
    /// `container_name:`, checked with the service-name rule and unique in the project.
    pub container_name: Option<String>,
    /// Secrets mounted into the container.
    pub secrets: Vec<ServiceSecret>,
    /// `mem_limit:` in bytes.
    pub mem_limit: Option<u64>,
    /// `cpus:` as written (a positive decimal such as `0.5`).
    pub cpus: Option<String>,
    /// `extra_hosts:` as `host:ip` pairs.
    pub extra_hosts: Vec<String>,
    /// `dns:` servers.
    pub dns: Vec<String>,
    /// `tty:`.
    pub tty: bool,
    /// `stdin_open:`.
    pub stdin_open: bool,
    /// `pull_policy:` (`always`, `missing`, `never`, `newer`).
    pub pull_policy: Option<String>,

    // Policy items: parsed into the model so the policy can see them and the engine can
    // apply them when an admin allowed them.
    /// `privileged:`.
    pub privileged: bool,
    /// `cap_add:`, upper-case without the `CAP_` prefix.
    pub cap_add: Vec<String>,
    /// `devices:` as written (`/dev/x[:/dev/y[:rwm]]`).
    pub devices: Vec<String>,
    /// `network_mode:` (`bridge`, `none`, `host`, `service:x`, `container:x`, `ns:path`).
    pub network_mode: Option<String>,
    /// `pid:` (`host`, `private`, `service:x`, `container:x`, `ns:path`).
    pub pid: Option<String>,
    /// `ipc:` (`host`, `private`, `shareable`, `none`, `service:x`, `container:x`, `ns:path`).
    pub ipc: Option<String>,
    /// `userns_mode:` (`host`, `keep-id[:opts]`, `auto[:opts]`, `nomap`, `container:x`, `ns:path`).
    pub userns_mode: Option<String>,
    /// `security_opt:` as written.
    pub security_opt: Vec<String>,

    /// Where the service's name is in the file.
    #[serde(skip)]
    pub at: Option<Position>,
    /// Where each key of the service is in the file, by key.
    #[serde(skip)]
    pub key_positions: BTreeMap<String, Position>,
}

impl Service {
    /// The environment the container gets: `env_file` variables overlaid by `environment`.
    pub fn effective_environment(&self) -> BTreeMap<String, String> {
        let mut env = self.env_from_files.clone();
        env.extend(self.environment.iter().map(|(k, v)| (k.clone(), v.clone())));
        env
    }

    /// The number of [`Self::stop_signal`], if set.
    pub fn stop_signal_number(&self) -> Option<i32> {
        self.stop_signal.as_deref().and_then(crate::signal_number)
    }

    /// Whether the service has a health check that runs.
    pub fn has_healthcheck(&self) -> bool {
        self.healthcheck.as_ref().is_some_and(Healthcheck::is_enabled)
    }

    /// Other services this one needs started first: `depends_on`, plus the targets of
    /// `network_mode`/`pid`/`ipc: service:x`.
    pub fn dependencies(&self) -> impl Iterator<Item = &str> {
        let shared = [&self.network_mode, &self.pid, &self.ipc]
            .into_iter()
            .filter_map(|m| m.as_deref().and_then(|m| m.strip_prefix("service:")));
        self.depends_on.keys().map(String::as_str).chain(shared)
    }
}

/// `tcp` or `udp`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// TCP, the default.
    #[default]
    Tcp,
    /// UDP.
    Udp,
}

impl Protocol {
    /// `"tcp"` or `"udp"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Udp => "udp",
        }
    }
}

/// One published port.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Port {
    /// The host address to bind, without brackets (`None`: all addresses).
    pub host_ip: Option<String>,
    /// The host port (`None`: Podman picks one).
    pub published: Option<u16>,
    /// The container port.
    pub target: u16,
    /// `tcp` or `udp`.
    pub protocol: Protocol,
    /// Long syntax `mode:` (`host` or `ingress`), kept for the record; Podman has no
    /// ingress mesh and publishes on the host either way.
    pub mode: Option<String>,
    /// Where the entry is in the file.
    #[serde(skip)]
    pub at: Option<Position>,
}

/// One exposed container port.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expose {
    /// The container port.
    pub port: u16,
    /// `tcp` or `udp`.
    pub protocol: Protocol,
}

/// What a mount is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MountKind {
    /// A named volume (declared top-level), or an anonymous one when `source` is `None`.
    Volume,
    /// A host path.
    Bind,
    /// A tmpfs.
    Tmpfs,
}

/// One entry of a service's `volumes:`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mount {
    /// Volume, bind or tmpfs.
    pub kind: MountKind,
    /// Volume: its key in the project (`None`: anonymous). Bind: the host path, lexically
    /// normalized; relative paths (`data`, `../x`) are relative to the stack folder, `~`
    /// is kept as written. Tmpfs: `None`.
    pub source: Option<String>,
    /// The absolute path in the container.
    pub target: String,
    /// `:ro` / `read_only: true`.
    pub read_only: bool,
    /// SELinux relabelling: `z` (shared) or `Z` (private).
    pub selinux: Option<String>,
    /// Volume `nocopy: true`: don't copy the image's files into a new volume.
    pub nocopy: bool,
    /// Tmpfs size in bytes.
    pub tmpfs_size: Option<u64>,
    /// Tmpfs mode (permission bits).
    pub tmpfs_mode: Option<u32>,
    /// Where the entry is in the file.
    #[serde(skip)]
    pub at: Option<Position>,
}

/// How a service joins a network.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceNetwork {
    /// Extra DNS names for the service on this network.
    pub aliases: Vec<String>,
}

/// When a dependency counts as ready.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// The container has started.
    #[default]
    ServiceStarted,
    /// Its health check passes.
    ServiceHealthy,
    /// It ran and exited 0.
    ServiceCompletedSuccessfully,
}

/// One `depends_on` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dependency {
    /// When the dependency is ready.
    pub condition: Condition,
    /// Long syntax `restart:` (restart this service when the dependency is updated).
    pub restart: bool,
    /// Long syntax `required:` (default true).
    pub required: bool,
}

/// The restart policy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Restart {
    /// Never restart (compose's default).
    #[default]
    No,
    /// Always restart.
    Always,
    /// Restart unless stopped by the user.
    UnlessStopped,
    /// Restart when it exits non-zero, at most `max_retries` times when set.
    OnFailure {
        /// The cap on retries.
        max_retries: Option<u32>,
    },
}

impl Restart {
    /// The Podman `--restart` value.
    pub fn podman_value(self) -> String {
        match self {
            Self::No => "no".into(),
            Self::Always => "always".into(),
            Self::UnlessStopped => "unless-stopped".into(),
            Self::OnFailure { max_retries: None } => "on-failure".into(),
            Self::OnFailure { max_retries: Some(n) } => format!("on-failure:{n}"),
        }
    }
}

/// A health check.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Healthcheck {
    /// `["CMD", ...]`, `["CMD-SHELL", "..."]` or `["NONE"]`; empty when only timings are
    /// set (the image's check is kept).
    pub test: Vec<String>,
    /// Time between checks.
    pub interval_ms: Option<u64>,
    /// Time a check may take.
    pub timeout_ms: Option<u64>,
    /// Grace period after start.
    pub start_period_ms: Option<u64>,
    /// Time between checks during the start period.
    pub start_interval_ms: Option<u64>,
    /// Failures before unhealthy.
    pub retries: Option<u32>,
    /// `disable: true`.
    pub disable: bool,
}

impl Healthcheck {
    /// Whether this check runs (not disabled, not `NONE`).
    pub fn is_enabled(&self) -> bool {
        !self.disable && self.test.first().is_none_or(|t| t != "NONE")
    }
}

/// A service's use of a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceSecret {
    /// The secret's key in the project.
    pub source: String,
    /// Where it appears: a file name under `/run/secrets/`, or an absolute path. `None`:
    /// `/run/secrets/<source>`.
    pub target: Option<String>,
}

/// A top-level network.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    /// Created elsewhere; the engine only joins it.
    pub external: bool,
    /// `name:`: the Podman name of an external network (or an explicit name for one the
    /// engine creates).
    pub name: Option<String>,
    /// `bridge` (the only driver accepted); `None` means bridge.
    pub driver: Option<String>,
    /// `driver_opts:`.
    pub driver_opts: BTreeMap<String, String>,
    /// No route outside (`internal: true`).
    pub internal: bool,
    /// `enable_ipv6:`.
    pub enable_ipv6: bool,
    /// Labels for the network.
    pub labels: BTreeMap<String, String>,
    /// Where it is declared (`None` for the implicit `default`).
    #[serde(skip)]
    pub at: Option<Position>,
}

impl Network {
    /// The Podman name: `name` (or the key) when external or named, else `<project>_<key>`.
    pub fn podman_name(&self, project: &str, key: &str) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None if self.external => key.to_owned(),
            None => format!("{project}_{key}"),
        }
    }
}

/// A top-level named volume.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Volume {
    /// Created elsewhere; the engine only uses it.
    pub external: bool,
    /// `name:`: the Podman name (else `<project>_<key>`, or the key when external).
    pub name: Option<String>,
    /// `local` (the only driver accepted); `None` means local.
    pub driver: Option<String>,
    /// `driver_opts:` (`type`, `o`, `device` can bind host paths: see the policy).
    pub driver_opts: BTreeMap<String, String>,
    /// Labels for the volume.
    pub labels: BTreeMap<String, String>,
    /// Where it is declared.
    #[serde(skip)]
    pub at: Option<Position>,
}

impl Volume {
    /// The Podman name: `name` (or the key) when external or named, else `<project>_<key>`.
    pub fn podman_name(&self, project: &str, key: &str) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None if self.external => key.to_owned(),
            None => format!("{project}_{key}"),
        }
    }
}

/// Where a secret's content comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretSource {
    /// A file, by its normalized path relative to the stack folder (or absolute, which the
    /// policy reports).
    File(String),
    /// An existing Podman secret by name.
    External(String),
}

/// A top-level secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Secret {
    /// Where the content comes from.
    pub source: SecretSource,
    /// Where it is declared.
    #[serde(skip)]
    pub at: Option<Position>,
}
