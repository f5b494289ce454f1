//! Running the host's own tools (systemctl, journalctl, loginctl): argument by
//! argument, never through a shell, with a timeout, killed if Berth stops waiting.

use std::time::Duration;

/// How long a host tool may take.
pub const TOOL_TIMEOUT: Duration = Duration::from_secs(10);

/// What a finished tool said.
#[derive(Debug, Clone)]
pub struct Output {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// The first line of standard error (or output), for messages.
    pub fn reason(&self) -> String {
        let text = if self.stderr.trim().is_empty() { &self.stdout } else { &self.stderr };
        let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("no message");
        app::model::text::plain(line).chars().take(300).collect()
    }
}

/// Runs `program args...`; `Err` when it could not be started or did not finish in time.
pub async fn run(program: &str, args: &[&str]) -> Result<Output, String> {
    let child = tokio::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .env("LC_ALL", "C")
        .env("SYSTEMD_PAGER", "")
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(TOOL_TIMEOUT, child).await {
        Ok(Ok(output)) => Ok(Output {
            success: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }),
        Ok(Err(error)) if error.kind() == std::io::ErrorKind::NotFound => Err(format!("{program} is not installed")),
        Ok(Err(error)) => Err(format!("could not run {program}: {error}")),
        Err(_) => Err(format!("{program} did not finish within {} s", TOOL_TIMEOUT.as_secs())),
    }
}
