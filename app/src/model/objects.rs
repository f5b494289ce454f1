//! Volumes, networks and pods: listed, inspected, created and removed the same way.

use serde::{Deserialize, Serialize};

/// Which kind of Podman object a page or action is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectKind {
    Volume,
    Network,
    Pod,
}

impl ObjectKind {
    /// Every kind, in the order the navigation lists them.
    pub const ALL: [Self; 3] = [Self::Volume, Self::Network, Self::Pod];

    /// The kind's section in the address: `/volumes`, ...
    pub fn path(self) -> &'static str {
        match self {
            Self::Volume => "volumes",
            Self::Network => "networks",
            Self::Pod => "pods",
        }
    }

    /// The kind named by a section of the address.
    pub fn from_path(path: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.path() == path)
    }

    pub fn noun(self) -> &'static str {
        match self {
            Self::Volume => "volume",
            Self::Network => "network",
            Self::Pod => "pod",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Volume => "Volumes",
            Self::Network => "Networks",
            Self::Pod => "Pods",
        }
    }

    /// The headings of the list's kind-specific columns ([`ObjectRow::facts`]).
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Volume => &["Driver", "Mount point"],
            Self::Network => &["Driver", "Subnets", "DNS"],
            Self::Pod => &["State", "Containers"],
        }
    }

    /// What "prune" removes, for its button and confirmation.
    pub fn prune_scope(self) -> &'static str {
        match self {
            Self::Volume => "every volume no container uses",
            Self::Network => "every network no container uses (never the default one)",
            Self::Pod => "every stopped pod",
        }
    }

    /// The actions its rows offer.
    pub fn actions(self, running: bool) -> &'static [ObjectAction] {
        match (self, running) {
            (Self::Pod, true) => &[ObjectAction::Stop],
            (Self::Pod, false) => &[ObjectAction::Start],
            _ => &[],
        }
    }
}

/// One object in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRow {
    pub name: String,
    pub id: String,
    /// One value per [`ObjectKind::columns`].
    pub facts: Vec<String>,
    /// Unix seconds (0: unknown).
    pub created: i64,
    /// Names of the containers that use it.
    pub used_by: Vec<String>,
    /// For pods: whether any of its containers runs.
    pub running: bool,
}

/// One object, inspected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectDetail {
    pub name: String,
    pub facts: Vec<(String, String)>,
    pub used_by: Vec<String>,
    pub running: bool,
    /// Podman's whole answer, as indented JSON text.
    pub raw: String,
}

/// What can be done to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectAction {
    Start,
    Stop,
    Remove,
}

impl ObjectAction {
    pub fn verb(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Stop => "stop",
            Self::Remove => "remove",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Start => "Start",
            Self::Stop => "Stop",
            Self::Remove => "Remove",
        }
    }
}

/// A new volume, network or pod, as the create form sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewObject {
    pub name: String,
    /// Networks: a subnet in CIDR form, or empty for one Podman picks.
    pub subnet: String,
    /// Networks: no route outside.
    pub internal: bool,
}

/// A volume, network or pod name as typed: Podman's name rules.
pub fn parse_name(text: &str) -> Result<&str, String> {
    let ok = !text.is_empty()
        && text.len() <= 128
        && text.as_bytes()[0].is_ascii_alphanumeric()
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if ok { Ok(text) } else { Err("A name starts with a letter or digit and holds only letters, digits, '_', '.' and '-' (at most 128).".to_owned()) }
}

/// A subnet as typed for a new network: an IPv4 or IPv6 network in CIDR form.
pub fn parse_subnet(text: &str) -> Result<Option<String>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || format!("{text:?} is not a subnet in CIDR form, such as 10.89.5.0/24.");
    let (address, prefix) = text.split_once('/').ok_or_else(bad)?;
    let address: std::net::IpAddr = address.parse().map_err(|_| bad())?;
    let prefix: u8 = prefix.parse().map_err(|_| bad())?;
    let max = if address.is_ipv4() { 32 } else { 128 };
    if prefix == 0 || prefix > max {
        return Err(bad());
    }
    Ok(Some(format!("{address}/{prefix}")))
}

/// "a, b and c" for names of users of an object.
pub fn name_list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_podmans_rules() {
        assert!(parse_name("data_1.x-y").is_ok());
        for bad in ["", "-x", ".x", "a/b", "a b", "<b>", &"a".repeat(129)] {
            assert!(parse_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn subnets_are_checked() {
        assert_eq!(parse_subnet(" "), Ok(None));
        assert_eq!(parse_subnet("10.89.5.0/24"), Ok(Some("10.89.5.0/24".into())));
        assert_eq!(parse_subnet("fd00::/64"), Ok(Some("fd00::/64".into())));
        for bad in ["10.0.0.0", "10.0.0.0/33", "10.0.0.0/0", "x/24", "10.0.0.0/24;rm"] {
            assert!(parse_subnet(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_read_as_a_list() {
        let names = |v: &[&str]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
        assert_eq!(name_list(&names(&["a"])), "a");
        assert_eq!(name_list(&names(&["a", "b", "c"])), "a, b and c");
    }

    #[test]
    fn kinds_round_trip_through_paths() {
        for kind in ObjectKind::ALL {
            assert_eq!(ObjectKind::from_path(kind.path()), Some(kind));
            assert_eq!(kind.columns().len(), match kind { ObjectKind::Volume | ObjectKind::Pod => 2, ObjectKind::Network => 3 });
        }
    }
}
