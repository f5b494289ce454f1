//! [`Stacks`]: what the pages ask of stacks, over the store, the engine and the
//! history. Every change is audited; every deployment runs in the background with a
//! log the page follows.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use compose::{PolicyItem, StackName};
use sqlx::SqlitePool;

use app::model::auth::CurrentUser;
use app::model::stacks::{
    Deployment, OverrideView, Outcome, PolicyView, ServiceRow, StackAction, StackDetail, StackList, StackRow, StackState,
};
use app::services::{Caller, ServiceError, Stacks};

use super::engine::{Engine, Prepared};
use super::external::{compose_file_of, external_stacks};
use super::jobs::Jobs;
use super::libpod::Listed;
use super::spec::{LABEL_CONFIG_HASH, LABEL_PROJECT, LABEL_SERVICE};
use super::store::{StackFiles, Store};
use crate::audit::{self, Event};
use crate::clock::unix_now;
use crate::db::stacks as db;

/// How many deployments a stack's page lists.
const HISTORY_SHOWN: i64 = 25;

/// Berth's stacks.
#[derive(Debug, Clone)]
pub struct StackService {
    pub engine: Engine,
    pub pool: SqlitePool,
    pub store: Store,
    pub jobs: Arc<Jobs>,
}

fn internal(error: impl Into<anyhow::Error>) -> ServiceError {
    let error: anyhow::Error = error.into();
    ServiceError::Internal(error.into())
}

fn parse_name(name: &str) -> Result<StackName, ServiceError> {
    StackName::parse(name).map_err(ServiceError::Invalid)
}

/// What a webhook's deploy came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookStart {
    /// Started: the deployment's id.
    Started(i64),
    /// Another deployment of the stack runs.
    Busy(String),
    /// The call can't be applied (an unknown service, a compose file with problems, ...).
    Refused(String),
}

fn busy(name: &StackName, holder: Option<i64>) -> String {
    let which = holder.map(|id| format!(" (deployment {id})")).unwrap_or_default();
    format!("A deployment of {name} is running{which}. Wait for it to finish, then try again.")
}

/// Problems as one message: the first few, and how many more.
fn problems_text(problems: &[String]) -> String {
    const SHOWN: usize = 8;
    let mut text = problems.iter().take(SHOWN).cloned().collect::<Vec<_>>().join("\n");
    if problems.len() > SHOWN {
        text.push_str(&format!("\n… and {} more.", problems.len() - SHOWN));
    }
    text
}

impl StackService {
    /// The policy items an admin allowed for a stack.
    async fn allowed(&self, name: &StackName) -> Result<BTreeSet<PolicyItem>, ServiceError> {
        let rows = db::overrides(&self.pool, name.as_str()).await.map_err(internal)?;
        Ok(rows.iter().filter_map(|r| PolicyItem::from_key(&r.item)).collect())
    }

    fn read(&self, name: &StackName) -> Result<StackFiles, ServiceError> {
        self.store.read(name).map_err(internal)?.ok_or(ServiceError::NotFound)
    }

    async fn audit<T>(&self, caller: &Caller, actor: &CurrentUser, action: &str, target: &str, result: &Result<T, ServiceError>) {
        crate::podman::answer::audit_action(&self.pool, caller, actor, action, target, result).await;
    }

    /// The engine's plan for a stack, with the images webhooks set for its services.
    async fn prepare(&self, name: &StackName, files: &StackFiles, allowed: &BTreeSet<PolicyItem>) -> Result<Prepared, Vec<String>> {
        let mut prepared = self.engine.prepare(&self.store, name, files, allowed)?;
        match crate::db::hooks::pins(&self.pool, name.as_str()).await {
            Ok(pins) => {
                for pin in pins {
                    if let Some(service) = prepared.project.services.get_mut(&pin.service) {
                        service.image = pin.image;
                    }
                }
            }
            Err(error) => tracing::error!(%error, stack = %name, "could not read the images webhooks set"),
        }
        Ok(prepared)
    }

