//! `ports:` and `expose:` entries.

use std::net::IpAddr;

use crate::diagnostic::{Diagnostics, Position, shown};
use crate::model::{Expose, Port, Protocol};
use crate::read;
use crate::yaml::{Node, Value};

/// Longest port range one entry may expand to.
pub const MAX_RANGE: u32 = 1024;

fn protocol(s: &str) -> Result<Protocol, String> {
    match s.to_ascii_lowercase().as_str() {
        "tcp" => Ok(Protocol::Tcp),
        "udp" => Ok(Protocol::Udp),
        other => Err(format!("protocol `{}` is not supported; use `tcp` or `udp`", shown(other))),
    }
}

fn port(s: &str) -> Result<u16, String> {
    match s.trim().parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(format!("`{}` is not a port: use a number from 1 to 65535", shown(s))),
    }
}

/// `80` or `8000-8010`, as an inclusive range.
fn range(s: &str) -> Result<(u16, u16), String> {
    match s.split_once('-') {
        None => port(s).map(|p| (p, p)),
        Some((a, b)) => {
            let (a, b) = (port(a)?, port(b)?);
            if b < a {
                return Err(format!("port range `{}` ends before it starts", shown(s)));
            }
            if u32::from(b - a) >= MAX_RANGE {
                return Err(format!("port range `{}` is longer than {MAX_RANGE} ports", shown(s)));
            }
            Ok((a, b))
        }
    }
}

fn host_ip(s: &str) -> Result<String, String> {
    s.parse::<IpAddr>()
        .map(|ip| ip.to_string())
        .map_err(|_| format!("`{}` is not an IP address", shown(s)))
}

/// Parses short syntax: `[[host_ip:][published]:]target[/protocol]` with ranges, and
/// `[::1]:8080:80` for IPv6 hosts. Returns one [`Port`] per container port.
pub fn parse_short_port(spec: &str, at: Option<Position>) -> Result<Vec<Port>, String> {
    let (body, proto) = match spec.rsplit_once('/') {
        Some((b, p)) => (b, protocol(p)?),
        None => (spec, Protocol::Tcp),
    };
    let (ip, rest) = if let Some(after) = body.strip_prefix('[') {
        let (ip, rest) = after.split_once(']').ok_or_else(|| format!("`{}`: a `[` host address is not closed", shown(spec)))?;
        let rest = rest.strip_prefix(':').ok_or_else(|| format!("`{}`: expected `:` after `]`", shown(spec)))?;
        (Some(ip), rest)
    } else {
        (None, body)
    };
    let mut parts = rest.rsplitn(3, ':');
    let target = parts.next().unwrap_or("");
    let published = parts.next();
    let ip = match (ip, parts.next()) {
        (Some(_), Some(_)) => return Err(format!("`{}` has too many `:`", shown(spec))),
        (Some(ip), None) | (None, Some(ip)) => Some(host_ip(ip)?),
        (None, None) => None,
    };
    let (t0, t1) = range(target)?;
    let published = match published {
        None | Some("") => None,
        Some(p) => Some(range(p)?),
    };
    if let Some((p0, p1)) = published
        && p1 - p0 != t1 - t0
    {
        return Err(format!(
            "`{}`: the published range has {} ports but the container range has {}",
            shown(spec),
            p1 - p0 + 1,
            t1 - t0 + 1
        ));
    }
    Ok((0..=(t1 - t0))
        .map(|i| Port {
            host_ip: ip.clone(),
            published: published.map(|(p0, _)| p0 + i),
            target: t0 + i,
            protocol: proto,
            mode: None,
            at,
        })
        .collect())
}

