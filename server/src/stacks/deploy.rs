//! Deploying a stack: check what can be checked without changing anything (external
//! networks, volumes and secrets, port clashes), pull images, create the missing
//! networks, volumes and secrets, then create, recreate or keep each service's
//! container and start them group by group, waiting for health where a dependency
//! asks for it. A first deploy that fails removes what it made; a redeploy that fails
//! puts the failed service's previous container back.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use compose::{Condition, SecretSource};
use futures_util::StreamExt as _;
use futures_util::future::join_all;
use podman_api::opts::PullOpts;

use super::engine::{Engine, Prepared, by_service};
use super::jobs::Log;
use super::libpod::{CallError, Listed};
use super::spec::{self, LABEL_CONFIG_HASH, LABEL_PROJECT};
use crate::podman::answer::reason;
use crate::podman::images::is_loopback_registry;

/// The longest one image pull may take.
const PULL_LIMIT: Duration = Duration::from_secs(30 * 60);

/// What a first deploy made, to remove if it fails.
#[derive(Debug, Default)]
struct Made {
    containers: Vec<String>,
    networks: Vec<String>,
    volumes: Vec<String>,
    secrets: Vec<String>,
}

/// What happened to each service.
#[derive(Debug, Default)]
struct Tally {
    created: usize,
    recreated: usize,
    unchanged: usize,
    started: usize,
}

/// What to do with one service.
#[derive(Debug)]
enum Step {
    Create,
    Recreate(Listed),
    Keep(Listed),
}

fn failed(what: impl std::fmt::Display, error: &CallError) -> String {
    format!("{what}: {error}")
}

/// Deploys `prepared`; with `pull_all`, pulls every image first.
pub async fn deploy(engine: &Engine, prepared: &Prepared, log: &Log, pull_all: bool) -> Result<String, String> {
    let started = Instant::now();
    let project = &prepared.project;
    let name = project.name.as_str();
    log.line(format!("Deploying {name}: {} service(s) in {} group(s).", project.services.len(), prepared.order.len()));
    let existing = by_service(engine.libpod.project_containers(name).await.map_err(|e| failed("Listing the stack's containers", &e))?);
    let first = existing.is_empty();

    check_externals(engine, prepared).await?;
    check_ports(engine, prepared).await?;
    let image_ids = pull_images(engine, prepared, log, pull_all).await?;

    let mut made = Made::default();
    let result = apply(engine, prepared, log, existing, &image_ids, &mut made).await;
    match result {
        Ok(tally) => {
            let took = started.elapsed().as_secs_f64();
            Ok(format!(
                "Deployed in {took:.1} s: {} created, {} recreated, {} unchanged, {} started.",
                tally.created, tally.recreated, tally.unchanged, tally.started
            ))
        }
        Err(error) if first => {
            log.line(format!("Failed: {error}"));
            log.line("Removing what this first deploy created.");
            undo(engine, &made, log).await;
            Err(format!("{}. Nothing of the stack was left behind.", error.trim_end_matches('.')))
        }
        Err(error) => Err(error),
    }
}

/// External networks, volumes and secrets must exist: nothing is created before that is known.
async fn check_externals(engine: &Engine, prepared: &Prepared) -> Result<(), String> {
    let project = &prepared.project;
    let used_networks: BTreeSet<&String> = project.services.values().flat_map(|s| s.networks.keys()).collect();
    for key in used_networks {
        let Some(network) = project.networks.get(key).filter(|n| n.external) else { continue };
        let podman_name = network.podman_name(&project.name, key);
        if !engine.libpod.network_exists(&podman_name).await.map_err(|e| failed("Checking networks", &e))? {
            return Err(format!(
                "The external network {podman_name} does not exist. Create it first (Networks page, or `podman network create {podman_name}`), then deploy again."
            ));
        }
    }
    for (key, volume) in project.volumes.iter().filter(|(_, v)| v.external) {
        let podman_name = volume.podman_name(&project.name, key);
        if !engine.libpod.volume_exists(&podman_name).await.map_err(|e| failed("Checking volumes", &e))? {
            return Err(format!("The external volume {podman_name} does not exist. Create it first, then deploy again."));
        }
    }
    for secret in project.secrets.values() {
        if let SecretSource::External(podman_name) = &secret.source
            && !engine.libpod.secret_exists(podman_name).await.map_err(|e| failed("Checking secrets", &e))?
        {
            return Err(format!("The external secret {podman_name} does not exist. Create it first (`podman secret create`), then deploy again."));
        }
    }
    Ok(())
}

