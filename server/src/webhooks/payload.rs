//! What a webhook call asks for, parsed from its headers and raw body: a ping, or
//! "pull and redeploy", with a delivery id (replay protection) and optional image
//! tags. Everything here is hostile until it parses; nothing is deployed on failure.

use std::collections::BTreeMap;

use serde::Deserialize;

/// How far a body's `ts` may be from Berth's clock.
pub const MAX_SKEW_SECONDS: i64 = 300;

/// A parsed call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// GitHub's `ping`: answered, nothing deployed.
    Ping,
    /// A GitHub event Berth does not deploy on (and why), answered 200.
    Ignored(String),
    /// Pull and redeploy.
    Deploy { delivery: String, source: Source, images: BTreeMap<String, ImageChange> },
}

/// Who sent a deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A workflow step (the body carries `ts` and `delivery`).
    Workflow,
    /// A GitHub webhook delivery of this event.
    GitHub(String),
}

impl Source {
    pub fn label(&self) -> String {
        match self {
            Source::Workflow => "webhook".to_owned(),
            Source::GitHub(event) => format!("GitHub {event} webhook"),
        }
    }
}

/// A new tag or digest for the image a service's compose entry names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageChange {
    Tag(String),
    Digest(String),
}

impl ImageChange {
    /// Parses a tag (`v2`) or digest (`@sha256:<64 hex>`); anything that could name another repository is refused.
    pub fn parse(text: &str) -> Option<ImageChange> {
        let digest = text.strip_prefix('@').unwrap_or(text);
        if let Some(hex) = digest.strip_prefix("sha256:") {
            return (hex.len() == 64 && hex.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))).then(|| ImageChange::Digest(digest.to_owned()));
        }
        let bytes = text.as_bytes();
        let ok = !bytes.is_empty()
            && bytes.len() <= 128
            && (bytes[0].is_ascii_alphanumeric() || bytes[0] == b'_')
            && bytes.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'));
        ok.then(|| ImageChange::Tag(text.to_owned()))
    }

    /// `image` with its tag or digest replaced; the repository is kept as it is.
    pub fn apply(&self, image: &str) -> String {
        let repository = repository(image);
        match self {
            ImageChange::Tag(tag) => format!("{repository}:{tag}"),
            ImageChange::Digest(digest) => format!("{repository}@{digest}"),
        }
    }
}

/// An image reference without its tag and digest (`registry:5000/a/b:v1@sha256:..` → `registry:5000/a/b`).
pub fn repository(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[last_slash..].rfind(':') {
        Some(colon) => &image[..last_slash + colon],
        None => image,
    }
}

/// Why a call is refused, before any deploy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The body or headers don't say what Berth needs (400).
    #[error("{0}")]
    Malformed(String),
    /// `ts` too far from now (403).
    #[error("the body's ts is {0} s away from Berth's clock (at most 300 s are allowed): check the sender's clock, or this is an old request replayed")]
    Stale(i64),
}

#[derive(Deserialize)]
struct WorkflowBody {
    ts: Option<serde_json::Value>,
    delivery: Option<serde_json::Value>,
    #[serde(default)]
    images: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct GitHubBody {
    action: Option<String>,
    workflow_run: Option<WorkflowRun>,
}

#[derive(Deserialize)]
struct WorkflowRun {
    conclusion: Option<String>,
}

/// A delivery id: 1 to 128 characters of letters, digits and `._:-`.
fn delivery_id(text: &str) -> Result<String, Refusal> {
    let ok = !text.is_empty() && text.len() <= 128 && text.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b':' | b'-'));
    if ok { Ok(text.to_owned()) } else { Err(Refusal::Malformed("delivery must be 1 to 128 letters, digits or . _ : -".to_owned())) }
}

