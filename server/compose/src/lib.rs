//! Berth's compose files: parse a stack's `compose.yaml` (the subset Berth supports) and
//! `.env`, interpolate `${VAR}`s, build a normalized [`Project`], check it against the
//! deny-by-default stack policy ([`policy_findings`]), order its services
//! ([`start_order`]) and hash each service's configuration ([`config_hash`]).
//!
//! Pure: no filesystem, network or processes. Every input is treated as hostile: sizes,
//! nesting, node counts (alias expansion included), string lengths and the number of
//! diagnostics are bounded, and nothing panics on input.
//!
//! Unsupported keys are never dropped silently: each is a [`Diagnostic`] naming the key
//! and where it is. Keys starting with `x-` are ignored wherever keys are the schema's.
#![forbid(unsafe_code)]

mod check;
mod diagnostic;
mod env;
mod hash;
mod interpolate;
mod model;
mod name;
mod order;
mod path;
mod policy;
mod ports;
mod project;
mod read;
mod service;
mod signal;
mod units;
mod volumes;
mod words;
mod yaml;


use std::collections::BTreeMap;

pub use diagnostic::{Diagnostic, File, MAX_DIAGNOSTICS, Position};
pub use env::parse_env;
pub use hash::config_hash;
pub use interpolate::{InterpolationError, Interpolated, MAX_NESTING, MAX_TOTAL_BYTES, MAX_VALUE_BYTES, interpolate};
pub use model::{
    Condition, Dependency, Expose, Healthcheck, Mount, MountKind, Network, Port, Project, Protocol, Restart, Secret,
    SecretSource, Service, ServiceNetwork, ServiceSecret, Volume,
};
pub use name::{StackName, is_valid_object_name};
pub use order::start_order;
pub use path::{is_inside_stack, normalize_path, normalize_relative};
pub use policy::{Finding, PolicyItem, is_socket_path, policy_findings};
pub use ports::parse_short_port;
pub use project::{MAX_DEFINITIONS, MAX_PORTS_PER_PROJECT, MAX_SERVICES};
pub use service::MAX_PORTS_PER_SERVICE;
pub use signal::signal_number;
pub use units::{parse_bytes, parse_duration_ms};
pub use volumes::parse_short_volume;
pub use words::split_words;
pub use yaml::{MAX_ALIAS_NODES, MAX_BYTES, MAX_DEPTH, MAX_NODES};

/// Largest compose.yaml accepted; larger is refused before parsing.
pub const MAX_COMPOSE_BYTES: usize = 1024 * 1024;
/// Largest `.env` (or `env_file`) accepted.
pub const MAX_ENV_BYTES: usize = 256 * 1024;

/// The texts of one stack.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    /// compose.yaml.
    pub compose: &'a str,
    /// The stack's `.env` (empty when it has none).
    pub env: &'a str,
    /// Extra variables that win over `.env` (may be empty).
    pub variables: &'a BTreeMap<String, String>,
}

/// "2.0 MiB", "256 KiB", "12 bytes".
pub(crate) fn size_text(n: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * 1024;
    if n >= MIB {
        let tenths = n.saturating_mul(10) / MIB;
        if tenths.is_multiple_of(10) { format!("{} MiB", tenths / 10) } else { format!("{}.{} MiB", tenths / 10, tenths % 10) }
    } else if n >= KIB {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} bytes")
    }
}

fn size_limit(len: usize, limit: usize, what: &str) -> Option<Diagnostic> {
    if len <= limit {
        return None;
    }
    // One decimal always for the actual size, so "2.0 MiB" reads as measured.
    let mib = len.saturating_mul(10) / (1024 * 1024);
    let size = if len >= 1024 * 1024 { format!("{}.{} MiB", mib / 10, mib % 10) } else { size_text(len) };
    Some(Diagnostic::new(
        if what == ".env" { File::Env } else { File::Compose },
        None,
        format!("{what} is {size}; the limit is {}", size_text(limit)),
    ))
}

/// Parses, interpolates and checks a stack's files.
///
/// Variables come from `input.variables` over `.env`. Unset variables used without a
/// default become empty strings and are listed in [`Project::warnings`]. The result has
/// passed every structural check, including [`start_order`] (so no cycles); policy is
/// separate ([`policy_findings`]).
///
/// # Errors
/// All problems found (up to [`MAX_DIAGNOSTICS`], then a note), each with its position
/// where known.
pub fn parse(name: &StackName, input: &Input<'_>) -> Result<Project, Vec<Diagnostic>> {
    let mut d = diagnostic::Diagnostics::default();
    if let Some(e) = size_limit(input.compose.len(), MAX_COMPOSE_BYTES, "compose.yaml") {
        return Err(vec![e]);
    }
    if let Some(e) = size_limit(input.env.len(), MAX_ENV_BYTES, ".env") {
        return Err(vec![e]);
    }
    let mut vars = match parse_env(input.env) {
        Ok(v) => v,
        Err(es) => {
            d.extend(es);
            BTreeMap::new()
        }
    };
    vars.extend(input.variables.iter().map(|(k, v)| (k.clone(), v.clone())));

    let mut root = match yaml::load(input.compose) {
        Ok(Some(root)) => root,
        Ok(None) => {
            d.error(None, "the file is empty; a stack needs `services:` with at least one service");
            return Err(d.into_vec());
        }
        Err(e) => {
            d.push(e);
            return Err(d.into_vec());
        }
    };
    let warnings = interpolate::interpolate_tree(&mut root, &vars, &mut d);
    if !d.is_empty() {
        return Err(d.into_vec());
    }
    let Some(mut project) = project::build(&root, name, &vars, &mut d) else {
        return Err(d.into_vec());
    };
    project.warnings = warnings;
    if !d.is_empty() {
        return Err(d.into_vec());
    }
    check::check(&project, &mut d);
    if let Err(e) = start_order(&project) {
        d.push(e);
    }
    if d.is_empty() { Ok(project) } else { Err(d.into_vec()) }
}

/// Merges one `env_file`'s text into `service` (call once per [`Service::env_file`]
/// entry, in order, before [`config_hash`]). Later files win over earlier ones, and
/// `environment:` wins over all of them ([`Service::effective_environment`]). Keys may
/// hold `.` and `-` besides letters, digits and `_`; values are literal.
///
/// # Errors
/// Every bad line, with [`File::EnvFile`] naming `path` (the entry as written in
/// [`Service::env_file`]).
pub fn merge_env_file(service: &mut Service, path: &str, text: &str) -> Result<(), Vec<Diagnostic>> {
    let vars = env::parse_env_text(text, &File::EnvFile(path.to_owned()), true)?;
    service.env_from_files.extend(vars);
    Ok(())
}
