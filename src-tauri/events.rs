//! Every core event reaches the webview in order on one channel; a lagging forwarder skips ahead and the UI resyncs from the snapshot.

use crate::activity;
use latchkey_core::SessionHandle;
use tauri::{Emitter, Manager};

/// The event every auth-state change is pushed on.
pub const STATE_EVENT: &str = "auth://state";

/// Pushes every core event to the webview. A lagging forwarder skips ahead; the UI resyncs from the snapshot.
pub fn forward_events(app: tauri::AppHandle, core: &SessionHandle) {
    let mut events = core.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => {
                    app.state::<activity::Activity>().record(&event);
                    // Every window: which windows may listen at all is decided by the capabilities (docs/ipc.md).
                    let _ = app.emit(STATE_EVENT, &event);
                    if crate::windows::ends_session(&event) {
                        crate::windows::clear_browsing_data(&app);
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => tracing::warn!(skipped = n, "event forwarder lagged"),
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}
