//! The stack policy: what a stack may only do when an admin has allowed it.
//!
//! Deny by default: every finding blocks a deploy unless the stack's override allows that
//! item. Choices made here:
//! - `network_mode`/`pid`/`ipc: service:<x>` (sharing with a service of the same stack) is
//!   allowed; `host`, `container:<x>` (any container of the user, including other
//!   stacks') and `ns:<path>` are [`PolicyItem::HostNamespace`]. The same for
//!   `userns_mode`, where `keep-id`, `auto` and `nomap` are allowed.
//! - `security_opt`: only `no-new-privileges` (`:true`, `=true`, ...) is allowed; every
//!   other value is [`PolicyItem::SecurityOpt`] (the known dangerous ones, and anything
//!   unknown such as `label=type:spc_t`, `seccomp=/path` or `unmask=ALL`).
//! - A bind of a directory that contains a Podman or Docker socket location (`/`, `/run`,
//!   `/run/user/1000`, ...) counts as [`PolicyItem::PodmanSocket`], not only the socket.

use serde::{Deserialize, Serialize};

use crate::diagnostic::Position;
use crate::model::{MountKind, Project, SecretSource, Service};
use crate::path::{is_inside_stack, normalize_path};

/// Something a stack may do only with an admin's audited override.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyItem {
    /// A bind mount whose source is outside the stack folder.
    BindOutside,
    /// A bind mount of a Podman or Docker socket (or a folder holding one).
    PodmanSocket,
    /// `privileged: true`.
    Privileged,
    /// `cap_add`.
    CapAdd,
    /// `devices`.
    Devices,
    /// Host (or another container's) network, PID, IPC or user namespace.
    HostNamespace,
    /// `security_opt` that weakens confinement.
    SecurityOpt,
    /// A named volume whose `driver_opts` bind a host path.
    VolumeDriverOpts,
    /// An `env_file` or secret `file` outside the stack folder.
    FileOutside,
}

impl PolicyItem {
    /// Every item, in a stable order.
    pub const ALL: [Self; 9] = [
        Self::BindOutside,
        Self::PodmanSocket,
        Self::Privileged,
        Self::CapAdd,
        Self::Devices,
        Self::HostNamespace,
        Self::SecurityOpt,
        Self::VolumeDriverOpts,
        Self::FileOutside,
    ];

    /// The stable key used in storage, URLs and the audit log.
    pub fn key(self) -> &'static str {
        match self {
            Self::BindOutside => "bind-outside",
            Self::PodmanSocket => "podman-socket",
            Self::Privileged => "privileged",
            Self::CapAdd => "cap-add",
            Self::Devices => "devices",
            Self::HostNamespace => "host-namespace",
            Self::SecurityOpt => "security-opt",
            Self::VolumeDriverOpts => "volume-driver-opts",
            Self::FileOutside => "file-outside",
        }
    }

    /// The item for a [`Self::key`].
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.key() == key)
    }

    /// A short human name.
    pub fn title(self) -> &'static str {
        match self {
            Self::BindOutside => "Bind mounts outside the stack folder",
            Self::PodmanSocket => "Access to the Podman or Docker socket",
            Self::Privileged => "Privileged containers",
            Self::CapAdd => "Added Linux capabilities",
            Self::Devices => "Host devices",
            Self::HostNamespace => "Host namespaces (network, PID, IPC, user)",
            Self::SecurityOpt => "Weakened confinement (security_opt)",
            Self::VolumeDriverOpts => "Volumes that bind host paths (driver_opts)",
            Self::FileOutside => "Files read from outside the stack folder",
        }
    }

    /// One sentence on why it is dangerous.
    pub fn risk(self) -> &'static str {
        match self {
            Self::BindOutside => "The container can read, and unless read-only change, files of your user outside the stack, such as SSH keys, shell startup files or other stacks' data.",
            Self::PodmanSocket => "Whoever controls the container controls Podman: they can start any container with any mount, which is your whole account.",
            Self::Privileged => "The container gets all capabilities and devices and no confinement, so a compromise of it is a compromise of your user.",
            Self::CapAdd => "Extra capabilities widen what a compromised process can do inside the user namespace, such as reconfiguring networks or mounting filesystems.",
            Self::Devices => "The container can use host devices directly, which bypasses the isolation Podman gives it.",
            Self::HostNamespace => "The container shares the host's (or another container's) network, processes, IPC or user IDs, so it can see and reach what they can.",
            Self::SecurityOpt => "Turning off SELinux labels, seccomp or AppArmor removes the confinement that contains a compromised container.",
            Self::VolumeDriverOpts => "A volume defined with bind options is a bind mount of a host path in disguise.",
            Self::FileOutside => "The stack reads files of your user outside its folder (into variables or secrets), which can leak them to the container.",
        }
    }
}

