//! [`Objects`] over the libpod API: volumes, networks and pods. Removing one that
//! containers use is refused with their names; every change is audited.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use podman_api::models::ListContainer;
use podman_api::opts::{
    ContainerListFilter, ContainerListOpts, NetworkCreateOpts, NetworkListOpts, PodCreateOpts, PodListOpts, VolumeCreateOpts,
    VolumeListOpts, VolumePruneOpts,
};
use serde_json::Value;
use sqlx::SqlitePool;

use app::model::auth::CurrentUser;
use app::model::objects::{NewObject, ObjectAction, ObjectDetail, ObjectKind, ObjectRow, name_list, parse_name, parse_subnet};
use app::model::overview::Live;
use app::services::{Caller, Objects, ServiceError};

use super::PodmanRuntime;
use super::answer::{Asked, READ_TIMEOUT, ask, audit_action, refused, unreachable};

/// How long a change may take (stopping a pod waits for its containers).
const CHANGE_TIMEOUT: Duration = Duration::from_secs(60);

/// The volumes, networks and pods of the user's Podman.
#[derive(Debug, Clone)]
pub struct ObjectService {
    pub runtime: PodmanRuntime,
    pub pool: SqlitePool,
}

/// The facts an object's page shows: a label and the key in Podman's inspect answer.
fn fact_keys(kind: ObjectKind) -> &'static [(&'static str, &'static str)] {
    match kind {
        ObjectKind::Volume => &[("Driver", "Driver"), ("Mount point", "Mountpoint"), ("Created", "CreatedAt"), ("Scope", "Scope"), ("Labels", "Labels"), ("Options", "Options")],
        ObjectKind::Network => &[
            ("Id", "id"),
            ("Driver", "driver"),
            ("Interface", "network_interface"),
            ("Subnets", "subnets"),
            ("DNS", "dns_enabled"),
            ("Internal", "internal"),
            ("IPv6", "ipv6_enabled"),
            ("Created", "created"),
            ("Labels", "labels"),
        ],
        ObjectKind::Pod => &[
            ("Id", "Id"),
            ("State", "State"),
            ("Created", "Created"),
            ("Hostname", "Hostname"),
            ("Shared namespaces", "SharedNamespaces"),
            ("Infra container", "InfraContainerID"),
            ("Labels", "Labels"),
        ],
    }
}

/// A JSON value as a fact: text as it is, subnets as CIDRs, the rest as compact JSON.
fn fact_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Array(items) if items.iter().all(|i| i.get("subnet").is_some()) => {
            items.iter().filter_map(|i| i.get("subnet").and_then(Value::as_str)).collect::<Vec<_>>().join(", ")
        }
        Value::Object(map) if map.is_empty() => String::new(),
        Value::Object(map) if map.values().all(Value::is_string) => {
            map.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default())).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    }
}

fn first_name(container: &ListContainer) -> String {
    container.names.as_ref().and_then(|n| n.first().cloned()).unwrap_or_default()
}

fn unix(text: Option<&str>) -> i64 {
    text.and_then(|t| time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()).map_or(0, time::OffsetDateTime::unix_timestamp)
}

impl ObjectService {
    fn podman(&self) -> &podman_api::Podman {
        self.runtime.client()
    }

    async fn containers(&self, filter: Option<ContainerListFilter>) -> Option<Vec<ListContainer>> {
        let mut options = ContainerListOpts::builder().all(true);
        if let Some(filter) = filter {
            options = options.filter([filter]);
        }
        match ask(READ_TIMEOUT, self.podman().containers().list(&options.build())).await {
            Asked::Answered(list) => Some(list),
            _ => None,
        }
    }

    /// The names of the containers that use a volume or network (a pod's are its own).
    async fn users(&self, kind: ObjectKind, name: &str) -> Option<Vec<String>> {
        let filter = match kind {
            ObjectKind::Volume => ContainerListFilter::Volume(name.to_owned()),
            ObjectKind::Network => ContainerListFilter::Network(name.to_owned()),
            ObjectKind::Pod => ContainerListFilter::Pod(name.to_owned()),
        };
        let containers = self.containers(Some(filter)).await?;
        let mut names: Vec<String> = containers.iter().filter(|c| !c.is_infra.unwrap_or(false)).map(first_name).collect();
        names.sort();
        Some(names)
    }

