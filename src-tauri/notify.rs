//! Desktop notifications through the notification service (notify-rust: tauri-plugin-notification has no action
//! callback on desktop). What to say is decided in `latchkey_host::notices`; an action only ever opens the window,
//! because any program on the session bus can claim a notification's action was invoked.

use latchkey_core::AuthEvent;
use latchkey_core::config::SETTINGS_FILE;
use latchkey_host::notices::{self, Notice, Notices};
use notify_rust::{Notification, NotificationResponse};
use std::sync::Mutex;
use tauri::{AppHandle, Manager};
use tauri_plugin_store::StoreExt;

/// Which notifications this session has had.
#[derive(Default)]
pub struct Sent(Mutex<Notices>);

/// The notification an auth event calls for, if any.
pub fn on_event(app: &AppHandle, event: &AuthEvent) {
    let window_open = app.get_webview_window(crate::lifecycle::MAIN).is_some();
    let notice = app.state::<Sent>().0.lock().unwrap_or_else(|e| e.into_inner()).on_event(event, window_open);
    notice.into_iter().for_each(|n| show(app, n));
}

/// A sign-in callback was refused while no window shows it.
pub fn on_refused_sign_in(app: &AppHandle) {
    let notice = app.state::<Sent>().0.lock().unwrap_or_else(|e| e.into_inner()).on_refused_sign_in();
    notice.into_iter().for_each(|n| show(app, n));
}

/// The one-line notice the first time ever the window closes into the tray (remembered in the settings file).
pub fn first_close(app: &AppHandle) {
    const SHOWN: &str = "tray_notice_shown";
    let config = app.state::<latchkey_core::Config>();
    let Ok(store) = app.store(config.data_dir.join(SETTINGS_FILE)) else { return };
    if store.get(SHOWN).is_some() {
        return;
    }
    store.set(SHOWN, true);
    if let Err(e) = store.save() {
        tracing::warn!(error = %e, "could not remember that the tray notice was shown");
    }
    show(app, notices::still_running());
}

/// Shows `notice` unless notifications are off; a missing notification service is logged, never an error.
pub fn show(app: &AppHandle, notice: Notice) {
    if !crate::lifecycle::of(app).notifications() {
        tracing::debug!(kind = ?notice.kind, "notifications are off");
        return;
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut notification = Notification::new();
        notification.appname("Latchkey").icon("latchkey").summary(&notice.summary).body(notice.body);
        if let Some(action) = notice.action {
            // "default" is a click on the notification itself; the named one is a button where the desktop draws them.
            notification.action("default", action.label).action("open", action.label);
        }
        let handle = match notification.show_async().await {
            Ok(handle) => handle,
            Err(e) => return tracing::info!(kind = ?notice.kind, error = %e, "no notification service: not shown"),
        };
        tracing::info!(kind = ?notice.kind, "notification shown");
        if notice.action.is_none() {
            return;
        }
        let mut clicked = false;
        handle
            .wait_for_action_async(|response| clicked = matches!(response, NotificationResponse::Default | NotificationResponse::Action(_)))
            .await;
        if clicked {
            crate::lifecycle::open_main(&app);
            handle.close_async().await; // a desktop closes it on click; some daemons (dunst) leave that to the app
        }
    });
}
