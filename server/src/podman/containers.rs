//! [`Containers`] over the libpod API, with every action audited.

use std::time::Duration;

use async_trait::async_trait;
use podman_api::Podman;
use podman_api::opts::{ContainerDeleteOpts, ContainerListOpts, ContainerStatsOpts, ContainerStopOpts};
use sqlx::SqlitePool;

use app::model::auth::CurrentUser;
use app::model::containers::{
    ContainerAction, ContainerDetail, ContainerRow, HealthProbe, MountInfo, NetworkInfo, PublishedPort, STACK_LABEL, env_vars, health_of,
};
use app::model::logs::LogLine;
use app::model::overview::Live;
use app::model::stats::StatsReading;
use app::model::text::plain;
use app::services::{Caller, Containers, ServiceError};

use super::PodmanRuntime;
use super::answer::{Asked, READ_TIMEOUT, ask, audit_action};
use crate::audit::{self, Event, Outcome};

/// How long an action may take: a stop waits up to 10 s for the container, then kills it.
const ACTION_TIMEOUT: Duration = Duration::from_secs(30);

/// The containers of the user's Podman.
#[derive(Debug, Clone)]
pub struct ContainerService {
    pub runtime: PodmanRuntime,
    pub pool: SqlitePool,
    /// Restart policies by container id. Podman 4 can't change a container's policy
    /// (a new policy means a new container, with a new id), so a known id's policy
    /// never goes stale, and the list costs one call to Podman instead of four.
    pub policies: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, &'static str>>>,
}

/// A container name or id as typed: Podman's name rules, so nothing else reaches the URL.
pub fn parse_ref(text: &str) -> Result<&str, ServiceError> {
    let ok = !text.is_empty()
        && text.len() <= 128
        && text.as_bytes()[0].is_ascii_alphanumeric()
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if ok { Ok(text) } else { Err(ServiceError::Invalid("That is not a container name.".to_owned())) }
}

fn row(container: podman_api::models::ListContainer) -> ContainerRow {
    let status = container.status.unwrap_or_default();
    ContainerRow {
        id: container.id.unwrap_or_default(),
        name: container.names.and_then(|n| n.into_iter().next()).unwrap_or_default(),
        image: container.image.unwrap_or_default(),
        state: container.state.unwrap_or_default(),
        health: health_of(&status),
        status,
        ports: container
            .ports
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| {
                Some(PublishedPort {
                    host_ip: p.host_ip.unwrap_or_default(),
                    host_port: p.host_port?,
                    container_port: p.container_port?,
                    protocol: p.protocol.unwrap_or_else(|| "tcp".to_owned()),
                })
            })
            .collect(),
        stack: container.labels.and_then(|mut l| l.remove(STACK_LABEL)).map(|s| plain(&s)),
        created: container.created.map_or(0, |c| c.timestamp()),
        restart_policy: String::new(),
    }
}

/// Podman's answer to a refused action, in plain words.
fn refusal(action: ContainerAction, error: podman_api::Error) -> ServiceError {
    match error {
        podman_api::Error::Fault { code, message } => match code.as_u16() {
            304 => ServiceError::Invalid(match action {
                ContainerAction::Start => "It is running already.".to_owned(),
                _ => "It is stopped already.".to_owned(),
            }),
            404 => ServiceError::Invalid("That container no longer exists.".to_owned()),
            409 | 500 => {
                // Podman's own reason, as text: its first line, without Go error wrapping.
                let reason: String = message.lines().next().unwrap_or("").rsplit(": ").next().unwrap_or("").chars().take(200).collect();
                ServiceError::Invalid(format!("Podman refused to {} it: {reason}.", action.verb()))
            }
            _ => ServiceError::Internal(format!("podman answered {code}: {message}").into()),
        },
        other => ServiceError::Internal(Box::new(other)),
    }
}

