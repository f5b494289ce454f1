//! The client's address: the socket peer, or, when the peer is a trusted reverse proxy,
//! the address it forwarded (`Forwarded: for=` or `X-Forwarded-For`).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use app::services::ClientIp;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Arc<Vec<IpNet>>);

impl TrustedProxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client address for a request from `peer` with these headers. Walks the
    /// forwarded chain from the right (the hop nearest to Berth), skipping trusted
    /// proxies; the first untrusted address is the client. Anything unparsable stops
    /// the walk at the last trusted hop.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let chain = forwarded_chain(headers);
        let mut client = peer;
        for hop in chain.iter().rev() {
            let Some(ip) = hop else { break };
            client = *ip;
            if !self.trusts(*ip) {
                break;
            }
        }
        client
    }
}

/// The addresses of `Forwarded: for=` (preferred, RFC 7239) or `X-Forwarded-For`, in order.
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<Option<IpAddr>> = headers
        .get_all("forwarded")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (key, value) = pair.trim().split_once('=')?;
                key.eq_ignore_ascii_case("for").then(|| parse_node(value))
            })
        })
        .collect();
    if !forwarded.is_empty() {
        return forwarded;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().parse::<IpAddr>().ok())
        .collect()
}

/// `192.0.2.1`, `"[2001:db8::1]:4711"`, `192.0.2.1:80`.
fn parse_node(value: &str) -> Option<IpAddr> {
    let value = value.trim().trim_matches('"');
    if let Some(rest) = value.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    value.parse().ok().or_else(|| value.rsplit_once(':').and_then(|(ip, _)| ip.parse().ok()))
}

/// Puts [`ClientIp`] in the request's extensions.
pub async fn resolve(State(proxies): State<TrustedProxies>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([127, 0, 0, 1]), |info| info.0.ip());
    let client = proxies.client(peer, request.headers());
    request.extensions_mut().insert(ClientIp(client));
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(nets: &[&str]) -> TrustedProxies {
        TrustedProxies(Arc::new(nets.iter().map(|n| n.parse().unwrap()).collect()))
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        let peer: IpAddr = "203.0.113.7".parse().unwrap();
        let spoofed = headers(&[("x-forwarded-for", "1.2.3.4")]);
        assert_eq!(proxies(&[]).client(peer, &spoofed), peer);
        assert_eq!(proxies(&["10.0.0.0/8"]).client(peer, &spoofed), peer, "an untrusted peer's header is ignored");
    }

    #[test]
    fn a_trusted_proxy_forwards_the_client() {
        let peer: IpAddr = "172.17.0.2".parse().unwrap();
        let p = proxies(&["172.16.0.0/12"]);
        assert_eq!(p.client(peer, &headers(&[("x-forwarded-for", "198.51.100.9")])), "198.51.100.9".parse::<IpAddr>().unwrap());
        // A client-supplied entry on the left can't override what the proxy saw.
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.9")]);
        assert_eq!(p.client(peer, &h), "198.51.100.9".parse::<IpAddr>().unwrap());
        let h = headers(&[("forwarded", "for=\"[2001:db8::5]:4711\";proto=https")]);
        assert_eq!(p.client(peer, &h), "2001:db8::5".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn chained_trusted_proxies_are_skipped() {
        let p = proxies(&["10.0.0.0/8"]);
        let h = headers(&[("x-forwarded-for", "198.51.100.9, 10.0.0.3")]);
        assert_eq!(p.client("10.0.0.2".parse().unwrap(), &h), "198.51.100.9".parse::<IpAddr>().unwrap());
        let garbage = headers(&[("x-forwarded-for", "not-an-ip")]);
        assert_eq!(p.client("10.0.0.2".parse().unwrap(), &garbage), "10.0.0.2".parse::<IpAddr>().unwrap());
    }
}
