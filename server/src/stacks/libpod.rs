//! The libpod calls a deployment makes, asked directly on the socket with JSON bodies
//! (Podman's own SpecGenerator for containers), so that every compose key maps to
//! exactly the field Podman reads. Each call is bounded in time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use app::model::url::encode_component as enc;

use crate::podman::answer::reason;
use crate::podman::raw::{call, error_message};

/// Most calls answer at once; creating a container may take a moment on a busy host.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a call failed, in words for a deployment's log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    #[error("Podman refused: {message}")]
    Refused { status: u16, message: String },
    #[error("Podman did not answer ({0})")]
    Unreachable(String),
}

impl CallError {
    /// Whether Podman said the thing does not exist.
    pub fn is_missing(&self) -> bool {
        matches!(self, Self::Refused { status: 404, .. })
    }
}

/// A container as the list call shows it.
#[derive(Debug, Clone, Deserialize)]
pub struct Listed {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "Names", default)]
    pub names: Vec<String>,
    #[serde(rename = "Image", default)]
    pub image: String,
    #[serde(rename = "ImageID", default)]
    pub image_id: String,
    #[serde(rename = "State", default)]
    pub state: String,
    #[serde(rename = "Labels", default)]
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(rename = "Ports", default)]
    pub ports: Option<Vec<ListedPort>>,
}

impl Listed {
    pub fn name(&self) -> &str {
        self.names.first().map_or("", String::as_str)
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.as_ref()?.get(key).map(String::as_str)
    }
}

/// A published port of a listed container.
#[derive(Debug, Clone, Deserialize)]
pub struct ListedPort {
    #[serde(default)]
    pub host_ip: String,
    #[serde(default)]
    pub host_port: u16,
    #[serde(default)]
    pub container_port: u16,
    #[serde(default)]
    pub protocol: String,
    #[serde(default)]
    pub range: u16,
}

/// The user's Podman, for deployments.
#[derive(Debug, Clone)]
pub struct Libpod {
    socket: PathBuf,
}

impl Libpod {
    pub fn new(socket: &Path) -> Self {
        Self { socket: socket.to_path_buf() }
    }

    async fn send(&self, method: &str, path: &str, body: Option<&[u8]>, limit: Duration) -> Result<Vec<u8>, CallError> {
        let path = format!("/v4.0.0/libpod{path}");
        let (status, body) = call(&self.socket, method, &path, body, limit).await.map_err(CallError::Unreachable)?;
        if (200..300).contains(&status) || status == 304 {
            Ok(body)
        } else {
            Err(CallError::Refused { status, message: reason(&error_message(&body)) })
        }
    }

    async fn json<T: DeserializeOwned>(&self, method: &str, path: &str, body: Option<&Value>) -> Result<T, CallError> {
        let body = body.map(Value::to_string);
        let answer = self.send(method, path, body.as_deref().map(str::as_bytes), CALL_TIMEOUT).await?;
        serde_json::from_slice(&answer).map_err(|e| CallError::Unreachable(format!("an answer Berth could not read: {e}")))
    }

    async fn empty(&self, method: &str, path: &str, body: Option<&Value>, limit: Duration) -> Result<(), CallError> {
        let body = body.map(Value::to_string);
        self.send(method, path, body.as_deref().map(str::as_bytes), limit).await.map(drop)
    }

