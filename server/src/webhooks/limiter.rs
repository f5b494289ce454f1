//! At most six calls a minute per hook: a sliding window of the last calls' times.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Calls a hook may take per window.
pub const CALLS: usize = 6;
/// The window, in seconds.
pub const WINDOW: i64 = 60;

/// The recent calls of each hook.
#[derive(Debug, Default)]
pub struct Limiter {
    calls: Mutex<HashMap<String, VecDeque<i64>>>,
}

impl Limiter {
    /// Counts a call at `now`; `Err(seconds)` to wait when the hook had its six this minute.
    pub fn admit(&self, hook: &str, now: i64) -> Result<(), u64> {
        let mut calls = self.calls.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Forget hooks whose calls all left the window, so the map stays small.
        if calls.len() > 10_000 {
            calls.retain(|_, times| times.back().is_some_and(|last| now - last < WINDOW));
        }
        let times = calls.entry(hook.to_owned()).or_default();
        admit(times, now)
    }
}

/// The window's rule on one hook's call times (oldest first).
pub fn admit(times: &mut VecDeque<i64>, now: i64) -> Result<(), u64> {
    while times.front().is_some_and(|first| now - first >= WINDOW) {
        times.pop_front();
    }
    if times.len() >= CALLS {
        let wait = WINDOW - (now - times.front().copied().unwrap_or(now));
        return Err(u64::try_from(wait.max(1)).unwrap_or(1));
    }
    times.push_back(now);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_calls_a_minute_then_wait_for_the_oldest_to_leave_the_window() {
        let mut times = VecDeque::new();
        for t in 0..6 {
            assert_eq!(admit(&mut times, 100 + t * 5), Ok(()));
        }
        assert_eq!(admit(&mut times, 130), Err(30), "the first call (at 100) leaves the window at 160");
        assert_eq!(admit(&mut times, 159), Err(1));
        assert_eq!(admit(&mut times, 160), Ok(()));
        assert_eq!(admit(&mut times, 161), Err(4));
    }

    #[test]
    fn hooks_are_counted_apart() {
        let limiter = Limiter::default();
        for _ in 0..6 {
            assert!(limiter.admit("a", 0).is_ok());
        }
        assert!(limiter.admit("a", 1).is_err());
        assert!(limiter.admit("b", 1).is_ok());
    }
}
