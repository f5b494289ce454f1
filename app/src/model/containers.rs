//! Containers as the list shows them, and how the list is searched, filtered and sorted.

use serde::{Deserialize, Serialize};

use crate::model::text::plain;

/// The label compose tools put on a stack's containers.
pub const STACK_LABEL: &str = "com.docker.compose.project";

/// One container in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerRow {
    pub id: String,
    pub name: String,
    pub image: String,
    /// Podman's state: running, created, exited, paused, ...
    pub state: String,
    /// Podman's words, e.g. "Up 3 minutes (healthy)".
    pub status: String,
    pub health: Option<String>,
    pub ports: Vec<PublishedPort>,
    pub stack: Option<String>,
    /// Unix seconds.
    pub created: i64,
    /// always, unless-stopped, on-failure or no; empty when Podman could not say.
    pub restart_policy: String,
}

/// A port published on the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedPort {
    pub host_ip: String,
    pub host_port: u16,
    pub container_port: u16,
    pub protocol: String,
}

impl PublishedPort {
    /// A link to a TCP port, on the host the browser used to reach Berth when the port
    /// listens on every address.
    pub fn link(&self, berth_host: &str) -> Option<String> {
        if self.protocol != "tcp" {
            return None;
        }
        let host = match self.host_ip.as_str() {
            "" | "0.0.0.0" | "::" => berth_host,
            ip => ip,
        };
        let host = if host.contains(':') && !host.starts_with('[') { format!("[{host}]") } else { host.to_owned() };
        Some(format!("http://{host}:{}/", self.host_port))
    }
}

/// What can be done to a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContainerAction {
    Start,
    Stop,
    Restart,
    Kill,
    Remove,
}

impl ContainerAction {
    /// The verb, for buttons and the audit log.
    pub fn verb(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Stop => "stop",
            Self::Restart => "restart",
            Self::Kill => "kill",
            Self::Remove => "remove",
        }
    }
}

/// The order of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ContainerSort {
    #[default]
    Name,
    State,
    Image,
    Newest,
}

impl ContainerSort {
    /// Every order, for the select.
    pub const ALL: [(Self, &'static str, &'static str); 4] =
        [(Self::Name, "name", "Name"), (Self::State, "state", "State"), (Self::Image, "image", "Image"), (Self::Newest, "newest", "Newest first")];

    /// The order named in a query string (unknown names fall back to by-name).
    pub fn parse(name: &str) -> Self {
        Self::ALL.iter().find(|(_, n, _)| *n == name).map_or(Self::Name, |(s, _, _)| *s)
    }
}

/// Search, filters and order, as in the page's query string.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ContainerQuery {
    pub search: String,
    pub state: Option<String>,
    pub stack: Option<String>,
    pub sort: ContainerSort,
}

impl ContainerQuery {
    /// The rows that match, in order.
    pub fn apply(&self, rows: Vec<ContainerRow>) -> Vec<ContainerRow> {
        let needle = self.search.trim().to_lowercase();
        let mut rows: Vec<ContainerRow> = rows
            .into_iter()
            .filter(|r| needle.is_empty() || r.name.to_lowercase().contains(&needle) || r.image.to_lowercase().contains(&needle) || r.id.starts_with(&needle))
            .filter(|r| self.state.as_ref().is_none_or(|s| &r.state == s))
            .filter(|r| self.stack.as_ref().is_none_or(|s| r.stack.as_ref() == Some(s)))
            .collect();
        match self.sort {
            ContainerSort::Name => rows.sort_by(|a, b| a.name.cmp(&b.name)),
            ContainerSort::State => rows.sort_by(|a, b| (state_rank(&a.state), &a.name).cmp(&(state_rank(&b.state), &b.name))),
            ContainerSort::Image => rows.sort_by(|a, b| (&a.image, &a.name).cmp(&(&b.image, &b.name))),
            ContainerSort::Newest => rows.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.name.cmp(&b.name))),
        }
        rows
    }
}

/// Running first, then the ones that could be started, then the rest.
fn state_rank(state: &str) -> u8 {
    match state {
        "running" => 0,
        "paused" => 1,
        "created" => 2,
        "exited" | "stopped" => 3,
        _ => 4,
    }
}