/// Parses a call whose signature was already verified. `github_event` and
/// `github_delivery` are GitHub's `X-GitHub-Event` and `X-GitHub-Delivery` headers.
pub fn parse(github_event: Option<&str>, github_delivery: Option<&str>, body: &[u8], now: i64) -> Result<Call, Refusal> {
    if let Some(event) = github_event {
        return parse_github(event, github_delivery, body);
    }
    let body: WorkflowBody = serde_json::from_slice(body).map_err(|_| Refusal::Malformed("the body must be a JSON object with ts (unix seconds) and delivery (a unique id)".to_owned()))?;
    let ts = match body.ts {
        Some(serde_json::Value::Number(n)) => n.as_i64().ok_or_else(|| Refusal::Malformed("ts must be whole unix seconds".to_owned()))?,
        Some(_) => return Err(Refusal::Malformed("ts must be whole unix seconds (a number)".to_owned())),
        None => return Err(Refusal::Malformed("the body has no ts (unix seconds)".to_owned())),
    };
    let delivery = match body.delivery {
        Some(serde_json::Value::String(s)) => delivery_id(&s)?,
        _ => return Err(Refusal::Malformed("the body has no delivery (a unique id per call, as a string)".to_owned())),
    };
    let skew = ts.saturating_sub(now).saturating_abs();
    if skew > MAX_SKEW_SECONDS {
        return Err(Refusal::Stale(skew));
    }
    let images = match body.images {
        None | Some(serde_json::Value::Null) => BTreeMap::new(),
        Some(serde_json::Value::Object(map)) => {
            if map.len() > 64 {
                return Err(Refusal::Malformed("images names more than 64 services".to_owned()));
            }
            let mut images = BTreeMap::new();
            for (service, value) in map {
                let shown = app::model::text::plain(&service);
                let serde_json::Value::String(text) = value else {
                    return Err(Refusal::Malformed(format!("images.{shown} must be a string: a tag such as v2, or a digest @sha256:…")));
                };
                let change = ImageChange::parse(&text).ok_or_else(|| {
                    Refusal::Malformed(format!(
                        "images.{shown} is {:?}: a webhook may change only the tag (such as v2) or the digest (@sha256:…) of the image the compose file names, never its repository",
                        app::model::text::plain(&text)
                    ))
                })?;
                images.insert(service, change);
            }
            images
        }
        Some(_) => return Err(Refusal::Malformed("images must be an object: {\"<service>\": \"<tag or @digest>\"}".to_owned())),
    };
    Ok(Call::Deploy { delivery, source: Source::Workflow, images })
}