fn detail(data: podman_api::models::InspectContainerData, reveal: bool) -> ContainerDetail {
    let config = data.config;
    let state = data.state;
    let host = data.host_config;
    let cfg = |f: fn(&podman_api::models::InspectContainerConfig) -> Option<String>| config.as_ref().and_then(f).unwrap_or_default();
    let health = state.as_ref().and_then(|s| s.health.clone());
    let restart = host.as_ref().and_then(|h| h.restart_policy.clone());
    let restart_name = restart.as_ref().and_then(|r| r.name.clone()).unwrap_or_default();
    let restart_max = restart.as_ref().and_then(|r| r.maximum_retry_count).unwrap_or(0);
    let restart_policy = match (restart_name.as_str(), restart_max) {
        ("" | "no", _) => "no".to_owned(),
        ("on-failure", max) if max > 0 => format!("on-failure (at most {max} times)"),
        (name, _) => name.to_owned(),
    };
    let mut labels: Vec<(String, String)> =
        config.as_ref().and_then(|c| c.labels.clone()).unwrap_or_default().into_iter().map(|(k, v)| (plain(&k), plain(&v))).collect();
    labels.sort();
    let mut networks: Vec<NetworkInfo> = data
        .network_settings
        .and_then(|n| n.networks)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, net)| NetworkInfo { name, ip: net.ip_address.unwrap_or_default(), aliases: net.aliases.unwrap_or_default() })
        .collect();
    networks.sort_by(|a, b| a.name.cmp(&b.name));
    ContainerDetail {
        id: data.id.unwrap_or_default(),
        name: data.name.unwrap_or_default(),
        image: data.image_name.unwrap_or_default(),
        state: state.as_ref().and_then(|s| s.status.clone()).unwrap_or_default(),
        health: health.as_ref().and_then(|h| h.status.clone()).filter(|s| !s.is_empty()),
        health_log: health
            .and_then(|h| h.log)
            .unwrap_or_default()
            .into_iter()
            .rev()
            .take(5)
            .map(|l| HealthProbe {
                start: l.start.unwrap_or_default(),
                exit_code: l.exit_code.unwrap_or_default(),
                output: plain(&l.output.unwrap_or_default()),
            })
            .collect(),
        created: data.created.map_or(0, |c| c.timestamp()),
        command: config.as_ref().and_then(|c| c.cmd.clone()).unwrap_or_default(),
        entrypoint: cfg(|c| c.entrypoint.clone()),
        working_dir: cfg(|c| c.working_dir.clone()),
        user: cfg(|c| c.user.clone()),
        env: env_vars(&config.as_ref().and_then(|c| c.env.clone()).unwrap_or_default(), reveal),
        mounts: data
            .mounts
            .unwrap_or_default()
            .into_iter()
            .map(|m| MountInfo {
                kind: m.type_.unwrap_or_default(),
                source: m.name.filter(|n| !n.is_empty()).or(m.source).unwrap_or_default(),
                destination: m.destination.unwrap_or_default(),
                read_write: m.rw.unwrap_or(false),
            })
            .collect(),
        networks,
        labels,
        restart_policy,
        restart_count: data.restart_count.unwrap_or(0),
        memory_limit: host.as_ref().and_then(|h| h.memory).filter(|m| *m > 0),
        #[expect(clippy::cast_precision_loss, reason = "nano-CPUs are small numbers")]
        cpus: host.as_ref().and_then(|h| h.nano_cpus).filter(|n| *n > 0).map(|n| n as f64 / 1e9),
        pids_limit: host.as_ref().and_then(|h| h.pids_limit).filter(|p| *p > 0),
    }
}

impl ContainerService {
    /// The restart policy of each listed container: from the cache, or, when a
    /// container is new to Berth, from Podman's filtered lists (the list itself does
    /// not hold policies). `None` when Podman could not say.
    async fn policies_of(&self, list: &[podman_api::models::ListContainer]) -> Option<std::collections::HashMap<String, &'static str>> {
        let ids: Vec<&str> = list.iter().filter_map(|c| c.id.as_deref()).collect();
        {
            let cache = self.policies.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if ids.iter().all(|id| cache.contains_key(*id)) {
                return Some(ids.iter().map(|id| ((*id).to_owned(), cache[*id])).collect());
            }
        }
        let found = super::raw::restart_policies(self.runtime.socket()).await.map_err(|error| tracing::warn!(%error, "could not read restart policies")).ok()?;
        let known: std::collections::HashMap<String, &'static str> = ids.iter().map(|id| ((*id).to_owned(), found.get(*id).copied().unwrap_or("no"))).collect();
        // Only the containers that exist now: removed ones leave the cache.
        *self.policies.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = known.clone();
        Some(known)
    }

    fn podman(&self) -> &Podman {
        self.runtime.client()
    }

    async fn name_of(&self, container: &str) -> Result<String, ServiceError> {
        let inspect = self.podman().containers().get(container).inspect().await.map_err(|e| refusal(ContainerAction::Start, e))?;
        Ok(inspect.name.unwrap_or_else(|| container.to_owned()))
    }
}

#[async_trait]
impl Containers for ContainerService {
    async fn list(&self) -> Result<Live<Vec<ContainerRow>>, ServiceError> {
        let all = ContainerListOpts::builder().all(true).build();
        let containers = self.podman().containers();
        let Ok(Ok(list)) = tokio::time::timeout(READ_TIMEOUT, containers.list(&all)).await else { return Ok(self.runtime.down().await) };
        let policies = self.policies_of(&list).await;
        let rows = list
            .into_iter()
            .map(|container| {
                let policy = match &policies {
                    Some(policies) => container.id.as_ref().and_then(|id| policies.get(id)).copied().unwrap_or("no"),
                    None => "",
                };
                ContainerRow { restart_policy: policy.to_owned(), ..row(container) }
            })
            .collect();
        Ok(Live::Ready(rows))
    }

