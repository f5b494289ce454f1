//! [`Access`] over SQLite, argon2, TOTP, the key file and tower-sessions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use sqlx::SqlitePool;

use app::model::auth::{
    AuditEntry, CurrentUser, LoginStep, Password, Role, SessionInfo, TotpEnrolment, UserSummary, Username,
};
use app::services::{Access, AuditFilter, Caller, LoginResult, ServiceError};

use super::clock::Clock;
use super::keys::{Keys, random_id};
use super::password::{Hasher, Verdict};
use super::setup::SetupToken;
use super::throttle::{Admission, IpThrottle, Lockout};
use super::totp::{SECRET_BYTES, Totp};
use super::{device, recovery};
use crate::audit::{self, Event, Outcome};
use crate::db::auth_sessions::{self, AuthSessionRow};
use crate::db::{devices, recovery_codes, users};

const AUTH_KEY: &str = "berth.auth";
const PENDING_KEY: &str = "berth.pending";
const ENROL_KEY: &str = "berth.enrol";
const CODES_KEY: &str = "berth.codes";
/// How long a password stays accepted while the code is typed.
const PENDING_SECONDS: i64 = 5 * 60;
/// How long a sign-in counts as recent for sensitive actions.
pub const REAUTH_SECONDS: i64 = 5 * 60;
/// The one answer to a failed sign-in, whatever failed (unknown user, wrong password, locked).
const WRONG_LOGIN: &str = "Wrong user name or password.";
const WRONG_CODE: &str = "That code is not valid. Enter the current code from your authenticator, or a recovery code.";

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    pub idle_seconds: i64,
    pub absolute_seconds: i64,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self { idle_seconds: 30 * 60, absolute_seconds: 12 * 3600 }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct PendingLogin {
    user_id: i64,
    at: i64,
}

/// The access service.
#[derive(Debug, Clone)]
pub struct AccessService {
    pool: SqlitePool,
    hasher: Hasher,
    keys: Keys,
    clock: Arc<dyn Clock>,
    ip_throttle: Arc<IpThrottle>,
    /// Lockouts of names that have no account, so they answer exactly like real ones.
    phantom_lockouts: Arc<Mutex<HashMap<String, Lockout>>>,
    setup_token: SetupToken,
    limits: SessionLimits,
}