/// One `ports:` entry, short or long syntax.
pub(crate) fn parse_port_entry(node: &Node, place: &str, d: &mut Diagnostics) -> Vec<Port> {
    match &node.value {
        Value::Scalar(s) if !s.null => match parse_short_port(&s.text, Some(node.at)) {
            Ok(ports) => ports,
            Err(e) => {
                d.error(Some(node.at), format!("port {place}: {e}"));
                Vec::new()
            }
        },
        Value::Map(entries) => {
            let mut p = Port { host_ip: None, published: None, target: 0, protocol: Protocol::Tcp, mode: None, at: Some(node.at) };
            let errors_before = d.len();
            for e in entries {
                if e.is_extension() {
                    continue;
                }
                let what = format!("`{}` of a port {place}", e.key);
                let text = || e.value.scalar().filter(|s| !s.null).map(|s| s.text.clone());
                let result = match e.key.as_str() {
                    "target" => text().ok_or_else(|| format!("{what} must be a port")).and_then(|t| port(&t)).map(|t| p.target = t),
                    "published" => text().ok_or_else(|| format!("{what} must be a port")).and_then(|t| port(&t)).map(|t| p.published = Some(t)),
                    "host_ip" => text().ok_or_else(|| format!("{what} must be an IP address")).and_then(|t| host_ip(&t)).map(|t| p.host_ip = Some(t)),
                    "protocol" => text().ok_or_else(|| format!("{what} must be `tcp` or `udp`")).and_then(|t| protocol(&t)).map(|t| p.protocol = t),
                    "mode" => match text().as_deref() {
                        Some(m @ ("host" | "ingress")) => {
                            p.mode = Some(m.to_owned());
                            Ok(())
                        }
                        _ => Err(format!("{what} must be `host` or `ingress`")),
                    },
                    _ => {
                        read::unknown_key(e, &format!("in a port {place}"), d);
                        Ok(())
                    }
                };
                if let Err(m) = result {
                    d.error(Some(e.value.at), m);
                }
            }
            if p.target == 0 {
                if d.len() == errors_before {
                    d.error(Some(node.at), format!("a port {place} needs `target`"));
                }
                return Vec::new();
            }
            if d.len() == errors_before { vec![p] } else { Vec::new() }
        }
        _ => {
            d.error(Some(node.at), format!("each port {place} must be a string like `8080:80` or a mapping, but is {}", node.kind()));
            Vec::new()
        }
    }
}

/// One `expose:` entry: `80`, `80/udp` or `8000-8010`.
pub(crate) fn parse_expose(spec: &str) -> Result<Vec<Expose>, String> {
    let (body, proto) = match spec.rsplit_once('/') {
        Some((b, p)) => (b, protocol(p)?),
        None => (spec, Protocol::Tcp),
    };
    let (a, b) = range(body)?;
    Ok((a..=b).map(|port| Expose { port, protocol: proto }).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short(s: &str) -> Vec<(Option<String>, Option<u16>, u16, Protocol)> {
        parse_short_port(s, None)
            .expect(s)
            .into_iter()
            .map(|p| (p.host_ip, p.published, p.target, p.protocol))
            .collect()
    }

    #[test]
    fn short_port_forms_parse() {
        use Protocol::{Tcp, Udp};
        assert_eq!(short("8080"), [(None, None, 8080, Tcp)]);
        assert_eq!(short("8080:80"), [(None, Some(8080), 80, Tcp)]);
        assert_eq!(short("127.0.0.1:8080:80"), [(Some("127.0.0.1".into()), Some(8080), 80, Tcp)]);
        assert_eq!(short("53:53/udp"), [(None, Some(53), 53, Udp)]);
        assert_eq!(short("[::1]:8080:80"), [(Some("::1".into()), Some(8080), 80, Tcp)]);
        assert_eq!(short("127.0.0.1::80"), [(Some("127.0.0.1".into()), None, 80, Tcp)]);
    }

    #[test]
    fn short_port_ranges_expand_to_single_mappings() {
        use Protocol::Tcp;
        assert_eq!(
            short("8000-8002:9000-9002"),
            [(None, Some(8000), 9000, Tcp), (None, Some(8001), 9001, Tcp), (None, Some(8002), 9002, Tcp)]
        );
        assert_eq!(short("8000-8001"), [(None, None, 8000, Tcp), (None, None, 8001, Tcp)]);
    }

    #[test]
    fn bad_ports_are_refused() {
        for bad in ["0", "65536", "8080:0", "8000-8002:80-81", "80/sctp", "x:80", "1.2.3:80:80", "[::1:80:80", "9-1", "1-2000", "a:b:c:d"] {
            assert!(parse_short_port(bad, None).is_err(), "{bad}");
        }
    }

    #[test]
    fn expose_entries_parse() {
        assert_eq!(parse_expose("80/udp").map(|v| v.len()), Ok(1));
        assert_eq!(parse_expose("8000-8009").map(|v| v.len()), Ok(10));
        assert!(parse_expose("0").is_err());
    }
}
