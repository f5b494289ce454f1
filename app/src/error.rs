//! The one error type that crosses from server to browser.
//!
//! Its text is written for the person at the browser: it never carries internal
//! details (paths, SQL, socket errors). Those are logged once, on the server, where
//! the error is mapped into an `AppError`.

use leptos::server_fn::{codec::JsonEncoding, error::FromServerFnError, error::ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A user-safe error from a server function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The request needs a signed-in session.
    #[error("Please sign in to continue.")]
    Unauthenticated,
    /// The signed-in user's role does not allow this.
    #[error("Your role does not allow this action.")]
    Forbidden,
    /// The thing asked for does not exist.
    #[error("Not found.")]
    NotFound,
    /// Too many attempts from this address; try again after this many seconds.
    #[error("Too many attempts. Try again in {}.", wait_text(*.0))]
    Throttled(u64),
    /// The action needs the password or a TOTP code again (within the last 5 minutes).
    #[error("Confirm it's you: enter your password or a TOTP code again.")]
    ReauthRequired,
    /// The input was refused; the text says why and is safe to show.
    #[error("{0}")]
    Invalid(String),
    /// Podman could not be reached; the text says what to do.
    #[error("{0}")]
    Unavailable(String),
    /// Something failed on the server. Details are in the server log.
    #[error("Something went wrong on the server. The details are in Berth's log.")]
    Internal,
    /// The request did not reach the server function or its answer did not come back.
    #[error("The server could not be reached: {0}")]
    Transport(String),
}

fn wait_text(seconds: u64) -> String {
    match seconds {
        0..=1 => "a second".to_owned(),
        2..=59 => format!("{seconds} seconds"),
        60..=119 => "a minute".to_owned(),
        _ => format!("{} minutes", seconds.div_ceil(60)),
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(text) | ServerFnErrorErr::Response(text) => Self::Transport(text),
            // Argument decoding failures are the browser's fault; say so without internals.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::Deserialization(_) => {
                Self::Invalid("The request was malformed.".to_owned())
            }
            _ => Self::Internal,
        }
    }
}
