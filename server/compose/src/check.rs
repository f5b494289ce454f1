//! Checks across the project: every name a service uses is defined, and no two services
//! claim the same host port or container name.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostics, Position, shown};
use crate::model::{Condition, MountKind, Project, Protocol};

fn wildcard(ip: Option<&str>) -> bool {
    matches!(ip, None | Some("0.0.0.0" | "::"))
}

pub(crate) fn check(project: &Project, d: &mut Diagnostics) {
    for (name, s) in &project.services {
        let at = |key: &str| s.key_positions.get(key).copied().or(s.at);
        for net in s.networks.keys() {
            if !project.networks.contains_key(net) {
                d.error(at("networks"), format!("service `{}` uses network `{}`, which is not declared under the top-level `networks`", shown(name), shown(net)));
            }
        }
        for m in &s.volumes {
            if m.kind == MountKind::Volume
                && let Some(v) = &m.source
                && !project.volumes.contains_key(v)
            {
                d.error(m.at, format!("service `{}` uses volume `{}`, which is not declared under the top-level `volumes`", shown(name), shown(v)));
            }
        }
        for sec in &s.secrets {
            if !project.secrets.contains_key(&sec.source) {
                d.error(at("secrets"), format!("service `{}` uses secret `{}`, which is not declared under the top-level `secrets`", shown(name), shown(&sec.source)));
            }
        }
        for (dep, how) in &s.depends_on {
            match project.services.get(dep) {
                _ if dep == name => d.error(at("depends_on"), format!("service `{}` depends on itself", shown(name))),
                None if how.required => d.error(at("depends_on"), format!("service `{}` depends on `{}`, which is not a service in this file", shown(name), shown(dep))),
                Some(other) if how.condition == Condition::ServiceHealthy && !other.has_healthcheck() => d.error(
                    at("depends_on"),
                    format!("service `{}` waits for `{}` to be healthy, but `{}` has no healthcheck", shown(name), shown(dep), shown(dep)),
                ),
                _ => {}
            }
        }
        for key in ["network_mode", "pid", "ipc"] {
            let mode = match key {
                "network_mode" => &s.network_mode,
                "pid" => &s.pid,
                _ => &s.ipc,
            };
            if let Some(target) = mode.as_deref().and_then(|m| m.strip_prefix("service:")) {
                if target == name {
                    d.error(at(key), format!("`{key}` of service `{}` names the service itself", shown(name)));
                } else if !project.services.contains_key(target) {
                    d.error(at(key), format!("`{key}` of service `{}` names `{}`, which is not a service in this file", shown(name), shown(target)));
                }
            }
        }
    }
    ports(project, d);
    container_names(project, d);
}

/// Who publishes one host port: on all addresses, and on specific ones.
#[derive(Default)]
struct Publishers<'a> {
    wildcard: Option<&'a str>,
    specific: BTreeMap<&'a str, &'a str>,
}

fn ports(project: &Project, d: &mut Diagnostics) {
    let mut seen: BTreeMap<(u16, Protocol), Publishers<'_>> = BTreeMap::new();
    for (name, s) in &project.services {
        for p in &s.ports {
            let Some(published) = p.published else { continue };
            let ip = p.host_ip.as_deref();
            let users = seen.entry((published, p.protocol)).or_default();
            // A wildcard bind conflicts with every address; two specific ones only when equal.
            let other = match ip {
                Some(ip) if !wildcard(Some(ip)) => users.wildcard.or_else(|| users.specific.get(ip).copied()),
                _ => users.wildcard.or_else(|| users.specific.values().next().copied()),
            };
            match other {
                Some(other) => {
                    let msg = if other == name.as_str() {
                        format!("host port {published}/{} is published twice by service `{}`", p.protocol.as_str(), shown(name))
                    } else {
                        format!("host port {published}/{} is published by both `{}` and `{}`", p.protocol.as_str(), shown(other), shown(name))
                    };
                    d.error(p.at, msg);
                    if d.is_full() {
                        return;
                    }
                }
                None => match ip {
                    Some(ip) if !wildcard(Some(ip)) => {
                        users.specific.insert(ip, name);
                    }
                    _ => users.wildcard = Some(name),
                },
            }
        }
    }
}

fn container_names(project: &Project, d: &mut Diagnostics) {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, s) in &project.services {
        if let Some(c) = s.container_name.as_deref()
            && let Some(other) = seen.insert(c, name)
        {
            let at: Option<Position> = s.key_positions.get("container_name").copied();
            d.error(at, format!("services `{}` and `{}` both use container_name `{}`", shown(other), shown(name), shown(c)));
        }
    }
}