fn parse_github(event: &str, delivery: Option<&str>, body: &[u8]) -> Result<Call, Refusal> {
    if event == "ping" {
        return Ok(Call::Ping);
    }
    if !matches!(event, "push" | "package" | "workflow_run") {
        return Ok(Call::Ignored(format!("Berth deploys on push, package and workflow_run events, not {}", app::model::text::plain(event))));
    }
    let delivery = delivery_id(delivery.ok_or_else(|| Refusal::Malformed("a GitHub event without X-GitHub-Delivery".to_owned()))?)
        .map_err(|_| Refusal::Malformed("X-GitHub-Delivery must be 1 to 128 letters, digits or . _ : -".to_owned()))?;
    let parsed: GitHubBody = serde_json::from_slice(body).map_err(|_| Refusal::Malformed("the body must be GitHub's JSON payload (content type application/json)".to_owned()))?;
    match event {
        "workflow_run" if parsed.action.as_deref() != Some("completed") => return Ok(Call::Ignored("the workflow run has not completed".to_owned())),
        "workflow_run" if parsed.workflow_run.and_then(|r| r.conclusion).as_deref() != Some("success") => {
            return Ok(Call::Ignored("the workflow run did not succeed".to_owned()));
        }
        "package" if parsed.action.as_deref().is_some_and(|a| a != "published" && a != "updated") => {
            return Ok(Call::Ignored("only published or updated packages deploy".to_owned()));
        }
        _ => {}
    }
    Ok(Call::Deploy { delivery, source: Source::GitHub(event.to_owned()), images: BTreeMap::new() })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn body(json: &str) -> Result<Call, Refusal> {
        parse(None, None, json.as_bytes(), NOW)
    }

    #[test]
    fn a_workflow_body_deploys_with_its_delivery_and_images() {
        let call = body(&format!(r#"{{"ts": {NOW}, "delivery": "run-42-1", "images": {{"web": "v2", "db": "@sha256:{}"}}}}"#, "a".repeat(64))).unwrap();
        let Call::Deploy { delivery, source, images } = call else { panic!() };
        assert_eq!((delivery.as_str(), source), ("run-42-1", Source::Workflow));
        assert_eq!(images["web"], ImageChange::Tag("v2".into()));
        assert_eq!(images["db"], ImageChange::Digest(format!("sha256:{}", "a".repeat(64))));
    }

    #[test]
    fn stale_or_future_timestamps_are_refused() {
        assert_eq!(body(&format!(r#"{{"ts": {}, "delivery": "a"}}"#, NOW - 301)), Err(Refusal::Stale(301)));
        assert_eq!(body(&format!(r#"{{"ts": {}, "delivery": "a"}}"#, NOW + 400)), Err(Refusal::Stale(400)));
        assert!(body(&format!(r#"{{"ts": {}, "delivery": "a"}}"#, NOW - 300)).is_ok());
        assert!(matches!(body(&format!(r#"{{"ts": {}, "delivery": "a"}}"#, i64::MIN)), Err(Refusal::Stale(_))));
    }

    #[test]
    fn malformed_bodies_say_what_is_missing() {
        for (json, says) in [
            ("not json", "JSON object"),
            ("[]", "JSON object"),
            (r#"{"delivery": "a"}"#, "no ts"),
            (r#"{"ts": "1800000000", "delivery": "a"}"#, "a number"),
            (r#"{"ts": 1.5, "delivery": "a"}"#, "whole unix seconds"),
            (&format!(r#"{{"ts": {NOW}}}"#), "no delivery"),
            (&format!(r#"{{"ts": {NOW}, "delivery": ""}}"#), "1 to 128"),
            (&format!(r#"{{"ts": {NOW}, "delivery": "a b"}}"#), "1 to 128"),
            (&format!(r#"{{"ts": {NOW}, "delivery": "a", "images": ["v2"]}}"#), "must be an object"),
            (&format!(r#"{{"ts": {NOW}, "delivery": "a", "images": {{"web": 2}}}}"#), "must be a string"),
        ] {
            let error = body(json).unwrap_err().to_string();
            assert!(error.contains(says), "{json}: {error}");
        }
    }

    #[test]
    fn an_image_value_that_would_change_the_repository_is_refused() {
        for evil in ["evil.example/web:v2", "other/web:v2", "web:v2", "127.0.0.1:5000/demo/web", "", "-v2", "v2 ", "../v2", "sha256:abc", &"a".repeat(129)] {
            let json = format!(r#"{{"ts": {NOW}, "delivery": "a", "images": {{"web": {}}}}}"#, serde_json::to_string(evil).unwrap());
            let error = body(&json).unwrap_err().to_string();
            assert!(error.contains("never its repository"), "{evil:?}: {error}");
        }
    }

    #[test]
    fn changes_keep_the_repository_including_a_registry_port() {
        assert_eq!(repository("127.0.0.1:5000/demo/web:v1"), "127.0.0.1:5000/demo/web");
        assert_eq!(repository("127.0.0.1:5000/demo/web"), "127.0.0.1:5000/demo/web");
        assert_eq!(repository("nginx@sha256:abc"), "nginx");
        assert_eq!(repository("docker.io/library/nginx:1.27@sha256:abc"), "docker.io/library/nginx");
        assert_eq!(ImageChange::Tag("v2".into()).apply("127.0.0.1:5000/demo/web:v1"), "127.0.0.1:5000/demo/web:v2");
        assert_eq!(ImageChange::Digest("sha256:ff".into()).apply("nginx:1"), "nginx@sha256:ff");
    }

    #[test]
    fn github_events_ping_deploy_or_are_ignored() {
        let github = |event: &str, json: &str| parse(Some(event), Some("72d3162e-cc78-11e3-81ab-4c9367dc0958"), json.as_bytes(), NOW);
        assert_eq!(github("ping", "{}"), Ok(Call::Ping));
        assert!(matches!(github("push", r#"{"ref": "refs/heads/main"}"#), Ok(Call::Deploy { source: Source::GitHub(e), .. }) if e == "push"));
        assert!(matches!(github("package", r#"{"action": "published"}"#), Ok(Call::Deploy { .. })));
        assert!(matches!(github("workflow_run", r#"{"action": "completed", "workflow_run": {"conclusion": "success"}}"#), Ok(Call::Deploy { .. })));
        assert!(matches!(github("workflow_run", r#"{"action": "completed", "workflow_run": {"conclusion": "failure"}}"#), Ok(Call::Ignored(_))));
        assert!(matches!(github("workflow_run", r#"{"action": "requested"}"#), Ok(Call::Ignored(_))));
        assert!(matches!(github("issues", "{}"), Ok(Call::Ignored(_))));
        assert!(matches!(parse(Some("push"), None, b"{}", NOW), Err(Refusal::Malformed(_))));
        assert!(matches!(github("push", "not json"), Err(Refusal::Malformed(_))));
    }
}
