//! The user's systemd manager: unit states (`systemctl --user show`), enabling units,
//! their journal, and the user units Berth writes where the distribution ships none.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use app::model::host::Journal;

use super::command::run;

/// What `systemctl --user show` says of one unit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitState {
    pub id: String,
    pub load: String,
    pub active: String,
    pub sub: String,
    pub file_state: String,
    pub path: String,
    /// The `argv[]` of each `ExecStart`.
    pub exec_start: Vec<String>,
}

impl UnitState {
    pub fn exists(&self) -> bool {
        self.load == "loaded"
    }

    /// Enabled to start with the manager (at boot once lingering is on).
    pub fn enabled(&self) -> bool {
        matches!(self.file_state.as_str(), "enabled" | "enabled-runtime" | "linked" | "alias")
    }

    /// The restart policies whose containers this unit starts (`--filter restart-policy=X`).
    pub fn restart_policies(&self) -> Vec<String> {
        self.exec_start
            .iter()
            .flat_map(|argv| argv.split_whitespace())
            .filter_map(|word| word.strip_prefix("restart-policy="))
            .flat_map(|list| list.split(','))
            .map(str::to_owned)
            .collect()
    }
}

/// The properties Berth reads.
const PROPERTIES: &str = "--property=Id,LoadState,ActiveState,SubState,UnitFileState,FragmentPath,ExecStart";

/// Parses `systemctl show` output: blocks of `Key=Value` lines, one block per unit.
pub fn parse_show(text: &str) -> Vec<UnitState> {
    text.split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let fields: HashMap<&str, &str> = block.lines().filter_map(|line| line.split_once('=')).collect();
            let get = |key: &str| fields.get(key).copied().unwrap_or_default().to_owned();
            let exec_start = block
                .lines()
                .filter_map(|line| line.strip_prefix("ExecStart="))
                .filter_map(|value| value.split(" ; ").find_map(|part| part.trim_start_matches("{ ").strip_prefix("argv[]=")))
                .map(str::to_owned)
                .collect();
            UnitState {
                id: get("Id"),
                load: get("LoadState"),
                active: get("ActiveState"),
                sub: get("SubState"),
                file_state: get("UnitFileState"),
                path: get("FragmentPath"),
                exec_start,
            }
        })
        .collect()
}

/// The state of each unit, or why the user's manager could not be asked.
pub async fn show(units: &[&str]) -> Result<HashMap<String, UnitState>, String> {
    let mut args = vec!["--user", "show", PROPERTIES, "--"];
    args.extend_from_slice(units);
    let output = run("systemctl", &args).await?;
    if !output.success {
        return Err(format!("the systemd user manager did not answer ({})", output.reason()));
    }
    Ok(parse_show(&output.stdout).into_iter().map(|unit| (unit.id.clone(), unit)).collect())
}

/// `systemctl --user <args>`, failing with systemd's reason.
pub async fn systemctl(args: &[&str]) -> Result<(), String> {
    let mut all = vec!["--user"];
    all.extend_from_slice(args);
    let output = run("systemctl", &all).await?;
    if output.success { Ok(()) } else { Err(format!("systemctl --user {} failed: {}", args.join(" "), output.reason())) }
}

/// Reloads the manager, then enables and starts a unit.
pub async fn enable_now(unit: &str) -> Result<(), String> {
    systemctl(&["daemon-reload"]).await?;
    systemctl(&["enable", "--now", "--", unit]).await
}

/// The unit's last lines in the journal, or why there are none.
pub async fn journal(unit: &str) -> Journal {
    let output = match run("journalctl", &["--user", "--no-pager", "-o", "short-iso", "-n", "15", "-u", unit]).await {
        Ok(output) => output,
        Err(reason) => return Journal::Unavailable(format!("The journal could not be read: {reason}.")),
    };
    if output.stderr.contains("No journal files") {
        return Journal::Unavailable("No journal on this host (journald does not run), so a unit's own output is not kept.".to_owned());
    }
    if !output.success {
        return Journal::Unavailable(format!("The journal could not be read: {}.", output.reason()));
    }
    let lines: Vec<String> = output.stdout.lines().filter(|l| !l.starts_with("-- ")).map(app::model::text::plain).collect();
    Journal::Lines(lines)
}

