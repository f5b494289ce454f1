//! What every Podman adapter does the same way: bound the wait, explain Podman's
//! refusals in plain words, and write actions to the audit log.

use std::future::Future;
use std::time::Duration;

use app::model::auth::CurrentUser;
use app::services::{Caller, ServiceError};
use sqlx::SqlitePool;

use crate::audit::{self, Event, Outcome};

/// How long a read may take (socket activation starts Podman on the first request).
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How a bounded call to Podman ended.
#[derive(Debug)]
pub enum Asked<T> {
    Answered(T),
    /// Podman answered with an error status.
    Refused { status: u16, message: String },
    /// The socket failed or did not answer in time: the view shows why.
    Unreachable,
}

/// Runs one call to Podman, at most `limit` long.
pub async fn ask<T>(limit: Duration, call: impl Future<Output = podman_api::Result<T>>) -> Asked<T> {
    match tokio::time::timeout(limit, call).await {
        Ok(Ok(value)) => Asked::Answered(value),
        Ok(Err(podman_api::Error::Fault { code, message })) => Asked::Refused { status: code.as_u16(), message },
        Ok(Err(error)) => {
            tracing::debug!(%error, "podman could not be asked");
            Asked::Unreachable
        }
        Err(_) => Asked::Unreachable,
    }
}

/// Podman's own reason, as text to show: its first line, without Go's error wrapping
/// ("removing volume x: volume is in use" becomes "volume is in use").
pub fn reason(message: &str) -> String {
    let first = message.lines().next().unwrap_or("");
    let last = first.rsplit(": ").next().unwrap_or("");
    last.chars().filter(|c| !c.is_control()).take(200).collect()
}

/// An action's failure in plain words. `verb` is the action ("remove", "start", ...).
pub fn refused(verb: &str, noun: &str, status: u16, message: &str) -> ServiceError {
    match status {
        404 => ServiceError::Invalid(format!("That {noun} no longer exists.")),
        400 | 409 | 500 => ServiceError::Invalid(format!("Podman refused to {verb} it: {}.", reason(message))),
        _ => ServiceError::Internal(format!("podman answered {status}: {message}").into()),
    }
}

/// The error for an action whose call could not reach Podman.
pub fn unreachable(verb: &str) -> ServiceError {
    ServiceError::Invalid(format!("Podman did not answer, so Berth could not {verb} it. See the overview for why."))
}

/// Writes an action and its outcome to the audit log.
pub async fn audit_action<T>(pool: &SqlitePool, caller: &Caller, actor: &CurrentUser, action: &str, target: &str, result: &Result<T, ServiceError>) {
    let ip = caller.ip.to_string();
    let detail = result.as_ref().err().map(ToString::to_string);
    let event = Event {
        actor: Some(&actor.username),
        ip: Some(&ip),
        action,
        target: Some(target),
        outcome: if result.is_ok() { Outcome::Ok } else { Outcome::Failed },
        detail: detail.as_deref(),
    };
    audit::record_or_log(pool, crate::clock::unix_now(), event).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn podmans_reason_loses_its_wrapping() {
        assert_eq!(reason("removing volume data: volume is being used"), "volume is being used");
        assert_eq!(reason("x\nsecond line"), "x");
        assert_eq!(reason("plain"), "plain");
        assert_eq!(reason("bell\u{7}"), "bell");
    }

    #[test]
    fn refusals_read_plainly() {
        assert_eq!(refused("remove", "volume", 404, "no such volume").to_string(), "That volume no longer exists.");
        assert_eq!(refused("stop", "pod", 409, "a: b: it is stopped").to_string(), "Podman refused to stop it: it is stopped.");
        assert!(matches!(refused("x", "y", 502, "z"), ServiceError::Internal(_)));
    }
}
