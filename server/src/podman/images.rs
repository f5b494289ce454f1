//! [`Images`] over the libpod API: the list, pulls followed in the background,
//! removal (refused while containers use the image) and pruning, all audited.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt as _;
use podman_api::opts::{ContainerListOpts, ImageListOpts, ImagePruneOpts, PullOpts};
use sqlx::SqlitePool;

use app::model::auth::CurrentUser;
use app::model::images::{ImageRow, PullJob, PullState, parse_reference};
use app::model::objects::name_list;
use app::model::overview::Live;
use app::model::stats::format_bytes;
use app::services::{Caller, Images, ServiceError};

use super::PodmanRuntime;
use super::answer::{Asked, READ_TIMEOUT, ask, audit_action, reason, refused, unreachable};

/// The longest a pull may take.
const PULL_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// How many progress lines a pull keeps.
const PULL_LINES: usize = 300;
/// How many pulls Berth remembers.
const PULLS_KEPT: usize = 50;

/// The images of the user's Podman.
#[derive(Debug, Clone)]
pub struct ImageService {
    pub runtime: PodmanRuntime,
    pub pool: SqlitePool,
    pub pulls: Arc<PullJobs>,
}

/// The pulls started since Berth started.
#[derive(Debug, Default)]
pub struct PullJobs {
    next: AtomicU64,
    jobs: Mutex<BTreeMap<u64, PullJob>>,
}

impl PullJobs {
    fn start(&self, reference: &str) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        if let Ok(mut jobs) = self.jobs.lock() {
            while jobs.len() >= PULLS_KEPT {
                jobs.pop_first();
            }
            jobs.insert(id, PullJob { id, reference: reference.to_owned(), lines: Vec::new(), state: PullState::Running });
        }
        id
    }

    fn update(&self, id: u64, change: impl FnOnce(&mut PullJob)) {
        if let Ok(mut jobs) = self.jobs.lock()
            && let Some(job) = jobs.get_mut(&id)
        {
            change(job);
            if job.lines.len() > PULL_LINES {
                job.lines.drain(..job.lines.len() - PULL_LINES);
            }
        }
    }

    fn get(&self, id: u64) -> Option<PullJob> {
        self.jobs.lock().ok()?.get(&id).cloned()
    }
}

/// Whether a reference names a registry on this machine, which (as Docker does for
/// 127.0.0.0/8) Berth reaches without TLS: loopback traffic can't be intercepted.
pub fn is_loopback_registry(reference: &str) -> bool {
    let Some((registry, _)) = reference.split_once('/') else { return false };
    let host = match registry.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => registry.split(':').next().unwrap_or_default(),
    };
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl ImageService {
    /// The names of containers per image id.
    async fn users(&self) -> Option<HashMap<String, Vec<String>>> {
        let all = ContainerListOpts::builder().all(true).build();
        let Asked::Answered(containers) = ask(READ_TIMEOUT, self.runtime.client().containers().list(&all)).await else { return None };
        let mut users: HashMap<String, Vec<String>> = HashMap::new();
        for container in containers {
            let name = container.names.and_then(|n| n.into_iter().next()).unwrap_or_default();
            users.entry(container.image_id.unwrap_or_default()).or_default().push(name);
        }
        Some(users)
    }
}

async fn follow_pull(service: ImageService, id: u64, reference: String, audit: (Caller, CurrentUser)) {
    let options = PullOpts::builder().reference(reference.clone()).tls_verify(!is_loopback_registry(&reference)).build();
    let images = service.runtime.client().images();
    let pulls = service.pulls.clone();
    let work = async {
        let mut stream = images.pull(&options);
        let mut pulled = None;
        while let Some(report) = stream.next().await {
            let report = report.map_err(|error| match error {
                podman_api::Error::Fault { message, .. } => reason(&message),
                other => {
                    tracing::debug!(error = %other, "the pull stream failed");
                    "Podman stopped answering during the pull.".to_owned()
                }
            })?;
            if let Some(error) = report.error.filter(|e| !e.is_empty()) {
                return Err(reason(&error));
            }
            if let Some(line) = report.stream.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()) {
                pulls.update(id, |job| job.lines.push(app::model::text::plain(&line)));
            }
            if let Some(image) = report.id.filter(|i| !i.is_empty()) {
                pulled = Some(image);
            }
        }
        pulled.ok_or_else(|| "Podman ended the pull without an image.".to_owned())
    };
    let outcome = match tokio::time::timeout(PULL_TIMEOUT, work).await {
        Ok(outcome) => outcome,
        Err(_) => Err("The pull took longer than 30 minutes.".to_owned()),
    };
    let result = outcome.clone().map_err(ServiceError::Invalid);
    audit_action(&service.pool, &audit.0, &audit.1, "image.pull", &reference, &result).await;
    service.pulls.update(id, |job| {
        job.state = match outcome {
            Ok(image) => PullState::Done(image),
            Err(why) => PullState::Failed(why),
        };
    });
}