/// One policy item a stack uses, and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// What is used.
    pub item: PolicyItem,
    /// The service that uses it (`None` for top-level volumes and secrets).
    pub service: Option<String>,
    /// What exactly, e.g. "bind mount /etc:/host-etc".
    pub detail: String,
    /// 1-based line in compose.yaml, where known.
    pub line: Option<u32>,
    /// 1-based column in compose.yaml, where known.
    pub column: Option<u32>,
}

/// Where a Podman or Docker socket may live. A bind of one of these, of something under
/// one, or of a folder above one reaches the socket.
const SOCKET_PLACES: [&str; 6] = [
    "/run/podman",
    "/var/run/podman",
    "/run/docker.sock",
    "/var/run/docker.sock",
    "/run/user/*/podman",
    "/run/user/*/docker.sock",
];

/// Whether `longer` starts with `shorter`, component-wise; `*` in whichever of them is the
/// pattern matches any one component.
fn starts_with(longer: &[&str], shorter: &[&str], pattern_is_longer: bool) -> bool {
    shorter.len() <= longer.len()
        && longer.iter().zip(shorter).all(|(l, s)| {
            let (pattern, actual) = if pattern_is_longer { (l, s) } else { (s, l) };
            *pattern == "*" || pattern == actual
        })
}

/// Whether a bind source (any spelling) reaches a Podman or Docker socket.
pub fn is_socket_path(source: &str) -> bool {
    let p = normalize_path(source);
    let last = p.rsplit('/').next().unwrap_or("");
    if last.ends_with("podman.sock") || last.ends_with("docker.sock") {
        return true;
    }
    if !p.starts_with('/') {
        return false;
    }
    let parts: Vec<&str> = p.split('/').filter(|c| !c.is_empty()).collect();
    SOCKET_PLACES.iter().any(|place| {
        let place: Vec<&str> = place.split('/').filter(|c| !c.is_empty()).collect();
        // Under the socket place, or a folder above it.
        starts_with(&parts, &place, false) || starts_with(&place, &parts, true)
    })
}

fn allowed_security_opt(opt: &str) -> bool {
    let o = opt.trim();
    matches!(
        o,
        "no-new-privileges" | "no-new-privileges:true" | "no-new-privileges=true" | "no-new-privileges:false" | "no-new-privileges=false"
    )
}

fn host_namespace(mode: &str) -> bool {
    mode == "host" || mode.starts_with("container:") || mode.starts_with("ns:")
}

struct Out<'a> {
    findings: Vec<Finding>,
    service: Option<&'a str>,
}

impl Out<'_> {
    fn add(&mut self, item: PolicyItem, detail: String, at: Option<Position>) {
        self.findings.push(Finding {
            item,
            service: self.service.map(str::to_owned),
            detail,
            line: at.map(|p| p.line),
            column: at.map(|p| p.column),
        });
    }
}

