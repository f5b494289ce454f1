//! The ports: what server functions need from the outside world. The server crate
//! implements them (adapters); tests may provide fakes.

use std::sync::Arc;

use async_trait::async_trait;
use leptos::prelude::use_context;

use crate::error::AppError;
use crate::model::auth::{
    AuditEntry, CurrentUser, LoginStep, Password, Role, SessionInfo, TotpEnrolment, UserSummary, Username,
};
use crate::model::containers::{ContainerAction, ContainerDetail, ContainerRow};
use crate::model::events::PodmanEvent;
use crate::model::host::HostReport;
use crate::model::webhooks::WebhookView;
use crate::model::images::{ImageRow, PullJob};
use crate::model::logs::LogLine;
use crate::model::objects::{NewObject, ObjectAction, ObjectDetail, ObjectKind, ObjectRow};
use crate::model::overview::{DiskUse, Live, Overview, SocketEvent};
use crate::model::stats::StatsReading;
use crate::model::stacks::{Deployment, StackAction, StackDetail, StackList};

/// An error from a service. Internal details stay on the server: they are logged once
/// when this is turned into an [`AppError`].
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Input refused with a message that is safe to show.
    #[error("{0}")]
    Invalid(String),
    /// The thing asked for does not exist.
    #[error("not found")]
    NotFound,
    /// Too many attempts from this address; retry after this many seconds.
    #[error("throttled for {0} s")]
    Throttled(u64),
    /// The action needs a fresh password or TOTP code.
    #[error("re-authentication required")]
    ReauthRequired,
    /// The caller may not do this.
    #[error("forbidden")]
    Forbidden,
    /// A failure the user can't act on.
    #[error(transparent)]
    Internal(#[from] Box<dyn std::error::Error + Send + Sync>),
}

impl From<ServiceError> for AppError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Invalid(text) => AppError::Invalid(text),
            ServiceError::NotFound => AppError::NotFound,
            ServiceError::Throttled(seconds) => AppError::Throttled(seconds),
            ServiceError::ReauthRequired => AppError::ReauthRequired,
            ServiceError::Forbidden => AppError::Forbidden,
            ServiceError::Internal(source) => {
                tracing::error!(error = %source, "service failed");
                AppError::Internal
            }
        }
    }
}

/// The container runtime: Berth's view of the user's Podman.
#[async_trait]
pub trait Runtime: Send + Sync + 'static {
    /// Version, rootless state and object counts, or why Podman can't be reached.
    async fn overview(&self) -> Result<Overview, ServiceError>;
    /// What Podman's storage holds.
    async fn disk_use(&self) -> Result<Live<DiskUse>, ServiceError>;
}

/// Podman's recent events, as Berth's event stream saw them.
#[async_trait]
pub trait Events: Send + Sync + 'static {
    /// The most recent events, newest first.
    async fn recent(&self, limit: usize) -> Vec<PodmanEvent>;
}

/// The user's containers.
#[async_trait]
pub trait Containers: Send + Sync + 'static {
    /// Every container, or why Podman can't be reached.
    async fn list(&self) -> Result<Live<Vec<ContainerRow>>, ServiceError>;
    /// One container's details (`None`: it no longer exists). `reveal` shows masked values (audited).
    async fn inspect(&self, caller: &Caller, actor: &CurrentUser, container: &str, reveal: bool) -> Result<Live<Option<ContainerDetail>>, ServiceError>;
    /// Starts, stops, restarts, kills or removes a container (audited); returns its name.
    async fn act(&self, caller: &Caller, actor: &CurrentUser, container: &str, action: ContainerAction) -> Result<String, ServiceError>;
    /// The last `tail` lines a container wrote (`None`: it no longer exists).
    async fn logs(&self, container: &str, tail: u32, timestamps: bool) -> Result<Live<Option<Vec<LogLine>>>, ServiceError>;
    /// A container's resource use now (`None`: it no longer exists).
    async fn stats(&self, container: &str) -> Result<Live<Option<StatsReading>>, ServiceError>;
}

