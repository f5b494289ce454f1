//! Start order from `depends_on` (and `service:` namespace sharing).

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::{Diagnostic, shown};
use crate::model::Project;

/// Services in start order: groups that can start in parallel, each after the groups
/// before it (a dependency's group is always earlier). Names within a group are sorted.
/// Dependencies on services that don't exist are ignored here ([`crate::parse`] reports
/// them).
///
/// # Errors
/// A cycle, named: "depends_on has a cycle: a -> b -> a".
pub fn start_order(project: &Project) -> Result<Vec<Vec<String>>, Diagnostic> {
    let deps: BTreeMap<&str, BTreeSet<&str>> = project
        .services
        .iter()
        .map(|(name, s)| {
            let ds = s
                .dependencies()
                .filter(|d| project.services.contains_key(*d) && *d != name.as_str())
                .collect();
            (name.as_str(), ds)
        })
        .collect();
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    let mut groups = Vec::new();
    while placed.len() < deps.len() {
        let group: Vec<&str> = deps
            .iter()
            .filter(|(name, ds)| !placed.contains(*name) && ds.iter().all(|d| placed.contains(d)))
            .map(|(name, _)| *name)
            .collect();
        if group.is_empty() {
            return Err(cycle(&deps, &placed));
        }
        placed.extend(group.iter().copied());
        groups.push(group.into_iter().map(str::to_owned).collect());
    }
    Ok(groups)
}

/// Every unplaced service has an unplaced dependency, so following them must revisit one.
fn cycle(deps: &BTreeMap<&str, BTreeSet<&str>>, placed: &BTreeSet<&str>) -> Diagnostic {
    let start = deps.keys().copied().find(|n| !placed.contains(n));
    let mut path: Vec<&str> = Vec::new();
    let mut current = start;
    while let Some(n) = current {
        if let Some(i) = path.iter().position(|p| *p == n) {
            let mut names: Vec<String> = path.get(i..).unwrap_or_default().iter().map(|s| shown(s)).collect();
            names.push(shown(n));
            return Diagnostic::compose(None, format!("depends_on has a cycle: {}", names.join(" -> ")));
        }
        path.push(n);
        current = deps.get(n).and_then(|ds| ds.iter().copied().find(|d| !placed.contains(d)));
    }
    Diagnostic::compose(None, "depends_on has a cycle")
}
