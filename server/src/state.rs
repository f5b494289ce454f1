//! What every request handler can reach, and how it is assembled.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::FromRef;
use ipnet::IpNet;
use leptos::config::LeptosOptions;
use sqlx::SqlitePool;

use app::services::{Access, Services};

use crate::auth::clock::{Clock, SystemClock};
use crate::auth::keys::Keys;
use crate::auth::password::Hasher;
use crate::auth::service::SessionLimits;
use crate::auth::setup::SetupToken;
use crate::auth::throttle::IpThrottle;
use crate::auth::AccessService;
use crate::db::history::DbSocketHistory;
use crate::host::HostService;
use crate::webhooks::HookService;
use crate::http::client_ip::TrustedProxies;
use crate::podman::PodmanRuntime;
use crate::podman::containers::ContainerService;
use crate::podman::events::EventHub;
use crate::podman::images::{ImageService, PullJobs};
use crate::podman::objects::ObjectService;
use crate::stacks::StackService;
use crate::stacks::engine::Engine;
use crate::stacks::jobs::Jobs;
use crate::stacks::libpod::Libpod;
use crate::stacks::store::Store;

/// What Berth needs to assemble its state.
#[derive(Debug, Clone)]
pub struct Options {
    pub data_dir: PathBuf,
    pub podman_socket: PathBuf,
    pub site_root: PathBuf,
    pub listen: SocketAddr,
    pub trusted_proxies: Vec<IpNet>,
    pub session_limits: SessionLimits,
    pub clock: Arc<dyn Clock>,
    /// How long a deployment waits for a service to be healthy or to finish.
    pub stack_wait_limit: std::time::Duration,
    /// How long a webhook call with `?wait=true` waits for its deployment.
    pub hook_wait_limit: std::time::Duration,
    /// The public key pin of Berth's self-signed certificate, for the webhook snippets.
    pub tls_pin: Option<String>,
}

impl Options {
    /// Options with the defaults for everything but the paths.
    pub fn new(data_dir: PathBuf, podman_socket: PathBuf, site_root: PathBuf, listen: SocketAddr) -> Self {
        Self {
            data_dir,
            podman_socket,
            site_root,
            listen,
            trusted_proxies: Vec::new(),
            session_limits: SessionLimits::default(),
            clock: Arc::new(SystemClock),
            stack_wait_limit: std::time::Duration::from_secs(120),
            hook_wait_limit: std::time::Duration::from_secs(600),
            tls_pin: None,
        }
    }
}

/// The router's state.
#[derive(Debug, Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub services: Services,
    pub pool: SqlitePool,
    pub runtime: PodmanRuntime,
    /// Podman's events, followed while Berth runs.
    pub events: Arc<EventHub>,
    pub access: Arc<AccessService>,
    pub stacks: Arc<StackService>,
    pub hooks: Arc<HookService>,
    pub session_store: tower_sessions_sqlx_store::SqliteStore,
    pub trusted_proxies: TrustedProxies,
    pub session_limits: SessionLimits,
    /// The one-time token while no admin exists.
    pub setup_token: SetupToken,
}

impl AppState {
    /// Opens the database, keys and session store and wires the adapters into the
    /// services the UI uses.
    pub async fn assemble(options: Options) -> anyhow::Result<Self> {
        let pool = crate::db::open(&options.data_dir.join("berth.db")).await?;
        let session_store = tower_sessions_sqlx_store::SqliteStore::new(pool.clone());
        session_store.migrate().await?;
        let keys = Keys::load_or_create(&options.data_dir)?;
        let hasher = tokio::task::spawn_blocking(Hasher::new).await??;
        let ip_throttle = Arc::new(IpThrottle::default());
        let setup_token = if crate::db::users::admin_count(&pool).await? == 0 {
            SetupToken::open(&options.data_dir)?
        } else {
            SetupToken::closed(&options.data_dir)
        };
        let access = Arc::new(AccessService::new(
            pool.clone(),
            hasher,
            keys.clone(),
            options.clock.clone(),
            ip_throttle.clone(),
            setup_token.clone(),
            options.session_limits,
        ));
        let runtime = PodmanRuntime::new(&options.podman_socket);
        let events = EventHub::start(runtime.clone());
        let finished = crate::db::stacks::fail_unfinished(&pool, crate::clock::unix_now()).await?;
        if finished > 0 {
            tracing::warn!(deployments = finished, "deployments were running when Berth last stopped: marked as failed");
        }
        let stacks = Arc::new(StackService {
            engine: Engine { libpod: Libpod::new(&options.podman_socket), podman: runtime.client().clone(), wait_limit: options.stack_wait_limit },
            pool: pool.clone(),
            store: Store::open(&options.data_dir)?,
            jobs: Arc::new(Jobs::default()),
        });
        let containers: Arc<dyn app::services::Containers> = Arc::new(ContainerService { runtime: runtime.clone(), pool: pool.clone(), policies: Arc::default() });
        let host = Arc::new(HostService {
            user: crate::host::current_user(),
            socket: options.podman_socket.clone(),
            containers: containers.clone(),
            store: Store::open(&options.data_dir)?,
            pool: pool.clone(),
            changing: tokio::sync::Mutex::new(()),
        });
        let hooks = Arc::new(HookService {
            pool: pool.clone(),
            keys,
            stacks: stacks.clone(),
            ip_throttle,
            limiter: crate::webhooks::limiter::Limiter::default(),
            wait_limit: options.hook_wait_limit,
            tls_pin: options.tls_pin.clone(),
        });
        let services = Services {
            runtime: Arc::new(runtime.clone()),
            socket_history: Arc::new(DbSocketHistory { pool: pool.clone() }),
            access: access.clone() as Arc<dyn Access>,
            containers,
            events: events.clone(),
            images: Arc::new(ImageService { runtime: runtime.clone(), pool: pool.clone(), pulls: Arc::new(PullJobs::default()) }),
            objects: Arc::new(ObjectService { runtime: runtime.clone(), pool: pool.clone() }),
            stacks: stacks.clone(),
            host,
            webhooks: hooks.clone(),
        };
        Ok(Self {
            leptos_options: crate::leptos_options(&options.site_root, options.listen),
            services,
            pool,
            runtime,
            events,
            access,
            stacks,
            hooks,
            session_store,
            trusted_proxies: TrustedProxies(Arc::new(options.trusted_proxies)),
            session_limits: options.session_limits,
            setup_token,
        })
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