/// The user's images.
#[async_trait]
pub trait Images: Send + Sync + 'static {
    /// Every image, with the containers that use it.
    async fn list(&self) -> Result<Live<Vec<ImageRow>>, ServiceError>;
    /// Starts pulling `reference` (audited when it ends); returns the pull's id.
    async fn pull(&self, caller: &Caller, actor: &CurrentUser, reference: &str) -> Result<u64, ServiceError>;
    /// A pull's progress, while Berth remembers it.
    async fn pull_job(&self, id: u64) -> Result<Option<PullJob>, ServiceError>;
    /// Removes an image no container uses (audited); returns its name.
    async fn remove(&self, caller: &Caller, actor: &CurrentUser, image: &str) -> Result<String, ServiceError>;
    /// Removes dangling images (audited); says what it freed.
    async fn prune(&self, caller: &Caller, actor: &CurrentUser) -> Result<String, ServiceError>;
}

/// The user's volumes, networks and pods.
#[async_trait]
pub trait Objects: Send + Sync + 'static {
    /// Every object of a kind, with the containers that use it.
    async fn list(&self, kind: ObjectKind) -> Result<Live<Vec<ObjectRow>>, ServiceError>;
    /// One object (`None`: it does not exist).
    async fn inspect(&self, kind: ObjectKind, name: &str) -> Result<Live<Option<ObjectDetail>>, ServiceError>;
    /// Creates a volume, network or pod (audited); returns its name.
    async fn create(&self, caller: &Caller, actor: &CurrentUser, kind: ObjectKind, new: NewObject) -> Result<String, ServiceError>;
    /// Removes an object no container uses, or starts or stops a pod (audited).
    async fn act(&self, caller: &Caller, actor: &CurrentUser, kind: ObjectKind, name: &str, action: ObjectAction) -> Result<String, ServiceError>;
    /// Removes the unused objects of a kind (audited); says what it removed.
    async fn prune(&self, caller: &Caller, actor: &CurrentUser, kind: ObjectKind) -> Result<String, ServiceError>;
}

/// The user's stacks: compose files on disk, deployed over the libpod API.
#[async_trait]
pub trait Stacks: Send + Sync + 'static {
    /// Berth's stacks and the ones started outside Berth.
    async fn list(&self) -> Result<StackList, ServiceError>;
    /// One stack (`None`: no such stack).
    async fn get(&self, name: &str) -> Result<Option<StackDetail>, ServiceError>;
    /// The problems with a compose file and `.env`, one line each (empty: it is fine).
    async fn validate(&self, name: &str, compose: &str, env: &str) -> Result<Vec<String>, ServiceError>;
    /// Saves a stack's files (audited) after validating them; `create` refuses an existing name.
    async fn save(&self, caller: &Caller, actor: &CurrentUser, name: &str, compose: &str, env: &str, create: bool) -> Result<(), ServiceError>;
    /// Starts a deployment or another action (audited); returns the deployment's id.
    async fn act(&self, caller: &Caller, actor: &CurrentUser, name: &str, action: StackAction) -> Result<i64, ServiceError>;
    /// Takes a stack down and removes its folder (audited).
    async fn delete(&self, caller: &Caller, actor: &CurrentUser, name: &str) -> Result<(), ServiceError>;
    /// A deployment and its log (`None`: not of this stack).
    async fn deployment(&self, name: &str, id: i64) -> Result<Option<Deployment>, ServiceError>;
    /// Allows or blocks a policy item for one stack (admins, audited).
    async fn set_override(&self, caller: &Caller, actor: &CurrentUser, name: &str, item: &str, allow: bool) -> Result<(), ServiceError>;
    /// Stops the containers of a stack started outside Berth (audited).
    async fn stop_external(&self, caller: &Caller, actor: &CurrentUser, name: &str) -> Result<(), ServiceError>;
    /// Makes a stack started outside Berth one of Berth's, from the compose file its labels name (audited).
    async fn adopt(&self, caller: &Caller, actor: &CurrentUser, name: &str) -> Result<(), ServiceError>;
}

