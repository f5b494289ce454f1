//! Why a socket did not answer, in terms a user can act on.

use std::io::ErrorKind;
use std::path::Path;

use app::model::overview::PodmanProblem;

/// Finds out why the API failed by opening the socket directly. Only called after a
/// failure, so a healthy socket costs nothing extra.
pub async fn diagnose(socket: &Path) -> PodmanProblem {
    match tokio::net::UnixStream::connect(socket).await {
        Ok(_) => PodmanProblem::BadAnswer,
        Err(error) => classify(error.kind()),
    }
}

/// Maps the error of opening the socket to a problem.
pub fn classify(kind: ErrorKind) -> PodmanProblem {
    match kind {
        ErrorKind::NotFound => PodmanProblem::SocketMissing,
        ErrorKind::ConnectionRefused => PodmanProblem::NotListening,
        ErrorKind::PermissionDenied => PodmanProblem::PermissionDenied,
        ErrorKind::TimedOut | ErrorKind::WouldBlock => PodmanProblem::NotAnswering,
        _ => PodmanProblem::BadAnswer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_socket_says_so() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(diagnose(&dir.path().join("podman.sock")).await, PodmanProblem::SocketMissing);
    }

    #[tokio::test]
    async fn a_stale_socket_file_is_not_listening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("podman.sock");
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        assert_eq!(diagnose(&path).await, PodmanProblem::NotListening);
    }

    #[test]
    fn every_problem_says_what_to_do() {
        for kind in [ErrorKind::NotFound, ErrorKind::ConnectionRefused, ErrorKind::PermissionDenied, ErrorKind::TimedOut] {
            let problem = classify(kind);
            assert!(!problem.message().is_empty());
            assert!(!problem.fix().is_empty());
        }
        assert_eq!(classify(ErrorKind::NotFound).fix(), "systemctl --user enable --now podman.socket");
    }
}
