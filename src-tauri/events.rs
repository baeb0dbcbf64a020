//! Every core event reaches the webview, the tray and the notifications in order on one channel (a lagging forwarder
//! skips ahead and the UI resyncs from the snapshot), and every sign-in callback the core refuses, by link or
//! loopback, reaches the main window: at once, or, while no window is open, once it opens (the tray and a
//! notification say so meanwhile).

use latchkey_core::{AuthError, SessionHandle};
use latchkey_host::tray::Attention;
use latchkey_host::Trail;
use std::sync::Mutex;
use tauri::{AppHandle, Emitter, Manager};

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
            crate::tray::show_state(&app, &event.state);
            crate::notify::on_event(&app, &event);
            if crate::windows::ends_session(&event) {
                crate::windows::clear_browsing_data(&app);
            }
        }
    });
}

/// The latest refusal no window has shown yet.
#[derive(Default)]
pub struct HeldRefusal(Mutex<Option<AuthError>>);

/// Every callback the core refuses (a link, or a loopback redirect) is shown in the main window; while there is
/// none, it is held for the next one, and the tray and a notification say a sign-in did not complete.
pub fn forward_flow_errors(app: tauri::AppHandle, core: &SessionHandle) {
    let mut refusals = core.flow_errors();
    app.manage(HeldRefusal::default());
    tauri::async_runtime::spawn(async move {
        loop {
            match refusals.recv().await {
                Ok(e) if app.get_webview_window(crate::lifecycle::MAIN).is_some() => {
                    let _ = app.emit_to(crate::lifecycle::MAIN, FLOW_ERROR_EVENT, &e);
                }
                Ok(e) => {
                    *app.state::<HeldRefusal>().0.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                    crate::tray::set_attention(&app, Some(Attention::SignInIncomplete));
                    crate::notify::on_refused_sign_in(&app);
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}

/// The main window listens now: the refusal held while it was closed is shown, and the tray no longer asks for it.
pub fn window_ready(app: &AppHandle) {
    let held = app.try_state::<HeldRefusal>().and_then(|h| h.0.lock().unwrap_or_else(|e| e.into_inner()).take());
    if let Some(e) = held {
        let _ = app.emit_to(crate::lifecycle::MAIN, FLOW_ERROR_EVENT, &e);
    }
    crate::tray::set_attention(app, None);
}
