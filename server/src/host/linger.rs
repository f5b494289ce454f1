//! Lingering: with it, the user's systemd manager (and so podman.socket,
//! podman-restart and Berth itself) starts at boot without anyone logging in.

use std::path::Path;

use app::model::host::{Check, Linger, Verdict};

use super::command::run;

/// The folder logind keeps one empty file per lingering user in, and reads at boot.
pub const LINGER_DIR: &str = "/var/lib/systemd/linger";

/// What logind answered, if it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Logind {
    Linger(bool),
    /// logind could not be asked (not running, no D-Bus), with why.
    Unreachable(String),
}

/// Whether `user` lingers: asked of logind where it runs, else read from the file logind reads at boot.
pub async fn state(user: &str) -> Linger {
    let logind = match run("loginctl", &["show-user", "--property=Linger", "--value", "--", user]).await {
        Ok(output) if output.success => Logind::Linger(output.stdout.trim() == "yes"),
        // logind runs but has no session of this user: it still answers for lingering users.
        Ok(output) if output.stderr.contains("is not logged in") || output.stderr.contains("not known") => Logind::Linger(false),
        Ok(output) => Logind::Unreachable(output.reason()),
        Err(reason) => Logind::Unreachable(reason),
    };
    let file = Path::new(LINGER_DIR).join(user);
    let on_disk = match std::fs::metadata(&file) {
        Ok(_) => Some(true),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Some(false),
        Err(_) => None,
    };
    judge(user, &logind, on_disk)
}

/// The check from what logind said and what the linger file says (`None`: unreadable).
pub fn judge(user: &str, logind: &Logind, on_disk: Option<bool>) -> Linger {
    let commands = enable_commands(user, logind);
    let (verdict, source, detail) = match (logind, on_disk) {
        (Logind::Linger(true), _) => (Verdict::Ok, "logind", format!("Lingering is on for {user}: the user's services and containers start at boot, without a login.")),
        (Logind::Linger(false), _) => (Verdict::Problem, "logind", format!("Lingering is off for {user}: nothing of this user starts at boot until someone logs in, and it all stops at the last logout.")),
        (Logind::Unreachable(why), Some(true)) => (Verdict::Ok, "file", format!("logind could not be asked ({why}), but {LINGER_DIR}/{user} exists: logind starts this user's services at boot.")),
        (Logind::Unreachable(why), Some(false)) => (Verdict::Problem, "file", format!("logind could not be asked ({why}), and {LINGER_DIR}/{user} does not exist: this user's services will not start at boot.")),
        (Logind::Unreachable(why), None) => (Verdict::Unknown, "none", format!("Could not tell: logind could not be asked ({why}) and {LINGER_DIR} could not be read.")),
    };
    let fix = (verdict != Verdict::Ok).then(|| "Turn lingering on, as root (or as the user where polkit allows it):".to_owned());
    let source = match source {
        "logind" => "logind (loginctl show-user)".to_owned(),
        "file" => format!("the file {LINGER_DIR}/{user}, which logind reads at boot"),
        _ => "nothing could be read".to_owned(),
    };
    Linger { check: Check { key: "linger".into(), title: "Lingering".into(), verdict, detail, fix, commands: if verdict == Verdict::Ok { Vec::new() } else { commands } }, source }
}

fn enable_commands(user: &str, logind: &Logind) -> Vec<String> {
    match logind {
        Logind::Linger(_) => vec![format!("loginctl enable-linger {user}")],
        // Without logind, the file is what logind will read at the next boot.
        Logind::Unreachable(_) => vec![format!("loginctl enable-linger {user}"), format!("# where logind does not run: mkdir -p {LINGER_DIR} && touch {LINGER_DIR}/{user}")],
    }
}

/// Asks logind to turn lingering on for the user itself (polkit decides), and says how it went.
pub async fn enable(user: &str) -> Result<String, String> {
    match run("loginctl", &["enable-linger", "--", user]).await {
        Ok(output) if output.success => Ok(format!("logind turned lingering on for {user}.")),
        Ok(output) => Err(format!("loginctl enable-linger {user} was refused: {}. Run it as root.", output.reason())),
        Err(reason) => Err(format!("loginctl enable-linger {user} could not run: {reason}. Run it as root.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logind_decides_where_it_runs() {
        assert_eq!(judge("ada", &Logind::Linger(true), Some(false)).check.verdict, Verdict::Ok);
        let off = judge("ada", &Logind::Linger(false), Some(true));
        assert_eq!(off.check.verdict, Verdict::Problem);
        assert_eq!(off.check.commands, ["loginctl enable-linger ada"]);
    }

    #[test]
    fn without_logind_the_file_it_reads_at_boot_decides() {
        let why = Logind::Unreachable("Failed to connect to bus".into());
        assert_eq!(judge("ada", &why, Some(true)).check.verdict, Verdict::Ok);
        let off = judge("ada", &why, Some(false));
        assert_eq!(off.check.verdict, Verdict::Problem);
        assert!(off.source.contains("/var/lib/systemd/linger/ada"));
        assert!(off.check.commands.iter().any(|c| c.contains("touch /var/lib/systemd/linger/ada")));
    }

    #[test]
    fn nothing_readable_is_unknown_never_a_pass() {
        let linger = judge("ada", &Logind::Unreachable("no bus".into()), None);
        assert_eq!(linger.check.verdict, Verdict::Unknown);
        assert!(linger.check.fix.is_some());
    }
}