/// The user's unit folder: `$XDG_CONFIG_HOME/systemd/user` (`~/.config/systemd/user`).
pub fn user_unit_dir() -> Option<PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))?;
    Some(config.join("systemd/user"))
}

/// `podman-restart.service` as Podman ships it, for distributions that ship none: it
/// starts every container whose restart policy is `always` when the manager starts.
pub fn restart_unit_text(podman: &Path) -> String {
    format!(
        "# Written by Berth: this distribution ships no podman-restart user unit.\n\
         [Unit]\n\
         Description=Podman Start All Containers With Restart Policy Set To Always\n\
         Documentation=man:podman-start(1)\n\
         StartLimitIntervalSec=0\n\
         Wants=network-online.target\n\
         After=network-online.target\n\
         \n\
         [Service]\n\
         Type=oneshot\n\
         RemainAfterExit=true\n\
         ExecStart={} --log-level=info start --all --filter restart-policy=always\n\
         \n\
         [Install]\n\
         WantedBy=default.target\n",
        podman.display()
    )
}

/// Finds a program on `PATH`.
pub fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?.to_str()?.split(':').map(|dir| Path::new(dir).join(program)).find(|path| path.is_file())
}

/// Writes a unit file atomically (temporary file, rename).
pub fn write_unit(dir: &Path, name: &str, text: &str) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(name);
    let temporary = dir.join(format!(".{name}.berth-tmp"));
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, &path)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What systemd 252 printed on the test host (the order of properties is its own).
    const SHOWN: &str = "Id=podman.socket\nLoadState=loaded\nActiveState=active\nSubState=listening\nFragmentPath=/usr/lib/systemd/user/podman.socket\nUnitFileState=enabled\n\nExecStart={ path=/usr/bin/podman ; argv[]=/usr/bin/podman $LOGGING start --all --filter restart-policy=always ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }\nId=podman-restart.service\nLoadState=loaded\nActiveState=inactive\nSubState=dead\nFragmentPath=/usr/lib/systemd/user/podman-restart.service\nUnitFileState=disabled\n\nId=berth.service\nLoadState=not-found\nActiveState=inactive\nSubState=dead\nFragmentPath=\nUnitFileState=\n";

    #[test]
    fn show_output_is_read_per_unit() {
        let units = parse_show(SHOWN);
        assert_eq!(units.len(), 3);
        assert!(units[0].exists() && units[0].enabled());
        assert_eq!((units[0].active.as_str(), units[0].sub.as_str()), ("active", "listening"));
        let restart = &units[1];
        assert_eq!(restart.id, "podman-restart.service");
        assert!(restart.exists() && !restart.enabled());
        assert_eq!(restart.restart_policies(), ["always"]);
        assert!(!units[2].exists());
        assert!(units[2].restart_policies().is_empty());
    }

    #[test]
    fn newer_podman_restart_units_name_more_policies() {
        let unit = &parse_show("Id=podman-restart.service\nExecStart={ path=/usr/bin/podman ; argv[]=/usr/bin/podman $LOGGING start --all --filter restart-policy=always --filter restart-policy=unless-stopped ; ignore_errors=no }\n")[0];
        assert_eq!(unit.restart_policies(), ["always", "unless-stopped"]);
    }

    #[test]
    fn the_restart_unit_berth_writes_runs_podman_without_a_shell() {
        let text = restart_unit_text(Path::new("/usr/bin/podman"));
        assert!(text.contains("ExecStart=/usr/bin/podman --log-level=info start --all --filter restart-policy=always\n"));
        assert!(!text.contains("sh -c"));
        assert_eq!(parse_show(&format!("Id=x\nExecStart={{ path=/usr/bin/podman ; argv[]=/usr/bin/podman --log-level=info start --all --filter restart-policy=always ; }}\n"))[0].restart_policies(), ["always"]);
    }
}
