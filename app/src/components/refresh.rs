use leptos::prelude::*;

/// A counter that goes up every `every` once the page is hydrated, for resources that
/// should read Podman again by themselves. On the server it never moves.
pub fn use_refresh(every: std::time::Duration) -> ReadSignal<u64> {
    let (tick, set_tick) = signal(0u64);
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(move || set_tick.update(|n| *n += 1), every).ok();
        on_cleanup(move || {
            if let Some(handle) = handle {
                handle.clear();
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (set_tick, every);
    tick
}
