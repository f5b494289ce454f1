//! One entry of `services:` to a [`Service`].

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostics, Position, shown};
use crate::model::{Condition, Dependency, Healthcheck, Restart, Service, ServiceNetwork, ServiceSecret};
use crate::name::is_valid_object_name;
use crate::path::normalize_path;
use crate::ports::{parse_expose, parse_port_entry};
use crate::read;
use crate::signal::normalize_signal;
use crate::units::{parse_bytes, parse_duration_ms};
use crate::volumes::parse_volume_entry;
use crate::words::split_words;
use crate::yaml::{Entry, Node, Value};

/// Most published plus exposed ports one service may have after range expansion.
pub const MAX_PORTS_PER_SERVICE: usize = 4096;

/// Compose keys Berth knows and deliberately does not support, with the reason.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("deploy", "Berth runs one container per service; use `restart`, `mem_limit` and `cpus`"),
    ("extends", "write the service out in full, or share settings with `x-` anchors and `<<`"),
    ("profiles", "every service in a stack is deployed; split optional services into another stack"),
    ("configs", "mount a file from the stack folder with `volumes`, or use `secrets`"),
    ("links", "services on the same network reach each other by name"),
    ("external_links", "join the other stack's network instead"),
    ("volumes_from", "it shares mounts with containers outside Berth's control; declare the volume instead"),
    ("logging", "containers log to Podman's default log driver"),
    ("platform", "pull an image built for this machine"),
    ("use_api_socket", "no container gets access to the Podman socket"),
    ("sysctls", "not supported yet"),
    ("ulimits", "not supported yet"),
    ("cgroup_parent", "not supported"),
    ("cgroup", "not supported"),
    ("runtime", "not supported"),
    ("gpus", "not supported"),
    ("device_cgroup_rules", "it grants device access; not supported"),
    ("group_add", "not supported yet"),
    ("shm_size", "not supported yet"),
    ("pids_limit", "not supported yet"),
    ("mem_reservation", "not supported yet"),
    ("memswap_limit", "not supported yet"),
    ("cpu_shares", "not supported yet"),
    ("cpuset", "not supported yet"),
    ("oom_score_adj", "not supported"),
    ("oom_kill_disable", "not supported"),
    ("storage_opt", "not supported"),
    ("isolation", "not supported"),
    ("scale", "Berth runs one container per service"),
    ("develop", "not supported"),
    ("post_start", "not supported"),
    ("pre_stop", "not supported"),
    ("mac_address", "not supported"),
    ("domainname", "not supported"),
    ("dns_search", "not supported yet"),
    ("dns_opt", "not supported yet"),
    ("annotations", "not supported"),
    ("attach", "not supported"),
    ("credential_spec", "not supported"),
    ("blkio_config", "not supported"),
    ("label_file", "not supported"),
    ("models", "not supported"),
    ("provider", "not supported"),
];

/// Labels the engine sets itself; a stack must not forge them (it could claim another
/// stack's containers).
const RESERVED_LABEL_PREFIXES: [&str; 4] = ["com.docker.compose.", "io.podman.compose.", "berth.", "io.berth."];

pub(crate) struct Reader<'a> {
    pub vars: &'a BTreeMap<String, String>,
    pub d: &'a mut Diagnostics,
}

fn words(node: &Node, what: &str, d: &mut Diagnostics) -> Option<Vec<String>> {
    match &node.value {
        Value::Scalar(s) if s.null => None,
        Value::Scalar(s) => match split_words(&s.text) {
            Ok(w) => Some(w),
            Err(e) => {
                d.error(Some(node.at), format!("{what}: {e}"));
                None
            }
        },
        _ => read::list(node, what, d).map(|l| l.into_iter().map(|(s, _)| s).collect()),
    }
}

fn capability(s: &str) -> Option<String> {
    let upper = s.trim().to_ascii_uppercase();
    let name = upper.strip_prefix("CAP_").unwrap_or(&upper);
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_')).then(|| name.to_owned())
}