/// The health in Podman's status text, e.g. "Up 3 minutes (healthy)" → "healthy".
pub fn health_of(status: &str) -> Option<String> {
    let inner = status.rsplit_once('(')?.1.strip_suffix(')')?;
    matches!(inner, "healthy" | "unhealthy" | "starting").then(|| inner.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, state: &str, image: &str, stack: Option<&str>, created: i64) -> ContainerRow {
        ContainerRow {
            id: format!("{name}0123456789"),
            name: name.into(),
            image: image.into(),
            state: state.into(),
            status: String::new(),
            health: None,
            ports: vec![],
            stack: stack.map(Into::into),
            created,
            restart_policy: "no".into(),
        }
    }

    fn names(rows: &[ContainerRow]) -> Vec<&str> {
        rows.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn search_filters_and_sorting_combine() {
        let rows = vec![
            row("web", "running", "demo/web:v1", Some("site"), 3),
            row("db", "exited", "postgres:16", Some("site"), 1),
            row("idle", "created", "demo/idle", None, 2),
        ];
        let by = |q: ContainerQuery| names(&q.apply(rows.clone())).join(",");
        assert_eq!(by(ContainerQuery::default()), "db,idle,web");
        assert_eq!(by(ContainerQuery { sort: ContainerSort::State, ..Default::default() }), "web,idle,db");
        assert_eq!(by(ContainerQuery { sort: ContainerSort::Newest, ..Default::default() }), "web,idle,db");
        assert_eq!(by(ContainerQuery { search: "DEMO".into(), ..Default::default() }), "idle,web");
        assert_eq!(by(ContainerQuery { stack: Some("site".into()), state: Some("exited".into()), ..Default::default() }), "db");
        assert_eq!(ContainerSort::parse("newest"), ContainerSort::Newest);
        assert_eq!(ContainerSort::parse("<script>"), ContainerSort::Name);
    }

    #[test]
    fn health_comes_from_the_status_text() {
        assert_eq!(health_of("Up 3 minutes (healthy)").as_deref(), Some("healthy"));
        assert_eq!(health_of("Up 3 minutes (unhealthy)").as_deref(), Some("unhealthy"));
        assert_eq!(health_of("Exited (0) 2 minutes ago"), None);
    }

    #[test]
    fn port_links_use_berths_host_for_wildcard_addresses_and_skip_udp() {
        let port = |ip: &str, proto: &str| PublishedPort { host_ip: ip.into(), host_port: 8080, container_port: 80, protocol: proto.into() };
        assert_eq!(port("", "tcp").link("server.lan").as_deref(), Some("http://server.lan:8080/"));
        assert_eq!(port("127.0.0.1", "tcp").link("server.lan").as_deref(), Some("http://127.0.0.1:8080/"));
        assert_eq!(port("::1", "tcp").link("x").as_deref(), Some("http://[::1]:8080/"));
        assert_eq!(port("", "udp").link("x"), None);
    }
}

/// Everything the detail page shows about one container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerDetail {
    pub id: String,
    pub name: String,
    pub image: String,
    pub state: String,
    pub health: Option<String>,
    pub health_log: Vec<HealthProbe>,
    pub created: i64,
    pub command: Vec<String>,
    pub entrypoint: String,
    pub working_dir: String,
    pub user: String,
    pub env: Vec<EnvVar>,
    pub mounts: Vec<MountInfo>,
    pub networks: Vec<NetworkInfo>,
    pub labels: Vec<(String, String)>,
    pub restart_policy: String,
    pub restart_count: i32,
    pub memory_limit: Option<i64>,
    pub cpus: Option<f64>,
    pub pids_limit: Option<i64>,
}

/// One health check run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthProbe {
    pub start: String,
    pub exit_code: i64,
    pub output: String,
}

/// An environment variable; `value` is `None` while a secret-looking value is masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvVar {
    pub name: String,
    pub value: Option<String>,
}

/// A mount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountInfo {
    pub kind: String,
    pub source: String,
    pub destination: String,
    pub read_write: bool,
}

/// A network the container is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkInfo {
    pub name: String,
    pub ip: String,
    pub aliases: Vec<String>,
}

/// Whether a variable's name suggests its value is a secret (masked until an operator
/// who confirmed their password asks to see it).
pub fn looks_secret(name: &str) -> bool {
    const MARKERS: [&str; 10] = ["PASSWORD", "PASSWD", "PASS", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "AUTH", "PRIVATE", "DSN"];
    let upper = name.to_ascii_uppercase();
    MARKERS.iter().any(|m| upper.contains(m))
}

/// Splits `NAME=value` lines, masking secret-looking values unless `reveal`; what is
/// shown is [`plain`] text.
pub fn env_vars(lines: &[String], reveal: bool) -> Vec<EnvVar> {
    lines
        .iter()
        .map(|line| {
            let (name, value) = line.split_once('=').unwrap_or((line.as_str(), ""));
            let masked = !reveal && looks_secret(name);
            EnvVar { name: plain(name), value: (!masked).then(|| plain(value)) }
        })
        .collect()
}

#[cfg(test)]
mod detail_tests {
    use super::*;

    #[test]
    fn secret_looking_values_are_masked_until_revealed() {
        let lines = vec!["PATH=/usr/bin".to_owned(), "DB_PASSWORD=hunter2".to_owned(), "api_token=abc".to_owned(), "EMPTY".to_owned()];
        let masked = env_vars(&lines, false);
        assert_eq!(masked[0].value.as_deref(), Some("/usr/bin"));
        assert_eq!(masked[1].value, None);
        assert_eq!(masked[2].value, None);
        assert_eq!(masked[3], EnvVar { name: "EMPTY".into(), value: Some(String::new()) });
        assert_eq!(env_vars(&lines, true)[1].value.as_deref(), Some("hunter2"));
    }
}