    async fn inspect(&self, caller: &Caller, actor: &CurrentUser, container: &str, reveal: bool) -> Result<Live<Option<ContainerDetail>>, ServiceError> {
        let container = parse_ref(container)?;
        let inspected = tokio::time::timeout(Duration::from_secs(10), self.podman().containers().get(container).inspect()).await;
        let data = match inspected {
            Ok(Ok(data)) => data,
            Ok(Err(podman_api::Error::Fault { code, .. })) if code.as_u16() == 404 => return Ok(Live::Ready(None)),
            _ => return Ok(self.runtime.down().await),
        };
        let detail = detail(data, reveal);
        if reveal {
            let ip = caller.ip.to_string();
            let event = Event {
                actor: Some(&actor.username),
                ip: Some(&ip),
                target: Some(&detail.name),
                ..Event::new("container.env.reveal", Outcome::Ok)
            };
            audit::record_or_log(&self.pool, crate::clock::unix_now(), event).await;
        }
        Ok(Live::Ready(Some(detail)))
    }

    async fn act(&self, caller: &Caller, actor: &CurrentUser, container: &str, action: ContainerAction) -> Result<String, ServiceError> {
        let container = parse_ref(container)?;
        let name = self.name_of(container).await?;
        let handle = self.podman().containers().get(container);
        let work = async {
            match action {
                ContainerAction::Start => handle.start(None).await,
                ContainerAction::Stop => handle.stop(&ContainerStopOpts::builder().timeout(10).build()).await,
                ContainerAction::Restart => handle.restart_with_timeout(10).await,
                ContainerAction::Kill => handle.kill().await,
                ContainerAction::Remove => handle.delete(&ContainerDeleteOpts::builder().force(true).build()).await,
            }
        };
        let result = match tokio::time::timeout(ACTION_TIMEOUT, work).await {
            Ok(result) => result.map_err(|e| refusal(action, e)),
            Err(_) => Err(ServiceError::Invalid(format!("Podman did not finish the {} within 30 seconds.", action.verb()))),
        };
        audit_action(&self.pool, caller, actor, &format!("container.{}", action.verb()), &name, &result).await;
        result.map(|()| name)
    }

    async fn logs(&self, container: &str, tail: u32, timestamps: bool) -> Result<Live<Option<Vec<LogLine>>>, ServiceError> {
        let container = parse_ref(container)?;
        match ask(READ_TIMEOUT, self.podman().containers().get(container).inspect()).await {
            Asked::Answered(_) => {}
            Asked::Refused { status: 404, .. } => return Ok(Live::Ready(None)),
            _ => return Ok(self.runtime.down().await),
        }
        match super::logs::snapshot(self.podman(), container, tail, timestamps).await {
            Some(lines) => Ok(Live::Ready(Some(lines))),
            None => Ok(self.runtime.down().await),
        }
    }

    async fn stats(&self, container: &str) -> Result<Live<Option<StatsReading>>, ServiceError> {
        let container = parse_ref(container)?;
        let running = match ask(READ_TIMEOUT, self.podman().containers().get(container).inspect()).await {
            Asked::Answered(data) => data.state.and_then(|s| s.running).unwrap_or(false),
            Asked::Refused { status: 404, .. } => return Ok(Live::Ready(None)),
            _ => return Ok(self.runtime.down().await),
        };
        if !running {
            return Ok(Live::Ready(Some(StatsReading::NotRunning)));
        }
        let options = ContainerStatsOpts::builder().containers([container.to_owned()]).build();
        match ask(READ_TIMEOUT, self.podman().containers().stats(&options)).await {
            Asked::Answered(answer) => match super::stats::sample_of(&answer) {
                Some(sample) => Ok(Live::Ready(Some(StatsReading::Sample(sample)))),
                None => Ok(Live::Ready(Some(StatsReading::NotRunning))),
            },
            Asked::Refused { message, .. } if super::stats::needs_cgroups_v2(&message) => Ok(Live::Ready(Some(StatsReading::NeedsCgroupsV2))),
            Asked::Refused { status, message } => Err(ServiceError::Internal(format!("podman refused stats ({status}): {message}").into())),
            Asked::Unreachable => Ok(self.runtime.down().await),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_ref;

    #[test]
    fn container_references_follow_podmans_name_rules() {
        for ok in ["web", "site_web_1", "a1b2c3d4e5f6", "my.app-2"] {
            assert!(parse_ref(ok).is_ok(), "{ok}");
        }
        for bad in ["", "../x", "a/b", "-rf", "x;id", "$(id)", ".hidden", &"a".repeat(129)] {
            assert!(parse_ref(bad).is_err(), "{bad:?}");
        }
    }
}
