//! The stack engine: a compose file made ready to deploy (parsed, its side files read,
//! its policy checked) and the actions run on it, over the libpod API. Nothing here
//! spawns a process.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use compose::{PolicyItem, Project, SecretSource, StackName};
use futures_util::future::join_all;

use app::model::stacks::StackAction;

use super::jobs::Log;
use super::libpod::{Libpod, Listed};
use super::spec::{self, LABEL_SERVICE};
use super::store::{ReadError, StackFiles, Store};

/// A compose file ready to deploy.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub name: StackName,
    /// With every `env_file` merged in.
    pub project: Project,
    /// Services in start order: groups that start together.
    pub order: Vec<Vec<String>>,
    pub folder: PathBuf,
    /// The content of each file-based secret, by its key.
    pub secrets: BTreeMap<String, Vec<u8>>,
}

impl Prepared {
    /// The hash a service's container is labelled with: its configuration (with its
    /// env files merged) and the content of the secrets it uses.
    pub fn hash(&self, service: &str) -> String {
        use sha2::Digest as _;
        let mut hasher = sha2::Sha256::new();
        hasher.update(compose::config_hash(&self.project, service).unwrap_or_default());
        if let Some(spec) = self.project.services.get(service) {
            for secret in &spec.secrets {
                if let Some(content) = self.secrets.get(&secret.source) {
                    hasher.update(spec::secret_name(&self.project.name, &secret.source, content));
                }
            }
        }
        hex::encode(hasher.finalize())
    }

    /// The Podman names of the project's file-based secrets, by key.
    pub fn secret_names(&self) -> BTreeMap<String, String> {
        let mut names: BTreeMap<String, String> =
            self.secrets.iter().map(|(key, content)| (key.clone(), spec::secret_name(&self.project.name, key, content))).collect();
        for (key, secret) in &self.project.secrets {
            if let SecretSource::External(name) = &secret.source {
                names.insert(key.clone(), name.clone());
            }
        }
        names
    }
}

/// Runs stack actions against the user's Podman.
#[derive(Debug, Clone)]
pub struct Engine {
    pub libpod: Libpod,
    /// For image pulls, whose progress streams.
    pub podman: podman_api::Podman,
    /// How long a service may take to become healthy or to finish.
    pub wait_limit: Duration,
}

impl Engine {
    /// Parses a stack's files: the model, or every problem as a line.
    pub fn check(&self, name: &StackName, files: &StackFiles) -> Result<Project, Vec<String>> {
        let variables = BTreeMap::new();
        let input = compose::Input { compose: &files.compose, env: &files.env, variables: &variables };
        compose::parse(name, &input).map_err(|problems| problems.iter().map(ToString::to_string).collect())
    }

    /// Parses a stack's files, reads the files they name and checks the policy with
    /// the items an admin allowed for this stack.
    pub fn prepare(&self, store: &Store, name: &StackName, files: &StackFiles, allowed: &BTreeSet<PolicyItem>) -> Result<Prepared, Vec<String>> {
        let mut project = self.check(name, files)?;
        let blocked: Vec<String> = compose::policy_findings(&project)
            .into_iter()
            .filter(|finding| !allowed.contains(&finding.item))
            .map(|finding| {
                let place = finding.service.map(|s| format!("service {s}: ")).unwrap_or_default();
                format!("Blocked by policy: {} ({place}{}). An admin can allow it for this stack on its page.", finding.item.title(), finding.detail)
            })
            .collect();
        if !blocked.is_empty() {
            return Err(blocked);
        }
        let outside = allowed.contains(&PolicyItem::FileOutside);
        let unreadable = |path: &str, error: ReadError| format!("{path}: {error}");
        let mut problems = Vec::new();
        for (service_name, service) in &mut project.services {
            for path in service.env_file.clone() {
                match store.read_side_file(name, &path, outside) {
                    Ok(text) => {
                        if let Err(errors) = compose::merge_env_file(service, &path, &text) {
                            problems.extend(errors.iter().map(|e| format!("env_file {path} of service {service_name}: {e}")));
                        }
                    }
                    Err(error) => problems.push(format!("env_file of service {service_name}: {}", unreadable(&path, error))),
                }
            }
        }
        let mut secrets = BTreeMap::new();
        for (key, secret) in &project.secrets {
            if let SecretSource::File(path) = &secret.source {
                match store.read_side_file(name, path, outside) {
                    Ok(text) => {
                        secrets.insert(key.clone(), text.into_bytes());
                    }
                    Err(error) => problems.push(format!("secret {key}: {}", unreadable(path, error))),
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let order = compose::start_order(&project).map_err(|d| vec![d.to_string()])?;
        Ok(Prepared { name: name.clone(), project, order, folder: store.folder(name), secrets })
    }

    /// Runs an action; returns a one-line summary, or why it failed.
    pub async fn run(&self, name: &StackName, action: StackAction, prepared: Option<&Prepared>, log: &Log) -> Result<String, String> {
        match (action, prepared) {
            (StackAction::Deploy, Some(prepared)) => super::deploy::deploy(self, prepared, log, false).await,
            (StackAction::PullRedeploy, Some(prepared)) => super::deploy::deploy(self, prepared, log, true).await,
            (StackAction::Deploy | StackAction::PullRedeploy, None) => Err("The compose file can't be used: see the stack's page.".to_owned()),
            (StackAction::Start, _) => super::lifecycle::start(self, name, prepared, log).await,
            (StackAction::Stop, _) => super::lifecycle::stop(self, name, prepared, log).await,
            (StackAction::Restart, _) => {
                super::lifecycle::stop(self, name, prepared, log).await?;
                super::lifecycle::start(self, name, prepared, log).await.map(|_| "Restarted.".to_owned())
            }
            (StackAction::Down, _) => super::lifecycle::down(self, name, prepared, log, false).await,
            (StackAction::DownWithVolumes, _) => super::lifecycle::down(self, name, prepared, log, true).await,
        }
    }

    /// Stops containers in parallel (a stack started outside Berth).
    pub async fn stop_all(&self, containers: &[Listed]) -> Result<(), String> {
        let grace = Duration::from_secs(spec::DEFAULT_GRACE_SECONDS);
        let stops = containers.iter().filter(|c| c.state == "running").map(|c| async move {
            self.libpod.stop(c.name(), grace).await.map_err(|e| format!("{}: {e}", c.name()))
        });
        let failures: Vec<String> = join_all(stops).await.into_iter().filter_map(Result::err).collect();
        if failures.is_empty() { Ok(()) } else { Err(failures.join("; ")) }
    }
}

/// The containers of a stack by service.
pub fn by_service(containers: Vec<Listed>) -> BTreeMap<String, Listed> {
    containers.into_iter().filter_map(|c| Some((c.label(LABEL_SERVICE)?.to_owned(), c))).collect()
}
