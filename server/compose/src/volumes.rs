//! A service's `volumes:` entries (short and long syntax).

use crate::diagnostic::{Diagnostics, Position, shown};
use crate::model::{Mount, MountKind};
use crate::name::is_valid_object_name;
use crate::path::normalize_path;
use crate::read;
use crate::units::parse_bytes;
use crate::yaml::{Node, Value};

fn is_bind_source(s: &str) -> bool {
    s.starts_with('.') || s.starts_with('/') || s.starts_with('~')
}

fn target(s: &str) -> Result<String, String> {
    if !s.starts_with('/') {
        return Err(format!("the container path `{}` must be absolute (start with `/`)", shown(s)));
    }
    Ok(normalize_path(s))
}

fn mount(kind: MountKind, source: Option<String>, target: String, at: Option<Position>) -> Mount {
    Mount { kind, source, target, read_only: false, selinux: None, nocopy: false, tmpfs_size: None, tmpfs_mode: None, at }
}

/// Parses short syntax: `/path` (anonymous volume), `name:/path`, `./rel:/path`,
/// `/abs:/path`, `~/x:/path`, each with optional `:ro`, `:rw`, `:z`, `:Z` (comma-joined).
pub fn parse_short_volume(spec: &str, at: Option<Position>) -> Result<Mount, String> {
    let parts: Vec<&str> = spec.split(':').collect();
    let (source, tgt, opts) = match parts.as_slice() {
        [t] => (None, *t, None),
        [s, t] => (Some(*s), *t, None),
        [s, t, o] => (Some(*s), *t, Some(*o)),
        _ => return Err(format!("`{}` has too many `:`; use `source:/path[:ro]`", shown(spec))),
    };
    let mut m = match source {
        None => mount(MountKind::Volume, None, target(tgt)?, at),
        Some("") => return Err(format!("`{}` has an empty source", shown(spec))),
        Some(s) if is_bind_source(s) => mount(MountKind::Bind, Some(normalize_path(s)), target(tgt)?, at),
        Some(s) if is_valid_object_name(s) => mount(MountKind::Volume, Some(s.to_owned()), target(tgt)?, at),
        Some(s) => {
            return Err(format!(
                "`{}` is neither a volume name nor a path; start host paths with `./`, `/` or `~`",
                shown(s)
            ));
        }
    };
    for opt in opts.into_iter().flat_map(|o| o.split(',')) {
        match opt {
            "ro" => m.read_only = true,
            "rw" => m.read_only = false,
            "z" | "Z" => m.selinux = Some(opt.to_owned()),
            other => return Err(format!("mount option `{}` is not supported; use `ro`, `rw`, `z` or `Z`", shown(other))),
        }
    }
    Ok(m)
}

/// One `volumes:` entry of a service.
pub(crate) fn parse_volume_entry(node: &Node, place: &str, d: &mut Diagnostics) -> Option<Mount> {
    match &node.value {
        Value::Scalar(s) if !s.null => match parse_short_volume(&s.text, Some(node.at)) {
            Ok(m) => Some(m),
            Err(e) => {
                d.error(Some(node.at), format!("volume {place}: {e}"));
                None
            }
        },
        Value::Map(entries) => long_volume(node, entries, place, d),
        _ => {
            d.error(Some(node.at), format!("each volume {place} must be a string like `data:/data` or a mapping, but is {}", node.kind()));
            None
        }
    }
}

