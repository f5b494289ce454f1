//! The host panels: lingering, the systemd user units, privileged-port forwards, and
//! whether each stack comes back after a reboot.

use serde::{Deserialize, Serialize};

/// The outcome of one check. `Unknown` means the check could not be made (no logind, no
/// systemd user manager, ...): it is never shown as a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    Ok,
    Problem,
    Unknown,
}

impl Verdict {
    /// Several checks together: a problem wins, then an unknown.
    pub fn all(verdicts: impl IntoIterator<Item = Verdict>) -> Verdict {
        verdicts.into_iter().fold(Verdict::Ok, |acc, v| match (acc, v) {
            (Verdict::Problem, _) | (_, Verdict::Problem) => Verdict::Problem,
            (Verdict::Unknown, _) | (_, Verdict::Unknown) => Verdict::Unknown,
            _ => Verdict::Ok,
        })
    }

    pub fn from_bool(ok: bool) -> Verdict {
        if ok { Verdict::Ok } else { Verdict::Problem }
    }

    /// The word the pages and `berth doctor` print.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Problem => "problem",
            Verdict::Unknown => "unknown",
        }
    }
}

/// One check: what was found, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// A stable key (tests, anchors).
    pub key: String,
    pub title: String,
    pub verdict: Verdict,
    /// What Berth found, in plain words.
    pub detail: String,
    /// What to do, when something is wrong or could not be checked.
    pub fix: Option<String>,
    /// Commands that do it, one per line (as root where `fix` says so).
    pub commands: Vec<String>,
}

/// Lingering: whether the user's systemd manager (and so Podman and Berth) starts at boot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Linger {
    pub check: Check,
    /// Where the answer came from: logind, or the file logind reads at boot.
    pub source: String,
}

/// A systemd user unit Berth cares about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitView {
    pub name: String,
    /// Why Berth cares.
    pub purpose: String,
    pub check: Check,
    /// `loaded`, `not-found`, ... (empty when the manager could not be asked).
    pub load: String,
    /// `active (running)`, `inactive (dead)`, ...
    pub active: String,
    /// `enabled`, `disabled`, `static`, ...
    pub enabled: String,
    /// The unit file.
    pub path: String,
    /// Whether the panel may install (where needed), enable and start it.
    pub can_enable: bool,
    /// The unit's recent journal lines, or why there are none.
    pub journal: Journal,
}

/// A unit's recent log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Journal {
    Lines(Vec<String>),
    Unavailable(String),
}

/// The protocol of a forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Protocol {
    Tcp,
    Udp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }

    /// Parses `tcp` or `udp` (any case).
    pub fn parse(text: &str) -> Result<Protocol, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "tcp" => Ok(Protocol::Tcp),
            "udp" => Ok(Protocol::Udp),
            other => Err(format!("Unknown protocol {:?}: use tcp or udp.", crate::model::text::plain(other))),
        }
    }
}

/// A wanted forward from a privileged port to the port a rootless container publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Forward {
    /// The port clients use, such as 80 or 443.
    pub source: u16,
    /// The port a container publishes, such as 8080 (1024 or above).
    pub target: u16,
    pub protocol: Protocol,
}

impl Forward {
    /// Parses a forward typed into the panel, and refuses one that can't work.
    pub fn parse(source: &str, target: &str, protocol: &str) -> Result<Forward, String> {
        let port = |what: &str, text: &str| -> Result<u16, String> {
            let text = text.trim();
            match text.parse::<u32>() {
                Ok(n) if (1..=65535).contains(&n) => Ok(n as u16),
                Ok(_) => Err(format!("The {what} port must be between 1 and 65535.")),
                Err(_) => Err(format!("The {what} port must be a number between 1 and 65535, not {:?}.", crate::model::text::plain(text))),
            }
        };
        let forward = Forward { source: port("source", source)?, target: port("target", target)?, protocol: Protocol::parse(protocol)? };
        if forward.target < 1024 {
            return Err(format!(
                "The target port {} is below 1024: a rootless container can't publish it. Publish the container on a port of 1024 or above (such as {}) and forward to that.",
                forward.target,
                8000 + forward.target
            ));
        }
        if forward.source == forward.target {
            return Err("The source and target ports are the same: there is nothing to forward.".to_owned());
        }
        Ok(forward)
    }

    /// `80→8080/tcp`.
    pub fn label(&self) -> String {
        format!("{}→{}/{}", self.source, self.target, self.protocol.as_str())
    }
}

/// Whether a forward works now, as seen from this host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ForwardState {
    /// A connection to the source port was answered by the listener on the target port.
    Working,
    /// Not working, and why.
    NotWorking(String),
    /// Could not be checked, and why.
    Unchecked(String),
}

