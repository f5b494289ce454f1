//! Deployments while they run: one at a time per stack, and a log that pages follow
//! live (SSE) and that is kept in the history when the deployment ends.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedMutexGuard, broadcast};

use app::model::stacks::Outcome;

/// The most lines one deployment's log keeps (a long pull is summarised anyway).
const MAX_LINES: usize = 2_000;
/// How many finished deployments stay followable in memory.
const FINISHED_KEPT: usize = 20;

/// What a follower receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    Line(String),
    Finished(Outcome, String),
}

/// One deployment's live log.
#[derive(Debug)]
pub struct Log {
    pub id: i64,
    state: Mutex<LogState>,
    sender: broadcast::Sender<Progress>,
}

#[derive(Debug, Default)]
struct LogState {
    lines: Vec<String>,
    finished: Option<(Outcome, String)>,
}

impl Log {
    fn new(id: i64) -> Self {
        Self { id, state: Mutex::new(LogState::default()), sender: broadcast::channel(256).0 }
    }

    /// A log that no page follows (a deployment step run inside another action).
    pub fn detached() -> Self {
        Self::new(0)
    }

    /// Adds a line (made plain: no control characters) and tells the followers.
    pub fn line(&self, text: impl AsRef<str>) {
        let text = app::model::text::plain(text.as_ref());
        tracing::debug!(deployment = self.id, line = %text, "deployment progress");
        if let Ok(mut state) = self.state.lock() {
            if state.lines.len() >= MAX_LINES {
                return;
            }
            state.lines.push(text.clone());
        }
        let _ = self.sender.send(Progress::Line(text));
    }

    /// Marks the end, once.
    pub fn finish(&self, outcome: Outcome, summary: &str) {
        if let Ok(mut state) = self.state.lock() {
            state.finished = Some((outcome, summary.to_owned()));
        }
        let _ = self.sender.send(Progress::Finished(outcome, summary.to_owned()));
    }

    /// The log so far, whether it ended, and a receiver for what comes next, taken
    /// together so that no line falls between them.
    pub fn follow(&self) -> (Vec<String>, Option<(Outcome, String)>, broadcast::Receiver<Progress>) {
        let state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        (state.lines.clone(), state.finished.clone(), self.sender.subscribe())
    }

    /// The whole log as text, one line each.
    pub fn text(&self) -> String {
        let state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        state.lines.join("\n")
    }
}

/// The deployment that holds a stack, and the lock that makes it the only one.
#[derive(Debug)]
pub struct Running {
    pub log: Arc<Log>,
    _guard: OwnedMutexGuard<()>,
}

/// Every stack's lock and the logs of recent deployments.
#[derive(Debug, Default)]
pub struct Jobs {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// The stack each lock is held for, and by which deployment.
    holders: Mutex<HashMap<String, i64>>,
    logs: Mutex<BTreeMap<i64, Arc<Log>>>,
}

impl Jobs {
    /// Takes a stack for a deployment, or says which deployment holds it.
    pub fn try_take(&self, stack: &str) -> Result<OwnedMutexGuard<()>, Option<i64>> {
        let lock = self.locks.lock().map_err(|_| None)?.entry(stack.to_owned()).or_default().clone();
        lock.try_lock_owned().map_err(|_| self.holders.lock().ok().and_then(|h| h.get(stack).copied()))
    }

    /// Starts the log of deployment `id`, which holds `stack` with `guard`.
    pub fn begin(&self, stack: &str, id: i64, guard: OwnedMutexGuard<()>) -> Running {
        let log = Arc::new(Log::new(id));
        if let Ok(mut logs) = self.logs.lock() {
            logs.insert(id, log.clone());
            // Keep every running log, and a few finished ones.
            while logs.len() > FINISHED_KEPT {
                let oldest_finished = logs.iter().find(|(_, log)| log.follow().1.is_some()).map(|(id, _)| *id);
                match oldest_finished {
                    Some(old) => logs.remove(&old),
                    None => break,
                };
            }
        }
        if let Ok(mut holders) = self.holders.lock() {
            holders.insert(stack.to_owned(), id);
        }
        Running { log, _guard: guard }
    }

    /// Lets go of a stack after its deployment ended.
    pub fn end(&self, stack: &str, running: Running) {
        if let Ok(mut holders) = self.holders.lock()
            && holders.get(stack) == Some(&running.log.id)
        {
            holders.remove(stack);
        }
        drop(running);
    }

    /// The live log of a deployment, while Berth keeps it.
    pub fn log(&self, id: i64) -> Option<Arc<Log>> {
        self.logs.lock().ok()?.get(&id).cloned()
    }

    /// The deployment that holds a stack now.
    pub fn holder(&self, stack: &str) -> Option<i64> {
        self.holders.lock().ok()?.get(stack).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stack_takes_one_deployment_at_a_time() {
        let jobs = Jobs::default();
        let guard = jobs.try_take("web").expect("free");
        let running = jobs.begin("web", 7, guard);
        assert_eq!(jobs.try_take("web").err(), Some(Some(7)), "the second names the first");
        assert!(jobs.try_take("db").is_ok(), "other stacks are free");
        jobs.end("web", running);
        assert!(jobs.try_take("web").is_ok());
        assert_eq!(jobs.holder("web"), None);
    }

    #[test]
    fn followers_get_the_past_then_the_rest() {
        let jobs = Jobs::default();
        let running = jobs.begin("web", 1, jobs.try_take("web").expect("free"));
        running.log.line("one \u{1b}[31mred\u{1b}[0m");
        let (past, finished, mut rx) = running.log.follow();
        running.log.line("two");
        running.log.finish(Outcome::Ok, "done");
        assert_eq!(past, vec!["one red".to_owned()]);
        assert_eq!(finished, None);
        assert_eq!(rx.try_recv().expect("line"), Progress::Line("two".into()));
        assert_eq!(rx.try_recv().expect("end"), Progress::Finished(Outcome::Ok, "done".into()));
        assert_eq!(running.log.text(), "one red\ntwo");
    }
}
