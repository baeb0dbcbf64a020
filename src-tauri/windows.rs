//! The app's windows: the main one is made on demand (and its webview destroyed when it closes into the tray), the
//! activity window opens and closes with it, and after a sign-out no webview keeps browsing data.

use crate::lifecycle::{CloseAction, MAIN};
use latchkey_core::{AuthError, AuthEvent, EventKind, StateView};
use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindowBuilder, Window, WindowEvent};

pub const ACTIVITY: &str = "activity";

/// Opens the Activity view in its own window, or focuses it if it is already open. The window loads
/// the same UI with the `#/activity` route and gets only read-only commands (capabilities/activity.json).
#[tauri::command]
pub async fn open_activity_window(app: AppHandle) -> Result<(), AuthError> {
    if let Some(window) = app.get_webview_window(ACTIVITY) {
        let _ = window.unminimize();
        return window.set_focus().map_err(window_error);
    }
    WebviewWindowBuilder::new(&app, ACTIVITY, WebviewUrl::App("index.html#/activity".into()))
        .title("Latchkey — Activity")
        .inner_size(760.0, 560.0)
        .min_inner_size(560.0, 400.0)
        .build()
        .map(|_| ())
        .map_err(window_error)
}

fn window_error(e: tauri::Error) -> AuthError {
    AuthError::WindowUnavailable(e.to_string())
}

/// Closing the main window hides Latchkey in the tray (its webview destroyed), minimises it where no tray host
/// exists, or quits; the activity window closes with it, so no webview lingers without the main window.
pub fn on_window_event(window: &Window, event: &WindowEvent) {
    if window.label() != MAIN {
        return;
    }
    let app = window.app_handle();
    match event {
        WindowEvent::CloseRequested { api, .. } => match crate::lifecycle::of(app).on_close() {
            CloseAction::Minimise => {
                api.prevent_close();
                let _ = window.minimize();
                tracing::info!("window closed: minimised, as no tray host would show the icon");
            }
            CloseAction::Hide => {
                tracing::info!("window closed: Latchkey stays in the tray");
                crate::notify::first_close(app);
            }
            CloseAction::Quit => tracing::info!("window closed: background mode is off, quitting"),
        },
        WindowEvent::Destroyed => {
            if let Some(activity) = app.get_webview_window(ACTIVITY) {
                let _ = activity.destroy();
            }
        }
        _ => {}
    }
}

/// True when this event leaves the app signed out: a sign-out for any reason, or a launch with no session.
pub fn ends_session(event: &AuthEvent) -> bool {
    matches!(event.state, StateView::SignedOut { .. }) && matches!(event.event, EventKind::SignedOut | EventKind::InitialSession)
}

/// Clears cookies, local/session storage, IndexedDB, caches and service workers of every app webview.
/// Asynchronous in WebKit; a failure is logged and never keeps the UI signed in (the event is sent regardless).
pub fn clear_browsing_data<R: Runtime>(app: &AppHandle<R>) {
    for (label, window) in app.webview_windows() {
        match window.clear_all_browsing_data() {
            Ok(()) => tracing::info!(window = %label, "webview browsing data cleared"),
            Err(e) => tracing::warn!(window = %label, error = %e, "could not clear webview browsing data"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_core::SignOutReason;

    fn event(event: EventKind, state: StateView) -> AuthEvent {
        AuthEvent { seq: 2, ..AuthEvent::new(event, state) }
    }

    #[test]
    fn every_sign_out_and_a_launch_without_session_clear_the_webview() {
        for reason in [SignOutReason::User, SignOutReason::Timeout, SignOutReason::Revoked, SignOutReason::StorageCorrupt] {
            assert!(ends_session(&event(EventKind::SignedOut, StateView::SignedOut { reason: Some(reason) })));
        }
        assert!(ends_session(&event(EventKind::InitialSession, StateView::SignedOut { reason: None })));
        assert!(!ends_session(&event(EventKind::InitialSession, StateView::Initializing)));
    }
}