fn long_volume(node: &Node, entries: &[crate::yaml::Entry], place: &str, d: &mut Diagnostics) -> Option<Mount> {
    let before = d.len();
    let lplace = format!("in a volume {place}");
    let (mut kind, mut source, mut tgt) = (None, None, None);
    let mut m = mount(MountKind::Volume, None, String::new(), Some(node.at));
    let mut sub: Vec<(&crate::yaml::Entry, &str)> = Vec::new();
    for e in entries {
        if e.is_extension() {
            continue;
        }
        let what = format!("`{}` {lplace}", e.key);
        match e.key.as_str() {
            "type" => {
                kind = match read::string(&e.value, &what, d).as_deref() {
                    Some("volume") => Some(MountKind::Volume),
                    Some("bind") => Some(MountKind::Bind),
                    Some("tmpfs") => Some(MountKind::Tmpfs),
                    Some(other) => {
                        d.error(Some(e.value.at), format!("volume type `{}` {place} is not supported; use `volume`, `bind` or `tmpfs`", shown(other)));
                        None
                    }
                    None => None,
                }
            }
            "source" => source = read::nonempty(&e.value, &what, d).map(|s| (s, e.value.at)),
            "target" => tgt = read::nonempty(&e.value, &what, d).map(|s| (s, e.value.at)),
            "read_only" => m.read_only = read::boolean(&e.value, &what, d).unwrap_or(false),
            "bind" | "volume" | "tmpfs" => sub.push((e, e.key.as_str())),
            _ => read::unknown_key(e, &lplace, d),
        }
    }
    let Some(kind) = kind else {
        if d.len() == before {
            d.error(Some(node.at), format!("a volume {place} in long syntax needs `type` (`volume`, `bind` or `tmpfs`)"));
        }
        return None;
    };
    m.kind = kind;
    for (e, which) in sub {
        let sub_place = format!("in `{which}` of a volume {place}");
        let matches_kind = matches!((which, kind), ("bind", MountKind::Bind) | ("volume", MountKind::Volume) | ("tmpfs", MountKind::Tmpfs));
        if !matches_kind {
            d.error(Some(e.key_at), format!("`{which}` options don't apply to a mount of another type {place}"));
            continue;
        }
        let Some(opts) = read::mapping(&e.value, &format!("`{which}` {lplace}"), d) else { continue };
        for o in opts {
            if o.is_extension() {
                continue;
            }
            let what = format!("`{}` {sub_place}", o.key);
            match (which, o.key.as_str()) {
                ("bind", "selinux") => match read::string(&o.value, &what, d).as_deref() {
                    Some(z @ ("z" | "Z")) => m.selinux = Some(z.to_owned()),
                    Some(_) => d.error(Some(o.value.at), format!("{what} must be `z` or `Z`")),
                    None => {}
                },
                ("volume", "nocopy") => m.nocopy = read::boolean(&o.value, &what, d).unwrap_or(false),
                ("tmpfs", "size") => {
                    if let Some(s) = read::string(&o.value, &what, d) {
                        match parse_bytes(&s) {
                            Ok(n) => m.tmpfs_size = Some(n),
                            Err(err) => d.error(Some(o.value.at), format!("{what}: {err}")),
                        }
                    }
                }
                ("tmpfs", "mode") => {
                    if let Some(s) = read::string(&o.value, &what, d) {
                        match u32::from_str_radix(s.trim_start_matches("0o"), 8) {
                            Ok(n) if n <= 0o7777 => m.tmpfs_mode = Some(n),
                            _ => d.error(Some(o.value.at), format!("{what} must be octal permission bits like `1777`")),
                        }
                    }
                }
                _ => read::unknown_key(o, &sub_place, d),
            }
        }
    }
    match tgt {
        Some((t, at)) => match target(&t) {
            Ok(t) => m.target = t,
            Err(e) => d.error(Some(at), format!("volume {place}: {e}")),
        },
        None => d.error(Some(node.at), format!("a volume {place} needs `target`")),
    }
    match (kind, source) {
        (MountKind::Tmpfs, Some((_, at))) => d.error(Some(at), format!("a tmpfs mount {place} takes no `source`")),
        (MountKind::Tmpfs, None) | (MountKind::Volume, None) => {}
        (MountKind::Bind, None) => d.error(Some(node.at), format!("a bind mount {place} needs `source`")),
        (MountKind::Bind, Some((s, _))) => m.source = Some(normalize_path(&s)),
        (MountKind::Volume, Some((s, at))) => {
            if is_valid_object_name(&s) {
                m.source = Some(s);
            } else {
                d.error(Some(at), format!("`{}` is not a valid volume name {place}", shown(&s)));
            }
        }
    }
    (d.len() == before).then_some(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_volume_forms_classify_binds_and_named_volumes() {
        let m = parse_short_volume("data:/var/lib/data", None).expect("named");
        assert_eq!((m.kind, m.source.as_deref(), m.target.as_str(), m.read_only), (MountKind::Volume, Some("data"), "/var/lib/data", false));
        let m = parse_short_volume("./conf/../site:/usr/share/nginx/html:ro", None).expect("bind");
        assert_eq!((m.kind, m.source.as_deref(), m.read_only), (MountKind::Bind, Some("site"), true));
        let m = parse_short_volume("/etc:/host-etc", None).expect("abs");
        assert_eq!((m.kind, m.source.as_deref()), (MountKind::Bind, Some("/etc")));
        let m = parse_short_volume("~/x:/x:ro,Z", None).expect("home");
        assert_eq!((m.kind, m.source.as_deref(), m.selinux.as_deref()), (MountKind::Bind, Some("~/x"), Some("Z")));
        let m = parse_short_volume("/cache", None).expect("anonymous");
        assert_eq!((m.kind, m.source), (MountKind::Volume, None));
    }

    #[test]
    fn bad_short_volumes_are_refused() {
        for bad in ["data:rel", "a:/b:/c:ro", "bad name:/x", ":/x", "data:/x:exec"] {
            assert!(parse_short_volume(bad, None).is_err(), "{bad}");
        }
    }
}
