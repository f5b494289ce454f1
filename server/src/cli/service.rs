//! `berth install-service`: a systemd user unit that starts Berth with the user's
//! session (and at boot, once lingering is on), so the panel survives a reboot.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use std::os::unix::fs::DirBuilderExt as _;

use anyhow::Context as _;

use crate::config::Common;

/// The unit's name.
pub const UNIT: &str = "berth.service";

/// `berth install-service` flags.
#[derive(Debug, clap::Args)]
pub struct InstallService {
    /// The address the service listens on [default: 127.0.0.1:9443]
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<std::net::SocketAddr>,
    /// Write the unit and reload systemd, but don't enable or start it.
    #[arg(long)]
    pub no_start: bool,
}

/// Writes the unit, reloads the user's systemd and enables and (re)starts the service.
pub fn main(settings: &Common, args: &InstallService) -> ExitCode {
    match install(settings, args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("berth: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn install(settings: &Common, args: &InstallService) -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("could not find the berth binary")?;
    let config_home = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .context("neither XDG_CONFIG_HOME nor HOME is set")?;
    let dir = config_home.join("systemd/user");
    std::fs::create_dir_all(&dir).with_context(|| format!("could not create {}", dir.display()))?;
    // The unit makes the file system read-only but for these two: they must exist.
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&settings.data_dir)
        .with_context(|| format!("could not create {}", settings.data_dir.display()))?;
    let unit = unit_text(&exe, settings, args.listen, &dir)?;
    let path = dir.join(UNIT);
    std::fs::write(&path, unit).with_context(|| format!("could not write {}", path.display()))?;
    println!("Wrote {}", path.display());
    systemctl(&["daemon-reload"])?;
    if args.no_start {
        println!("Start it with: systemctl --user enable --now {UNIT}");
        return Ok(());
    }
    systemctl(&["enable", UNIT])?;
    systemctl(&["restart", UNIT])?;
    println!("Enabled and started {UNIT} (sandboxed: read-only system and home, but {} and {}). Its log: journalctl --user -u {UNIT}", settings.data_dir.display(), dir.display());
    println!("For it to start at boot without a login, lingering must be on: loginctl enable-linger $USER");
    Ok(())
}

/// The unit file. Paths go in verbatim, so only plain ones are accepted (no quoting
/// or `%` specifiers can change their meaning). The sandbox leaves Berth what it
/// needs: its data dir and the user's unit folder (the host panel writes units there)
/// writable, everything else read-only, no privilege gain. Nothing that needs a
/// capability bounding set (ProtectKernelModules, CapabilityBoundingSet): a user
/// manager can't set one, and the service would not start (status 218).
pub fn unit_text(exe: &Path, settings: &Common, listen: Option<std::net::SocketAddr>, unit_dir: &Path) -> anyhow::Result<String> {
    let mut command = vec![plain(exe)?, "serve".to_owned()];
    command.extend(["--data-dir".to_owned(), plain(&settings.data_dir)?]);
    command.extend(["--podman-socket".to_owned(), plain(&settings.podman_socket)?]);
    if let Some(listen) = listen {
        command.extend(["--listen".to_owned(), listen.to_string()]);
    }
    Ok(format!(
        "# Written by `berth install-service`.\n\
         [Unit]\n\
         Description=Berth, a web panel for rootless Podman\n\
         Wants=podman.socket\n\
         After=podman.socket\n\
         \n\
         [Service]\n\
         ExecStart={}\n\
         Restart=on-failure\n\
         RestartSec=2\n\
         UMask=0077\n\
         NoNewPrivileges=yes\n\
         PrivateTmp=yes\n\
         ProtectSystem=strict\n\
         ProtectHome=read-only\n\
         ReadWritePaths={} {}\n\
         ProtectKernelTunables=yes\n\
         ProtectControlGroups=yes\n\
         RestrictSUIDSGID=yes\n\
         RestrictRealtime=yes\n\
         LockPersonality=yes\n\
         MemoryDenyWriteExecute=yes\n\
         SystemCallArchitectures=native\n\
         RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n\
         \n\
         [Install]\n\
         WantedBy=default.target\n",
        command.join(" "),
        plain(&settings.data_dir)?,
        plain(unit_dir)?,
    ))
}

fn plain(path: &Path) -> anyhow::Result<String> {
    let text = path.to_str().context("a path that is not UTF-8")?;
    let ok = text.starts_with('/') && text.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+@:".contains(c));
    anyhow::ensure!(ok, "{text:?}: use an absolute path of letters, digits and / . _ - + @ : for the service");
    Ok(text.to_owned())
}

fn systemctl(args: &[&str]) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let child = tokio::process::Command::new("systemctl")
            .arg("--user")
            .args(args)
            .kill_on_drop(true)
            .output();
        let output = tokio::time::timeout(Duration::from_secs(30), child)
            .await
            .with_context(|| format!("systemctl --user {} did not finish in 30 s", args.join(" ")))?
            .context("could not run systemctl")?;
        anyhow::ensure!(
            output.status.success(),
            "systemctl --user {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn common(data: &str) -> Common {
        Common { data_dir: data.into(), podman_socket: "/run/user/1000/podman/podman.sock".into() }
    }

    #[test]
    fn the_unit_runs_this_binary_with_the_resolved_settings() {
        let text = unit_text(
            Path::new("/opt/berth/bin/berth"),
            &common("/home/ada/.local/share/berth"),
            Some("127.0.0.1:9443".parse().unwrap()),
            Path::new("/home/ada/.config/systemd/user"),
        )
        .unwrap();
        assert!(text.contains(
            "ExecStart=/opt/berth/bin/berth serve --data-dir /home/ada/.local/share/berth --podman-socket /run/user/1000/podman/podman.sock --listen 127.0.0.1:9443\n"
        ), "{text}");
        assert!(text.contains("WantedBy=default.target"));
    }

    #[test]
    fn the_unit_is_sandboxed_with_only_the_data_dir_and_unit_folder_writable() {
        let text = unit_text(Path::new("/opt/berth/bin/berth"), &common("/home/ada/.local/share/berth"), None, Path::new("/home/ada/.config/systemd/user")).unwrap();
        for line in ["NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectSystem=strict", "ProtectHome=read-only", "ReadWritePaths=/home/ada/.local/share/berth /home/ada/.config/systemd/user"] {
            assert!(text.lines().any(|l| l == line), "{line} missing from:\n{text}");
        }
    }

    #[test]
    fn paths_that_systemd_would_reinterpret_are_refused() {
        for bad in ["/home/a b/berth", "/home/%h/berth", "relative/berth", "/home/a\nExecStartPre=/bin/sh"] {
            assert!(unit_text(Path::new("/opt/berth"), &common(bad), None, Path::new("/home/a/.config/systemd/user")).is_err(), "{bad:?}");
        }
    }
}