/// A host port this stack publishes must not be published by a running container of
/// another stack (the parser already refused clashes inside the file).
async fn check_ports(engine: &Engine, prepared: &Prepared) -> Result<(), String> {
    let project = &prepared.project;
    let all = engine.libpod.all_containers().await.map_err(|e| failed("Listing containers", &e))?;
    let others: Vec<&Listed> = all.iter().filter(|c| c.state == "running" && c.label(LABEL_PROJECT) != Some(project.name.as_str())).collect();
    let wildcard = |ip: &str| ip.is_empty() || ip == "0.0.0.0" || ip == "::";
    for (service_name, service) in &project.services {
        for port in &service.ports {
            let Some(host_port) = port.published else { continue };
            let ip = port.host_ip.as_deref().unwrap_or("");
            for other in &others {
                let clash = other.ports.iter().flatten().any(|p| {
                    let range = p.range.max(1);
                    p.protocol == port.protocol.as_str()
                        && (p.host_port..p.host_port.saturating_add(range)).contains(&host_port)
                        && (wildcard(ip) || wildcard(&p.host_ip) || p.host_ip == ip)
                });
                if clash {
                    return Err(format!(
                        "Service {service_name} publishes port {host_port}/{}, which the container {} already publishes. Stop it or pick another port.",
                        port.protocol.as_str(),
                        other.name()
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Pulls the images that are missing (or all, or those whose `pull_policy` says so);
/// returns each image's local id by reference.
async fn pull_images(engine: &Engine, prepared: &Prepared, log: &Log, pull_all: bool) -> Result<BTreeMap<String, String>, String> {
    let mut ids = BTreeMap::new();
    let mut wanted: BTreeMap<&str, (&str, Option<&str>)> = BTreeMap::new();
    for (service_name, service) in &prepared.project.services {
        wanted.entry(service.image.as_str()).or_insert((service_name.as_str(), service.pull_policy.as_deref()));
    }
    for (image, (service, policy)) in wanted {
        let local = engine.libpod.image_id(image).await.map_err(|e| failed(format!("Looking for the image {image}"), &e))?;
        let pull = match (policy, &local) {
            (Some("never"), None) => return Err(format!("Service {service}: the image {image} is not here and its pull_policy is never.")),
            (Some("never"), Some(_)) => false,
            (Some("always"), _) => true,
            (_, None) => true,
            (_, Some(_)) => pull_all,
        };
        let id = if pull {
            log.line(format!("Pulling {image} (for {service})"));
            pull_image(engine, image, log).await.map_err(|why| format!("Service {service}: could not pull {image}: {why}"))?
        } else {
            local.unwrap_or_default()
        };
        ids.insert(image.to_owned(), id);
    }
    Ok(ids)
}

async fn pull_image(engine: &Engine, reference: &str, log: &Log) -> Result<String, String> {
    let options = PullOpts::builder().reference(reference).tls_verify(!is_loopback_registry(reference)).quiet(false).build();
    let images = engine.podman.images();
    let work = async {
        let mut stream = images.pull(&options);
        let mut pulled = None;
        while let Some(report) = stream.next().await {
            let report = report.map_err(|error| match error {
                podman_api::Error::Fault { message, .. } => reason(&message),
                other => {
                    tracing::debug!(error = %other, "the pull stream failed");
                    "Podman stopped answering during the pull".to_owned()
                }
            })?;
            if let Some(error) = report.error.filter(|e| !e.is_empty()) {
                return Err(reason(&error));
            }
            if let Some(line) = report.stream.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()) {
                log.line(format!("  {line}"));
            }
            if let Some(id) = report.id.filter(|i| !i.is_empty()) {
                pulled = Some(id);
            }
        }
        pulled.ok_or_else(|| "Podman ended the pull without an image".to_owned())
    };
    tokio::time::timeout(PULL_LIMIT, work).await.map_err(|_| "the pull took longer than 30 minutes".to_owned())?
}

async fn apply(
    engine: &Engine,
    prepared: &Prepared,
    log: &Log,
    mut existing: BTreeMap<String, Listed>,
    image_ids: &BTreeMap<String, String>,
    made: &mut Made,
) -> Result<Tally, String> {
    let project = &prepared.project;
    let libpod = &engine.libpod;

    // Networks and volumes the services use.
    let networks: BTreeSet<&String> = project.services.values().filter(|s| s.network_mode.is_none()).flat_map(|s| s.networks.keys()).collect();
    for key in networks {
        let Some(body) = project.networks.get(key).filter(|n| !n.external).and_then(|_| spec::network_body(project, key)) else { continue };
        let podman_name = body["name"].as_str().unwrap_or_default().to_owned();
        if !libpod.network_exists(&podman_name).await.map_err(|e| failed("Checking networks", &e))? {
            libpod.create_network(&body).await.map_err(|e| failed(format!("Creating the network {podman_name}"), &e))?;
            log.line(format!("Created the network {podman_name}"));
            made.networks.push(podman_name);
        }
    }
    let mut volumes: Vec<serde_json::Value> = project.volumes.keys().filter_map(|key| project.volumes.get(key).filter(|v| !v.external).and_then(|_| spec::volume_body(project, key))).collect();
    volumes.sort_by(|a, b| a["Name"].as_str().cmp(&b["Name"].as_str()));
    for body in volumes {
        let podman_name = body["Name"].as_str().unwrap_or_default().to_owned();
        if !libpod.volume_exists(&podman_name).await.map_err(|e| failed("Checking volumes", &e))? {
            libpod.create_volume(&body).await.map_err(|e| failed(format!("Creating the volume {podman_name}"), &e))?;
            log.line(format!("Created the volume {podman_name}"));
            made.volumes.push(podman_name);
        }
    }
    let secret_names = prepared.secret_names();
    for (key, content) in &prepared.secrets {
        let podman_name = &secret_names[key];
        if !libpod.secret_exists(podman_name).await.map_err(|e| failed("Checking secrets", &e))? {
            libpod.create_secret(podman_name, content).await.map_err(|e| failed(format!("Creating the secret {key}"), &e))?;
            log.line(format!("Created the secret {podman_name}"));
            made.secrets.push(podman_name.clone());
        }
    }
    // Relative bind mounts point into the stack folder: make the missing ones, as compose does.
    for service in project.services.values() {
        for mount in service.volumes.iter().filter(|m| m.kind == compose::MountKind::Bind) {
            let source = spec::bind_source(&prepared.folder, mount.source.as_deref().unwrap_or("."));
            if source.starts_with(&prepared.folder) && !source.exists() {
                std::fs::create_dir_all(&source).map_err(|e| format!("Could not create the folder {}: {e}", source.display()))?;
            }
        }
    }

    // Which containers to make, remake or keep.
    let mut steps: BTreeMap<String, (Step, serde_json::Value)> = BTreeMap::new();
    for (service_name, service) in &project.services {
        let hash = prepared.hash(service_name);
        let spec = spec::container_spec(project, service_name, &prepared.folder, &hash, &secret_names).ok_or("internal: a service without a spec")?;
        let image_id = image_ids.get(&service.image).cloned().unwrap_or_default();
        let step = match existing.remove(service_name) {
            None => Step::Create,
            Some(current) if current.label(LABEL_CONFIG_HASH) == Some(hash.as_str()) && (image_id.is_empty() || current.image_id == image_id) => Step::Keep(current),
            Some(current) => Step::Recreate(current),
        };
        steps.insert(service_name.clone(), (step, spec));
    }

    let mut tally = Tally::default();
    for (level, group) in prepared.order.iter().enumerate() {
        let runs = group.iter().filter_map(|service| steps.remove(service).map(|(step, spec)| (service.clone(), step, spec))).map(|(service, step, spec)| {
            let engine = engine;
            async move {
                let outcome = run_step(engine, prepared, &service, step, &spec, log).await;
                (service, outcome)
            }
        });
        let mut errors = Vec::new();
        for (service, outcome) in join_all(runs).await {
            match outcome {
                Ok(done) => {
                    match done {
                        Done::Created(container) => {
                            tally.created += 1;
                            tally.started += 1;
                            made.containers.push(container);
                        }
                        Done::Recreated => {
                            tally.recreated += 1;
                            tally.started += 1;
                        }
                        Done::Kept { started } => {
                            tally.unchanged += 1;
                            tally.started += usize::from(started);
                        }
                    }
                }
                Err((error, created)) => {
                    made.containers.extend(created);
                    errors.push(format!("Service {service}: {error}"));
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors.join(" "));
        }
        wait_for_conditions(engine, prepared, group, log).await?;
        if level + 1 < prepared.order.len() {
            log.line(format!("Group {} is up.", level + 1));
        }
    }

    // Services no longer in the file.
    for (service, container) in existing {
        log.line(format!("Removing {} (service {service} is no longer in the file)", container.name()));
        let grace = Duration::from_secs(spec::DEFAULT_GRACE_SECONDS);
        let _ = libpod.stop(container.name(), grace).await;
        libpod.remove_container(container.name()).await.map_err(|e| failed(format!("Removing {}", container.name()), &e))?;
    }
    Ok(tally)
}

/// What a step did.
#[derive(Debug)]
enum Done {
    Created(String),
    Recreated,
    Kept { started: bool },
}

/// Carries out one service's step. On failure, the error and the containers it left made.
async fn run_step(engine: &Engine, prepared: &Prepared, service: &str, step: Step, spec: &serde_json::Value, log: &Log) -> Result<Done, (String, Vec<String>)> {
    let libpod = &engine.libpod;
    let container = spec["name"].as_str().unwrap_or_default().to_owned();
    match step {
        Step::Keep(current) => {
            if current.state == "running" {
                log.line(format!("{container} is up to date and running"));
                return Ok(Done::Kept { started: false });
            }
            libpod.start(&container).await.map_err(|e| (failed(format!("starting {container}"), &e), Vec::new()))?;
            log.line(format!("Started {container} (unchanged)"));
            Ok(Done::Kept { started: true })
        }
        Step::Create => {
            libpod.create_container(spec).await.map_err(|e| (failed(format!("creating {container}"), &e), Vec::new()))?;
            log.line(format!("Created {container}"));
            libpod.start(&container).await.map_err(|e| (failed(format!("starting {container}"), &e), vec![container.clone()]))?;
            log.line(format!("Started {container}"));
            Ok(Done::Created(container))
        }
        Step::Recreate(current) => {
            let grace = prepared.project.services.get(service).map_or(Duration::from_secs(spec::DEFAULT_GRACE_SECONDS), spec::grace);
            recreate(engine, &container, &current, spec, grace, log).await.map_err(|e| (e, Vec::new()))?;
            Ok(Done::Recreated)
        }
    }
}

/// Replaces a container, keeping the old one until the new one has started: if the
/// new one can't be created or started, the old one is put back and started again.
async fn recreate(engine: &Engine, container: &str, current: &Listed, spec: &serde_json::Value, grace: Duration, log: &Log) -> Result<(), String> {
    let libpod = &engine.libpod;
    let staged = format!("{container}-berth-new");
    let previous = format!("{container}-berth-old");
    // Leftovers of an interrupted earlier attempt.
    libpod.remove_container(&staged).await.map_err(|e| failed("cleaning up", &e))?;
    let mut staged_spec = spec.clone();
    staged_spec["name"] = serde_json::Value::String(staged.clone());
    libpod.create_container(&staged_spec).await.map_err(|e| failed(format!("creating the new {container}"), &e))?;
    let was_running = current.state == "running";
    if was_running {
        libpod.stop(current.name(), grace).await.map_err(|e| failed(format!("stopping the old {container}"), &e))?;
    }
    let swap = async {
        libpod.rename(current.name(), &previous).await.map_err(|e| failed(format!("renaming the old {container}"), &e))?;
        if let Err(error) = libpod.rename(&staged, container).await {
            let _ = libpod.rename(&previous, container).await;
            return Err(failed(format!("renaming the new {container}"), &error));
        }
        if let Err(error) = libpod.start(container).await {
            let _ = libpod.remove_container(container).await;
            let _ = libpod.rename(&previous, container).await;
            return Err(failed(format!("starting the new {container}"), &error));
        }
        Ok(())
    };
    match swap.await {
        Ok(()) => {
            libpod.remove_container(&previous).await.map_err(|e| failed(format!("removing the old {container}"), &e))?;
            log.line(format!("Recreated {container}"));
            Ok(())
        }
        Err(error) => {
            let _ = libpod.remove_container(&staged).await;
            if was_running && libpod.start(container).await.is_ok() {
                log.line(format!("The previous {container} is running again."));
            }
            Err(error)
        }
    }
}

/// After a group started: waits for what later services' `depends_on` conditions ask
/// of its services (healthy, or finished successfully).
async fn wait_for_conditions(engine: &Engine, prepared: &Prepared, group: &[String], log: &Log) -> Result<(), String> {
    let project = &prepared.project;
    let mut wanted: BTreeMap<&str, Condition> = BTreeMap::new();
    for service in project.services.values() {
        for (dependency, needs) in &service.depends_on {
            if group.contains(dependency) && needs.condition != Condition::ServiceStarted {
                wanted.insert(dependency.as_str(), needs.condition);
            }
        }
    }
    let waits = wanted.into_iter().map(|(service, condition)| async move {
        let container = project.services.get(service).map(|s| spec::container_name(&project.name, service, s)).unwrap_or_default();
        match condition {
            Condition::ServiceHealthy => wait_healthy(engine, &container, log).await,
            Condition::ServiceCompletedSuccessfully => wait_completed(engine, &container, log).await,
            Condition::ServiceStarted => Ok(()),
        }
        .map_err(|e| format!("Service {service}: {e}"))
    });
    let errors: Vec<String> = join_all(waits).await.into_iter().filter_map(Result::err).collect();
    if errors.is_empty() { Ok(()) } else { Err(errors.join(" ")) }
}

async fn wait_healthy(engine: &Engine, container: &str, log: &Log) -> Result<(), String> {
    log.line(format!("Waiting for {container} to be healthy"));
    let deadline = Instant::now() + engine.wait_limit;
    loop {
        // Berth runs the check itself: rootless hosts without a user systemd have no timer for it.
        let status = engine.libpod.run_healthcheck(container).await.map_err(|e| failed("running its health check", &e))?;
        if status == "healthy" {
            log.line(format!("{container} is healthy"));
            return Ok(());
        }
        let state = engine.libpod.state(container).await.map_err(|e| failed("reading its state", &e))?;
        if !state.running {
            return Err(format!("{container} stopped (exit code {}) before it became healthy.", state.exit_code));
        }
        if Instant::now() > deadline {
            return Err(format!("{container} was not healthy after {} s (last check: {status}).", engine.wait_limit.as_secs()));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn wait_completed(engine: &Engine, container: &str, log: &Log) -> Result<(), String> {
    log.line(format!("Waiting for {container} to finish"));
    let deadline = Instant::now() + engine.wait_limit;
    loop {
        let state = engine.libpod.state(container).await.map_err(|e| failed("reading its state", &e))?;
        if !state.running && state.status != "created" && state.status != "configured" {
            return if state.exit_code == 0 {
                log.line(format!("{container} finished successfully"));
                Ok(())
            } else {
                Err(format!("{container} finished with exit code {}.", state.exit_code))
            };
        }
        if Instant::now() > deadline {
            return Err(format!("{container} was still running after {} s.", engine.wait_limit.as_secs()));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Removes what a failed first deploy made: containers, then secrets, volumes, networks.
async fn undo(engine: &Engine, made: &Made, log: &Log) {
    let libpod = &engine.libpod;
    for container in &made.containers {
        match libpod.remove_container(container).await {
            Ok(()) => log.line(format!("Removed {container}")),
            Err(error) => log.line(format!("Could not remove {container}: {error}")),
        }
    }
    for secret in &made.secrets {
        let _ = libpod.remove_secret(secret).await;
    }
    for volume in &made.volumes {
        match libpod.remove_volume(volume).await {
            Ok(()) => log.line(format!("Removed the volume {volume}")),
            Err(error) => log.line(format!("Could not remove the volume {volume}: {error}")),
        }
    }
    for network in &made.networks {
        match libpod.remove_network(network).await {
            Ok(()) => log.line(format!("Removed the network {network}")),
            Err(error) => log.line(format!("Could not remove the network {network}: {error}")),
        }
    }
}