fn restart(node: &Node, what: &str, d: &mut Diagnostics) -> Restart {
    let Some(s) = node.scalar().filter(|s| !s.null) else {
        d.error(Some(node.at), format!("{what} must be `no`, `always`, `unless-stopped` or `on-failure[:N]`"));
        return Restart::No;
    };
    // YAML 1.1 reads a bare `no` as false; accept both spellings.
    match s.text.as_str() {
        "no" => Restart::No,
        "false" if s.plain => Restart::No,
        "always" => Restart::Always,
        "unless-stopped" => Restart::UnlessStopped,
        "on-failure" => Restart::OnFailure { max_retries: None },
        other => match other.strip_prefix("on-failure:").map(str::parse::<u32>) {
            Some(Ok(n)) => Restart::OnFailure { max_retries: Some(n) },
            _ => {
                d.error(Some(node.at), format!("{what} must be `no`, `always`, `unless-stopped` or `on-failure[:N]`, not `{}`", shown(other)));
                Restart::No
            }
        },
    }
}

fn duration(node: &Node, what: &str, d: &mut Diagnostics) -> Option<u64> {
    let s = read::string(node, what, d)?;
    match parse_duration_ms(&s) {
        Ok(ms) => Some(ms),
        Err(e) => {
            d.error(Some(node.at), format!("{what}: {e}"));
            None
        }
    }
}

fn healthcheck(node: &Node, place: &str, d: &mut Diagnostics) -> Option<Healthcheck> {
    let entries = read::mapping(node, &format!("`healthcheck` {place}"), d)?;
    let hplace = format!("in the healthcheck {place}");
    let mut h = Healthcheck::default();
    for e in entries {
        if e.is_extension() {
            continue;
        }
        let what = format!("`{}` {hplace}", e.key);
        match e.key.as_str() {
            "test" => match &e.value.value {
                Value::Scalar(s) if !s.null => h.test = vec!["CMD-SHELL".to_owned(), s.text.clone()],
                _ => {
                    if let Some(list) = read::list(&e.value, &what, d) {
                        let test: Vec<String> = list.into_iter().map(|(s, _)| s).collect();
                        match test.first().map(String::as_str) {
                            Some("NONE") => {}
                            Some("CMD" | "CMD-SHELL") if test.len() > 1 => {}
                            _ => d.error(Some(e.value.at), format!("{what} must be a string, or a list starting with `CMD`, `CMD-SHELL` (then the command) or `NONE`")),
                        }
                        h.test = test;
                    }
                }
            },
            "interval" => h.interval_ms = duration(&e.value, &what, d),
            "timeout" => h.timeout_ms = duration(&e.value, &what, d),
            "start_period" => h.start_period_ms = duration(&e.value, &what, d),
            "start_interval" => h.start_interval_ms = duration(&e.value, &what, d),
            "retries" => h.retries = read::number(&e.value, &what, d),
            "disable" => h.disable = read::boolean(&e.value, &what, d).unwrap_or(false),
            _ => read::unknown_key(e, &hplace, d),
        }
    }
    Some(h)
}

fn depends_on(node: &Node, place: &str, d: &mut Diagnostics) -> BTreeMap<String, Dependency> {
    let what = format!("`depends_on` {place}");
    let plain = Dependency { condition: Condition::ServiceStarted, restart: false, required: true };
    let mut out = BTreeMap::new();
    match &node.value {
        Value::Map(entries) => {
            for e in entries {
                let mut dep = plain.clone();
                let dplace = format!("in `depends_on: {}` {place}", shown(&e.key));
                if let Some(opts) = read::mapping(&e.value, &format!("`{}` {dplace}", shown(&e.key)), d) {
                    for o in opts {
                        if o.is_extension() {
                            continue;
                        }
                        let w = format!("`{}` {dplace}", o.key);
                        match o.key.as_str() {
                            "condition" => match read::string(&o.value, &w, d).as_deref() {
                                Some("service_started") => dep.condition = Condition::ServiceStarted,
                                Some("service_healthy") => dep.condition = Condition::ServiceHealthy,
                                Some("service_completed_successfully") => dep.condition = Condition::ServiceCompletedSuccessfully,
                                Some(other) => d.error(Some(o.value.at), format!(
                                    "{w} must be `service_started`, `service_healthy` or `service_completed_successfully`, not `{}`",
                                    shown(other)
                                )),
                                None => {}
                            },
                            "restart" => dep.restart = read::boolean(&o.value, &w, d).unwrap_or(false),
                            "required" => dep.required = read::boolean(&o.value, &w, d).unwrap_or(true),
                            _ => read::unknown_key(o, &dplace, d),
                        }
                    }
                }
                out.insert(e.key.clone(), dep);
            }
        }
        _ => {
            for (name, _) in read::list(node, &what, d).unwrap_or_default() {
                out.insert(name, plain.clone());
            }
        }
    }
    out
}

