//! The webhook of each stack: turning it on and off, its secret, and handling a call
//! from the first byte to the deployment's end.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::http::{HeaderMap, StatusCode};
use compose::StackName;
use serde_json::json;
use sqlx::SqlitePool;

use app::model::auth::CurrentUser;
use app::model::stacks::Outcome;
use app::model::webhooks::{Hook, ImagePin, WebhookView, snippets};
use app::services::{Caller, ServiceError, Webhooks};

use super::limiter::Limiter;
use super::payload::{self, Call, Refusal};
use super::signature;
use crate::audit::{self, Event};
use crate::auth::keys::{Keys, random_bytes, random_id};
use crate::auth::throttle::{Admission, IpThrottle};
use crate::clock::unix_now;
use crate::db::{hooks as db, stacks as history};
use crate::stacks::StackService;
use crate::stacks::service::HookStart;

/// How long delivery ids are remembered.
const REPLAY_WINDOW: i64 = 24 * 3600;
/// Where a new secret waits in the session to be shown once: (stack, secret).
const FRESH_SECRET_KEY: &str = "webhook.fresh-secret";

/// Webhooks over the database, the key file and the stack engine.
pub struct HookService {
    pub pool: SqlitePool,
    pub keys: Keys,
    pub stacks: Arc<StackService>,
    /// The access layer's per-address throttle: bad signatures count against it.
    pub ip_throttle: Arc<IpThrottle>,
    pub limiter: Limiter,
    /// The longest `?wait=true` waits for a deployment to end.
    pub wait_limit: Duration,
    /// The `sha256//…` pin of Berth's self-signed certificate, for the snippets.
    pub tls_pin: Option<String>,
}

impl std::fmt::Debug for HookService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HookService").field("wait_limit", &self.wait_limit).finish_non_exhaustive()
    }
}

/// What a call gets back.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: StatusCode,
    pub body: serde_json::Value,
    pub retry_after: Option<u64>,
}

impl Answer {
    fn new(status: StatusCode, body: serde_json::Value) -> Self {
        Self { status, body, retry_after: None }
    }

    fn error(status: StatusCode, message: &str) -> Self {
        Self::new(status, json!({ "error": message }))
    }
}

/// The same answer for every signature problem, so a caller learns nothing from it.
const BAD_SIGNATURE: &str = "The signature is missing or wrong. Sign the raw body with HMAC-SHA256 and the webhook's secret, and send it as X-Hub-Signature-256: sha256=<64 lowercase hex digits>.";

