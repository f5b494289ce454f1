//! Starting, stopping and taking down a deployed stack: group by group in dependency
//! order (reversed to stop), the containers of a group in parallel. When the compose
//! file does not parse, the stack's containers are found by their labels and handled
//! as one group.

use std::time::{Duration, Instant};

use compose::StackName;
use futures_util::future::join_all;
use serde::Deserialize;

use super::engine::{Engine, Prepared, by_service};
use super::jobs::Log;
use super::libpod::Listed;
use super::spec::{self, LABEL_PROJECT};

/// The stack's containers in groups, in start order, with each one's stop grace.
async fn groups(engine: &Engine, name: &StackName, prepared: Option<&Prepared>) -> Result<Vec<Vec<(Listed, Duration)>>, String> {
    let containers = engine.libpod.project_containers(name.as_str()).await.map_err(|e| format!("Listing the stack's containers: {e}"))?;
    let default_grace = Duration::from_secs(spec::DEFAULT_GRACE_SECONDS);
    let Some(prepared) = prepared else {
        return Ok(vec![containers.into_iter().map(|c| (c, default_grace)).collect()]);
    };
    let mut by_service = by_service(containers);
    let mut groups: Vec<Vec<(Listed, Duration)>> = prepared
        .order
        .iter()
        .map(|group| {
            group
                .iter()
                .filter_map(|service| {
                    let grace = prepared.project.services.get(service).map_or(default_grace, spec::grace);
                    by_service.remove(service).map(|c| (c, grace))
                })
                .collect()
        })
        .collect();
    // Containers of services no longer in the file go last (first to stop).
    groups.push(by_service.into_values().map(|c| (c, default_grace)).collect());
    groups.retain(|g| !g.is_empty());
    Ok(groups)
}

/// Starts the stack's containers that are not running.
pub async fn start(engine: &Engine, name: &StackName, prepared: Option<&Prepared>, log: &Log) -> Result<String, String> {
    let groups = groups(engine, name, prepared).await?;
    if groups.is_empty() {
        return Err("The stack has no containers: deploy it first.".to_owned());
    }
    let mut started = 0;
    for group in groups {
        let starts = group.iter().filter(|(c, _)| c.state != "running").map(|(c, _)| async move {
            engine.libpod.start(c.name()).await.map(|()| c.name().to_owned()).map_err(|e| format!("{}: {e}", c.name()))
        });
        let mut errors = Vec::new();
        for result in join_all(starts).await {
            match result {
                Ok(container) => {
                    log.line(format!("Started {container}"));
                    started += 1;
                }
                Err(error) => errors.push(error),
            }
        }
        if !errors.is_empty() {
            return Err(errors.join("; "));
        }
    }
    Ok(format!("Started {started} container(s)."))
}

/// Stops a group's running containers in parallel.
async fn stop_group(engine: &Engine, group: &[(Listed, Duration)], log: &Log) -> Result<usize, String> {
    let stops = group.iter().filter(|(c, _)| c.state == "running" || c.state == "paused").map(|(c, grace)| async move {
        engine.libpod.stop(c.name(), *grace).await.map(|()| c.name().to_owned()).map_err(|e| format!("{}: {e}", c.name()))
    });
    let mut stopped = 0;
    let mut errors = Vec::new();
    for result in join_all(stops).await {
        match result {
            Ok(container) => {
                log.line(format!("Stopped {container}"));
                stopped += 1;
            }
            Err(error) => errors.push(error),
        }
    }
    if errors.is_empty() { Ok(stopped) } else { Err(errors.join("; ")) }
}

/// Stops the stack's containers, dependents first.
pub async fn stop(engine: &Engine, name: &StackName, prepared: Option<&Prepared>, log: &Log) -> Result<String, String> {
    let started = Instant::now();
    let mut stopped = 0;
    for group in groups(engine, name, prepared).await?.iter().rev() {
        stopped += stop_group(engine, group, log).await?;
    }
    Ok(format!("Stopped {stopped} container(s) in {:.1} s.", started.elapsed().as_secs_f64()))
}

#[derive(Debug, Deserialize)]
struct Named {
    #[serde(alias = "Name")]
    name: String,
}

/// Stops and removes the stack's containers, then its networks (and with `volumes`,
/// its volumes) and its secrets. External networks and volumes are never touched:
/// only what carries the stack's label is removed.
pub async fn down(engine: &Engine, name: &StackName, prepared: Option<&Prepared>, log: &Log, volumes: bool) -> Result<String, String> {
    let started = Instant::now();
    let libpod = &engine.libpod;
    let mut removed = 0;
    for group in groups(engine, name, prepared).await?.iter().rev() {
        stop_group(engine, group, log).await?;
        let removals = group.iter().map(|(c, _)| async move { libpod.remove_container(c.name()).await.map(|()| c.name().to_owned()).map_err(|e| format!("{}: {e}", c.name())) });
        for result in join_all(removals).await {
            let container = result?;
            log.line(format!("Removed {container}"));
            removed += 1;
        }
    }
    let filter = serde_json::json!({ "label": [format!("{LABEL_PROJECT}={name}")] }).to_string();
    let networks: Vec<Named> = libpod.labelled("networks", &filter).await.map_err(|e| format!("Listing the stack's networks: {e}"))?;
    for network in networks {
        libpod.remove_network(&network.name).await.map_err(|e| format!("Removing the network {}: {e}", network.name))?;
        log.line(format!("Removed the network {}", network.name));
    }
    let mut volume_note = String::new();
    let stack_volumes: Vec<Named> = libpod.labelled("volumes", &filter).await.map_err(|e| format!("Listing the stack's volumes: {e}"))?;
    if volumes {
        for volume in &stack_volumes {
            libpod.remove_volume(&volume.name).await.map_err(|e| format!("Removing the volume {}: {e}", volume.name))?;
            log.line(format!("Removed the volume {}", volume.name));
        }
        volume_note = format!(", {} volume(s)", stack_volumes.len());
    } else if !stack_volumes.is_empty() {
        log.line(format!("Kept {} volume(s): {}", stack_volumes.len(), stack_volumes.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", ")));
    }
    remove_secrets(engine, name, log).await?;
    Ok(format!("Down in {:.1} s: removed {removed} container(s){volume_note}.", started.elapsed().as_secs_f64()))
}

/// Removes the secrets Berth made for the stack (`<stack>_<key>_<hash>`).
async fn remove_secrets(engine: &Engine, name: &StackName, log: &Log) -> Result<(), String> {
    #[derive(Debug, Deserialize)]
    struct Secret {
        #[serde(rename = "Spec")]
        spec: Named,
    }
    let secrets: Vec<Secret> = engine.libpod.list("secrets").await.map_err(|e| format!("Listing secrets: {e}"))?;
    let prefix = format!("{name}_");
    let ours = |n: &str| n.strip_prefix(&prefix).and_then(|rest| rest.rsplit_once('_')).is_some_and(|(_, hash)| hash.len() == 12 && hash.bytes().all(|b| b.is_ascii_hexdigit()));
    for secret in secrets.iter().filter(|s| ours(&s.spec.name)) {
        engine.libpod.remove_secret(&secret.spec.name).await.map_err(|e| format!("Removing the secret {}: {e}", secret.spec.name))?;
        log.line(format!("Removed the secret {}", secret.spec.name));
    }
    Ok(())
}
