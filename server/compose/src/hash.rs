//! Per-service configuration hashes.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::model::{MountKind, Network, Project, Secret, Service, Volume};

/// Bumped when the hashed form changes on purpose, so old and new hashes never collide.
const HASH_VERSION: &str = "berth-compose-config-v1";

#[derive(Serialize)]
struct Hashed<'a> {
    version: &'static str,
    project: &'a str,
    service: Value,
    networks: Vec<(&'a str, &'a Network)>,
    volumes: Vec<(&'a str, &'a Volume)>,
    secrets: Vec<(&'a str, &'a Secret)>,
}

/// A stable hex SHA-256 of everything about `service` that, if changed, requires its
/// container to be recreated: its normalized config (including the `env_file` contents
/// merged with [`crate::merge_env_file`]), plus the definitions of the networks, volumes
/// and secrets it uses. `depends_on` and `pull_policy` are left out (they change how the
/// engine acts, not the container), as compose does. Positions are never part of it, so
/// reformatting the file, reordering keys or adding comments changes nothing.
/// `None` when there is no such service.
pub fn config_hash(project: &Project, service: &str) -> Option<String> {
    let s = project.services.get(service)?;
    let stripped = Service { depends_on: Default::default(), pull_policy: None, ..s.clone() };
    let networks = s
        .networks
        .keys()
        .filter_map(|k| project.networks.get_key_value(k))
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    let mut volume_keys: Vec<&str> = s
        .volumes
        .iter()
        .filter(|m| m.kind == MountKind::Volume)
        .filter_map(|m| m.source.as_deref())
        .collect();
    volume_keys.sort_unstable();
    volume_keys.dedup();
    let volumes = volume_keys
        .into_iter()
        .filter_map(|k| project.volumes.get_key_value(k))
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    let mut secret_keys: Vec<&str> = s.secrets.iter().map(|x| x.source.as_str()).collect();
    secret_keys.sort_unstable();
    secret_keys.dedup();
    let secrets = secret_keys
        .into_iter()
        .filter_map(|k| project.secrets.get_key_value(k))
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    let hashed = Hashed {
        version: HASH_VERSION,
        project: &project.name,
        service: serde_json::to_value(&stripped).ok()?,
        networks,
        volumes,
        secrets,
    };
    let value = serde_json::to_value(&hashed).ok()?;
    let mut canonical = String::new();
    write_canonical(&value, &mut canonical);
    Some(hex::encode(Sha256::digest(canonical.as_bytes())))
}

/// JSON with object keys sorted, whatever map type serde_json was built with (another
/// crate in the build may turn on `preserve_order`). The model is a few levels deep, so
/// the recursion is bounded by the types, not by the input.
fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(inner) = map.get(k) {
                    write_canonical(inner, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}
