//! [`Containers`] over the libpod API, with every action audited.

use std::time::Duration;

use async_trait::async_trait;
use podman_api::Podman;
use podman_api::opts::{ContainerDeleteOpts, ContainerListOpts, ContainerStopOpts};
use sqlx::SqlitePool;

use app::model::auth::CurrentUser;
use app::model::containers::{ContainerAction, ContainerRow, PublishedPort, STACK_LABEL, health_of};
use app::model::overview::Live;
use app::services::{Caller, Containers, ServiceError};

use super::PodmanRuntime;
use crate::audit::{self, Event, Outcome};

/// How long an action may take: a stop waits up to 10 s for the container, then kills it.
const ACTION_TIMEOUT: Duration = Duration::from_secs(30);

/// The containers of the user's Podman.
#[derive(Debug, Clone)]
pub struct ContainerService {
    pub runtime: PodmanRuntime,
    pub pool: SqlitePool,
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
        stack: container.labels.and_then(|mut l| l.remove(STACK_LABEL)),
        created: container.created.map_or(0, |c| c.timestamp()),
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

impl ContainerService {
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
        let listing = tokio::time::timeout(Duration::from_secs(10), self.podman().containers().list(&all)).await;
        match listing {
            Ok(Ok(list)) => Ok(Live::Ready(list.into_iter().map(row).collect())),
            _ => Ok(Live::Down { socket_path: self.runtime.socket().display().to_string(), problem: self.runtime.health().await.err().unwrap_or(app::model::overview::PodmanProblem::NotAnswering) }),
        }
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
        let ip = caller.ip.to_string();
        let outcome = if result.is_ok() { Outcome::Ok } else { Outcome::Failed };
        let detail = result.as_ref().err().map(ToString::to_string);
        let event = Event {
            actor: Some(&actor.username),
            ip: Some(&ip),
            action: &format!("container.{}", action.verb()),
            target: Some(&name),
            outcome,
            detail: detail.as_deref(),
        };
        audit::record_or_log(&self.pool, crate::clock::unix_now(), event).await;
        result.map(|()| name)
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