    async fn list_volumes(&self) -> Option<Vec<ObjectRow>> {
        let Asked::Answered(volumes) = ask(READ_TIMEOUT, self.podman().volumes().list(&VolumeListOpts::default())).await else { return None };
        let users = futures_util::future::join_all(volumes.iter().map(|v| self.users(ObjectKind::Volume, &v.name))).await;
        volumes
            .into_iter()
            .zip(users)
            .map(|(volume, used_by)| {
                Some(ObjectRow {
                    id: volume.name.clone(),
                    facts: vec![volume.driver, volume.mountpoint],
                    created: unix(volume.created_at.as_deref()),
                    used_by: used_by?,
                    running: false,
                    name: volume.name,
                })
            })
            .collect()
    }

    async fn list_networks(&self) -> Option<Vec<ObjectRow>> {
        let (api, options) = (self.podman().networks(), NetworkListOpts::default());
        let (networks, containers) = tokio::join!(ask(READ_TIMEOUT, api.list(&options)), self.containers(None));
        let (Asked::Answered(networks), Some(containers)) = (networks, containers) else { return None };
        let mut users: HashMap<String, Vec<String>> = HashMap::new();
        for container in &containers {
            for network in container.networks.iter().flatten() {
                users.entry(network.clone()).or_default().push(first_name(container));
            }
        }
        Some(
            networks
                .into_iter()
                .map(|network| {
                    let name = network.name.unwrap_or_default();
                    let subnets = network.subnets.unwrap_or_default().into_iter().filter_map(|s| s.subnet).collect::<Vec<_>>().join(", ");
                    let mut used_by = users.remove(&name).unwrap_or_default();
                    used_by.sort();
                    ObjectRow {
                        id: network.id.unwrap_or_default(),
                        facts: vec![network.driver.unwrap_or_default(), subnets, if network.dns_enabled.unwrap_or(false) { "on" } else { "off" }.to_owned()],
                        created: network.created.map_or(0, |c| c.timestamp()),
                        used_by,
                        running: false,
                        name,
                    }
                })
                .collect(),
        )
    }

    async fn list_pods(&self) -> Option<Vec<ObjectRow>> {
        let Asked::Answered(pods) = ask(READ_TIMEOUT, self.podman().pods().list(&PodListOpts::default())).await else { return None };
        Some(
            pods.into_iter()
                .map(|pod| {
                    let infra = pod.infra_id.clone().unwrap_or_default();
                    let members: Vec<_> = pod.containers.unwrap_or_default().into_iter().filter(|c| c.id.as_deref() != Some(infra.as_str())).collect();
                    // Podman's own word: a pod whose only running container is its infra container runs too.
                    let running = matches!(pod.status.as_deref(), Some("Running" | "Degraded"));
                    let mut used_by: Vec<String> = members.iter().filter_map(|c| c.names.clone()).collect();
                    used_by.sort();
                    ObjectRow {
                        id: pod.id.unwrap_or_default(),
                        facts: vec![pod.status.unwrap_or_default(), members.len().to_string()],
                        created: pod.created.map_or(0, |c| c.timestamp()),
                        used_by,
                        running,
                        name: pod.name.unwrap_or_default(),
                    }
                })
                .collect(),
        )
    }

    async fn inspect_value(&self, kind: ObjectKind, name: &str) -> Asked<Value> {
        let json = |value: Result<Value, serde_json::Error>| value.map_err(|e| podman_api::Error::StringError(e.to_string()));
        match kind {
            ObjectKind::Volume => ask(READ_TIMEOUT, async { json(serde_json::to_value(self.podman().volumes().get(name).inspect().await?)) }).await,
            ObjectKind::Network => ask(READ_TIMEOUT, async { json(serde_json::to_value(self.podman().networks().get(name).inspect().await?)) }).await,
            ObjectKind::Pod => ask(READ_TIMEOUT, async { json(serde_json::to_value(self.podman().pods().get(name).inspect().await?)) }).await,
        }
    }

