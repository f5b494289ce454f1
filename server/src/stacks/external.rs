//! Stacks started outside Berth (podman-compose, docker compose), found by the labels
//! those tools put on their containers, and adopting one from its compose file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use app::model::stacks::ExternalStack;
use app::model::text::plain;

use super::libpod::Listed;
use super::spec::{LABEL_CONFIG_FILES, LABEL_PROJECT, LABEL_WORKING_DIR};

/// The containers of every compose project not among `ours`, grouped by project.
pub fn external_stacks(containers: &[Listed], ours: &BTreeSet<String>) -> Vec<ExternalStack> {
    let mut projects: BTreeMap<String, ExternalStack> = BTreeMap::new();
    for container in containers {
        let Some(project) = container.label(LABEL_PROJECT) else { continue };
        if ours.contains(project) {
            continue;
        }
        let stack = projects.entry(project.to_owned()).or_insert_with(|| ExternalStack {
            name: plain(project),
            running: 0,
            containers: Vec::new(),
            working_dir: plain(container.label(LABEL_WORKING_DIR).unwrap_or_default()),
            config_files: plain(container.label(LABEL_CONFIG_FILES).unwrap_or_default()),
        });
        if container.state == "running" {
            stack.running += 1;
        }
        stack.containers.push(container.name().to_owned());
    }
    projects.into_values().collect()
}

/// The compose file a project's labels name: the first of its config files, relative
/// to its working folder.
pub fn compose_file_of(container: &Listed) -> Option<PathBuf> {
    let folder = container.label(LABEL_WORKING_DIR).filter(|d| d.starts_with('/'))?;
    let first = container.label(LABEL_CONFIG_FILES).and_then(|files| files.split(',').map(str::trim).find(|f| !f.is_empty()))?;
    let path = Path::new(first);
    Some(if path.is_absolute() { path.to_path_buf() } else { Path::new(folder).join(path) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(name: &str, project: &str, state: &str) -> Listed {
        let labels = [
            (LABEL_PROJECT, project),
            (LABEL_WORKING_DIR, "/home/me/site"),
            (LABEL_CONFIG_FILES, "compose.yml"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        Listed {
            id: name.into(),
            names: vec![name.into()],
            image: String::new(),
            image_id: String::new(),
            state: state.into(),
            labels: Some(labels),
            ports: None,
        }
    }

    #[test]
    fn projects_not_ours_are_grouped() {
        let containers = [listed("site_web_1", "site", "running"), listed("site_db_1", "site", "exited"), listed("mine_web_1", "mine", "running")];
        let ours = BTreeSet::from(["mine".to_owned()]);
        let found = external_stacks(&containers, &ours);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, "site");
        assert_eq!(found[0].running, 1);
        assert_eq!(found[0].containers, vec!["site_web_1", "site_db_1"]);
        assert_eq!(compose_file_of(&containers[0]), Some(PathBuf::from("/home/me/site/compose.yml")));
    }
}