    async fn exists(&self, path: &str) -> Result<bool, CallError> {
        match self.send("GET", path, None, CALL_TIMEOUT).await {
            Ok(_) => Ok(true),
            Err(error) if error.is_missing() => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// The containers whose compose project label is `project`.
    pub async fn project_containers(&self, project: &str) -> Result<Vec<Listed>, CallError> {
        let filters = serde_json::json!({ "label": [format!("{}={project}", super::spec::LABEL_PROJECT)] }).to_string();
        self.json("GET", &format!("/containers/json?all=true&filters={}", enc(&filters)), None).await
    }

    /// Every container (for port clashes and external stacks).
    pub async fn all_containers(&self) -> Result<Vec<Listed>, CallError> {
        self.json("GET", "/containers/json?all=true", None).await
    }

    /// The networks or volumes (`kind`) that match libpod `filters` (JSON).
    pub async fn labelled<T: DeserializeOwned>(&self, kind: &str, filters: &str) -> Result<Vec<T>, CallError> {
        self.json("GET", &format!("/{kind}/json?filters={}", enc(filters)), None).await
    }

    /// Every object of a kind (`secrets`, ...).
    pub async fn list<T: DeserializeOwned>(&self, kind: &str) -> Result<Vec<T>, CallError> {
        self.json("GET", &format!("/{kind}/json"), None).await
    }

    pub async fn network_exists(&self, name: &str) -> Result<bool, CallError> {
        self.exists(&format!("/networks/{}/exists", enc(name))).await
    }

    pub async fn create_network(&self, body: &Value) -> Result<(), CallError> {
        self.json::<Value>("POST", "/networks/create", Some(body)).await.map(drop)
    }

    pub async fn remove_network(&self, name: &str) -> Result<(), CallError> {
        self.empty("DELETE", &format!("/networks/{}", enc(name)), None, CALL_TIMEOUT).await
    }

    pub async fn volume_exists(&self, name: &str) -> Result<bool, CallError> {
        self.exists(&format!("/volumes/{}/exists", enc(name))).await
    }

    pub async fn create_volume(&self, body: &Value) -> Result<(), CallError> {
        self.json::<Value>("POST", "/volumes/create", Some(body)).await.map(drop)
    }

    pub async fn remove_volume(&self, name: &str) -> Result<(), CallError> {
        self.empty("DELETE", &format!("/volumes/{}", enc(name)), None, CALL_TIMEOUT).await
    }

    /// The local image's id, if the image is there.
    pub async fn image_id(&self, reference: &str) -> Result<Option<String>, CallError> {
        #[derive(Deserialize)]
        struct Image {
            #[serde(rename = "Id")]
            id: String,
        }
        match self.json::<Image>("GET", &format!("/images/{}/json", enc(reference)), None).await {
            Ok(image) => Ok(Some(image.id)),
            Err(error) if error.is_missing() => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Creates a container from a SpecGenerator; returns its id.
    pub async fn create_container(&self, spec: &Value) -> Result<String, CallError> {
        #[derive(Deserialize)]
        struct Created {
            #[serde(rename = "Id")]
            id: String,
        }
        self.json::<Created>("POST", "/containers/create", Some(spec)).await.map(|c| c.id)
    }

    pub async fn start(&self, name: &str) -> Result<(), CallError> {
        self.empty("POST", &format!("/containers/{}/start", enc(name)), None, CALL_TIMEOUT).await
    }

    /// Stops a container, killing it after `grace`.
    pub async fn stop(&self, name: &str, grace: Duration) -> Result<(), CallError> {
        let seconds = grace.as_secs();
        self.empty("POST", &format!("/containers/{}/stop?timeout={seconds}", enc(name)), None, grace + CALL_TIMEOUT).await
    }

    pub async fn restart(&self, name: &str, grace: Duration) -> Result<(), CallError> {
        let seconds = grace.as_secs();
        self.empty("POST", &format!("/containers/{}/restart?t={seconds}", enc(name)), None, grace + CALL_TIMEOUT).await
    }

    /// Removes a container (stopping it first if it runs).
    pub async fn remove_container(&self, name: &str) -> Result<(), CallError> {
        match self.empty("DELETE", &format!("/containers/{}?force=true", enc(name)), None, CALL_TIMEOUT).await {
            Err(error) if error.is_missing() => Ok(()),
            other => other,
        }
    }

    pub async fn rename(&self, name: &str, new_name: &str) -> Result<(), CallError> {
        self.empty("POST", &format!("/containers/{}/rename?name={}", enc(name), enc(new_name)), None, CALL_TIMEOUT).await
    }

    /// A container's state and health, as inspect shows them.
    pub async fn state(&self, name: &str) -> Result<ContainerState, CallError> {
        #[derive(Deserialize)]
        struct Inspected {
            #[serde(rename = "State")]
            state: ContainerState,
        }
        self.json::<Inspected>("GET", &format!("/containers/{}/json", enc(name)), None).await.map(|i| i.state)
    }

    /// Runs a container's health check once; returns "healthy", "unhealthy" or "starting".
    pub async fn run_healthcheck(&self, name: &str) -> Result<String, CallError> {
        #[derive(Deserialize)]
        struct Health {
            #[serde(rename = "Status", default)]
            status: String,
        }
        self.json::<Health>("GET", &format!("/containers/{}/healthcheck", enc(name)), None).await.map(|h| h.status)
    }

    pub async fn secret_exists(&self, name: &str) -> Result<bool, CallError> {
        self.exists(&format!("/secrets/{}/json", enc(name))).await
    }

    /// Creates a Podman secret holding `data`.
    pub async fn create_secret(&self, name: &str, data: &[u8]) -> Result<(), CallError> {
        self.send("POST", &format!("/secrets/create?name={}", enc(name)), Some(data), CALL_TIMEOUT).await.map(drop)
    }

    pub async fn remove_secret(&self, name: &str) -> Result<(), CallError> {
        match self.empty("DELETE", &format!("/secrets/{}", enc(name)), None, CALL_TIMEOUT).await {
            Err(error) if error.is_missing() => Ok(()),
            other => other,
        }
    }
}

/// The part of a container's inspect answer a deployment waits on.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ContainerState {
    #[serde(rename = "Status", default)]
    pub status: String,
    #[serde(rename = "Running", default)]
    pub running: bool,
    #[serde(rename = "ExitCode", default)]
    pub exit_code: i64,
    #[serde(rename = "Error", default)]
    pub error: String,
}
