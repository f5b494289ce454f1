//! What Podman is asked to create for a stack: container SpecGenerators, networks and
//! volumes, named and labelled as podman-compose and docker compose name and label
//! theirs, so each tool sees the other's stacks.

use std::collections::BTreeMap;
use std::path::Path;

use compose::{MountKind, Project, Service};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

/// The compose project a container, network or volume belongs to (both tools set it).
pub const LABEL_PROJECT: &str = "com.docker.compose.project";
/// podman-compose's project label (`podman-compose ps` filters on it).
pub const LABEL_PODMAN_PROJECT: &str = "io.podman.compose.project";
/// The service a container runs.
pub const LABEL_SERVICE: &str = "com.docker.compose.service";
/// The hash of the service's configuration the container was made from.
pub const LABEL_CONFIG_HASH: &str = "io.podman.compose.config-hash";
/// docker compose's name for the same hash.
pub const LABEL_DOCKER_CONFIG_HASH: &str = "com.docker.compose.config-hash";
/// The folder of the compose file.
pub const LABEL_WORKING_DIR: &str = "com.docker.compose.project.working_dir";
/// The compose files, relative to the working folder.
pub const LABEL_CONFIG_FILES: &str = "com.docker.compose.project.config_files";
/// The container's number among the service's (always 1 here).
pub const LABEL_NUMBER: &str = "com.docker.compose.container-number";
/// Berth's mark on what it created.
pub const LABEL_BERTH: &str = "io.berth.stack";

/// A compose grace period when the file sets none.
pub const DEFAULT_GRACE_SECONDS: u64 = 10;

/// The container name of a service.
pub fn container_name(project: &str, service_name: &str, service: &Service) -> String {
    service.container_name.clone().unwrap_or_else(|| format!("{project}_{service_name}_1"))
}

/// How long a service's container gets to stop before it is killed.
pub fn grace(service: &Service) -> std::time::Duration {
    std::time::Duration::from_millis(service.stop_grace_period_ms.unwrap_or(DEFAULT_GRACE_SECONDS * 1000))
}

/// The labels of the project's networks and volumes.
fn project_labels(project: &str, own: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut labels = own.clone();
    labels.insert(LABEL_PROJECT.to_owned(), project.to_owned());
    labels.insert(LABEL_PODMAN_PROJECT.to_owned(), project.to_owned());
    labels.insert(LABEL_BERTH.to_owned(), project.to_owned());
    labels
}

/// The body of a network create call for network `key` of the project.
pub fn network_body(project: &Project, key: &str) -> Option<Value> {
    let network = project.networks.get(key)?;
    Some(json!({
        "name": network.podman_name(&project.name, key),
        "driver": network.driver.clone().unwrap_or_else(|| "bridge".to_owned()),
        "internal": network.internal,
        "ipv6_enabled": network.enable_ipv6,
        // The API's default is off, unlike the CLI's: service names must resolve.
        "dns_enabled": true,
        "labels": project_labels(&project.name, &network.labels),
        "options": network.driver_opts,
    }))
}

/// The body of a volume create call for volume `key` of the project.
pub fn volume_body(project: &Project, key: &str) -> Option<Value> {
    let volume = project.volumes.get(key)?;
    Some(json!({
        "Name": volume.podman_name(&project.name, key),
        "Driver": volume.driver.clone().unwrap_or_else(|| "local".to_owned()),
        "Label": project_labels(&project.name, &volume.labels),
        "Options": volume.driver_opts,
    }))
}

/// The Podman name of a project's secret, by the hash of its content: a changed file
/// is a new secret, and the containers that use it are recreated.
pub fn secret_name(project: &str, key: &str, content: &[u8]) -> String {
    let digest = hex::encode(Sha256::digest(content));
    format!("{project}_{key}_{}", &digest[..12])
}

/// A stable name for an anonymous volume (`volumes: ["/data"]`), so a recreated
/// container gets the same data back, as docker compose does.
fn anonymous_volume(project: &str, service: &str, target: &str) -> String {
    let digest = hex::encode(Sha256::digest(target.as_bytes()));
    format!("{project}_{service}_{}", &digest[..12])
}

