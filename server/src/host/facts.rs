//! Host facts that decide what rootless containers can do: the cgroup hierarchy and
//! the lowest port an unprivileged user may bind, now and after a reboot.

use std::path::Path;

use app::model::host::{Check, Verdict};

/// The cgroup hierarchy, as the mounts under /sys/fs/cgroup show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cgroups {
    /// Unified (v2 only): rootless stats and resource limits work.
    V2,
    /// v1 controllers with an empty v2 tree beside them.
    Hybrid,
    V1,
}

/// Reads the hierarchy from the file system.
pub fn cgroups() -> Cgroups {
    let root = Path::new("/sys/fs/cgroup");
    if root.join("cgroup.controllers").exists() {
        Cgroups::V2
    } else if root.join("unified").is_dir() {
        Cgroups::Hybrid
    } else {
        Cgroups::V1
    }
}

/// The cgroups check.
pub fn cgroups_check(found: Cgroups) -> Check {
    let (verdict, detail) = match found {
        Cgroups::V2 => (Verdict::Ok, "This host runs cgroups v2: rootless containers get resource statistics and limits."),
        Cgroups::Hybrid => (Verdict::Problem, "This host runs hybrid cgroups (v1 controllers, an empty v2 tree): rootless containers have no statistics, and memory or CPU limits are not applied."),
        Cgroups::V1 => (Verdict::Problem, "This host runs cgroups v1: rootless containers have no statistics, and memory or CPU limits are not applied."),
    };
    Check {
        key: "cgroups".into(),
        title: "cgroups v2".into(),
        verdict,
        detail: detail.into(),
        fix: (verdict != Verdict::Ok).then(|| "Boot with the unified hierarchy, as root (containers keep running as before; only statistics and limits change):".to_owned()),
        commands: if verdict == Verdict::Ok {
            Vec::new()
        } else {
            vec![
                "# add systemd.unified_cgroup_hierarchy=1 to GRUB_CMDLINE_LINUX in /etc/default/grub, then:".to_owned(),
                "update-grub".to_owned(),
                "reboot".to_owned(),
            ]
        },
    }
}

/// The sysctl that lets unprivileged users bind ports from this number up.
pub const UNPRIVILEGED_PORT_SYSCTL: &str = "net.ipv4.ip_unprivileged_port_start";

/// Its value now.
pub fn unprivileged_port_start() -> Option<u16> {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start").ok()?.trim().parse().ok()
}

/// Its value after a reboot, as the sysctl files set it (`None`: no file sets it, so 1024).
pub fn persisted_port_start() -> Option<u16> {
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    // sysctl.d order: files sorted by name across the folders (earlier folders win a tie), then /etc/sysctl.conf.
    let mut by_name = std::collections::BTreeMap::new();
    for dir in ["/usr/lib/sysctl.d", "/run/sysctl.d", "/etc/sysctl.d"] {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.ends_with(".conf") {
                    by_name.insert(name, entry.path());
                }
            }
        }
    }
    files.extend(by_name.into_values());
    files.push("/etc/sysctl.conf".into());
    files.iter().filter_map(|f| std::fs::read_to_string(f).ok()).fold(None, |value, text| sysctl_value(&text).or(value))
}

/// The last value a sysctl file sets for the unprivileged port start.
pub fn sysctl_value(text: &str) -> Option<u16> {
    text.lines()
        .map(|line| line.trim().trim_start_matches('-'))
        .filter(|line| !line.starts_with('#') && !line.starts_with(';'))
        .filter_map(|line| line.split_once('='))
        .filter(|(key, _)| key.trim().replace('/', ".") == UNPRIVILEGED_PORT_SYSCTL)
        .filter_map(|(_, value)| value.trim().parse().ok())
        .last()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sysctl_files_are_read_like_sysctl_does() {
        assert_eq!(sysctl_value("# net.ipv4.ip_unprivileged_port_start=0\nnet.ipv4.ip_unprivileged_port_start = 80\n"), Some(80));
        assert_eq!(sysctl_value("net/ipv4/ip_unprivileged_port_start=443\n-net.ipv4.ip_unprivileged_port_start=53\n"), Some(53));
        assert_eq!(sysctl_value("vm.swappiness=10\n"), None);
    }

    #[test]
    fn only_the_unified_hierarchy_passes() {
        assert_eq!(cgroups_check(Cgroups::V2).verdict, Verdict::Ok);
        let hybrid = cgroups_check(Cgroups::Hybrid);
        assert_eq!(hybrid.verdict, Verdict::Problem);
        assert!(hybrid.commands.iter().any(|c| c.contains("systemd.unified_cgroup_hierarchy=1")));
    }
}
