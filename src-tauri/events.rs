//! Every core event reaches the webview in order on one channel (a lagging forwarder skips ahead and the UI resyncs
//! from the snapshot), and every sign-in callback the core refuses, by link or loopback, reaches the main window.

use latchkey_core::SessionHandle;
use latchkey_host::Trail;
use tauri::Emitter;

/// The event every auth-state change is pushed on.
pub const STATE_EVENT: &str = "auth://state";
/// The event a refused sign-in callback is reported on, as `{ code, message }`.
pub const FLOW_ERROR_EVENT: &str = "auth://flow-error";

/// Pushes every core event (recorded by the trail first) to the webview.
pub fn forward_events(app: tauri::AppHandle, mut trail: Trail) {
    tauri::async_runtime::spawn(async move {
        while let Some(event) = trail.next().await {
            // Every window: which windows may listen at all is decided by the capabilities (docs/ipc.md).
            let _ = app.emit(STATE_EVENT, &event);
            if crate::windows::ends_session(&event) {
                crate::windows::clear_browsing_data(&app);
            }
        }
    });
}

/// Every callback the core refuses (a link, or a loopback redirect) is shown in the main window.
pub fn forward_flow_errors(app: tauri::AppHandle, core: &SessionHandle) {
    let mut refusals = core.flow_errors();
    tauri::async_runtime::spawn(async move {
        loop {
            match refusals.recv().await {
                Ok(e) => {
                    let _ = app.emit_to("main", FLOW_ERROR_EVENT, &e);
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}