    async fn change(&self, kind: ObjectKind, name: &str, action: ObjectAction) -> Result<(), ServiceError> {
        let noun = kind.noun();
        let detail = match self.inspect_value(kind, name).await {
            Asked::Answered(value) => value,
            Asked::Refused { status, message } => return Err(refused(action.verb(), noun, status, &message)),
            Asked::Unreachable => return Err(unreachable(action.verb())),
        };
        if action == ObjectAction::Remove {
            let users = self.users(kind, name).await.ok_or_else(|| unreachable("remove"))?;
            let running = kind == ObjectKind::Pod && detail.get("State").and_then(Value::as_str).is_some_and(|s| s == "Running" || s == "Degraded");
            if kind == ObjectKind::Pod && running {
                return Err(ServiceError::Invalid("The pod is running: stop it first.".to_owned()));
            }
            if kind != ObjectKind::Pod && !users.is_empty() {
                let noun = if users.len() == 1 { "container" } else { "containers" };
                return Err(ServiceError::Invalid(format!(
                    "The {} {name} is used by the {noun} {}. Remove {} first.",
                    kind.noun(),
                    name_list(&users),
                    if users.len() == 1 { "it" } else { "them" }
                )));
            }
        }
        let outcome = match (kind, action) {
            (ObjectKind::Volume, ObjectAction::Remove) => ask(CHANGE_TIMEOUT, self.podman().volumes().get(name).delete()).await,
            (ObjectKind::Network, ObjectAction::Remove) => match ask(CHANGE_TIMEOUT, self.podman().networks().get(name).delete()).await {
                Asked::Answered(reports) => match reports.into_iter().find_map(|r| r.err.filter(|e| !e.is_empty())) {
                    Some(error) => Asked::Refused { status: 409, message: error },
                    None => Asked::Answered(()),
                },
                other => other.map(|_| ()),
            },
            (ObjectKind::Pod, ObjectAction::Remove) => ask(CHANGE_TIMEOUT, self.podman().pods().get(name).delete()).await.map(|_| ()),
            (ObjectKind::Pod, ObjectAction::Start) => ask(CHANGE_TIMEOUT, self.podman().pods().get(name).start()).await.map(|_| ()),
            (ObjectKind::Pod, ObjectAction::Stop) => ask(CHANGE_TIMEOUT, self.podman().pods().get(name).stop_with_timeout(10)).await.map(|_| ()),
            (_, ObjectAction::Start | ObjectAction::Stop) => {
                return Err(ServiceError::Invalid(format!("A {noun} can't be started or stopped.")));
            }
        };
        match outcome {
            Asked::Answered(()) => Ok(()),
            // Podman answers 304 to starting a running pod or stopping a stopped one.
            Asked::Refused { status: 304, .. } => {
                Err(ServiceError::Invalid(format!("The pod is {} already.", if action == ObjectAction::Start { "running" } else { "stopped" })))
            }
            Asked::Refused { status, message } => Err(refused(action.verb(), noun, status, &message)),
            Asked::Unreachable => Err(unreachable(action.verb())),
        }
    }

    async fn make(&self, kind: ObjectKind, new: &NewObject) -> Result<String, ServiceError> {
        let name = parse_name(new.name.trim()).map_err(ServiceError::Invalid)?.to_owned();
        let subnet = if kind == ObjectKind::Network { parse_subnet(&new.subnet).map_err(ServiceError::Invalid)? } else { None };
        if let Asked::Answered(_) = self.inspect_value(kind, &name).await {
            return Err(ServiceError::Invalid(format!("A {} named {name} exists already.", kind.noun())));
        }
        let outcome = match kind {
            ObjectKind::Volume => ask(CHANGE_TIMEOUT, self.podman().volumes().create(&VolumeCreateOpts::builder().name(&name).build())).await.map(|_| ()),
            ObjectKind::Network => {
                let mut options = NetworkCreateOpts::builder().name(&name).driver("bridge").dns_enabled(true).internal(new.internal);
                if let Some(subnet) = subnet {
                    options = options.subnets([podman_api::models::Subnet { subnet: Some(subnet), gateway: None, lease_range: None }]);
                }
                ask(CHANGE_TIMEOUT, self.podman().networks().create(&options.build())).await.map(|_| ())
            }
            ObjectKind::Pod => ask(CHANGE_TIMEOUT, self.podman().pods().create(&PodCreateOpts::builder().name(&name).build())).await.map(|_| ()),
        };
        match outcome {
            Asked::Answered(()) => Ok(name),
            Asked::Refused { status, message } => Err(refused("create", kind.noun(), status, &message)),
            Asked::Unreachable => Err(unreachable("create")),
        }
    }
}

impl<T> Asked<T> {
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Asked<U> {
        match self {
            Asked::Answered(value) => Asked::Answered(f(value)),
            Asked::Refused { status, message } => Asked::Refused { status, message },
            Asked::Unreachable => Asked::Unreachable,
        }
    }
}

#[async_trait]
impl Objects for ObjectService {
    async fn list(&self, kind: ObjectKind) -> Result<Live<Vec<ObjectRow>>, ServiceError> {
        let rows = match kind {
            ObjectKind::Volume => self.list_volumes().await,
            ObjectKind::Network => self.list_networks().await,
            ObjectKind::Pod => self.list_pods().await,
        };
        match rows {
            Some(mut rows) => {
                rows.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(Live::Ready(rows))
            }
            None => Ok(self.runtime.down().await),
        }
    }

