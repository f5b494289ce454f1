//! The top level of the file to a [`Project`].

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostics, shown};
use crate::model::{Network, Project, Secret, SecretSource, ServiceNetwork, Volume};
use crate::name::{StackName, is_valid_object_name};
use crate::path::normalize_path;
use crate::read;
use crate::service::Reader;
use crate::yaml::{Entry, Node};

/// Most services one stack may define.
pub const MAX_SERVICES: usize = 500;
/// Most published plus exposed ports one stack may have after range expansion.
pub const MAX_PORTS_PER_PROJECT: usize = 10_000;
/// Most networks, volumes or secrets one stack may define (each).
pub const MAX_DEFINITIONS: usize = 500;

fn string_map(node: &Node, what: &str, d: &mut Diagnostics) -> BTreeMap<String, String> {
    read::list_or_map(node, what, d)
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v, _)| (k, v.unwrap_or_default()))
        .collect()
}

fn definitions<'n>(node: &'n Node, what: &str, d: &mut Diagnostics) -> Vec<&'n Entry> {
    let Some(entries) = read::mapping(node, what, d) else { return Vec::new() };
    let defs: Vec<&Entry> = entries.iter().filter(|e| !e.is_extension()).collect();
    if defs.len() > MAX_DEFINITIONS {
        d.error(Some(node.at), format!("{what} defines {} entries; the limit is {MAX_DEFINITIONS}", defs.len()));
        return Vec::new();
    }
    let mut ok = Vec::with_capacity(defs.len());
    for e in defs {
        if is_valid_object_name(&e.key) {
            ok.push(e);
        } else {
            d.error(Some(e.key_at), format!("`{}` in {what} is not a valid name: use `[a-zA-Z0-9][a-zA-Z0-9_.-]*`", shown(&e.key)));
        }
    }
    ok
}

fn external_name(e: &Entry, place: &str, d: &mut Diagnostics) -> Option<String> {
    let n = read::nonempty(&e.value, &format!("`name` {place}"), d)?;
    if is_valid_object_name(&n) {
        Some(n)
    } else {
        d.error(Some(e.value.at), format!("`name` {place} `{}` is not a valid name", shown(&n)));
        None
    }
}

fn network(def: &Entry, d: &mut Diagnostics) -> Network {
    let place = format!("in network `{}`", shown(&def.key));
    let mut n = Network { at: Some(def.key_at), ..Network::default() };
    let mut other_keys = Vec::new();
    for e in read::mapping(&def.value, &format!("network `{}`", shown(&def.key)), d).unwrap_or_default() {
        if e.is_extension() {
            continue;
        }
        let what = format!("`{}` {place}", e.key);
        match e.key.as_str() {
            "external" => n.external = read::boolean(&e.value, &what, d).unwrap_or(false),
            "name" => n.name = external_name(e, &place, d),
            "driver" => match read::string(&e.value, &what, d).as_deref() {
                Some("bridge") => n.driver = Some("bridge".into()),
                Some(other) => d.error(Some(e.value.at), format!("{what} `{}` is not supported; rootless stacks use `bridge`", shown(other))),
                None => {}
            },
            "driver_opts" => n.driver_opts = string_map(&e.value, &what, d),
            "internal" => n.internal = read::boolean(&e.value, &what, d).unwrap_or(false),
            "enable_ipv6" => n.enable_ipv6 = read::boolean(&e.value, &what, d).unwrap_or(false),
            "labels" => n.labels = string_map(&e.value, &what, d),
            "ipam" | "attachable" => read::unsupported_key(e, &place, "not supported yet", d),
            _ => read::unknown_key(e, &place, d),
        }
        if !matches!(e.key.as_str(), "external" | "name") {
            other_keys.push(e);
        }
    }
    if n.external {
        for e in other_keys {
            d.error(Some(e.key_at), format!("`{}` can't be set on an external network (`{}` is created elsewhere)", shown(&e.key), shown(&def.key)));
        }
    }
    n
}

fn volume(def: &Entry, d: &mut Diagnostics) -> Volume {
    let place = format!("in volume `{}`", shown(&def.key));
    let mut v = Volume { at: Some(def.key_at), ..Volume::default() };
    let mut other_keys = Vec::new();
    for e in read::mapping(&def.value, &format!("volume `{}`", shown(&def.key)), d).unwrap_or_default() {
        if e.is_extension() {
            continue;
        }
        let what = format!("`{}` {place}", e.key);
        match e.key.as_str() {
            "external" => v.external = read::boolean(&e.value, &what, d).unwrap_or(false),
            "name" => v.name = external_name(e, &place, d),
            "driver" => match read::string(&e.value, &what, d).as_deref() {
                Some("local") => v.driver = Some("local".into()),
                Some(other) => d.error(Some(e.value.at), format!("{what} `{}` is not supported; use `local`", shown(other))),
                None => {}
            },
            "driver_opts" => v.driver_opts = string_map(&e.value, &what, d),
            "labels" => v.labels = string_map(&e.value, &what, d),
            _ => read::unknown_key(e, &place, d),
        }
        if !matches!(e.key.as_str(), "external" | "name") {
            other_keys.push(e);
        }
    }
    if v.external {
        for e in other_keys {
            d.error(Some(e.key_at), format!("`{}` can't be set on an external volume (`{}` is created elsewhere)", shown(&e.key), shown(&def.key)));
        }
    }
    v
}

