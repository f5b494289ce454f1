//! Throttling: a per-address token bucket (login, TOTP and bad webhook signatures)
//! and the per-account escalating lockout. Pure functions of an injected time.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// Attempts an address may make at once.
pub const BURST: u32 = 10;
/// Seconds for one attempt to come back.
pub const REFILL_SECONDS: i64 = 60;
/// Failed logins in a row before an account locks.
pub const FAILURES_BEFORE_LOCK: i64 = 5;
/// Lock durations in minutes, by lock level; the last repeats.
const LOCK_MINUTES: [i64; 5] = [1, 2, 4, 8, 15];
/// Buckets kept before the full ones are forgotten (a full bucket carries no state).
const MAX_TRACKED: usize = 100_000;

/// One address's bucket: tokens as of `at`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bucket {
    tokens: f64,
    at: i64,
}

impl Bucket {
    fn full(now: i64) -> Self {
        Self { tokens: f64::from(BURST), at: now }
    }

    fn refilled(self, now: i64) -> Self {
        let elapsed = (now - self.at).max(0);
        #[expect(clippy::cast_precision_loss, reason = "seconds since the last attempt are small")]
        let gained = elapsed as f64 / REFILL_SECONDS as f64;
        Self { tokens: (self.tokens + gained).min(f64::from(BURST)), at: now }
    }
}

/// Per-address token buckets.
#[derive(Debug, Default)]
pub struct IpThrottle {
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

/// The answer to "may this address try?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Yes; one token was taken.
    Allowed,
    /// No; try again after this many seconds.
    RetryAfter(u64),
}

impl IpThrottle {
    /// Takes a token for `ip` if there is one.
    pub fn take(&self, ip: IpAddr, now: i64) -> Admission {
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_TRACKED {
            buckets.retain(|_, b| b.refilled(now).tokens < f64::from(BURST));
        }
        let bucket = buckets.entry(ip).or_insert_with(|| Bucket::full(now)).refilled(now);
        if bucket.tokens >= 1.0 {
            buckets.insert(ip, Bucket { tokens: bucket.tokens - 1.0, at: now });
            Admission::Allowed
        } else {
            buckets.insert(ip, bucket);
            #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "a fraction of a minute")]
            let wait = ((1.0 - bucket.tokens) * REFILL_SECONDS as f64).ceil() as u64;
            Admission::RetryAfter(wait.max(1))
        }
    }

    /// Gives a token back (an attempt that succeeded should not count against the address).
    pub fn refund(&self, ip: IpAddr, now: i64) {
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(bucket) = buckets.get_mut(&ip) {
            let refilled = bucket.refilled(now);
            *bucket = Bucket { tokens: (refilled.tokens + 1.0).min(f64::from(BURST)), at: now };
        }
    }
}

/// An account's lockout state, as stored with the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lockout {
    pub failed: i64,
    pub level: i64,
    pub locked_until: Option<i64>,
}

impl Lockout {
    /// Whether the account is locked at `now`.
    pub fn is_locked(&self, now: i64) -> bool {
        self.locked_until.is_some_and(|until| now < until)
    }

    /// The state after a failed attempt at `now`. Attempts during a lock do not extend
    /// it, so an attacker can't push the end of a lock further away.
    pub fn after_failure(self, now: i64) -> Self {
        if self.is_locked(now) {
            return self;
        }
        let failed = self.failed + 1;
        // The first lock comes after five failures; after that each failure locks again,
        // for longer, until a success resets everything.
        if self.level == 0 && failed < FAILURES_BEFORE_LOCK {
            return Self { failed, ..self };
        }
        let index = usize::try_from(self.level).unwrap_or(usize::MAX).min(LOCK_MINUTES.len() - 1);
        Self { failed, level: self.level + 1, locked_until: Some(now + LOCK_MINUTES[index] * 60) }
    }

    /// The state after a successful login.
    pub fn after_success(self) -> Self {
        Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_800_000_000;

    #[test]
    fn an_address_gets_ten_attempts_then_one_a_minute() {
        let throttle = IpThrottle::default();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..BURST {
            assert_eq!(throttle.take(ip, T0), Admission::Allowed);
        }
        assert_eq!(throttle.take(ip, T0), Admission::RetryAfter(60));
        assert_eq!(throttle.take(ip, T0 + 45), Admission::RetryAfter(15));
        assert_eq!(throttle.take(ip, T0 + 60), Admission::Allowed);
        assert_eq!(throttle.take(ip, T0 + 61), Admission::RetryAfter(59));
        // Other addresses are not affected.
        assert_eq!(throttle.take("192.0.2.2".parse().unwrap(), T0), Admission::Allowed);
    }

    #[test]
    fn a_bucket_refills_to_the_burst_and_no_further() {
        let throttle = IpThrottle::default();
        let ip: IpAddr = "2001:db8::1".parse().unwrap();
        for _ in 0..BURST {
            throttle.take(ip, T0);
        }
        let later = T0 + 3600;
        for _ in 0..BURST {
            assert_eq!(throttle.take(ip, later), Admission::Allowed);
        }
        assert!(matches!(throttle.take(ip, later), Admission::RetryAfter(_)));
    }

    #[test]
    fn a_refund_returns_a_token() {
        let throttle = IpThrottle::default();
        let ip: IpAddr = "192.0.2.9".parse().unwrap();
        for _ in 0..BURST {
            throttle.take(ip, T0);
        }
        throttle.refund(ip, T0);
        assert_eq!(throttle.take(ip, T0), Admission::Allowed);
    }

    #[test]
    fn the_lockout_escalates_1_2_4_8_then_15_minutes() {
        let mut state = Lockout::default();
        let mut now = T0;
        for _ in 0..4 {
            state = state.after_failure(now);
            assert!(!state.is_locked(now));
        }
        let mut expected = Vec::new();
        for _ in 0..7 {
            state = state.after_failure(now);
            let until = state.locked_until.unwrap();
            expected.push((until - now) / 60);
            assert!(state.is_locked(now));
            assert!(state.is_locked(until - 1));
            assert!(!state.is_locked(until));
            now = until;
        }
        assert_eq!(expected, [1, 2, 4, 8, 15, 15, 15]);
    }

    #[test]
    fn failures_during_a_lock_do_not_extend_it() {
        let mut state = Lockout::default();
        for _ in 0..5 {
            state = state.after_failure(T0);
        }
        let until = state.locked_until.unwrap();
        for second in 0..50 {
            state = state.after_failure(T0 + second);
        }
        assert_eq!(state.locked_until, Some(until));
    }

    #[test]
    fn success_resets_the_schedule() {
        let mut state = Lockout::default();
        for _ in 0..6 {
            state = state.after_failure(T0);
        }
        assert_eq!(state.after_success(), Lockout::default());
    }
}