fn networks(node: &Node, place: &str, d: &mut Diagnostics) -> BTreeMap<String, ServiceNetwork> {
    let what = format!("`networks` {place}");
    let mut out = BTreeMap::new();
    match &node.value {
        Value::Map(entries) => {
            for e in entries {
                let mut net = ServiceNetwork::default();
                let nplace = format!("in `networks: {}` {place}", shown(&e.key));
                if let Some(opts) = read::mapping(&e.value, &format!("`{}` {nplace}", shown(&e.key)), d) {
                    for o in opts {
                        if o.is_extension() {
                            continue;
                        }
                        match o.key.as_str() {
                            "aliases" => {
                                for (alias, at) in read::list(&o.value, &format!("`aliases` {nplace}"), d).unwrap_or_default() {
                                    if is_valid_object_name(&alias) {
                                        net.aliases.push(alias);
                                    } else {
                                        d.error(Some(at), format!("`{}` is not a valid alias {nplace}", shown(&alias)));
                                    }
                                }
                            }
                            _ => read::unknown_key(o, &nplace, d),
                        }
                    }
                }
                out.insert(e.key.clone(), net);
            }
        }
        _ => {
            for (name, _) in read::list(node, &what, d).unwrap_or_default() {
                out.insert(name, ServiceNetwork::default());
            }
        }
    }
    out
}

fn secrets(node: &Node, place: &str, d: &mut Diagnostics) -> Vec<ServiceSecret> {
    let Value::Seq(items) = &node.value else {
        if !node.is_null() {
            d.error(Some(node.at), format!("`secrets` {place} must be a list"));
        }
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        match &item.value {
            Value::Scalar(s) if !s.null => out.push(ServiceSecret { source: s.text.clone(), target: None }),
            Value::Map(entries) => {
                let splace = format!("in a secret {place}");
                let (mut source, mut target) = (None, None);
                for e in entries {
                    if e.is_extension() {
                        continue;
                    }
                    let w = format!("`{}` {splace}", e.key);
                    match e.key.as_str() {
                        "source" => source = read::nonempty(&e.value, &w, d),
                        "target" => target = read::nonempty(&e.value, &w, d),
                        _ => read::unknown_key(e, &splace, d),
                    }
                }
                if let Some(t) = &target
                    && !t.starts_with('/')
                    && !is_valid_object_name(t)
                {
                    d.error(Some(item.at), format!("secret target `{}` {place} must be a file name or an absolute path", shown(t)));
                }
                match source {
                    Some(source) => out.push(ServiceSecret { source, target }),
                    None => d.error(Some(item.at), format!("a secret {place} needs `source`")),
                }
            }
            _ => d.error(Some(item.at), format!("each secret {place} must be a name or a mapping with `source`")),
        }
    }
    out
}

fn optional_string(node: &Node, what: &str, d: &mut Diagnostics) -> Option<String> {
    if node.is_null() { None } else { read::string(node, what, d) }
}