/// The host panels: what makes the user's containers come back after a reboot.
#[async_trait]
pub trait Host: Send + Sync + 'static {
    /// Lingering, the user units, host facts, the forwards and each stack's verdict.
    async fn report(&self) -> Result<HostReport, ServiceError>;
    /// Asks logind to turn lingering on (polkit decides; audited); says what happened.
    async fn enable_linger(&self, caller: &Caller, actor: &CurrentUser) -> Result<String, ServiceError>;
    /// Installs where needed, enables and starts podman.socket or podman-restart.service (audited).
    async fn enable_unit(&self, caller: &Caller, actor: &CurrentUser, unit: &str) -> Result<String, ServiceError>;
    /// Adds a wanted forward (audited).
    async fn add_forward(&self, caller: &Caller, actor: &CurrentUser, source: &str, target: &str, protocol: &str) -> Result<String, ServiceError>;
    /// Removes a wanted forward (audited).
    async fn remove_forward(&self, caller: &Caller, actor: &CurrentUser, id: i64) -> Result<String, ServiceError>;
    /// Installs and enables, or disables and removes, systemd units for a stack's containers (audited).
    async fn stack_units(&self, caller: &Caller, actor: &CurrentUser, stack: &str, install: bool) -> Result<String, ServiceError>;
}

/// Stack webhooks, as their stack's page manages them.
#[async_trait]
pub trait Webhooks: Send + Sync + 'static {
    /// A stack's webhook and the images webhooks set (`None`: no such stack). `base` is
    /// Berth's address as the browser reached it (`https://host:port`).
    async fn view(&self, caller: &Caller, stack: &str, base: &str) -> Result<Option<WebhookView>, ServiceError>;
    /// Turns the webhook on, or gives it a new secret (audited); the secret waits in the
    /// session to be shown once.
    async fn enable(&self, caller: &Caller, actor: &CurrentUser, stack: &str) -> Result<(), ServiceError>;
    /// Turns the webhook off (audited); its URL stops working.
    async fn disable(&self, caller: &Caller, actor: &CurrentUser, stack: &str) -> Result<(), ServiceError>;
    /// Sends a signed ping through the webhook's own checks; says what it answered.
    async fn send_test(&self, caller: &Caller, actor: &CurrentUser, stack: &str) -> Result<String, ServiceError>;
}

/// The record of the Podman socket's changes of state.
#[async_trait]
pub trait SocketHistory: Send + Sync + 'static {
    /// The most recent changes, newest first.
    async fn recent(&self, limit: u32) -> Result<Vec<SocketEvent>, ServiceError>;
}

/// The client's address, as the server decided it (the socket peer, or the forwarded
/// address when the peer is a trusted proxy). Put in the request extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

/// Who is asking: their cookie session, address and browser.
#[derive(Debug, Clone)]
pub struct Caller {
    pub session: tower_sessions::Session,
    pub ip: std::net::IpAddr,
    pub user_agent: String,
    /// The signed device cookie, if the browser has one.
    pub device: Option<String>,
}

/// A login step's result, and the device cookie to set once password and TOTP are done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginResult {
    pub step: LoginStep,
    pub device_cookie: Option<String>,
}

/// Filters for the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub before_id: Option<i64>,
}

