//! Lexical path handling for bind sources, `env_file` and secret files. Nothing here
//! touches the filesystem: symlinks inside the stack folder are the server's concern.

/// Normalizes a path without touching the filesystem: drops `.` and empty components,
/// resolves `..` against earlier components, removes a trailing `/`. Absolute paths stay
/// absolute (`/..` is `/`), `~`-paths keep their `~` or `~user` head, and a relative path
/// keeps the `..` that climb out of the stack folder (`./a/../../b` is `../b`). The stack
/// folder itself is `.`.
pub fn normalize_path(p: &str) -> String {
    let (head, rest) = if let Some(rest) = p.strip_prefix('/') {
        ("/", rest)
    } else if p.starts_with('~') {
        let (h, r) = p.split_once('/').unwrap_or((p, ""));
        (h, r)
    } else {
        ("", p)
    };
    let mut parts: Vec<&str> = Vec::new();
    for c in rest.split('/') {
        match c {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                // `/..` is `/`, but relative and `~` paths keep the climb.
                _ if head == "/" => {}
                _ => parts.push(".."),
            },
            normal => parts.push(normal),
        }
    }
    let joined = parts.join("/");
    match head {
        "/" => format!("/{joined}"),
        "" if joined.is_empty() => ".".to_owned(),
        "" => joined,
        h if joined.is_empty() => h.to_owned(),
        h => format!("{h}/{joined}"),
    }
}

/// Whether a path (as [`normalize_path`] returns it) stays inside the stack folder:
/// relative, and not climbing out with `..`.
pub fn is_inside_stack(normalized: &str) -> bool {
    !(normalized.starts_with('/') || normalized.starts_with('~') || normalized == ".." || normalized.starts_with("../"))
}

/// Normalizes a relative path the way [`crate::Service::env_file`] and secret files hold
/// them (an alias of [`normalize_path`], named for what callers use it for).
pub fn normalize_relative(p: &str) -> String {
    normalize_path(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalize_lexically() {
        let cases = [
            ("./data", "data"),
            ("./a/../b/", "b"),
            ("a//b/./c", "a/b/c"),
            (".", "."),
            ("./", "."),
            ("..", ".."),
            ("./a/../../b", "../b"),
            ("../../x", "../../x"),
            ("/etc/", "/etc"),
            ("/../etc", "/etc"),
            ("/", "/"),
            ("~/x/../y", "~/y"),
            ("~", "~"),
            ("~root/.ssh", "~root/.ssh"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize_path(input), want, "{input}");
        }
    }

    #[test]
    fn inside_means_relative_without_climbing_out() {
        for inside in ["data", ".", "a/..b", "..data"] {
            assert!(is_inside_stack(inside), "{inside}");
        }
        for outside in ["..", "../x", "/etc", "~", "~/x"] {
            assert!(!is_inside_stack(outside), "{outside}");
        }
    }
}