    /// Starts `action` on a stack in the background; returns the deployment's id.
    pub async fn start(&self, name: &StackName, action: StackAction, trigger: &str) -> Result<i64, ServiceError> {
        let files = self.read(name)?;
        let allowed = self.allowed(name).await?;
        let prepared = match action {
            StackAction::Deploy | StackAction::PullRedeploy => {
                Some(self.prepare(name, &files, &allowed).await.map_err(|p| ServiceError::Invalid(problems_text(&p)))?)
            }
            // The others act on what exists; the file, if it parses, gives the order.
            _ => self.prepare(name, &files, &allowed).await.ok(),
        };
        let guard = self.jobs.try_take(name.as_str()).map_err(|holder| ServiceError::Invalid(busy(name, holder)))?;
        self.launch(name, action, prepared, trigger, guard, Vec::new()).await
    }

    /// Pull and redeploy for a webhook, with the tags or digests it asks for. Nothing
    /// starts when the stack is busy or the call can't be applied.
    pub async fn start_hook(&self, name: &StackName, images: &BTreeMap<String, crate::webhooks::payload::ImageChange>, trigger: &str) -> Result<HookStart, ServiceError> {
        let Some(files) = self.store.read(name).map_err(internal)? else { return Ok(HookStart::Refused("The stack's files are gone.".to_owned())) };
        let allowed = self.allowed(name).await?;
        let mut prepared = match self.prepare(name, &files, &allowed).await {
            Ok(prepared) => prepared,
            Err(problems) => return Ok(HookStart::Refused(problems_text(&problems))),
        };
        let mut pins = Vec::new();
        for (service, change) in images {
            let Some(spec) = prepared.project.services.get_mut(service) else {
                return Ok(HookStart::Refused(format!("images names the service {}, which the compose file does not have.", app::model::text::plain(service))));
            };
            spec.image = change.apply(&spec.image);
            pins.push((service.clone(), spec.image.clone()));
        }
        let guard = match self.jobs.try_take(name.as_str()) {
            Ok(guard) => guard,
            Err(holder) => return Ok(HookStart::Busy(busy(name, holder))),
        };
        self.launch(name, StackAction::PullRedeploy, Some(prepared), trigger, guard, pins).await.map(HookStart::Started)
    }

    /// Runs a prepared action in the background. `pins` are the images a webhook set:
    /// kept for later deploys once this one succeeds.
    async fn launch(
        &self,
        name: &StackName,
        action: StackAction,
        prepared: Option<Prepared>,
        trigger: &str,
        guard: tokio::sync::OwnedMutexGuard<()>,
        pins: Vec<(String, String)>,
    ) -> Result<i64, ServiceError> {
        let id = db::start_deployment(&self.pool, name.as_str(), action.key(), trigger, unix_now()).await.map_err(internal)?;
        let running = self.jobs.begin(name.as_str(), id, guard);
        let this = self.clone();
        let name = name.clone();
        let trigger = trigger.to_owned();
        tokio::spawn(async move {
            let log = running.log.clone();
            let result = this.engine.run(&name, action, prepared.as_ref(), &log).await;
            let (outcome, summary) = match &result {
                Ok(summary) => (Outcome::Ok, summary.clone()),
                Err(error) => (Outcome::Failed, error.clone()),
            };
            if outcome == Outcome::Ok {
                for (service, image) in &pins {
                    match crate::db::hooks::pin(&this.pool, name.as_str(), service, image, unix_now(), &trigger).await {
                        Ok(()) => log.line(format!("{service} now runs {image} (set by the webhook; saving the compose file goes back to what it names)")),
                        Err(error) => tracing::error!(%error, stack = %name, "could not keep the image a webhook set"),
                    }
                }
            }
            log.line(&summary);
            if let Err(error) = db::finish_deployment(&this.pool, id, unix_now(), outcome, &summary, &log.text()).await {
                tracing::error!(%error, deployment = id, "could not record the end of a deployment");
            }
            let detail = format!("deployment {id}: {summary}");
            let event = Event {
                actor: Some(&trigger),
                ip: None,
                action: "stack.deployment",
                target: Some(name.as_str()),
                outcome: if outcome == Outcome::Ok { audit::Outcome::Ok } else { audit::Outcome::Failed },
                detail: Some(&detail),
            };
            audit::record_or_log(&this.pool, unix_now(), event).await;
            tracing::info!(stack = %name, deployment = id, action = action.key(), outcome = outcome.key(), "deployment ended");
            log.finish(outcome, &summary);
            this.jobs.end(name.as_str(), running);
        });
        Ok(id)
    }