    async fn inspect(&self, kind: ObjectKind, name: &str) -> Result<Live<Option<ObjectDetail>>, ServiceError> {
        let name = parse_name(name).map_err(ServiceError::Invalid)?;
        let value = match self.inspect_value(kind, name).await {
            Asked::Answered(value) => value,
            Asked::Refused { status: 404, .. } => return Ok(Live::Ready(None)),
            Asked::Refused { status, message } => return Err(ServiceError::Internal(format!("podman refused inspect ({status}): {message}").into())),
            Asked::Unreachable => return Ok(self.runtime.down().await),
        };
        let Some(used_by) = self.users(kind, name).await else { return Ok(self.runtime.down().await) };
        let facts = fact_keys(kind)
            .iter()
            .map(|(label, key)| ((*label).to_owned(), value.get(*key).map(fact_text).unwrap_or_default()))
            .filter(|(_, text)| !text.is_empty())
            .collect();
        let running = value.get("State").and_then(Value::as_str).is_some_and(|s| s == "Running" || s == "Degraded");
        Ok(Live::Ready(Some(ObjectDetail {
            name: name.to_owned(),
            facts,
            used_by,
            running,
            raw: serde_json::to_string_pretty(&value).unwrap_or_default(),
        })))
    }

    async fn create(&self, caller: &Caller, actor: &CurrentUser, kind: ObjectKind, new: NewObject) -> Result<String, ServiceError> {
        let result = self.make(kind, &new).await;
        let target: String = new.name.chars().take(128).collect();
        audit_action(&self.pool, caller, actor, &format!("{}.create", kind.noun()), &target, &result).await;
        result
    }

    async fn act(&self, caller: &Caller, actor: &CurrentUser, kind: ObjectKind, name: &str, action: ObjectAction) -> Result<String, ServiceError> {
        let name = parse_name(name).map_err(ServiceError::Invalid)?;
        let result = self.change(kind, name, action).await;
        audit_action(&self.pool, caller, actor, &format!("{}.{}", kind.noun(), action.verb()), name, &result).await;
        result.map(|()| name.to_owned())
    }

    async fn prune(&self, caller: &Caller, actor: &CurrentUser, kind: ObjectKind) -> Result<String, ServiceError> {
        let removed: Asked<Vec<String>> = match kind {
            ObjectKind::Volume => ask(CHANGE_TIMEOUT, self.podman().volumes().prune(&VolumePruneOpts::default()))
                .await
                .map(|reports| reports.into_iter().filter(|r| r.err.is_none()).filter_map(|r| r.id).collect()),
            ObjectKind::Network => ask(CHANGE_TIMEOUT, self.podman().networks().prune(&Default::default()))
                .await
                .map(|reports| reports.into_iter().filter(|r| r.error.is_none()).filter_map(|r| r.name).collect()),
            ObjectKind::Pod => ask(CHANGE_TIMEOUT, self.podman().pods().prune())
                .await
                .map(|reports| reports.into_iter().filter(|r| r.err.is_none()).filter_map(|r| r.id.map(|id| id.chars().take(12).collect())).collect()),
        };
        let result = match removed {
            Asked::Answered(names) if names.is_empty() => Ok(format!("There was nothing to prune: no {} was unused.", kind.noun())),
            Asked::Answered(names) => Ok(format!("Removed {} {}: {}.", names.len(), if names.len() == 1 { kind.noun().to_owned() } else { kind.title().to_lowercase() }, name_list(&names))),
            Asked::Refused { status, message } => Err(refused("prune", kind.noun(), status, &message)),
            Asked::Unreachable => Err(unreachable("prune")),
        };
        audit_action(&self.pool, caller, actor, &format!("{}.prune", kind.noun()), kind.path(), &result).await;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_read_plainly() {
        assert_eq!(fact_text(&serde_json::json!("local")), "local");
        assert_eq!(fact_text(&serde_json::json!(true)), "true");
        assert_eq!(fact_text(&serde_json::json!([{"subnet": "10.89.0.0/24", "gateway": "10.89.0.1"}])), "10.89.0.0/24");
        assert_eq!(fact_text(&serde_json::json!({"a": "1", "b": "2"})), "a=1, b=2");
        assert_eq!(fact_text(&serde_json::json!({})), "");
        assert_eq!(unix(Some("2026-12-03T20:00:00Z")), 1_796_328_000);
        assert_eq!(unix(Some("not a time")), 0);
    }
}