#[async_trait]
impl Images for ImageService {
    async fn list(&self) -> Result<Live<Vec<ImageRow>>, ServiceError> {
        let options = ImageListOpts::builder().all(false).build();
        let api = self.runtime.client().images();
        let (images, users) = tokio::join!(ask(READ_TIMEOUT, api.list(&options)), self.users());
        let (Asked::Answered(images), Some(users)) = (images, users) else { return Ok(self.runtime.down().await) };
        let mut rows: Vec<ImageRow> = images
            .into_iter()
            .map(|image| {
                let id = image.id.unwrap_or_default();
                let mut used_by = users.get(&id).cloned().unwrap_or_default();
                used_by.sort();
                ImageRow {
                    tags: image.repo_tags.unwrap_or_default().into_iter().filter(|t| !t.starts_with("<none>")).collect(),
                    size: image.size.and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
                    created: image.created.unwrap_or(0),
                    used_by,
                    id,
                }
            })
            .collect();
        rows.sort_by(|a, b| a.tags.first().cmp(&b.tags.first()).then(b.created.cmp(&a.created)));
        Ok(Live::Ready(rows))
    }

    async fn pull(&self, caller: &Caller, actor: &CurrentUser, reference: &str) -> Result<u64, ServiceError> {
        let reference = parse_reference(reference).map_err(ServiceError::Invalid)?;
        let id = self.pulls.start(&reference);
        tokio::spawn(follow_pull(self.clone(), id, reference, (caller.clone(), actor.clone())));
        Ok(id)
    }

    async fn pull_job(&self, id: u64) -> Result<Option<PullJob>, ServiceError> {
        Ok(self.pulls.get(id))
    }

    async fn remove(&self, caller: &Caller, actor: &CurrentUser, image: &str) -> Result<String, ServiceError> {
        let image = parse_reference(image).map_err(ServiceError::Invalid)?;
        let result = async {
            let inspected = match ask(READ_TIMEOUT, self.runtime.client().images().get(&image).inspect()).await {
                Asked::Answered(data) => data,
                Asked::Refused { status, message } => return Err(refused("remove", "image", status, &message)),
                Asked::Unreachable => return Err(unreachable("remove")),
            };
            let id = inspected.id.unwrap_or_default();
            let users = self.users().await.ok_or_else(|| unreachable("remove"))?;
            if let Some(names) = users.get(&id).filter(|n| !n.is_empty()) {
                let noun = if names.len() == 1 { "container" } else { "containers" };
                return Err(ServiceError::Invalid(format!(
                    "The image is used by the {noun} {}. Remove {} first.",
                    name_list(names),
                    if names.len() == 1 { "it" } else { "them" }
                )));
            }
            // Asked by id, the image goes with all its tags (no container uses it, as
            // checked above); asked by a tag, only that tag goes while others remain.
            let image_api = self.runtime.client().images().get(&image);
            let by_id = image.len() >= 12 && id.starts_with(&image);
            let removal = async { if by_id { image_api.remove().await } else { image_api.delete().await } };
            match ask(READ_TIMEOUT, removal).await {
                Asked::Answered(()) => Ok(()),
                Asked::Refused { status, message } => Err(refused("remove", "image", status, &message)),
                Asked::Unreachable => Err(unreachable("remove")),
            }
        }
        .await;
        audit_action(&self.pool, caller, actor, "image.remove", &image, &result).await;
        result.map(|()| image)
    }

    async fn prune(&self, caller: &Caller, actor: &CurrentUser) -> Result<String, ServiceError> {
        let result = match ask(Duration::from_secs(60), self.runtime.client().images().prune(&ImagePruneOpts::default())).await {
            Asked::Answered(reports) => {
                let reports = reports.unwrap_or_default();
                let freed: u64 = reports.iter().filter_map(|r| r.size).sum();
                Ok(match reports.len() {
                    0 => "There were no dangling images.".to_owned(),
                    1 => format!("Removed 1 dangling image, freeing {}.", format_bytes(freed)),
                    n => format!("Removed {n} dangling images, freeing {}.", format_bytes(freed)),
                })
            }
            Asked::Refused { status, message } => Err(refused("prune", "image", status, &message)),
            Asked::Unreachable => Err(unreachable("prune")),
        };
        audit_action(&self.pool, caller, actor, "image.prune", "dangling images", &result).await;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::is_loopback_registry;

    #[test]
    fn only_registries_on_this_machine_skip_tls() {
        for local in ["127.0.0.1:5000/demo/web:v1", "localhost:5000/x", "localhost/x", "[::1]:5000/x"] {
            assert!(is_loopback_registry(local), "{local}");
        }
        for remote in ["docker.io/library/nginx", "nginx", "10.0.0.1:5000/x", "evil.com/127.0.0.1:5000/x", "127.0.0.1.evil.com/x"] {
            assert!(!is_loopback_registry(remote), "{remote}");
        }
    }
}