    fn service_rows(prepared: Option<&Prepared>, containers: &[Listed]) -> Vec<ServiceRow> {
        let mut by_service: BTreeMap<String, &Listed> = BTreeMap::new();
        for container in containers {
            if let Some(service) = container.label(LABEL_SERVICE) {
                by_service.insert(service.to_owned(), container);
            }
        }
        let row = |service: &str, image: String, restart: String, hash: Option<String>| {
            let container = by_service.get(service);
            ServiceRow {
                service: service.to_owned(),
                image,
                container: container.map(|c| c.name().to_owned()),
                state: container.map(|c| c.state.clone()).unwrap_or_default(),
                health: String::new(),
                ports: container
                    .and_then(|c| c.ports.as_ref())
                    .map(|ports| ports.iter().map(|p| format!("{}:{}/{}", p.host_port, p.container_port, p.protocol)).collect())
                    .unwrap_or_default(),
                restart,
                current: match (container, hash) {
                    (Some(c), Some(hash)) => c.label(LABEL_CONFIG_HASH) == Some(hash.as_str()),
                    _ => true,
                },
            }
        };
        match prepared {
            Some(prepared) => prepared
                .project
                .services
                .iter()
                .map(|(service, spec)| row(service, spec.image.clone(), spec.restart.podman_value(), Some(prepared.hash(service))))
                .collect(),
            // The file does not parse: show what exists.
            None => by_service.iter().map(|(service, c)| row(service, c.image.clone(), String::new(), None)).collect(),
        }
    }
}

#[async_trait]
impl Stacks for StackService {
    async fn list(&self) -> Result<StackList, ServiceError> {
        let names = self.store.list().map_err(internal)?;
        let containers = self.engine.libpod.all_containers().await.unwrap_or_default();
        let mut stacks = Vec::new();
        for name in &names {
            let allowed = self.allowed(name).await?;
            let parsed = match self.store.read(name) {
                Ok(Some(files)) => self.engine.check(name, &files),
                Ok(None) => continue,
                Err(error) => {
                    tracing::warn!(stack = %name, %error, "a stack's files could not be read");
                    Err(vec!["Berth could not read its files: see its log.".to_owned()])
                }
            };
            let (total, problem, blocks) = match &parsed {
                Ok(project) => {
                    let blocks = compose::policy_findings(project).iter().filter(|f| !allowed.contains(&f.item)).count();
                    (project.services.len(), None, blocks)
                }
                Err(problems) => (0, problems.first().cloned(), 0),
            };
            let mine: Vec<&Listed> = containers.iter().filter(|c| c.label(LABEL_PROJECT) == Some(name.as_str())).collect();
            let running = mine.iter().filter(|c| c.state == "running").count();
            let total = total.max(mine.len());
            let last = db::history(&self.pool, name.as_str(), 1).await.map_err(internal)?.into_iter().next();
            stacks.push(StackRow {
                name: name.to_string(),
                state: StackState::of(running, total, mine.len()),
                running,
                total,
                last_deployment: last,
                policy_blocks: blocks,
                problem,
            });
        }
        let ours: BTreeSet<String> = names.iter().map(ToString::to_string).collect();
        Ok(StackList { stacks, external: external_stacks(&containers, &ours) })
    }

