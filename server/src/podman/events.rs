//! Follows Podman's event stream for as long as Berth runs: keeps the most recent
//! events for the dashboard and passes each one on to the open pages (over SSE), so
//! a container started from the command line shows up without a reload.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt as _;
use podman_api::opts::EventsOpts;
use tokio::sync::broadcast;

use app::model::events::PodmanEvent;
use app::services::Events;

use super::PodmanRuntime;

/// How many events the hub remembers.
const KEPT: usize = 100;
/// How long to wait before following the stream again after it ended or failed.
const RETRY: Duration = Duration::from_secs(2);

/// The recent events and the channel the open pages listen on.
#[derive(Debug)]
pub struct EventHub {
    recent: Mutex<VecDeque<PodmanEvent>>,
    sender: broadcast::Sender<PodmanEvent>,
}

impl EventHub {
    /// A hub that follows `runtime`'s events in a background task, which ends when the
    /// hub is dropped.
    pub fn start(runtime: PodmanRuntime) -> Arc<Self> {
        let hub = Arc::new(Self { recent: Mutex::new(VecDeque::with_capacity(KEPT)), sender: broadcast::channel(256).0 });
        tokio::spawn(follow(Arc::downgrade(&hub), runtime));
        hub
    }

    /// A receiver of every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<PodmanEvent> {
        self.sender.subscribe()
    }

    fn publish(&self, event: PodmanEvent) {
        if let Ok(mut recent) = self.recent.lock() {
            if recent.len() == KEPT {
                recent.pop_back();
            }
            recent.push_front(event.clone());
        }
        // Nobody listening is fine.
        let _ = self.sender.send(event);
    }
}

#[async_trait]
impl Events for EventHub {
    async fn recent(&self, limit: usize) -> Vec<PodmanEvent> {
        self.recent.lock().map(|recent| recent.iter().take(limit).cloned().collect()).unwrap_or_default()
    }
}

/// Podman's event in Berth's terms.
pub fn event_of(event: &podman_api::models::Event) -> PodmanEvent {
    let name = event.actor.attributes.get("name").cloned().unwrap_or_else(|| event.actor.id.chars().take(12).collect());
    PodmanEvent {
        at: i64::try_from(event.time).unwrap_or(0),
        kind: event.typ.to_lowercase(),
        action: event.action.clone(),
        name,
    }
}

async fn follow(hub: Weak<EventHub>, runtime: PodmanRuntime) {
    let options = EventsOpts::builder().stream(true).build();
    loop {
        if hub.strong_count() == 0 {
            return;
        }
        let mut stream = runtime.client().events(&options);
        // Waking up at least every RETRY notices a dropped hub while Podman is quiet.
        loop {
            match tokio::time::timeout(RETRY, stream.next()).await {
                Ok(Some(Ok(event))) => {
                    let Some(hub) = hub.upgrade() else { return };
                    hub.publish(event_of(&event));
                }
                // One line Berth can't read: the stream goes on.
                Ok(Some(Err(podman_api::Error::SerdeJsonError(error)))) => tracing::debug!(%error, "skipped an unreadable Podman event"),
                Ok(Some(Err(error))) => {
                    tracing::debug!(%error, "the Podman event stream failed");
                    break;
                }
                Ok(None) => break,
                Err(_) if hub.strong_count() == 0 => return,
                Err(_) => {}
            }
        }
        tracing::debug!("the Podman event stream ended; following it again shortly");
        tokio::time::sleep(RETRY).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn podman_events_read_as_berth_events() {
        let raw = r#"{"status":"start","id":"8f1b2c","from":"localhost/demo:1","Type":"container","Action":"start",
            "Actor":{"ID":"8f1b2c3d4e5f6a7b","Attributes":{"image":"localhost/demo:1","name":"web"}},
            "scope":"local","time":1764790000,"timeNano":1764790000123456789}"#;
        let event: podman_api::models::Event = serde_json::from_str(raw).expect("podman's event parses");
        assert_eq!(event_of(&event), PodmanEvent { at: 1_764_790_000, kind: "container".into(), action: "start".into(), name: "web".into() });
        let unnamed = r#"{"Type":"image","Action":"remove","Actor":{"ID":"0123456789abcdef0","Attributes":{}},"time":1,"timeNano":1}"#;
        let event: podman_api::models::Event = serde_json::from_str(unnamed).expect("parses");
        assert_eq!(event_of(&event).name, "0123456789ab");
    }
}