impl Reader<'_> {
    /// Converts the service `name` defined at `entry`.
    pub(crate) fn service(&mut self, name: &str, entry: &Entry) -> Option<Service> {
        let place = format!("in service `{}`", shown(name));
        let d = &mut *self.d;
        let before = d.len();
        let entries = read::mapping(&entry.value, &format!("service `{}`", shown(name)), d)?;
        let mut s = Service { at: Some(entry.key_at), ..Service::default() };
        let mut image = None;
        let mut ports_seen = 0usize;
        for e in entries {
            if e.is_extension() {
                continue;
            }
            s.key_positions.insert(e.key.clone(), e.key_at);
            let what = format!("`{}` {place}", e.key);
            let v = &e.value;
            match e.key.as_str() {
                "image" => {
                    image = read::nonempty(v, &what, d);
                    if let Some(i) = &image
                        && (i.len() > 512 || i.chars().any(|c| c.is_whitespace() || c.is_control()))
                    {
                        d.error(Some(v.at), format!("{what} `{}` is not an image reference", shown(i)));
                    }
                }
                "build" => d.error(
                    Some(e.key_at),
                    format!("`build` is not supported: build the image and push it to a registry, then name it in `image` (service `{}`)", shown(name)),
                ),
                "command" => s.command = words(v, &what, d),
                "entrypoint" => s.entrypoint = words(v, &what, d),
                "environment" => {
                    for (k, val, at) in read::list_or_map(v, &what, d).unwrap_or_default() {
                        if k.is_empty() || k.contains(['=', '\n', '\r']) {
                            d.error(Some(at), format!("`{}` is not a valid variable name {place}", shown(&k)));
                            continue;
                        }
                        // `KEY` alone or `KEY:` with no value: take it from the variables, else leave it out.
                        match val.or_else(|| self.vars.get(&k).cloned()) {
                            Some(val) => {
                                s.environment.insert(k, val);
                            }
                            None => {
                                s.environment.remove(&k);
                            }
                        }
                    }
                }
                "env_file" => {
                    for (path, at) in read::string_or_list(v, &what, d).unwrap_or_default() {
                        if path.is_empty() {
                            d.error(Some(at), format!("an empty `env_file` path {place}"));
                        } else {
                            s.env_file.push(normalize_path(&path));
                        }
                    }
                }
                "ports" => match &v.value {
                    Value::Seq(items) => {
                        for item in items {
                            let ports = parse_port_entry(item, &place, d);
                            ports_seen = ports_seen.saturating_add(ports.len());
                            if ports_seen > MAX_PORTS_PER_SERVICE {
                                d.error(Some(item.at), format!("more than {MAX_PORTS_PER_SERVICE} ports {place}"));
                                break;
                            }
                            s.ports.extend(ports);
                        }
                    }
                    _ if v.is_null() => {}
                    _ => d.error(Some(v.at), format!("{what} must be a list")),
                },
                "expose" => {
                    for (spec, at) in read::list(v, &what, d).unwrap_or_default() {
                        match parse_expose(&spec) {
                            Ok(list) => {
                                ports_seen = ports_seen.saturating_add(list.len());
                                if ports_seen > MAX_PORTS_PER_SERVICE {
                                    d.error(Some(at), format!("more than {MAX_PORTS_PER_SERVICE} ports {place}"));
                                    break;
                                }
                                s.expose.extend(list);
                            }
                            Err(err) => d.error(Some(at), format!("expose {place}: {err}")),
                        }
                    }
                }
                "volumes" => match &v.value {
                    Value::Seq(items) => s.volumes.extend(items.iter().filter_map(|i| parse_volume_entry(i, &place, d))),
                    _ if v.is_null() => {}
                    _ => d.error(Some(v.at), format!("{what} must be a list")),
                },
                "tmpfs" => {
                    for (t, at) in read::string_or_list(v, &what, d).unwrap_or_default() {
                        if t.starts_with('/') {
                            s.tmpfs.push(t);
                        } else {
                            d.error(Some(at), format!("tmpfs path `{}` {place} must be absolute", shown(&t)));
                        }
                    }
                }
                "networks" => s.networks = networks(v, &place, d),
                "depends_on" => s.depends_on = depends_on(v, &place, d),
                "restart" => s.restart = restart(v, &what, d),
                "healthcheck" => s.healthcheck = healthcheck(v, &place, d),
                "labels" => {
                    for (k, val, at) in read::list_or_map(v, &what, d).unwrap_or_default() {
                        if k.is_empty() || k.chars().any(|c| c.is_whitespace() || c.is_control()) {
                            d.error(Some(at), format!("`{}` is not a valid label {place}", shown(&k)));
                        } else if RESERVED_LABEL_PREFIXES.iter().any(|p| k.starts_with(p)) {
                            d.error(Some(at), format!("label `{}` {place} is set by Berth itself and can't be set in the file", shown(&k)));
                        } else {
                            s.labels.insert(k, val.unwrap_or_default());
                        }
                    }
                }
                "user" => s.user = optional_string(v, &what, d),
                "working_dir" => {
                    s.working_dir = optional_string(v, &what, d);
                    if s.working_dir.as_deref().is_some_and(|w| !w.starts_with('/')) {
                        d.error(Some(v.at), format!("{what} must be an absolute path"));
                    }
                }
                "hostname" => {
                    s.hostname = optional_string(v, &what, d);
                    if let Some(h) = &s.hostname
                        && (h.len() > 253 || !h.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'))
                    {
                        d.error(Some(v.at), format!("{what} `{}` is not a valid host name", shown(h)));
                    }
                }
                "stop_signal" => {
                    if let Some(sig) = read::string(v, &what, d) {
                        match normalize_signal(&sig) {
                            Some(n) => s.stop_signal = Some(n),
                            None => d.error(Some(v.at), format!("{what}: `{}` is not a known signal (use a name like `SIGTERM` or a number)", shown(&sig))),
                        }
                    }
                }
                "stop_grace_period" => s.stop_grace_period_ms = duration(v, &what, d),
                "init" => s.init = read::boolean(v, &what, d),
                "read_only" => s.read_only = read::boolean(v, &what, d).unwrap_or(false),
                "privileged" => s.privileged = read::boolean(v, &what, d).unwrap_or(false),
                "tty" => s.tty = read::boolean(v, &what, d).unwrap_or(false),
                "stdin_open" => s.stdin_open = read::boolean(v, &what, d).unwrap_or(false),
                "cap_add" | "cap_drop" => {
                    let mut caps = Vec::new();
                    for (c, at) in read::list(v, &what, d).unwrap_or_default() {
                        match capability(&c) {
                            Some(c) => caps.push(c),
                            None => d.error(Some(at), format!("`{}` is not a capability name {place}", shown(&c))),
                        }
                    }
                    if e.key == "cap_add" { s.cap_add = caps } else { s.cap_drop = caps }
                }
                "devices" => s.devices = read::list(v, &what, d).unwrap_or_default().into_iter().map(|(x, _)| x).collect(),
                "security_opt" => s.security_opt = read::list(v, &what, d).unwrap_or_default().into_iter().map(|(x, _)| x).collect(),
                "container_name" => {
                    s.container_name = read::nonempty(v, &what, d);
                    if let Some(c) = &s.container_name
                        && !is_valid_object_name(c)
                    {
                        d.error(Some(v.at), format!("{what} `{}` must match `[a-zA-Z0-9][a-zA-Z0-9_.-]*`", shown(c)));
                    }
                }
                "secrets" => s.secrets = secrets(v, &place, d),
                "network_mode" => s.network_mode = mode(v, &what, &["bridge", "none"], d),
                "pid" => s.pid = mode(v, &what, &["private"], d),
                "ipc" => s.ipc = mode(v, &what, &["private", "shareable", "none"], d),
                "userns_mode" => s.userns_mode = mode(v, &what, &["keep-id", "auto", "nomap"], d),
                "mem_limit" => {
                    if let Some(m) = read::string(v, &what, d) {
                        match parse_bytes(&m) {
                            Ok(n) => s.mem_limit = Some(n),
                            Err(err) => d.error(Some(v.at), format!("{what}: {err}")),
                        }
                    }
                }
                "cpus" => {
                    if let Some(c) = read::string(v, &what, d) {
                        if c.parse::<f64>().is_ok_and(|x| x > 0.0 && x <= 4096.0) {
                            s.cpus = Some(c);
                        } else {
                            d.error(Some(v.at), format!("{what} must be a positive number like `0.5` or `2`"));
                        }
                    }
                }
                "extra_hosts" => {
                    let entries: Vec<(String, Position)> = match &v.value {
                        Value::Map(_) => read::list_or_map(v, &what, d)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|(h, ip, at)| (format!("{h}:{}", ip.unwrap_or_default()), at))
                            .collect(),
                        _ => read::list(v, &what, d).unwrap_or_default(),
                    };
                    for (h, at) in entries {
                        let (host, ip) = h.split_once([':', '=']).unwrap_or((&h, ""));
                        let ip = ip.trim_start_matches('[').trim_end_matches(']');
                        if host.is_empty() || ip.parse::<std::net::IpAddr>().is_err() && ip != "host-gateway" {
                            d.error(Some(at), format!("extra host `{}` {place} must be `name:ip`", shown(&h)));
                        } else {
                            s.extra_hosts.push(format!("{host}:{ip}"));
                        }
                    }
                }
                "dns" => {
                    for (ip, at) in read::string_or_list(v, &what, d).unwrap_or_default() {
                        if ip.parse::<std::net::IpAddr>().is_ok() {
                            s.dns.push(ip);
                        } else {
                            d.error(Some(at), format!("dns server `{}` {place} must be an IP address", shown(&ip)));
                        }
                    }
                }
                "pull_policy" => match read::string(v, &what, d).as_deref() {
                    Some(p @ ("always" | "missing" | "never" | "newer")) => s.pull_policy = Some(p.to_owned()),
                    Some("if_not_present") => s.pull_policy = Some("missing".to_owned()),
                    Some(other) => d.error(Some(v.at), format!("{what} must be `always`, `missing`, `never` or `newer`, not `{}`", shown(other))),
                    None => {}
                },
                key => match UNSUPPORTED.iter().find(|(k, _)| *k == key) {
                    Some((_, why)) => read::unsupported_key(e, &place, why, d),
                    None => read::unknown_key(e, &place, d),
                },
            }
        }
        match image {
            Some(i) => s.image = i,
            None => {
                if !entries.iter().any(|e| e.key == "build" || e.key == "image") {
                    d.error(Some(entry.key_at), format!("service `{}` needs `image`", shown(name)));
                }
            }
        }
        if s.network_mode.is_some() && entries.iter().any(|e| e.key == "networks") {
            d.error(Some(entry.key_at), format!("service `{}` sets both `network_mode` and `networks`; use one", shown(name)));
        }
        (d.len() == before).then_some(s)
    }
}

/// A namespace mode: one of `plain` (with `:options` for `keep-id`/`auto`), or `host`,
/// `service:<name>`, `container:<name>`, `ns:<path>` (the policy judges those).
fn mode(node: &Node, what: &str, plain: &[&str], d: &mut Diagnostics) -> Option<String> {
    let m = read::nonempty(node, what, d)?;
    let head = m.split_once(':').map_or(m.as_str(), |(h, _)| h);
    let ok = match head {
        "host" => m == "host",
        "service" | "container" => m.split_once(':').is_some_and(|(_, n)| is_valid_object_name(n)),
        "ns" => m.len() > 3,
        "keep-id" | "auto" => plain.contains(&head),
        _ => plain.contains(&m.as_str()),
    };
    if ok {
        Some(m)
    } else {
        let mut allowed: Vec<String> = plain.iter().map(|p| format!("`{p}`")).collect();
        allowed.extend(["`host`", "`service:<name>`", "`container:<name>`"].map(str::to_owned));
        d.error(Some(node.at), format!("{what} `{}` is not supported; use {}", shown(&m), allowed.join(", ")));
        None
    }
}