    async fn get(&self, name: &str) -> Result<Option<StackDetail>, ServiceError> {
        let Ok(name) = StackName::parse(name) else { return Ok(None) };
        let Some(files) = self.store.read(&name).map_err(internal)? else { return Ok(None) };
        let overrides = db::overrides(&self.pool, name.as_str()).await.map_err(internal)?;
        let allowed: BTreeSet<PolicyItem> = overrides.iter().filter_map(|r| PolicyItem::from_key(&r.item)).collect();
        let parsed = self.engine.check(&name, &files);
        let prepared = self.prepare(&name, &files, &allowed).await;
        let containers = self.engine.libpod.project_containers(name.as_str()).await;
        let podman_up = containers.is_ok();
        let containers = containers.unwrap_or_default();
        let (problems, warnings, policy) = match &parsed {
            Ok(project) => {
                let policy = compose::policy_findings(project)
                    .into_iter()
                    .map(|finding| PolicyView {
                        item: finding.item.key().to_owned(),
                        title: finding.item.title().to_owned(),
                        risk: finding.item.risk().to_owned(),
                        service: finding.service,
                        detail: finding.detail,
                        allowed_by: overrides
                            .iter()
                            .find(|o| o.item == finding.item.key())
                            .map(|o| format!("by {} on {}", o.allowed_by, app::model::time::format_utc(o.allowed_at))),
                    })
                    .collect();
                // Files it names that can't be read are problems too.
                let problems = prepared.as_ref().err().cloned().unwrap_or_default().into_iter().filter(|p| !p.starts_with("Blocked by policy")).collect();
                (problems, project.warnings.iter().map(ToString::to_string).collect(), policy)
            }
            Err(problems) => (problems.clone(), Vec::new(), Vec::new()),
        };
        let services = Self::service_rows(prepared.as_ref().ok(), &containers);
        let running = services.iter().filter(|s| s.state == "running").count();
        Ok(Some(StackDetail {
            name: name.to_string(),
            state: StackState::of(running, services.len(), containers.len()),
            compose: files.compose,
            env: files.env,
            services,
            problems,
            warnings,
            policy,
            overrides: overrides
                .iter()
                .map(|o| OverrideView {
                    item: o.item.clone(),
                    title: PolicyItem::from_key(&o.item).map_or_else(|| o.item.clone(), |i| i.title().to_owned()),
                    allowed_by: o.allowed_by.clone(),
                    allowed_at: o.allowed_at,
                })
                .collect(),
            deployments: db::history(&self.pool, name.as_str(), HISTORY_SHOWN).await.map_err(internal)?,
            folder: self.store.folder(&name).display().to_string(),
            podman_up,
        }))
    }

    async fn validate(&self, name: &str, compose: &str, env: &str) -> Result<Vec<String>, ServiceError> {
        let name = parse_name(name)?;
        let files = StackFiles { compose: compose.to_owned(), env: env.to_owned() };
        Ok(match self.engine.check(&name, &files) {
            Ok(project) => project.warnings.iter().map(|w| format!("warning: {w}")).collect(),
            Err(problems) => problems,
        })
    }

    async fn save(&self, caller: &Caller, actor: &CurrentUser, name: &str, compose: &str, env: &str, create: bool) -> Result<(), ServiceError> {
        let result = async {
            let name = parse_name(name)?;
            if create && (name.as_str() == "new" || self.store.exists(&name)) {
                return Err(ServiceError::Invalid(format!("A stack named {name} exists already: pick another name.")));
            }
            if !create && !self.store.exists(&name) {
                return Err(ServiceError::NotFound);
            }
            let files = StackFiles { compose: compose.replace("\r\n", "\n"), env: env.replace("\r\n", "\n") };
            self.engine.check(&name, &files).map_err(|p| ServiceError::Invalid(problems_text(&p)))?;
            self.store.write(&name, &files).map_err(internal)?;
            db::ensure(&self.pool, name.as_str(), unix_now(), Some(&actor.username)).await.map_err(internal)?;
            // The saved file is the truth again: tags a webhook set no longer apply.
            crate::db::hooks::clear_pins(&self.pool, name.as_str()).await.map_err(internal)?;
            Ok(())
        }
        .await;
        self.audit(caller, actor, if create { "stack.create" } else { "stack.save" }, name, &result).await;
        result
    }

    async fn act(&self, caller: &Caller, actor: &CurrentUser, name: &str, action: StackAction) -> Result<i64, ServiceError> {
        let result = async {
            let name = parse_name(name)?;
            if !self.store.exists(&name) {
                return Err(ServiceError::NotFound);
            }
            self.start(&name, action, &actor.username).await
        }
        .await;
        self.audit(caller, actor, &format!("stack.{}", action.key()), name, &result).await;
        result
    }

    async fn delete(&self, caller: &Caller, actor: &CurrentUser, name: &str) -> Result<(), ServiceError> {
        let result = async {
            let name = parse_name(name)?;
            if !self.store.exists(&name) {
                return Err(ServiceError::NotFound);
            }
            let guard = self.jobs.try_take(name.as_str()).map_err(|_| ServiceError::Invalid(format!("A deployment of {name} is running. Wait for it to finish, then delete the stack.")))?;
            let files = self.read(&name)?;
            let prepared = self.prepare(&name, &files, &self.allowed(&name).await?).await.ok();
            let log = super::jobs::Log::detached();
            self.engine.run(&name, StackAction::Down, prepared.as_ref(), &log).await.map_err(|e| ServiceError::Invalid(format!("Berth could not take the stack down, so it was not deleted: {e}")))?;
            self.store.remove(&name).map_err(internal)?;
            db::remove(&self.pool, name.as_str()).await.map_err(internal)?;
            drop(guard);
            Ok(())
        }
        .await;
        self.audit(caller, actor, "stack.delete", name, &result).await;
        result
    }