fn secret(def: &Entry, d: &mut Diagnostics) -> Option<Secret> {
    let place = format!("in secret `{}`", shown(&def.key));
    let (mut file, mut external, mut name) = (None, false, None);
    for e in read::mapping(&def.value, &format!("secret `{}`", shown(&def.key)), d)? {
        if e.is_extension() {
            continue;
        }
        let what = format!("`{}` {place}", e.key);
        match e.key.as_str() {
            "file" => file = read::nonempty(&e.value, &what, d).map(|f| normalize_path(&f)),
            "external" => external = read::boolean(&e.value, &what, d).unwrap_or(false),
            "name" => name = external_name(e, &place, d),
            "environment" => read::unsupported_key(e, &place, "put the value in a file in the stack folder and use `file`", d),
            _ => read::unknown_key(e, &place, d),
        }
    }
    let source = match (file, external) {
        (Some(f), false) => SecretSource::File(f),
        (None, true) => SecretSource::External(name.unwrap_or_else(|| def.key.clone())),
        (Some(_), true) => {
            d.error(Some(def.key_at), format!("secret `{}` sets both `file` and `external`", shown(&def.key)));
            return None;
        }
        (None, false) => {
            d.error(Some(def.key_at), format!("secret `{}` needs `file` (a path in the stack folder) or `external: true`", shown(&def.key)));
            return None;
        }
    };
    Some(Secret { source, at: Some(def.key_at) })
}

/// Converts the document root; `None` when it is not usable at all.
pub(crate) fn build(root: &Node, stack: &StackName, vars: &BTreeMap<String, String>, d: &mut Diagnostics) -> Option<Project> {
    let entries = read::mapping(root, "the file", d)?;
    let mut project = Project {
        name: stack.as_str().to_owned(),
        services: BTreeMap::new(),
        networks: BTreeMap::new(),
        volumes: BTreeMap::new(),
        secrets: BTreeMap::new(),
        warnings: Vec::new(),
    };
    let mut services_node = None;
    for e in entries {
        if e.is_extension() {
            continue;
        }
        match e.key.as_str() {
            "version" => {}
            "name" => {
                if let Some(n) = read::string(&e.value, "`name`", d)
                    && n != stack.as_str()
                {
                    d.error(Some(e.value.at), format!(
                        "the file says `name: {}` but the stack is called `{stack}`; remove `name:` or make it match",
                        shown(&n)
                    ));
                }
            }
            "services" => services_node = Some(e),
            "networks" => {
                for def in definitions(&e.value, "`networks`", d) {
                    project.networks.insert(def.key.clone(), network(def, d));
                }
            }
            "volumes" => {
                for def in definitions(&e.value, "`volumes`", d) {
                    project.volumes.insert(def.key.clone(), volume(def, d));
                }
            }
            "secrets" => {
                for def in definitions(&e.value, "`secrets`", d) {
                    if let Some(s) = secret(def, d) {
                        project.secrets.insert(def.key.clone(), s);
                    }
                }
            }
            "include" => read::unsupported_key(e, "at the top level", "a stack is one compose.yaml; copy the services in", d),
            "configs" => read::unsupported_key(e, "at the top level", "mount a file from the stack folder with `volumes`, or use `secrets`", d),
            "models" => read::unsupported_key(e, "at the top level", "not supported", d),
            _ => read::unknown_key(e, "at the top level", d),
        }
    }
    let Some(services) = services_node else {
        d.error(None, "the file has no `services:`; a stack needs at least one service");
        return None;
    };
    let defs: Vec<&Entry> = read::mapping(&services.value, "`services`", d)?
        .iter()
        .filter(|e| !e.is_extension())
        .collect();
    if defs.is_empty() {
        d.error(Some(services.key_at), "`services` is empty; a stack needs at least one service");
        return None;
    }
    if defs.len() > MAX_SERVICES {
        d.error(Some(services.key_at), format!("the file defines {} services; the limit is {MAX_SERVICES}", defs.len()));
        return None;
    }
    let mut reader = Reader { vars, d };
    let mut ports = 0usize;
    for def in defs {
        if !is_valid_object_name(&def.key) {
            reader.d.error(Some(def.key_at), format!("service name `{}` must match `[a-zA-Z0-9][a-zA-Z0-9_.-]*`", shown(&def.key)));
            continue;
        }
        if let Some(s) = reader.service(&def.key, def) {
            ports = ports.saturating_add(s.ports.len()).saturating_add(s.expose.len());
            if ports > MAX_PORTS_PER_PROJECT {
                reader.d.error(Some(def.key_at), format!("the stack publishes or exposes more than {MAX_PORTS_PER_PROJECT} ports"));
                break;
            }
            project.services.insert(def.key.clone(), s);
        }
        if reader.d.is_full() {
            break;
        }
    }
    add_default_network(&mut project);
    Some(project)
}

/// A service with neither `networks` nor `network_mode` joins `default`, which exists
/// without being declared (as in compose).
fn add_default_network(project: &mut Project) {
    let mut uses_default = false;
    for s in project.services.values_mut() {
        if s.network_mode.is_none() && s.networks.is_empty() {
            s.networks.insert("default".to_owned(), ServiceNetwork::default());
        }
        uses_default |= s.networks.contains_key("default");
    }
    if uses_default {
        project.networks.entry("default".to_owned()).or_default();
    }
}
