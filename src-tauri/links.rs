//! `latchkey://` sign-in links reach the core exactly once, and a refused link is reported to the main window.

use latchkey_core::SessionHandle;
use tauri::{Emitter, Manager};

/// The event a failed `latchkey://` sign-in link is reported on, as `{ code, message }`.
pub const FLOW_ERROR_EVENT: &str = "auth://flow-error";

/// Hands `latchkey://` links (from this launch's arguments, or a second launch's) to the core.
pub fn handle_links(app: &tauri::AppHandle, argv: Vec<String>) {
    for url in argv.into_iter().filter(|a| a.starts_with("latchkey://")) {
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            let core = app.state::<SessionHandle>().inner().clone();
            if let Err(e) = core.flow(|reply| latchkey_core::engine::Flow::Callback { url, reply }).await {
                tracing::warn!(code = e.code(), "sign-in link refused");
                let _ = app.emit_to("main", FLOW_ERROR_EVENT, &e);
            }
        });
    }
}