/// Maps any internal failure to a service error (logged once, where it is turned into an `AppError`).
fn internal(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> ServiceError {
    ServiceError::Internal(error.into())
}

fn invalid(text: &str) -> ServiceError {
    ServiceError::Invalid(text.to_owned())
}

fn parse_role(role: &str) -> Role {
    // The column's CHECK allows only these three; anything else reads as the weakest.
    Role::parse(role).unwrap_or(Role::Viewer)
}

/// What the session list shows instead of the real id (which never leaves the server).
fn public_session_id(id: &str) -> String {
    hex::encode(&Sha256::digest(id.as_bytes())[..12])
}

impl AccessService {
    /// Wires the service.
    pub fn new(
        pool: SqlitePool,
        hasher: Hasher,
        keys: Keys,
        clock: Arc<dyn Clock>,
        ip_throttle: Arc<IpThrottle>,
        setup_token: SetupToken,
        limits: SessionLimits,
    ) -> Self {
        Self { pool, hasher, keys, clock, ip_throttle, phantom_lockouts: Arc::default(), setup_token, limits }
    }

    /// The per-address throttle (shared with the webhooks).
    pub fn ip_throttle(&self) -> &Arc<IpThrottle> {
        &self.ip_throttle
    }

    async fn record(&self, caller: &Caller, actor: Option<&str>, action: &str, target: Option<&str>, outcome: Outcome, detail: Option<&str>) {
        let ip = caller.ip.to_string();
        let event = Event { actor, ip: Some(&ip), action, target, outcome, detail };
        audit::record_or_log(&self.pool, self.clock.now(), event).await;
    }

    fn admit(&self, caller: &Caller) -> Result<(), ServiceError> {
        match self.ip_throttle.take(caller.ip, self.clock.now()) {
            Admission::Allowed => Ok(()),
            Admission::RetryAfter(seconds) => Err(ServiceError::Throttled(seconds)),
        }
    }

    async fn session_get<T: serde::de::DeserializeOwned>(&self, caller: &Caller, key: &str) -> Result<Option<T>, ServiceError> {
        caller.session.get::<T>(key).await.map_err(internal)
    }

    async fn session_set<T: Serialize + Send + Sync>(&self, caller: &Caller, key: &str, value: T) -> Result<(), ServiceError> {
        caller.session.insert(key, value).await.map_err(internal)
    }

    async fn session_remove(&self, caller: &Caller, key: &str) -> Result<(), ServiceError> {
        caller.session.remove_value(key).await.map_err(internal).map(|_| ())
    }

    /// The signed-in session's row, if it is still valid.
    async fn current_row(&self, caller: &Caller) -> Result<Option<AuthSessionRow>, ServiceError> {
        let Some(id) = self.session_get::<String>(caller, AUTH_KEY).await? else { return Ok(None) };
        let now = self.clock.now();
        let row = auth_sessions::get(&self.pool, &id).await.map_err(internal)?;
        let Some(row) = row else {
            // Revoked elsewhere: forget it here too.
            caller.session.flush().await.map_err(internal)?;
            return Ok(None);
        };
        if now - row.last_seen_at > self.limits.idle_seconds || now - row.created_at > self.limits.absolute_seconds {
            auth_sessions::delete(&self.pool, &id).await.map_err(internal)?;
            caller.session.flush().await.map_err(internal)?;
            return Ok(None);
        }
        // Writing on every request would make reads contend; a minute is precise enough.
        if now - row.last_seen_at >= 60 {
            auth_sessions::touch(&self.pool, &id, now).await.map_err(internal)?;
        }
        Ok(Some(row))
    }

    /// Starts a signed-in session with a new cookie id (no fixation).
    async fn sign_in(&self, caller: &Caller, user_id: i64, enrol_only: bool) -> Result<(), ServiceError> {
        if let Some(old) = self.session_get::<String>(caller, AUTH_KEY).await? {
            auth_sessions::delete(&self.pool, &old).await.map_err(internal)?;
        }
        caller.session.cycle_id().await.map_err(internal)?;
        self.session_remove(caller, PENDING_KEY).await?;
        let now = self.clock.now();
        let row = AuthSessionRow {
            id: random_id(),
            user_id,
            enrol_only,
            created_at: now,
            last_seen_at: now,
            reauth_at: now,
            ip: caller.ip.to_string(),
            user_agent: caller.user_agent.clone(),
        };
        auth_sessions::insert(&self.pool, &row).await.map_err(internal)?;
        self.session_set(caller, AUTH_KEY, row.id).await
    }

    /// Whether the caller's device cookie is a remembered device of this user.
    async fn trusted_device(&self, caller: &Caller, user_id: i64) -> Result<Option<String>, ServiceError> {
        let Some((device_id, owner)) = caller.device.as_deref().and_then(|v| device::parse(&self.keys, v)) else { return Ok(None) };
        if owner != user_id {
            return Ok(None);
        }
        let known = devices::touch(&self.pool, &device_id, user_id, self.clock.now()).await.map_err(internal)?;
        Ok(known.then_some(device_id))
    }

    /// The device cookie for this browser after a full sign-in: the same device if it
    /// was remembered, a new one otherwise.
    async fn remember_device(&self, caller: &Caller, user_id: i64) -> Result<String, ServiceError> {
        let device_id = match self.trusted_device(caller, user_id).await? {
            Some(id) => id,
            None => {
                let id = random_id();
                devices::insert(&self.pool, &id, user_id, self.clock.now()).await.map_err(internal)?;
                id
            }
        };
        Ok(device::cookie_value(&self.keys, &device_id, user_id))
    }

    fn lockout_of(&self, user: Option<&users::UserRow>, name: &str) -> Lockout {
        match user {
            Some(u) => Lockout { failed: u.failed_logins, level: u.lock_level, locked_until: u.locked_until },
            None => self.phantom_lockouts.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(name).copied().unwrap_or_default(),
        }
    }

    async fn store_lockout(&self, user: Option<&users::UserRow>, name: &str, state: Lockout) -> Result<(), ServiceError> {
        match user {
            Some(u) => users::set_lockout(&self.pool, u.id, state.failed, state.level, state.locked_until).await.map_err(internal),
            None => {
                let mut map = self.phantom_lockouts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if map.len() > 100_000 {
                    map.clear();
                }
                map.insert(name.to_owned(), state);
                Ok(())
            }
        }
    }

    fn totp_for(&self, user: &users::UserRow) -> Result<Option<Totp>, ServiceError> {
        let Some(sealed) = &user.totp_secret else { return Ok(None) };
        let secret = self.keys.decrypt(sealed).map_err(|e| internal(e.to_string()))?;
        Totp::berth(secret, &user.username).map(Some).map_err(|e| internal(e.to_string()))
    }

    /// Checks a TOTP code and uses its step, so it can't be used again.
    async fn check_totp(&self, user: &users::UserRow, code: &str) -> Result<bool, ServiceError> {
        let Some(totp) = self.totp_for(user)? else { return Ok(false) };
        let now = u64::try_from(self.clock.now()).unwrap_or(0);
        let last = user.totp_last_step.and_then(|s| u64::try_from(s).ok());
        let Some(step) = totp.verify(code, now, last) else { return Ok(false) };
        let step = i64::try_from(step).map_err(internal)?;
        users::use_totp_step(&self.pool, user.id, step).await.map_err(internal)
    }

    async fn user(&self, id: i64) -> Result<users::UserRow, ServiceError> {
        users::by_id(&self.pool, id).await.map_err(internal)?.ok_or(ServiceError::NotFound)
    }

    /// Whether removing admin rights from `target` would leave no admin.
    async fn is_last_admin(&self, target: &users::UserRow) -> Result<bool, ServiceError> {
        Ok(target.role == "admin" && users::admin_count(&self.pool).await.map_err(internal)? <= 1)
    }

    async fn end_sessions_of(&self, user_id: i64) -> Result<(), ServiceError> {
        auth_sessions::delete_others(&self.pool, user_id, None).await.map_err(internal)
    }
}

#[async_trait]
impl Access for AccessService {
    async fn whoami(&self, caller: &Caller) -> Result<Option<CurrentUser>, ServiceError> {
        let Some(row) = self.current_row(caller).await? else { return Ok(None) };
        let Some(user) = users::by_id(&self.pool, row.user_id).await.map_err(internal)? else {
            auth_sessions::delete(&self.pool, &row.id).await.map_err(internal)?;
            return Ok(None);
        };
        Ok(Some(CurrentUser {
            id: user.id,
            role: parse_role(&user.role),
            totp_enabled: user.totp_secret.is_some(),
            enrol_only: row.enrol_only,
            username: user.username,
        }))
    }

    async fn recently_authenticated(&self, caller: &Caller) -> Result<bool, ServiceError> {
        Ok(self.current_row(caller).await?.is_some_and(|row| self.clock.now() - row.reauth_at <= REAUTH_SECONDS))
    }

    async fn setup_open(&self) -> Result<bool, ServiceError> {
        Ok(users::admin_count(&self.pool).await.map_err(internal)? == 0)
    }

    async fn setup(&self, caller: &Caller, token: &str, username: Username, password: Password) -> Result<(), ServiceError> {
        if !self.setup_open().await? {
            return Err(ServiceError::NotFound);
        }
        self.admit(caller)?;
        if !self.setup_token.matches(token) {
            self.record(caller, None, "setup", Some(username.as_str()), Outcome::Denied, Some("wrong setup token")).await;
            return Err(invalid("That setup token is not right. `berth serve` printed it when it started; it is also in the file setup-token in Berth's data directory."));
        }
        let hash = self.hasher.hash(&password).await.map_err(|e| internal(e.to_string()))?;
        let now = self.clock.now();
        let Some(id) = users::insert_first_admin(&self.pool, username.as_str(), &hash, now).await.map_err(internal)? else {
            return Err(ServiceError::NotFound);
        };
        self.setup_token.close();
        self.ip_throttle.refund(caller.ip, now);
        self.sign_in(caller, id, true).await?;
        self.record(caller, Some(username.as_str()), "setup", Some(username.as_str()), Outcome::Ok, Some("first admin created")).await;
        Ok(())
    }

    async fn login(&self, caller: &Caller, username: &str, password: Password) -> Result<LoginResult, ServiceError> {
        if let Err(error) = self.admit(caller) {
            self.record(caller, None, "login", Some(username), Outcome::Denied, Some("throttled")).await;
            return Err(error);
        }
        let now = self.clock.now();
        // An impossible name still costs a hash, so it answers like any other.
        let name = Username::parse(username).map(|n| n.as_str().to_owned()).unwrap_or_default();
        let user = if name.is_empty() { None } else { users::by_name(&self.pool, &name).await.map_err(internal)? };
        let lockout = self.lockout_of(user.as_ref(), &name);
        let device_ok = match &user {
            Some(u) => self.trusted_device(caller, u.id).await?.is_some(),
            None => false,
        };
        let verdict = self.hasher.verify(&password, user.as_ref().map(|u| u.password_hash.as_str())).await.map_err(|e| internal(e.to_string()))?;
        let locked = lockout.is_locked(now) && !device_ok;

        let (Verdict::Match { rehash }, false, Some(user)) = (verdict, locked, user.as_ref()) else {
            let detail = if locked { "account locked" } else { "wrong user name or password" };
            if !locked {
                self.store_lockout(user.as_ref(), &name, lockout.after_failure(now)).await?;
            }
            self.record(caller, None, "login", Some(&name), Outcome::Failed, Some(detail)).await;
            return Err(invalid(WRONG_LOGIN));
        };

        self.ip_throttle.refund(caller.ip, now);
        if lockout != Lockout::default() {
            self.store_lockout(Some(user), &name, lockout.after_success()).await?;
        }
        if let Some(new_hash) = rehash {
            users::upgrade_hash(&self.pool, user.id, &user.password_hash, &new_hash).await.map_err(internal)?;
        }
        if user.totp_secret.is_some() {
            self.session_set(caller, PENDING_KEY, PendingLogin { user_id: user.id, at: now }).await?;
            self.record(caller, Some(&user.username), "login.password", None, Outcome::Ok, None).await;
            return Ok(LoginResult { step: LoginStep::NeedTotp, device_cookie: None });
        }
        let must_enrol = parse_role(&user.role) == Role::Admin;
        self.sign_in(caller, user.id, must_enrol).await?;
        self.record(caller, Some(&user.username), "login", None, Outcome::Ok, Some("password only")).await;
        let step = if must_enrol { LoginStep::MustEnrol } else { LoginStep::Done };
        Ok(LoginResult { step, device_cookie: None })
    }

    async fn login_code(&self, caller: &Caller, code: &str) -> Result<LoginResult, ServiceError> {
        self.admit(caller)?;
        let now = self.clock.now();
        let pending = self.session_get::<PendingLogin>(caller, PENDING_KEY).await?;
        let Some(pending) = pending.filter(|p| now - p.at <= PENDING_SECONDS) else {
            return Err(invalid("Your sign-in timed out. Enter your user name and password again."));
        };
        let user = self.user(pending.user_id).await?;
        let lockout = self.lockout_of(Some(&user), &user.username);
        let device_ok = self.trusted_device(caller, user.id).await?.is_some();
        let locked = lockout.is_locked(now) && !device_ok;

        let method = if locked {
            None
        } else if self.check_totp(&user, code).await? {
            Some("totp")
        } else if let Some(hash) = recovery::hash(code) {
            recovery_codes::consume(&self.pool, user.id, &hash, now).await.map_err(internal)?.then_some("recovery code")
        } else {
            None
        };
        let Some(method) = method else {
            if !locked {
                self.store_lockout(Some(&user), &user.username, lockout.after_failure(now)).await?;
            }
            let detail = if locked { "account locked" } else { "wrong code" };
            self.record(caller, Some(&user.username), "login.code", None, Outcome::Failed, Some(detail)).await;
            return Err(invalid(WRONG_CODE));
        };
        self.ip_throttle.refund(caller.ip, now);
        if lockout != Lockout::default() {
            self.store_lockout(Some(&user), &user.username, lockout.after_success()).await?;
        }
        self.sign_in(caller, user.id, false).await?;
        let cookie = self.remember_device(caller, user.id).await?;
        self.record(caller, Some(&user.username), "login", None, Outcome::Ok, Some(method)).await;
        Ok(LoginResult { step: LoginStep::Done, device_cookie: Some(cookie) })
    }

    async fn login_pending(&self, caller: &Caller) -> Result<bool, ServiceError> {
        let pending = self.session_get::<PendingLogin>(caller, PENDING_KEY).await?;
        Ok(pending.is_some_and(|p| self.clock.now() - p.at <= PENDING_SECONDS))
    }

    async fn logout(&self, caller: &Caller) -> Result<(), ServiceError> {
        let user = self.whoami(caller).await?;
        if let Some(id) = self.session_get::<String>(caller, AUTH_KEY).await? {
            auth_sessions::delete(&self.pool, &id).await.map_err(internal)?;
        }
        caller.session.flush().await.map_err(internal)?;
        if let Some(user) = user {
            self.record(caller, Some(&user.username), "logout", None, Outcome::Ok, None).await;
        }
        Ok(())
    }

    async fn reauthenticate(&self, caller: &Caller, user: &CurrentUser, secret: &str) -> Result<(), ServiceError> {
        self.admit(caller)?;
        let row = self.user(user.id).await?;
        let by_code = secret.len() == 6 && self.check_totp(&row, secret).await?;
        let ok = by_code || {
            let password = Password::parse(secret.to_owned()).map_err(ServiceError::Invalid)?;
            matches!(self.hasher.verify(&password, Some(&row.password_hash)).await.map_err(|e| internal(e.to_string()))?, Verdict::Match { .. })
        };
        if !ok {
            self.record(caller, Some(&user.username), "reauth", None, Outcome::Failed, None).await;
            return Err(invalid("That password or code is not right."));
        }
        self.ip_throttle.refund(caller.ip, self.clock.now());
        let Some(current) = self.current_row(caller).await? else { return Err(ServiceError::Forbidden) };
        auth_sessions::reauthenticated(&self.pool, &current.id, self.clock.now()).await.map_err(internal)?;
        self.record(caller, Some(&user.username), "reauth", None, Outcome::Ok, Some(if by_code { "totp" } else { "password" })).await;
        Ok(())
    }

    async fn start_enrolment(&self, caller: &Caller, user: &CurrentUser) -> Result<(), ServiceError> {
        let secret = super::keys::random_bytes(SECRET_BYTES);
        let sealed = self.keys.encrypt(&secret).map_err(|e| internal(e.to_string()))?;
        self.session_set(caller, ENROL_KEY, hex::encode(sealed)).await?;
        self.record(caller, Some(&user.username), "totp.enrol.start", None, Outcome::Ok, None).await;
        Ok(())
    }

    async fn pending_enrolment(&self, caller: &Caller, user: &CurrentUser) -> Result<Option<TotpEnrolment>, ServiceError> {
        let Some(sealed) = self.session_get::<String>(caller, ENROL_KEY).await? else { return Ok(None) };
        let secret = hex::decode(sealed).map_err(internal).and_then(|s| self.keys.decrypt(&s).map_err(|e| internal(e.to_string())))?;
        let totp = Totp::berth(secret, &user.username).map_err(|e| internal(e.to_string()))?;
        let uri = totp.uri().map_err(|e| internal(e.to_string()))?;
        let qr = qrcode::QrCode::with_error_correction_level(uri.as_bytes(), qrcode::EcLevel::M).map_err(internal)?;
        let modules = qr.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect();
        Ok(Some(TotpEnrolment { secret: totp.secret_base32(), uri, qr_size: qr.width(), qr_modules: modules }))
    }

    async fn finish_enrolment(&self, caller: &Caller, user: &CurrentUser, code: &str) -> Result<LoginResult, ServiceError> {
        self.admit(caller)?;
        let Some(sealed_hex) = self.session_get::<String>(caller, ENROL_KEY).await? else {
            return Err(invalid("Start the set-up again: no enrolment is in progress."));
        };
        let sealed = hex::decode(&sealed_hex).map_err(internal)?;
        let secret = self.keys.decrypt(&sealed).map_err(|e| internal(e.to_string()))?;
        let totp = Totp::berth(secret, &user.username).map_err(|e| internal(e.to_string()))?;
        let now = self.clock.now();
        let Some(step) = totp.verify(code, u64::try_from(now).unwrap_or(0), None) else {
            self.record(caller, Some(&user.username), "totp.enrol", None, Outcome::Failed, Some("wrong code")).await;
            return Err(invalid("That code does not match. Check the time on your phone and enter the current code."));
        };
        let step = i64::try_from(step).map_err(internal)?;
        self.ip_throttle.refund(caller.ip, now);
        users::set_totp(&self.pool, user.id, Some(&sealed), Some(step)).await.map_err(internal)?;
        let codes = recovery::generate();
        let hashes: Vec<String> = codes.iter().filter_map(|c| recovery::hash(c)).collect();
        recovery_codes::replace(&self.pool, user.id, &hashes).await.map_err(internal)?;
        // A new secret makes the old remembered devices worthless.
        devices::forget_user(&self.pool, user.id).await.map_err(internal)?;
        self.session_remove(caller, ENROL_KEY).await?;
        // Enrolment is a privilege change: a fresh session id, a full session.
        self.sign_in(caller, user.id, false).await?;
        self.session_set(caller, CODES_KEY, codes).await?;
        let cookie = self.remember_device(caller, user.id).await?;
        self.record(caller, Some(&user.username), "totp.enrol", None, Outcome::Ok, None).await;
        Ok(LoginResult { step: LoginStep::Done, device_cookie: Some(cookie) })
    }

    async fn regenerate_recovery_codes(&self, caller: &Caller, user: &CurrentUser) -> Result<(), ServiceError> {
        if !user.totp_enabled {
            return Err(invalid("Set up two-factor authentication first."));
        }
        let codes = recovery::generate();
        let hashes: Vec<String> = codes.iter().filter_map(|c| recovery::hash(c)).collect();
        recovery_codes::replace(&self.pool, user.id, &hashes).await.map_err(internal)?;
        self.session_set(caller, CODES_KEY, codes).await?;
        self.record(caller, Some(&user.username), "recovery-codes.new", None, Outcome::Ok, None).await;
        Ok(())
    }

    async fn fresh_recovery_codes(&self, caller: &Caller) -> Result<Option<Vec<String>>, ServiceError> {
        self.session_get(caller, CODES_KEY).await
    }

    async fn dismiss_recovery_codes(&self, caller: &Caller) -> Result<(), ServiceError> {
        self.session_remove(caller, CODES_KEY).await
    }

    async fn change_password(&self, caller: &Caller, user: &CurrentUser, current: Password, new: Password) -> Result<(), ServiceError> {
        self.admit(caller)?;
        let row = self.user(user.id).await?;
        let verdict = self.hasher.verify(&current, Some(&row.password_hash)).await.map_err(|e| internal(e.to_string()))?;
        if verdict == Verdict::Mismatch {
            self.record(caller, Some(&user.username), "password.change", None, Outcome::Failed, Some("wrong current password")).await;
            return Err(invalid("The current password is not right."));
        }
        let hash = self.hasher.hash(&new).await.map_err(|e| internal(e.to_string()))?;
        users::set_password(&self.pool, user.id, &hash, self.clock.now()).await.map_err(internal)?;
        let keep = self.session_get::<String>(caller, AUTH_KEY).await?;
        auth_sessions::delete_others(&self.pool, user.id, keep.as_deref()).await.map_err(internal)?;
        devices::forget_user(&self.pool, user.id).await.map_err(internal)?;
        caller.session.cycle_id().await.map_err(internal)?;
        self.record(caller, Some(&user.username), "password.change", None, Outcome::Ok, Some("other sessions ended")).await;
        Ok(())
    }

    async fn sessions(&self, caller: &Caller, user: &CurrentUser) -> Result<Vec<SessionInfo>, ServiceError> {
        let current = self.session_get::<String>(caller, AUTH_KEY).await?;
        let rows = auth_sessions::for_user(&self.pool, user.id).await.map_err(internal)?;
        Ok(rows
            .into_iter()
            .map(|row| SessionInfo {
                current: current.as_deref() == Some(row.id.as_str()),
                id: public_session_id(&row.id),
                created_at: row.created_at,
                last_seen_at: row.last_seen_at,
                ip: row.ip,
                user_agent: row.user_agent,
            })
            .collect())
    }

    async fn revoke_session(&self, caller: &Caller, user: &CurrentUser, id: &str) -> Result<(), ServiceError> {
        let rows = auth_sessions::for_user(&self.pool, user.id).await.map_err(internal)?;
        let Some(row) = rows.into_iter().find(|r| public_session_id(&r.id) == id) else { return Err(ServiceError::NotFound) };
        auth_sessions::delete_for_user(&self.pool, &row.id, user.id).await.map_err(internal)?;
        if self.session_get::<String>(caller, AUTH_KEY).await?.as_deref() == Some(row.id.as_str()) {
            caller.session.flush().await.map_err(internal)?;
        }
        self.record(caller, Some(&user.username), "session.revoke", Some(&row.ip), Outcome::Ok, None).await;
        Ok(())
    }

    async fn users(&self) -> Result<Vec<UserSummary>, ServiceError> {
        let now = self.clock.now();
        let rows = users::all(&self.pool).await.map_err(internal)?;
        Ok(rows
            .into_iter()
            .map(|u| UserSummary {
                id: u.id,
                role: parse_role(&u.role),
                totp_enabled: u.totp_secret.is_some(),
                locked_until: u.locked_until.filter(|until| *until > now),
                created_at: u.created_at,
                username: u.username,
            })
            .collect())
    }

    async fn add_user(&self, caller: &Caller, actor: &CurrentUser, username: Username, role: Role, password: Password) -> Result<(), ServiceError> {
        let hash = self.hasher.hash(&password).await.map_err(|e| internal(e.to_string()))?;
        let added = users::insert(&self.pool, username.as_str(), role.as_str(), &hash, self.clock.now()).await.map_err(internal)?;
        if added.is_none() {
            return Err(invalid("That user name is taken."));
        }
        self.record(caller, Some(&actor.username), "user.add", Some(username.as_str()), Outcome::Ok, Some(role.as_str())).await;
        Ok(())
    }

    async fn remove_user(&self, caller: &Caller, actor: &CurrentUser, id: i64) -> Result<(), ServiceError> {
        let target = self.user(id).await?;
        if target.id == actor.id {
            return Err(invalid("You can't remove your own account. Another admin can."));
        }
        if self.is_last_admin(&target).await? {
            return Err(invalid("That is the last admin: make another user admin first."));
        }
        users::delete(&self.pool, id).await.map_err(internal)?;
        self.record(caller, Some(&actor.username), "user.remove", Some(&target.username), Outcome::Ok, None).await;
        Ok(())
    }

    async fn set_role(&self, caller: &Caller, actor: &CurrentUser, id: i64, role: Role) -> Result<(), ServiceError> {
        let target = self.user(id).await?;
        if role != Role::Admin && self.is_last_admin(&target).await? {
            return Err(invalid("That is the last admin: make another user admin first."));
        }
        users::set_role(&self.pool, id, role.as_str()).await.map_err(internal)?;
        // A privilege change: the user signs in again with the new role.
        if target.id != actor.id {
            self.end_sessions_of(id).await?;
        } else {
            caller.session.cycle_id().await.map_err(internal)?;
        }
        self.record(caller, Some(&actor.username), "user.role", Some(&target.username), Outcome::Ok, Some(role.as_str())).await;
        Ok(())
    }

    async fn reset_totp(&self, caller: &Caller, actor: &CurrentUser, id: i64) -> Result<(), ServiceError> {
        let target = self.user(id).await?;
        users::set_totp(&self.pool, id, None, None).await.map_err(internal)?;
        recovery_codes::clear(&self.pool, id).await.map_err(internal)?;
        devices::forget_user(&self.pool, id).await.map_err(internal)?;
        if target.id != actor.id {
            self.end_sessions_of(id).await?;
        }
        self.record(caller, Some(&actor.username), "user.reset-totp", Some(&target.username), Outcome::Ok, None).await;
        Ok(())
    }

    async fn unlock(&self, caller: &Caller, actor: &CurrentUser, id: i64) -> Result<(), ServiceError> {
        let target = self.user(id).await?;
        users::set_lockout(&self.pool, id, 0, 0, None).await.map_err(internal)?;
        self.record(caller, Some(&actor.username), "user.unlock", Some(&target.username), Outcome::Ok, None).await;
        Ok(())
    }

    async fn audit(&self, filter: AuditFilter) -> Result<Vec<AuditEntry>, ServiceError> {
        audit::list(&self.pool, filter.actor.as_deref(), filter.action.as_deref(), filter.outcome.as_deref(), filter.before_id, 200)
            .await
            .map_err(internal)
    }
}
