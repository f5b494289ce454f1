//! CSRF defence: a state-changing request (anything but GET and HEAD) must come from
//! Berth's own pages. Browsers say so in `Sec-Fetch-Site`; older ones send `Origin`,
//! which must name this host. Machine-to-machine routes (webhooks) are signed instead.

use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};

/// Paths exempt from the check: they carry their own authentication (signatures).
const EXEMPT_PREFIXES: [&str; 1] = ["/hooks/"];

/// Whether a request with this method and these headers may change state. `authority`
/// is the host the request was sent to (HTTP/2 carries it in the URI, not `Host`).
pub fn allowed(method: &Method, path: &str, headers: &HeaderMap, authority: Option<&str>) -> bool {
    if method == Method::GET || method == Method::HEAD || EXEMPT_PREFIXES.iter().any(|p| path.starts_with(p)) {
        return true;
    }
    if let Some(site) = headers.get("sec-fetch-site") {
        return site.as_bytes() == b"same-origin";
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).or(authority);
    let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), host) else { return false };
    let Ok(origin) = origin.to_str() else { return false };
    origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://")).is_some_and(|authority| authority.eq_ignore_ascii_case(host))
}

/// Answers 403 to cross-site state changes.
pub async fn check(request: Request, next: Next) -> Response {
    let authority = request.uri().authority().map(|a| a.as_str().to_owned());
    if allowed(request.method(), request.uri().path(), request.headers(), authority.as_deref()) {
        next.run(request).await
    } else {
        tracing::warn!(path = request.uri().path(), "refused a cross-site request");
        (StatusCode::FORBIDDEN, "Cross-site request refused.\n").into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (k.parse().unwrap(), v.parse().unwrap())).collect()
    }

    #[test]
    fn reads_are_always_allowed() {
        assert!(allowed(&Method::GET, "/", &HeaderMap::new(), None));
        assert!(allowed(&Method::HEAD, "/", &headers(&[("sec-fetch-site", "cross-site")]), None));
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert!(allowed(&Method::POST, "/api/login", &headers(&[("sec-fetch-site", "same-origin")]), None));
        for site in ["same-site", "cross-site", "none"] {
            let h = headers(&[("sec-fetch-site", site), ("origin", "https://berth:9443"), ("host", "berth:9443")]);
            assert!(!allowed(&Method::POST, "/api/login", &h, None), "{site}");
        }
    }

    #[test]
    fn without_fetch_metadata_the_origin_must_be_this_host() {
        let own = headers(&[("origin", "https://127.0.0.1:9443"), ("host", "127.0.0.1:9443")]);
        assert!(allowed(&Method::POST, "/api/login", &own, None));
        let other_port = headers(&[("origin", "https://127.0.0.1:8000"), ("host", "127.0.0.1:9443")]);
        assert!(!allowed(&Method::POST, "/api/login", &other_port, None));
        assert!(!allowed(&Method::POST, "/api/login", &headers(&[("host", "127.0.0.1:9443")]), None), "no origin at all");
        assert!(!allowed(&Method::DELETE, "/api/x", &headers(&[("origin", "null"), ("host", "h")]), None));
    }

    #[test]
    fn over_http2_the_host_comes_from_the_uri() {
        let h = headers(&[("origin", "https://127.0.0.1:9443")]);
        assert!(allowed(&Method::POST, "/api/login", &h, Some("127.0.0.1:9443")));
        assert!(!allowed(&Method::POST, "/api/login", &h, Some("127.0.0.1:9444")));
    }

    #[test]
    fn webhooks_are_exempt() {
        assert!(allowed(&Method::POST, "/hooks/stacks/abc", &HeaderMap::new(), None));
    }
}
