//! Keeping hydrated pages live: Podman's events (over SSE) and a slow timer make
//! resources read Podman again, so a change made from the command line shows up
//! within a second or two without a reload.

use std::time::Duration;

use leptos::prelude::*;

/// How long events are gathered before the page reads again (a stack start is a burst).
#[cfg(feature = "hydrate")]
const SETTLE: Duration = Duration::from_millis(250);

/// A counter that goes up when Podman reports a change, and at least every
/// `fallback`, once the page is hydrated. On the server it never moves.
pub fn use_live(fallback: Duration) -> ReadSignal<u64> {
    let (tick, set_tick) = signal(0u64);
    #[cfg(feature = "hydrate")]
    {
        let bump = move || set_tick.update(|n| *n += 1);
        let interval = set_interval_with_handle(bump, fallback).ok();
        let waiting = StoredValue::new(false);
        let on_event: Listener = Box::new(move |_| {
            if !waiting.get_value() {
                waiting.set_value(true);
                set_timeout(
                    move || {
                        waiting.set_value(false);
                        bump();
                    },
                    SETTLE,
                );
            }
        });
        let source = event_source("/api/stream/events", vec![("podman", on_event)]);
        on_cleanup(move || {
            if let Some(handle) = interval {
                handle.clear();
            }
            drop(source);
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (set_tick, fallback);
    tick
}

/// What an SSE event listener gets: the event's data.
#[cfg(feature = "hydrate")]
pub type Listener = Box<dyn FnMut(String)>;

/// An open `EventSource`, closed when dropped. Safe to move into cleanups: the
/// browser has one thread.
#[cfg(feature = "hydrate")]
pub struct Source(send_wrapper::SendWrapper<Option<(web_sys::EventSource, Vec<wasm_bindgen::closure::Closure<dyn FnMut(web_sys::MessageEvent)>>)>>);

#[cfg(feature = "hydrate")]
impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source").finish_non_exhaustive()
    }
}

#[cfg(feature = "hydrate")]
impl Source {
    /// Stops the stream (the browser does not reconnect).
    pub fn close(&self) {
        if let Some((source, _)) = self.0.as_ref() {
            source.close();
        }
    }
}

#[cfg(feature = "hydrate")]
impl Drop for Source {
    fn drop(&mut self) {
        self.close();
    }
}

/// Opens an `EventSource` on `url` with a listener per event name (`open` is the
/// connection opening, `error` its failure). `None` inside if the browser refused.
#[cfg(feature = "hydrate")]
pub fn event_source(url: &str, listeners: Vec<(&'static str, Listener)>) -> Source {
    use wasm_bindgen::JsCast as _;
    use wasm_bindgen::closure::Closure;
    let Ok(source) = web_sys::EventSource::new(url) else { return Source(send_wrapper::SendWrapper::new(None)) };
    let closures = listeners
        .into_iter()
        .map(|(name, mut listener)| {
            let closure = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                listener(event.data().as_string().unwrap_or_default());
            });
            let _ = source.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
            closure
        })
        .collect();
    Source(send_wrapper::SendWrapper::new(Some((source, closures))))
}
