//! systemd units for a stack's containers, made by Podman (`generate systemd`), so a
//! stack can come back at boot without podman-restart.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use crate::podman::raw;

/// The first line of every unit Berth installs, with the stack's name after it.
pub const MARK: &str = "# Installed by Berth for the stack ";

/// The file name of a container's unit.
pub fn unit_name(container: &str) -> String {
    format!("container-{container}.service")
}

/// Units Podman generated, by file name, and a note when they are not `--new` style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    pub units: BTreeMap<String, String>,
    pub note: Option<String>,
}

/// Asks Podman for a unit per container: `--new` style (the unit creates the container
/// from its command), or, for containers made over the API (which have no command),
/// units that start and stop the existing container.
pub async fn generate(socket: &Path, stack: &str, containers: &[String]) -> Result<Generated, String> {
    let mut units = BTreeMap::new();
    let mut note = None;
    for container in containers {
        let name = app::model::url::encode_component(container);
        let ask = |new: bool| {
            let path = format!("/v4.0.0/libpod/generate/{name}/systemd?useName=true&new={new}&restartPolicy=always");
            async move { raw::call(socket, "GET", &path, None, Duration::from_secs(30)).await }
        };
        let (mut status, mut body) = ask(true).await?;
        if status == 500 && raw::error_message(&body).contains("no create command") {
            note = Some("Podman makes --new units only for containers created by the podman command; Berth creates them over the API, so these units start and stop the existing containers, which Berth keeps.".to_owned());
            (status, body) = ask(false).await?;
        }
        if status != 200 {
            return Err(format!("Podman could not make a unit for {container}: {}", app::model::text::plain(&raw::error_message(&body))));
        }
        let made: BTreeMap<String, String> = serde_json::from_slice(&body).map_err(|_| format!("Podman's unit for {container} could not be read"))?;
        for (key, text) in made {
            let file = if key.ends_with(".service") { key } else { format!("{key}.service") };
            if !safe_unit_name(&file) {
                return Err(format!("Podman named a unit {:?}, which Berth does not write", app::model::text::plain(&file)));
            }
            units.insert(file, format!("{MARK}{stack}\n{text}"));
        }
    }
    Ok(Generated { units, note })
}

/// A unit file name Berth may write: `container-` or `pod-`, then plain characters.
pub fn safe_unit_name(name: &str) -> bool {
    (name.starts_with("container-") || name.starts_with("pod-"))
        && name.ends_with(".service")
        && name.len() <= 200
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

/// The units Berth installed for a stack, by reading the unit folder.
pub fn installed(dir: &Path, stack: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mark = format!("{MARK}{stack}\n");
    let mut found: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| safe_unit_name(name))
        .filter(|name| std::fs::read_to_string(dir.join(name)).is_ok_and(|text| text.starts_with(&mark)))
        .collect();
    found.sort();
    found
}

/// Whether a unit is enabled for the user's default target (its link exists).
pub fn enabled(dir: &Path, unit: &str) -> bool {
    dir.join("default.target.wants").join(unit).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_container_and_pod_unit_names_are_written() {
        assert!(safe_unit_name("container-web_web_1.service"));
        assert!(safe_unit_name("pod-x.service"));
        for bad in ["berth.service", "container-../x.service", "container-a b.service", "container-x", "container-x.service/..", "pod-\n.service"] {
            assert!(!safe_unit_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn installed_units_are_found_by_their_mark() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("container-web_web_1.service"), format!("{MARK}web\n[Unit]\n")).unwrap();
        std::fs::write(dir.path().join("container-webber_x_1.service"), format!("{MARK}webber\n[Unit]\n")).unwrap();
        std::fs::write(dir.path().join("container-mine.service"), "[Unit]\n").unwrap();
        assert_eq!(installed(dir.path(), "web"), ["container-web_web_1.service"]);
        assert!(!enabled(dir.path(), "container-web_web_1.service"));
    }
}
