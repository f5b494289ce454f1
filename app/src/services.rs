//! The ports: what server functions need from the outside world. The server crate
//! implements them (adapters); tests may provide fakes.

use std::sync::Arc;

use async_trait::async_trait;
use leptos::prelude::use_context;

use crate::error::AppError;
use crate::model::overview::{Overview, SocketEvent};

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
    /// A failure the user can't act on.
    #[error(transparent)]
    Internal(#[from] Box<dyn std::error::Error + Send + Sync>),
}

impl From<ServiceError> for AppError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Invalid(text) => AppError::Invalid(text),
            ServiceError::NotFound => AppError::NotFound,
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
}

/// The record of the Podman socket's changes of state.
#[async_trait]
pub trait SocketHistory: Send + Sync + 'static {
    /// The most recent changes, newest first.
    async fn recent(&self, limit: u32) -> Result<Vec<SocketEvent>, ServiceError>;
}

/// Every service a server function may call, provided once per request as context.
#[derive(Clone)]
pub struct Services {
    pub runtime: Arc<dyn Runtime>,
    pub socket_history: Arc<dyn SocketHistory>,
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