/// Where a bind mount's source is on the host.
pub fn bind_source(folder: &Path, source: &str) -> std::path::PathBuf {
    match source.strip_prefix("~/").or(if source == "~" { Some("") } else { None }) {
        Some(rest) => std::env::var_os("HOME").map_or_else(|| Path::new("/").join(rest), |home| Path::new(&home).join(rest)),
        None => super::store::resolve(folder, source),
    }
}

fn namespace(mode: &str, project: &Project) -> Value {
    let target = |service: &str| project.services.get(service).map_or_else(|| format!("{}_{service}_1", project.name), |s| container_name(&project.name, service, s));
    match mode.split_once(':') {
        Some(("service", service)) => json!({ "nsmode": "container", "value": target(service) }),
        Some(("container", name)) => json!({ "nsmode": "container", "value": name }),
        Some(("ns", path)) => json!({ "nsmode": "path", "value": path }),
        Some((mode, _)) => json!({ "nsmode": mode }),
        None => json!({ "nsmode": mode }),
    }
}

fn millis_ns(ms: Option<u64>) -> Option<u64> {
    ms.map(|ms| ms.saturating_mul(1_000_000))
}

/// The SpecGenerator of service `name`, labelled with `hash`. `secrets` maps a project
/// secret's key to its Podman name.
pub fn container_spec(project: &Project, name: &str, folder: &Path, hash: &str, secrets: &BTreeMap<String, String>) -> Option<Value> {
    let service = project.services.get(name)?;
    let project_name = project.name.as_str();
    let mut labels = service.labels.clone();
    for (key, value) in [
        (LABEL_PROJECT, project_name.to_owned()),
        (LABEL_PODMAN_PROJECT, project_name.to_owned()),
        (LABEL_SERVICE, name.to_owned()),
        (LABEL_CONFIG_HASH, hash.to_owned()),
        (LABEL_DOCKER_CONFIG_HASH, hash.to_owned()),
        (LABEL_WORKING_DIR, folder.display().to_string()),
        (LABEL_CONFIG_FILES, super::store::COMPOSE_FILE.to_owned()),
        (LABEL_NUMBER, "1".to_owned()),
        (LABEL_BERTH, project_name.to_owned()),
    ] {
        labels.insert(key.to_owned(), value);
    }

    let mut mounts = Vec::new();
    let mut volumes = Vec::new();
    for mount in &service.volumes {
        let mut options = Vec::new();
        if mount.read_only {
            options.push("ro".to_owned());
        }
        match mount.kind {
            MountKind::Volume => {
                let podman_name = match &mount.source {
                    Some(key) => project.volumes.get(key).map_or_else(|| format!("{project_name}_{key}"), |v| v.podman_name(project_name, key)),
                    None => anonymous_volume(project_name, name, &mount.target),
                };
                if mount.nocopy {
                    options.push("nocopy".to_owned());
                }
                volumes.push(json!({ "Name": podman_name, "Dest": mount.target, "Options": options }));
            }
            MountKind::Bind => {
                let source = bind_source(folder, mount.source.as_deref().unwrap_or("."));
                options.push("rbind".to_owned());
                if let Some(selinux) = &mount.selinux {
                    options.push(selinux.clone());
                }
                mounts.push(json!({ "destination": mount.target, "type": "bind", "source": source.display().to_string(), "options": options }));
            }
            MountKind::Tmpfs => {
                if let Some(size) = mount.tmpfs_size {
                    options.push(format!("size={size}"));
                }
                if let Some(mode) = mount.tmpfs_mode {
                    options.push(format!("mode={mode:o}"));
                }
                mounts.push(json!({ "destination": mount.target, "type": "tmpfs", "source": "tmpfs", "options": options }));
            }
        }
    }
    for entry in &service.tmpfs {
        let (target, options) = entry.split_once(':').map_or((entry.as_str(), Vec::new()), |(t, o)| (t, o.split(',').map(str::to_owned).collect()));
        mounts.push(json!({ "destination": target, "type": "tmpfs", "source": "tmpfs", "options": options }));
    }

    let mut spec = json!({
        "name": container_name(project_name, name, service),
        "image": service.image,
        "labels": labels,
        "env": service.effective_environment(),
        "restart_policy": match service.restart { compose::Restart::OnFailure { .. } => "on-failure".to_owned(), other => other.podman_value() },
        "mounts": mounts,
        "volumes": volumes,
        "portmappings": service.ports.iter().map(|p| json!({
            "host_ip": p.host_ip.clone().unwrap_or_default(),
            "host_port": p.published.unwrap_or(0),
            "container_port": p.target,
            "protocol": p.protocol.as_str(),
            "range": 1,
        })).collect::<Vec<_>>(),
        "expose": service.expose.iter().map(|e| (e.port.to_string(), e.protocol.as_str())).collect::<BTreeMap<_, _>>(),
        "stop_timeout": grace(service).as_secs(),
        "read_only_filesystem": service.read_only,
        "cap_drop": service.cap_drop,
        "cap_add": service.cap_add,
        "privileged": service.privileged,
        "terminal": service.tty,
        "stdin": service.stdin_open,
        "hostadd": service.extra_hosts,
        "dns_server": service.dns,
        "secrets": service.secrets.iter().filter_map(|s| {
            let podman_name = secrets.get(&s.source)?;
            Some(json!({ "Source": podman_name, "Target": s.target.clone().unwrap_or_default() }))
        }).collect::<Vec<_>>(),
        "devices": service.devices.iter().map(|d| json!({ "path": d })).collect::<Vec<_>>(),
    });
    let Value::Object(fields) = &mut spec else { return None };
    let mut set = |key: &str, value: Value| {
        fields.insert(key.to_owned(), value);
    };
    if let compose::Restart::OnFailure { max_retries: Some(n) } = service.restart {
        set("restart_tries", json!(n));
    }
    if let Some(command) = &service.command {
        set("command", json!(command));
    }
    if let Some(entrypoint) = &service.entrypoint {
        set("entrypoint", json!(entrypoint));
    }
    if let Some(user) = &service.user {
        set("user", json!(user));
    }
    if let Some(dir) = &service.working_dir {
        set("work_dir", json!(dir));
    }
    if let Some(hostname) = &service.hostname {
        set("hostname", json!(hostname));
    }
    if let Some(signal) = service.stop_signal_number() {
        set("stop_signal", json!(signal));
    }
    if let Some(init) = service.init {
        set("init", json!(init));
    }
    match service.network_mode.as_deref() {
        Some(mode) if mode != "bridge" => set("netns", namespace(mode, project)),
        _ => {
            // Aliases need bridge mode said out loud (Podman refuses them otherwise).
            set("netns", json!({ "nsmode": "bridge" }));
            let networks: BTreeMap<String, Value> = service
                .networks
                .iter()
                .map(|(key, joined)| {
                    let podman_name = project.networks.get(key).map_or_else(|| format!("{project_name}_{key}"), |n| n.podman_name(project_name, key));
                    let mut aliases = vec![name.to_owned()];
                    aliases.extend(joined.aliases.iter().cloned());
                    (podman_name, json!({ "aliases": aliases }))
                })
                .collect();
            set("Networks", json!(networks));
        }
    }
    if let Some(pid) = &service.pid {
        set("pidns", namespace(pid, project));
    }
    if let Some(ipc) = &service.ipc {
        set("ipcns", namespace(ipc, project));
    }
    if let Some(userns) = &service.userns_mode {
        set("userns", namespace(userns, project));
    }
    let mut selinux = Vec::new();
    for option in &service.security_opt {
        let (key, value) = option.split_once(['=', ':']).unwrap_or((option.as_str(), ""));
        match key {
            "label" => selinux.push(value.to_owned()),
            "seccomp" => set("seccomp_profile_path", json!(value)),
            "apparmor" => set("apparmor_profile", json!(value)),
            "no-new-privileges" => set("no_new_privileges", json!(value != "false")),
            _ => {}
        }
    }
    if !selinux.is_empty() {
        set("selinux_opts", json!(selinux));
    }
    if let Some(check) = &service.healthcheck {
        if !check.is_enabled() {
            set("healthconfig", json!({ "Test": ["NONE"] }));
        } else if !check.test.is_empty() {
            set(
                "healthconfig",
                json!({
                    "Test": check.test,
                    "Interval": millis_ns(check.interval_ms).unwrap_or(30_000_000_000),
                    "Timeout": millis_ns(check.timeout_ms).unwrap_or(30_000_000_000),
                    "StartPeriod": millis_ns(check.start_period_ms).unwrap_or(0),
                    "Retries": check.retries.unwrap_or(3),
                }),
            );
        }
    }
    let mut limits = serde_json::Map::new();
    if let Some(bytes) = service.mem_limit {
        limits.insert("memory".to_owned(), json!({ "limit": bytes }));
    }
    if let Some(cpus) = service.cpus.as_deref().and_then(|c| c.parse::<f64>().ok()) {
        const PERIOD: u64 = 100_000;
        #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "a positive CPU share of at most a few hundred cores")]
        let quota = (cpus * PERIOD as f64).round() as i64;
        limits.insert("cpu".to_owned(), json!({ "quota": quota, "period": PERIOD }));
    }
    if !limits.is_empty() {
        set("resource_limits", Value::Object(limits));
    }
    Some(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(yaml: &str) -> Project {
        let name = compose::StackName::parse("site").expect("name");
        let variables = BTreeMap::new();
        compose::parse(&name, &compose::Input { compose: yaml, env: "", variables: &variables }).expect("parses")
    }

    #[test]
    fn a_service_becomes_a_labelled_spec_podman_compose_recognises() {
        let project = project(
            "services:\n  web:\n    image: example/web:1\n    restart: always\n    ports: [\"127.0.0.1:8080:80\"]\n    volumes: [\"data:/data\", \"./html:/www:ro\"]\n    networks:\n      front:\n        aliases: [site]\n    stop_signal: SIGKILL\nvolumes:\n  data: {}\nnetworks:\n  front: {}\n",
        );
        let spec = container_spec(&project, "web", Path::new("/data/stacks/site"), "abc", &BTreeMap::new()).expect("spec");
        assert_eq!(spec["name"], "site_web_1");
        assert_eq!(spec["restart_policy"], "always");
        assert_eq!(spec["labels"][LABEL_PROJECT], "site");
        assert_eq!(spec["labels"][LABEL_PODMAN_PROJECT], "site");
        assert_eq!(spec["labels"][LABEL_SERVICE], "web");
        assert_eq!(spec["labels"][LABEL_CONFIG_HASH], "abc");
        assert_eq!(spec["portmappings"][0]["host_port"], 8080);
        assert_eq!(spec["portmappings"][0]["container_port"], 80);
        assert_eq!(spec["portmappings"][0]["host_ip"], "127.0.0.1");
        assert_eq!(spec["volumes"][0]["Name"], "site_data");
        assert_eq!(spec["mounts"][0]["source"], "/data/stacks/site/html");
        assert_eq!(spec["mounts"][0]["options"], json!(["ro", "rbind"]));
        assert_eq!(spec["netns"]["nsmode"], "bridge");
        assert_eq!(spec["Networks"]["site_front"]["aliases"], json!(["web", "site"]));
        assert_eq!(spec["stop_signal"], 9);
        let network = network_body(&project, "front").expect("network");
        assert_eq!(network["name"], "site_front");
        assert_eq!(network["dns_enabled"], true);
    }

    #[test]
    fn secrets_are_named_by_their_content() {
        assert_eq!(secret_name("site", "key", b"a"), secret_name("site", "key", b"a"));
        assert_ne!(secret_name("site", "key", b"a"), secret_name("site", "key", b"b"));
    }
}