/// Accounts, sign-in, sessions and the audit log.
#[async_trait]
pub trait Access: Send + Sync + 'static {
    /// The signed-in user of this session, if any (and still within its time limits).
    async fn whoami(&self, caller: &Caller) -> Result<Option<CurrentUser>, ServiceError>;
    /// Whether the session signed in (password or TOTP) within the last five minutes.
    async fn recently_authenticated(&self, caller: &Caller) -> Result<bool, ServiceError>;

    /// Whether first-run setup is open (no admin exists yet).
    async fn setup_open(&self) -> Result<bool, ServiceError>;
    /// Creates the first admin with the one-time setup token and signs them in to enrol TOTP.
    async fn setup(&self, caller: &Caller, token: &str, username: Username, password: Password) -> Result<(), ServiceError>;

    /// Checks a user name and password.
    async fn login(&self, caller: &Caller, username: &str, password: Password) -> Result<LoginResult, ServiceError>;
    /// Checks the TOTP or recovery code of a login whose password was accepted.
    async fn login_code(&self, caller: &Caller, code: &str) -> Result<LoginResult, ServiceError>;
    /// Whether this session has a password accepted and waits for a code.
    async fn login_pending(&self, caller: &Caller) -> Result<bool, ServiceError>;
    /// Ends the session.
    async fn logout(&self, caller: &Caller) -> Result<(), ServiceError>;
    /// Confirms the user with their password or a TOTP code, for sensitive actions.
    async fn reauthenticate(&self, caller: &Caller, user: &CurrentUser, secret: &str) -> Result<(), ServiceError>;

    /// Starts (or restarts) TOTP enrolment: a new secret kept in the session until confirmed.
    async fn start_enrolment(&self, caller: &Caller, user: &CurrentUser) -> Result<(), ServiceError>;
    /// The enrolment in progress, if any.
    async fn pending_enrolment(&self, caller: &Caller, user: &CurrentUser) -> Result<Option<TotpEnrolment>, ServiceError>;
    /// Confirms enrolment with a code; returns the device cookie. Recovery codes wait in the session.
    async fn finish_enrolment(&self, caller: &Caller, user: &CurrentUser, code: &str) -> Result<LoginResult, ServiceError>;
    /// Makes ten new recovery codes (the old ones stop working) and keeps them in the session to show once.
    async fn regenerate_recovery_codes(&self, caller: &Caller, user: &CurrentUser) -> Result<(), ServiceError>;
    /// The recovery codes waiting to be shown, if any.
    async fn fresh_recovery_codes(&self, caller: &Caller) -> Result<Option<Vec<String>>, ServiceError>;
    /// Forgets the recovery codes waiting to be shown.
    async fn dismiss_recovery_codes(&self, caller: &Caller) -> Result<(), ServiceError>;

    /// Changes the user's own password and ends their other sessions.
    async fn change_password(&self, caller: &Caller, user: &CurrentUser, current: Password, new: Password) -> Result<(), ServiceError>;
    /// The user's signed-in sessions.
    async fn sessions(&self, caller: &Caller, user: &CurrentUser) -> Result<Vec<SessionInfo>, ServiceError>;
    /// Ends one of the user's sessions.
    async fn revoke_session(&self, caller: &Caller, user: &CurrentUser, id: &str) -> Result<(), ServiceError>;

    /// Every user (admins).
    async fn users(&self) -> Result<Vec<UserSummary>, ServiceError>;
    /// Adds a user (admins).
    async fn add_user(&self, caller: &Caller, actor: &CurrentUser, username: Username, role: Role, password: Password) -> Result<(), ServiceError>;
    /// Removes a user and their sessions (admins; never the last admin).
    async fn remove_user(&self, caller: &Caller, actor: &CurrentUser, id: i64) -> Result<(), ServiceError>;
    /// Changes a user's role (admins; never the last admin's), ending their sessions.
    async fn set_role(&self, caller: &Caller, actor: &CurrentUser, id: i64, role: Role) -> Result<(), ServiceError>;
    /// Removes a user's TOTP so they enrol again (admins).
    async fn reset_totp(&self, caller: &Caller, actor: &CurrentUser, id: i64) -> Result<(), ServiceError>;
    /// Clears a user's lockout (admins).
    async fn unlock(&self, caller: &Caller, actor: &CurrentUser, id: i64) -> Result<(), ServiceError>;

    /// Audit log lines, newest first (admins).
    async fn audit(&self, filter: AuditFilter) -> Result<Vec<AuditEntry>, ServiceError>;
}

/// Every service a server function may call, provided once per request as context.
#[derive(Clone)]
pub struct Services {
    pub runtime: Arc<dyn Runtime>,
    pub socket_history: Arc<dyn SocketHistory>,
    pub access: Arc<dyn Access>,
    pub containers: Arc<dyn Containers>,
    pub events: Arc<dyn Events>,
    pub images: Arc<dyn Images>,
    pub objects: Arc<dyn Objects>,
    pub stacks: Arc<dyn Stacks>,
    pub host: Arc<dyn Host>,
    pub webhooks: Arc<dyn Webhooks>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services").finish_non_exhaustive()
    }
}

/// The services of the current request.
pub fn from_context() -> Result<Services, AppError> {
    use_context::<Services>().ok_or_else(|| {
        tracing::error!("Services missing from the request context");
        AppError::Internal
    })
}
