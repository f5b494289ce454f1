//! Questions podman-api has no option for, asked directly on the socket. HTTP/1.0, so
//! that Podman answers with a plain body (no chunks) and closes the connection.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::answer::READ_TIMEOUT;

/// The most a raw answer may hold.
const MAX_ANSWER: u64 = 32 * 1024 * 1024;

/// The restart policies that `podman-restart.service` and Podman itself act on; any
/// other container's policy is "no".
const POLICIES: [&str; 3] = ["always", "unless-stopped", "on-failure"];

/// One request on the socket: `method path` with an optional JSON body, at most
/// `limit` long. Returns the status and the body.
pub async fn call(socket: &Path, method: &str, path: &str, body: Option<&[u8]>, limit: Duration) -> Result<(u16, Vec<u8>), String> {
    let ask = async {
        let mut stream = tokio::net::UnixStream::connect(socket).await.map_err(|e| e.to_string())?;
        let mut request = format!("{method} {path} HTTP/1.0\r\nHost: podman\r\n");
        if let Some(body) = body {
            request.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).await.map_err(|e| e.to_string())?;
        if let Some(body) = body {
            stream.write_all(body).await.map_err(|e| e.to_string())?;
        }
        let mut answer = Vec::new();
        stream.take(MAX_ANSWER).read_to_end(&mut answer).await.map_err(|e| e.to_string())?;
        Ok::<_, String>(answer)
    };
    let answer = tokio::time::timeout(limit, ask).await.map_err(|_| "Podman did not answer in time".to_owned())??;
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n").ok_or("Podman's answer has no body")?;
    let head = String::from_utf8_lossy(&answer[..split]);
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or("Podman's answer has no status")?;
    Ok((status, answer[split + 4..].to_vec()))
}

/// The message of a libpod error body (`{"cause": .., "message": ..}`), or the body as text.
pub fn error_message(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Fault {
        message: Option<String>,
    }
    serde_json::from_slice::<Fault>(body)
        .ok()
        .and_then(|f| f.message)
        .unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(500).collect())
}

/// `GET path` on the socket, its body parsed as JSON.
async fn get_json<T: for<'de> Deserialize<'de>>(socket: &Path, path: &str) -> Result<T, String> {
    let (status, body) = call(socket, "GET", path, None, READ_TIMEOUT).await?;
    if status != 200 {
        return Err(format!("Podman answered {status}"));
    }
    serde_json::from_slice(&body).map_err(|e| e.to_string())
}

#[derive(Deserialize)]
struct Listed {
    #[serde(rename = "Id")]
    id: String,
}

/// The restart policy of every container that has one other than "no", by id.
pub async fn restart_policies(socket: &Path) -> Result<HashMap<String, &'static str>, String> {
    let lists = POLICIES.map(|policy| async move {
        let filters = format!(r#"{{"restart-policy":["{policy}"]}}"#);
        let path = format!("/v4.0.0/libpod/containers/json?all=true&filters={}", app::model::url::encode_component(&filters));
        get_json::<Vec<Listed>>(socket, &path).await.map(|listed| (policy, listed))
    });
    let mut policies = HashMap::new();
    for answer in futures_util::future::join_all(lists).await {
        let (policy, listed) = answer?;
        policies.extend(listed.into_iter().map(|c| (c.id, policy)));
    }
    Ok(policies)
}