fn internal(error: impl Into<anyhow::Error>) -> ServiceError {
    let error: anyhow::Error = error.into();
    ServiceError::Internal(error.into())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

impl HookService {
    /// Handles `POST /hooks/stacks/<hook_id>`: every step refuses before the next one
    /// runs, and every call that names a real hook is in its stack's history.
    pub async fn handle(&self, hook_id: &str, ip: IpAddr, headers: &HeaderMap, body: &[u8], wait: bool) -> Answer {
        let now = unix_now();
        // A token per call; a good signature gives it back, so only bad ones count.
        if let Admission::RetryAfter(seconds) = self.ip_throttle.take(ip, now) {
            self.audit(ip, None, audit::Outcome::Denied, "throttled: too many bad calls from this address").await;
            return Answer { retry_after: Some(seconds), ..Answer::error(StatusCode::TOO_MANY_REQUESTS, "Too many failed calls from this address: wait and try again.") };
        }
        let plausible = hook_id.len() == 32 && hook_id.bytes().all(|c| c.is_ascii_hexdigit());
        let hook = if plausible { db::by_id(&self.pool, hook_id).await } else { Ok(None) };
        let hook = match hook {
            Ok(Some(hook)) => hook,
            Ok(None) => {
                self.audit(ip, None, audit::Outcome::Denied, "no such webhook").await;
                return Answer::error(StatusCode::NOT_FOUND, "There is no such webhook.");
            }
            Err(error) => {
                tracing::error!(%error, "could not read a webhook");
                return Answer::error(StatusCode::INTERNAL_SERVER_ERROR, "Berth could not read the webhook; see its log.");
            }
        };
        let stack = hook.stack.clone();
        let secret = match self.keys.decrypt(&hook.secret) {
            Ok(secret) => secret,
            Err(error) => {
                tracing::error!(%error, stack, "a webhook's secret could not be opened (was secret.key replaced?)");
                return Answer::error(StatusCode::INTERNAL_SERVER_ERROR, "Berth could not open the webhook's secret; rotate it on the stack's page.");
            }
        };
        if !signature::verify(&secret, body, headers.get(signature::HEADER).map(|v| v.as_bytes())) {
            return self.refuse(&stack, ip, "webhook", StatusCode::UNAUTHORIZED, BAD_SIGNATURE, "refused: bad signature").await;
        }
        self.ip_throttle.refund(ip, now);
        if let Err(seconds) = self.limiter.admit(&hook.hook_id, now) {
            let mut answer = self.refuse(&stack, ip, "webhook", StatusCode::TOO_MANY_REQUESTS, "More than 6 calls this minute: wait and try again.", "refused: more than 6 calls a minute").await;
            answer.retry_after = Some(seconds);
            return answer;
        }
        let call = payload::parse(header(headers, "x-github-event"), header(headers, "x-github-delivery"), body, now);
        let (delivery, source, images) = match call {
            Err(refusal @ Refusal::Malformed(_)) => {
                let text = refusal.to_string();
                return self.refuse(&stack, ip, "webhook", StatusCode::BAD_REQUEST, &text, &format!("refused: {text}")).await;
            }
            Err(refusal @ Refusal::Stale(_)) => {
                let text = refusal.to_string();
                return self.refuse(&stack, ip, "webhook", StatusCode::FORBIDDEN, &text, "refused: stale ts").await;
            }
            Ok(Call::Ping) => {
                self.record(&stack, "webhook-ping", &format!("GitHub ping from {ip}"), Outcome::Ok, "ping answered; nothing deployed").await;
                self.audit(ip, Some(&stack), audit::Outcome::Ok, "ping").await;
                return Answer::new(StatusCode::OK, json!({ "ok": true, "message": "pong: the webhook and its secret work" }));
            }
            Ok(Call::Ignored(why)) => {
                self.record(&stack, "webhook", &format!("GitHub webhook from {ip}"), Outcome::Refused, &format!("ignored: {why}")).await;
                self.audit(ip, Some(&stack), audit::Outcome::Ok, &format!("ignored: {why}")).await;
                return Answer::new(StatusCode::OK, json!({ "ignored": why }));
            }
            Ok(Call::Deploy { delivery, source, images }) => (delivery, source, images),
        };
        match db::first_delivery(&self.pool, &hook.hook_id, &delivery, now, now - REPLAY_WINDOW).await {
            Ok(true) => {}
            Ok(false) => {
                let text = format!("The delivery {delivery} was used before: a replayed request. Send a new delivery id with each call.");
                return self.refuse(&stack, ip, "webhook", StatusCode::FORBIDDEN, &text, &format!("refused: replayed delivery {delivery}")).await;
            }
            Err(error) => {
                tracing::error!(%error, "could not record a webhook delivery");
                return Answer::error(StatusCode::INTERNAL_SERVER_ERROR, "Berth could not record the delivery; see its log.");
            }
        }
        let Ok(name) = StackName::parse(&stack) else { return Answer::error(StatusCode::NOT_FOUND, "There is no such webhook.") };
        let trigger = format!("{} from {ip}", source.label());
        let id = match self.stacks.start_hook(&name, &images, &trigger).await {
            Ok(HookStart::Started(id)) => id,
            Ok(HookStart::Busy(text)) => return self.refuse(&stack, ip, "webhook", StatusCode::CONFLICT, &text, &format!("refused: {text}")).await,
            Ok(HookStart::Refused(text)) => {
                return self.refuse(&stack, ip, "webhook", StatusCode::UNPROCESSABLE_ENTITY, &text, &format!("refused: {text}")).await;
            }
            Err(error) => {
                tracing::error!(error = %error, stack, "a webhook deploy could not start");
                return Answer::error(StatusCode::INTERNAL_SERVER_ERROR, "Berth could not start the deployment; see its log.");
            }
        };
        self.audit(ip, Some(&stack), audit::Outcome::Ok, &format!("deployment {id} started (delivery {delivery})")).await;
        let status_url = format!("/stacks/{stack}/deployments/{id}");
        if !wait {
            return Answer::new(StatusCode::ACCEPTED, json!({ "deployment": id, "status": "running", "status_url": status_url }));
        }
        self.wait_for(&stack, id, status_url).await
    }

    /// Waits for a deployment to end, up to the configured limit.
    async fn wait_for(&self, stack: &str, id: i64, status_url: String) -> Answer {
        let deadline = tokio::time::Instant::now() + self.wait_limit;
        loop {
            match history::deployment(&self.pool, stack, id).await {
                Ok(Some(row)) if row.summary.outcome != Outcome::Running => {
                    let ok = row.summary.outcome == Outcome::Ok;
                    let status = if ok { StatusCode::OK } else { StatusCode::BAD_GATEWAY };
                    return Answer::new(
                        status,
                        json!({ "deployment": id, "outcome": row.summary.outcome.key(), "summary": row.summary.summary, "status_url": status_url }),
                    );
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, deployment = id, "could not read a deployment while waiting"),
            }
            if tokio::time::Instant::now() >= deadline {
                return Answer::new(
                    StatusCode::GATEWAY_TIMEOUT,
                    json!({ "deployment": id, "outcome": "running", "error": "The deployment still runs; Berth stopped waiting.", "status_url": status_url }),
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Refuses a call: kept in the stack's history and the audit log.
    async fn refuse(&self, stack: &str, ip: IpAddr, action: &str, status: StatusCode, message: &str, summary: &str) -> Answer {
        self.record(stack, action, &format!("webhook from {ip}"), Outcome::Refused, summary).await;
        self.audit(ip, Some(stack), audit::Outcome::Denied, summary).await;
        Answer::error(status, message)
    }

    /// A call that did not deploy, as a line of the stack's history.
    async fn record(&self, stack: &str, action: &str, trigger: &str, outcome: Outcome, summary: &str) {
        let now = unix_now();
        let result = async {
            let id = history::start_deployment(&self.pool, stack, action, trigger, now).await?;
            history::finish_deployment(&self.pool, id, now, outcome, summary, summary).await
        }
        .await;
        if let Err(error) = result {
            tracing::error!(%error, stack, "could not record a webhook call");
        }
    }

    async fn audit(&self, ip: IpAddr, stack: Option<&str>, outcome: audit::Outcome, detail: &str) {
        let ip = ip.to_string();
        let event = Event { actor: Some("webhook"), ip: Some(&ip), target: stack, detail: Some(detail), ..Event::new("webhook.call", outcome) };
        audit::record_or_log(&self.pool, unix_now(), event).await;
    }

    async fn audit_user(&self, caller: &Caller, actor: &CurrentUser, action: &str, stack: &str, result: &Result<(), ServiceError>) {
        crate::podman::answer::audit_action(&self.pool, caller, actor, action, stack, result).await;
    }

    fn parse_stack(&self, stack: &str) -> Result<StackName, ServiceError> {
        let name = StackName::parse(stack).map_err(|_| ServiceError::NotFound)?;
        if self.stacks.store.exists(&name) { Ok(name) } else { Err(ServiceError::NotFound) }
    }
}

#[async_trait]
impl Webhooks for HookService {
    async fn view(&self, caller: &Caller, stack: &str, base: &str) -> Result<Option<WebhookView>, ServiceError> {
        let Ok(name) = self.parse_stack(stack) else { return Ok(None) };
        let pins = db::pins(&self.pool, name.as_str())
            .await
            .map_err(internal)?
            .into_iter()
            .map(|p| ImagePin { service: p.service, image: p.image, set_at: p.set_at, set_by: p.set_by })
            .collect();
        let Some(row) = db::of_stack(&self.pool, name.as_str()).await.map_err(internal)? else { return Ok(Some(WebhookView { hook: None, pins })) };
        // Shown once, to the session that made it: reading it forgets it.
        let fresh: Option<(String, String)> = caller.session.get(FRESH_SECRET_KEY).await.map_err(internal)?;
        let fresh_secret = match fresh {
            Some((for_stack, secret)) if for_stack == name.as_str() => {
                caller.session.remove_value(FRESH_SECRET_KEY).await.map_err(internal)?;
                Some(secret)
            }
            _ => None,
        };
        let url = format!("{base}/hooks/stacks/{}", row.hook_id);
        let (workflow_step, one_liner) = snippets(&url, self.tls_pin.as_deref());
        Ok(Some(WebhookView {
            hook: Some(Hook { url, created_at: row.created_at, rotated_at: row.rotated_at, fresh_secret, workflow_step, one_liner }),
            pins,
        }))
    }

    async fn enable(&self, caller: &Caller, actor: &CurrentUser, stack: &str) -> Result<(), ServiceError> {
        let result = async {
            let name = self.parse_stack(stack)?;
            history::ensure(&self.pool, name.as_str(), unix_now(), Some(&actor.username)).await.map_err(internal)?;
            let hook_id = match db::of_stack(&self.pool, name.as_str()).await.map_err(internal)? {
                Some(row) => row.hook_id,
                None => random_id(),
            };
            let secret = hex::encode(random_bytes(32));
            let sealed = self.keys.encrypt(secret.as_bytes()).map_err(internal)?;
            db::upsert(&self.pool, name.as_str(), &hook_id, &sealed, unix_now()).await.map_err(internal)?;
            caller.session.insert(FRESH_SECRET_KEY, (name.as_str().to_owned(), secret)).await.map_err(internal)
        }
        .await;
        self.audit_user(caller, actor, "webhook.secret", stack, &result).await;
        result
    }

    async fn disable(&self, caller: &Caller, actor: &CurrentUser, stack: &str) -> Result<(), ServiceError> {
        let result = async {
            let name = self.parse_stack(stack)?;
            if db::remove(&self.pool, name.as_str()).await.map_err(internal)? { Ok(()) } else { Err(ServiceError::Invalid("The webhook is off already.".to_owned())) }
        }
        .await;
        self.audit_user(caller, actor, "webhook.disable", stack, &result).await;
        result
    }

    async fn send_test(&self, caller: &Caller, actor: &CurrentUser, stack: &str) -> Result<String, ServiceError> {
        let name = self.parse_stack(stack)?;
        let row = db::of_stack(&self.pool, name.as_str()).await.map_err(internal)?.ok_or_else(|| ServiceError::Invalid("Turn the webhook on first.".to_owned()))?;
        let secret = self.keys.decrypt(&row.secret).map_err(internal)?;
        // A GitHub ping, signed with the stored secret, through the same checks as any call.
        let body = br#"{"zen":"Berth's own test"}"#;
        let mut headers = HeaderMap::new();
        headers.insert("x-github-event", axum::http::HeaderValue::from_static("ping"));
        if let Ok(value) = axum::http::HeaderValue::from_str(&signature::sign(&secret, body)) {
            headers.insert(signature::HEADER, value);
        }
        let answer = self.handle(&row.hook_id, caller.ip, &headers, body, false).await;
        let result = if answer.status == StatusCode::OK {
            Ok(format!("The webhook answered {}: {}", answer.status.as_u16(), answer.body["message"].as_str().unwrap_or("ok")))
        } else {
            Err(ServiceError::Invalid(format!("The webhook answered {}: {}", answer.status.as_u16(), answer.body["error"].as_str().unwrap_or("an error"))))
        };
        self.audit_user(caller, actor, "webhook.test", stack, &result.as_ref().map(|_| ()).map_err(|e| ServiceError::Invalid(e.to_string()))).await;
        result
    }
}