/// A wanted forward, how to apply it and whether it works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardView {
    pub id: i64,
    pub forward: Forward,
    pub state: ForwardState,
    /// Containers that publish the target port.
    pub published_by: Vec<String>,
    /// Whether the rule is in the saved rules that are loaded at boot (None: can't tell).
    pub saved: Option<bool>,
    pub recipes: Recipes,
}

/// The ways to apply a forward, each as the lines to run or paste.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipes {
    /// iptables: PREROUTING (traffic from outside) and OUTPUT (the host itself, loopback).
    pub iptables: Vec<String>,
    /// The same rules removed.
    pub iptables_remove: Vec<String>,
    pub nftables: Vec<String>,
    /// Making iptables rules survive a reboot.
    pub persist: Vec<String>,
    /// An Ansible task (YAML).
    pub ansible: String,
}

/// How one container of a stack fares after a reboot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerSurvival {
    pub name: String,
    pub state: String,
    /// always, unless-stopped, on-failure, no; empty when Podman could not say.
    pub restart_policy: String,
    pub verdict: Verdict,
    /// Why not, when it won't come back.
    pub reason: Option<String>,
}

/// Whether a stack comes back after a reboot, and each reason it would not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackSurvival {
    /// The stack, or empty for containers outside any stack.
    pub stack: String,
    /// A stack Berth manages (it has a folder), not one found by its labels.
    pub berth: bool,
    pub verdict: Verdict,
    /// Each reason it would not come back (or could not be checked), with its fix.
    pub reasons: Vec<String>,
    pub containers: Vec<ContainerSurvival>,
    /// systemd units Berth installed for this stack's containers.
    pub units: Vec<String>,
}

/// Everything the host page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostReport {
    /// The user Berth runs as.
    pub user: String,
    pub linger: Linger,
    pub units: Vec<UnitView>,
    /// Host facts: cgroups v2, privileged ports.
    pub checks: Vec<Check>,
    /// The current `net.ipv4.ip_unprivileged_port_start` (None: could not be read).
    pub unprivileged_port_start: Option<u16>,
    pub forwards: Vec<ForwardView>,
    pub stacks: Vec<StackSurvival>,
    /// Whether Podman could be asked about containers.
    pub podman_up: bool,
}

impl HostReport {
    /// The checks that decide whether the stacks come back after a reboot, and how
    /// each stack fares: one verdict for all of it.
    pub fn survival(&self) -> Verdict {
        let host = self.units.iter().filter(|u| u.name != "berth.service").map(|u| u.check.verdict);
        Verdict::all(std::iter::once(self.linger.check.verdict).chain(host).chain(self.stacks.iter().map(|s| s.verdict)))
    }
}

/// The units on the host page.
pub const PODMAN_SOCKET: &str = "podman.socket";
pub const PODMAN_RESTART: &str = "podman-restart.service";
pub const BERTH_SERVICE: &str = "berth.service";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_outweighs_an_unknown_which_outweighs_ok() {
        assert_eq!(Verdict::all([Verdict::Ok, Verdict::Ok]), Verdict::Ok);
        assert_eq!(Verdict::all([Verdict::Ok, Verdict::Unknown]), Verdict::Unknown);
        assert_eq!(Verdict::all([Verdict::Unknown, Verdict::Problem, Verdict::Ok]), Verdict::Problem);
        assert_eq!(Verdict::all([]), Verdict::Ok);
    }

    #[test]
    fn forwards_are_parsed_and_bad_ones_refused_with_a_reason() {
        assert_eq!(Forward::parse("80", " 8080 ", "TCP"), Ok(Forward { source: 80, target: 8080, protocol: Protocol::Tcp }));
        assert_eq!(Forward::parse("53", "5353", "udp").unwrap().protocol, Protocol::Udp);
        for (s, t, p, says) in [
            ("0", "8080", "tcp", "between 1 and 65535"),
            ("80", "65536", "tcp", "between 1 and 65535"),
            ("80", "-1", "tcp", "must be a number"),
            ("eighty", "8080", "tcp", "not \"eighty\""),
            ("80", "443", "tcp", "below 1024"),
            ("8080", "8080", "tcp", "the same"),
            ("80", "8080", "sctp", "Unknown protocol"),
            ("80", "8080", "", "Unknown protocol"),
        ] {
            let error = Forward::parse(s, t, p).unwrap_err();
            assert!(error.contains(says), "{s} {t} {p}: {error}");
        }
    }

    #[test]
    fn a_forward_reads_as_source_arrow_target() {
        assert_eq!(Forward { source: 443, target: 8443, protocol: Protocol::Tcp }.label(), "443→8443/tcp");
    }
}