    async fn deployment(&self, name: &str, id: i64) -> Result<Option<Deployment>, ServiceError> {
        let Ok(name) = StackName::parse(name) else { return Ok(None) };
        let Some(row) = db::deployment(&self.pool, name.as_str(), id).await.map_err(internal)? else { return Ok(None) };
        // While it runs, the log is in memory; afterwards, in the database.
        let lines = match self.jobs.log(id) {
            Some(log) if row.summary.outcome == Outcome::Running => log.follow().0,
            _ => row.log.lines().map(str::to_owned).collect(),
        };
        Ok(Some(Deployment { summary: row.summary, lines }))
    }

    async fn set_override(&self, caller: &Caller, actor: &CurrentUser, name: &str, item: &str, allow: bool) -> Result<(), ServiceError> {
        let result = async {
            let name = parse_name(name)?;
            if !self.store.exists(&name) {
                return Err(ServiceError::NotFound);
            }
            let item = PolicyItem::from_key(item).ok_or_else(|| ServiceError::Invalid("There is no such policy item.".to_owned()))?;
            db::ensure(&self.pool, name.as_str(), unix_now(), None).await.map_err(internal)?;
            if allow {
                db::allow(&self.pool, name.as_str(), item.key(), &actor.username, unix_now()).await.map_err(internal)
            } else {
                db::block(&self.pool, name.as_str(), item.key()).await.map_err(internal)
            }
        }
        .await;
        let action = if allow { "stack.policy.allow" } else { "stack.policy.block" };
        self.audit(caller, actor, action, &format!("{name}: {item}"), &result).await;
        result
    }

    async fn stop_external(&self, caller: &Caller, actor: &CurrentUser, name: &str) -> Result<(), ServiceError> {
        let result = async {
            let name = parse_name(name)?;
            let containers = self.engine.libpod.project_containers(name.as_str()).await.map_err(|e| ServiceError::Invalid(e.to_string()))?;
            if containers.is_empty() {
                return Err(ServiceError::NotFound);
            }
            self.engine.stop_all(&containers).await.map_err(ServiceError::Invalid)
        }
        .await;
        self.audit(caller, actor, "stack.external.stop", name, &result).await;
        result
    }

    async fn adopt(&self, caller: &Caller, actor: &CurrentUser, name: &str) -> Result<(), ServiceError> {
        let result = async {
            let name = parse_name(name)?;
            if self.store.exists(&name) {
                return Err(ServiceError::Invalid(format!("{name} is one of Berth's stacks already.")));
            }
            let containers = self.engine.libpod.project_containers(name.as_str()).await.map_err(|e| ServiceError::Invalid(e.to_string()))?;
            let path = containers.iter().find_map(compose_file_of).ok_or_else(|| {
                ServiceError::Invalid("Its containers don't say where their compose file is, so Berth can't adopt it. Create a stack with the same name and its file instead.".to_owned())
            })?;
            let compose = read_text(&path).map_err(ServiceError::Invalid)?;
            let env = path.parent().map(|d| d.join(".env")).filter(|p| p.is_file()).map(|p| read_text(&p)).transpose().map_err(ServiceError::Invalid)?.unwrap_or_default();
            let files = StackFiles { compose, env };
            self.engine.check(&name, &files).map_err(|p| ServiceError::Invalid(format!("Its compose file {} can't be used as it is:\n{}", path.display(), problems_text(&p))))?;
            self.store.write(&name, &files).map_err(internal)?;
            db::ensure(&self.pool, name.as_str(), unix_now(), Some(&actor.username)).await.map_err(internal)
        }
        .await;
        self.audit(caller, actor, "stack.adopt", name, &result).await;
        result
    }
}

/// A compose file found through a container's labels: text, and at most 1 MiB.
fn read_text(path: &std::path::Path) -> Result<String, String> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("Berth could not read {shown}: {e}"))?;
    if bytes.len() > compose::MAX_COMPOSE_BYTES {
        return Err(format!("{shown} is larger than 1 MiB."));
    }
    String::from_utf8(bytes).map_err(|_| format!("{shown} is not UTF-8 text."))
}