fn service_findings(out: &mut Out<'_>, s: &Service) {
    let key_at = |k: &str| s.key_positions.get(k).copied().or(s.at);
    for m in &s.volumes {
        if m.kind != MountKind::Bind {
            continue;
        }
        let Some(src) = &m.source else { continue };
        let detail = format!("bind mount {src}:{}{}", m.target, if m.read_only { ":ro" } else { "" });
        if !is_inside_stack(src) {
            out.add(PolicyItem::BindOutside, detail.clone(), m.at);
        }
        if is_socket_path(src) {
            out.add(PolicyItem::PodmanSocket, detail, m.at);
        }
    }
    if s.privileged {
        out.add(PolicyItem::Privileged, "privileged: true".into(), key_at("privileged"));
    }
    if !s.cap_add.is_empty() {
        out.add(PolicyItem::CapAdd, format!("cap_add: {}", s.cap_add.join(", ")), key_at("cap_add"));
    }
    if !s.devices.is_empty() {
        out.add(PolicyItem::Devices, format!("devices: {}", s.devices.join(", ")), key_at("devices"));
    }
    for (key, mode) in [("network_mode", &s.network_mode), ("pid", &s.pid), ("ipc", &s.ipc), ("userns_mode", &s.userns_mode)] {
        if let Some(m) = mode.as_deref()
            && host_namespace(m)
        {
            out.add(PolicyItem::HostNamespace, format!("{key}: {m}"), key_at(key));
        }
    }
    for opt in s.security_opt.iter().filter(|o| !allowed_security_opt(o)) {
        out.add(PolicyItem::SecurityOpt, format!("security_opt: {opt}"), key_at("security_opt"));
    }
    for f in &s.env_file {
        if !is_inside_stack(f) {
            out.add(PolicyItem::FileOutside, format!("env_file {f}"), key_at("env_file"));
        }
    }
}

/// Every policy item `project` uses. Empty means it deploys without an override.
pub fn policy_findings(project: &Project) -> Vec<Finding> {
    let mut out = Out { findings: Vec::new(), service: None };
    for (name, s) in &project.services {
        out.service = Some(name);
        service_findings(&mut out, s);
    }
    out.service = None;
    for (name, v) in &project.volumes {
        let opt = |k: &str| v.driver_opts.get(k).map(String::as_str);
        let binds = opt("o").is_some_and(|o| o.split(',').any(|x| x.trim() == "bind" || x.trim() == "rbind"))
            || opt("device").is_some()
            || matches!(opt("type"), Some("none" | "bind"));
        if binds {
            let opts: Vec<String> = v.driver_opts.iter().map(|(k, x)| format!("{k}={x}")).collect();
            let detail = format!("volume `{name}` driver_opts {}", opts.join(" "));
            out.add(PolicyItem::VolumeDriverOpts, detail.clone(), v.at);
            if opt("device").is_some_and(is_socket_path) {
                out.add(PolicyItem::PodmanSocket, detail, v.at);
            }
        }
    }
    for (name, sec) in &project.secrets {
        if let SecretSource::File(f) = &sec.source
            && !is_inside_stack(f)
        {
            out.add(PolicyItem::FileOutside, format!("secret `{name}` file {f}"), sec.at);
        }
    }
    out.findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_every_item_has_text() {
        for item in PolicyItem::ALL {
            assert_eq!(PolicyItem::from_key(item.key()), Some(item));
            assert!(!item.title().is_empty() && item.risk().ends_with('.'));
            let json = serde_json::to_string(&item).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", item.key()));
        }
        assert_eq!(PolicyItem::from_key("nope"), None);
    }

    #[test]
    fn socket_paths_include_folders_that_hold_a_socket() {
        for yes in [
            "/run/user/1000/podman/podman.sock",
            "/run/user/1000/podman",
            "/run/user/1000",
            "/run",
            "/",
            "/var/run/docker.sock",
            "/run/podman/podman.sock",
            "./my/docker.sock",
            "/srv/x/podman.sock",
        ] {
            assert!(is_socket_path(yes), "{yes}");
        }
        for no in ["/etc", "/run/user/1000/other", "./data", "/srv/socket", "/var/lib"] {
            assert!(!is_socket_path(no), "{no}");
        }
    }
}
