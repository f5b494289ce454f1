//! [`Runtime`] over the libpod API (podman-api).

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use podman_api::Podman;
use podman_api::opts::{ContainerListOpts, ImageListOpts, NetworkListOpts, PodListOpts, VolumeListOpts};

use app::model::overview::{DiskUse, HostOverview, Live, Overview, PodmanProblem};
use app::services::{Runtime, ServiceError};

use super::diagnose::diagnose;

/// How long one question to Podman may take. Socket activation starts the service on
/// the first request, which takes about a second here; ten leaves a wide margin.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// The user's Podman, reached over its API socket.
#[derive(Debug, Clone)]
pub struct PodmanRuntime {
    podman: Podman,
    socket: PathBuf,
}

/// Why reading the host failed, before it is explained to the user.
#[derive(Debug)]
enum ReadError {
    Api(podman_api::Error),
    Timeout,
}

impl PodmanRuntime {
    /// A client for the socket at `socket`. Connects lazily, per request, so a socket
    /// that comes back later is picked up without a restart.
    pub fn new(socket: &Path) -> Self {
        Self { podman: Podman::unix(socket), socket: socket.to_path_buf() }
    }

    /// The libpod client.
    pub fn client(&self) -> &Podman {
        &self.podman
    }

    /// The socket this client uses.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// Whether Podman answers and is rootless, and if not, why.
    pub async fn health(&self) -> Result<(), PodmanProblem> {
        match tokio::time::timeout(ANSWER_TIMEOUT, self.podman.info()).await {
            Ok(Ok(info)) if is_rootless(&info) => Ok(()),
            Ok(Ok(_)) => Err(PodmanProblem::Rootful),
            Ok(Err(error)) => Err(self.explain(ReadError::Api(error)).await),
            Err(_) => Err(self.explain(ReadError::Timeout).await),
        }
    }

    /// The answer for a view whose read failed: the socket and what is wrong with it.
    pub async fn down<T>(&self) -> Live<T> {
        let problem = self.health().await.err().unwrap_or(PodmanProblem::NotAnswering);
        Live::Down { socket_path: self.socket.display().to_string(), problem }
    }

    async fn read_host(&self) -> Result<HostOverview, ReadError> {
        let all = ContainerListOpts::builder().all(true).build();
        let (image_opts, volume_opts) = (ImageListOpts::default(), VolumeListOpts::default());
        let (network_opts, pod_opts) = (NetworkListOpts::default(), PodListOpts::default());
        let (containers, images) = (self.podman.containers(), self.podman.images());
        let (volumes, networks, pods) = (self.podman.volumes(), self.podman.networks(), self.podman.pods());
        let read = async {
            tokio::try_join!(
                self.podman.info(),
                containers.list(&all),
                images.list(&image_opts),
                volumes.list(&volume_opts),
                networks.list(&network_opts),
                pods.list(&pod_opts),
            )
        };
        let (info, containers, images, volumes, networks, pods) =
            tokio::time::timeout(ANSWER_TIMEOUT, read).await.map_err(|_| ReadError::Timeout)?.map_err(ReadError::Api)?;
        let running = containers.iter().filter(|c| c.state.as_deref() == Some("running")).count();
        let host = info.host.as_ref();
        let text = |value: Option<&String>| value.cloned().unwrap_or_default();
        Ok(HostOverview {
            podman_version: text(info.version.as_ref().and_then(|v| v.version.as_ref())),
            api_version: text(info.version.as_ref().and_then(|v| v.api_version.as_ref())),
            rootless: is_rootless(&info),
            socket_path: self.socket.display().to_string(),
            hostname: text(host.and_then(|h| h.hostname.as_ref())),
            kernel: text(host.and_then(|h| h.kernel.as_ref())),
            os: host
                .and_then(|h| h.distribution.as_ref())
                .map(|d| {
                    let name = d.distribution.clone().unwrap_or_default();
                    let version = d.version.clone().unwrap_or_default();
                    format!("{name} {version}").trim().to_owned()
                })
                .unwrap_or_default(),
            cgroup_version: text(host.and_then(|h| h.cgroup_version.as_ref())),
            oci_runtime: text(host.and_then(|h| h.oci_runtime.as_ref()).and_then(|r| r.name.as_ref())),
            network_backend: text(host.and_then(|h| h.network_backend.as_ref())),
            containers_total: containers.len(),
            containers_running: running,
            images: images.len(),
            volumes: volumes.len(),
            networks: networks.len(),
            pods: pods.len(),
        })
    }

    async fn explain(&self, error: ReadError) -> PodmanProblem {
        let socket = self.socket.display();
        match error {
            ReadError::Timeout => {
                tracing::debug!(%socket, "podman did not answer in time");
                PodmanProblem::NotAnswering
            }
            ReadError::Api(error) => {
                let problem = diagnose(&self.socket).await;
                tracing::debug!(%socket, %error, problem = problem.name(), "podman did not answer");
                problem
            }
        }
    }
}

fn is_rootless(info: &podman_api::models::Info) -> bool {
    info.host.as_ref().and_then(|h| h.security.as_ref()).and_then(|s| s.rootless).unwrap_or(false)
}

#[async_trait]
impl Runtime for PodmanRuntime {
    async fn overview(&self) -> Result<Overview, ServiceError> {
        let socket_path = self.socket.display().to_string();
        match self.read_host().await {
            Ok(host) if host.rootless => Ok(Overview::Ready(Box::new(host))),
            Ok(_) => Ok(Overview::Down { socket_path, problem: PodmanProblem::Rootful }),
            Err(error) => Ok(Overview::Down { socket_path, problem: self.explain(error).await }),
        }
    }

    async fn disk_use(&self) -> Result<Live<DiskUse>, ServiceError> {
        // Podman sizes every container's writable layer: slower than the other reads.
        match super::answer::ask(Duration::from_secs(30), self.podman.data_usage()).await {
            super::answer::Asked::Answered(report) => Ok(Live::Ready(disk_use_of(&report))),
            _ => Ok(self.down().await),
        }
    }
}

/// Totals of a `system df` report.
pub fn disk_use_of(report: &podman_api::models::SystemDfReport) -> DiskUse {
    let bytes = |n: Option<i64>| n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
    let images = report.images.as_deref().unwrap_or_default();
    let containers = report.containers.as_deref().unwrap_or_default();
    let volumes = report.volumes.as_deref().unwrap_or_default();
    DiskUse {
        images: images.len(),
        images_bytes: images.iter().map(|i| bytes(i.size)).sum(),
        images_reclaimable: images.iter().filter(|i| i.containers.unwrap_or(0) == 0).map(|i| bytes(i.size)).sum(),
        containers: containers.len(),
        containers_bytes: containers.iter().map(|c| bytes(c.rw_size)).sum(),
        volumes: volumes.len(),
        volumes_bytes: volumes.iter().map(|v| bytes(v.size)).sum(),
        volumes_reclaimable: volumes.iter().map(|v| bytes(v.reclaimable_size)).sum(),
    }
}
