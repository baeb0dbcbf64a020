//! Launch at login: the user's autostart entry exists exactly when `launch_at_login` is on (tauri-plugin-autostart:
//! `~/.config/autostart/Latchkey.desktop` on Linux, a `Run` value on Windows, a LaunchAgent on macOS). Its command
//! starts Latchkey hidden in the tray, and only if launch at login is still on when it runs.

use crate::lifecycle::{BACKGROUND_FLAG, LOGIN_FLAG};
use tauri::{AppHandle, Runtime};
use tauri_plugin_autostart::{MacosLauncher, ManagerExt};

/// The plugin, with the arguments the entry's command gets.
pub fn plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_autostart::init(MacosLauncher::LaunchAgent, Some(vec![BACKGROUND_FLAG, LOGIN_FLAG]))
}

/// Makes the entry match the setting: written when on (again, so it names this binary), removed when off.
pub fn apply<R: Runtime>(app: &AppHandle<R>, launch_at_login: bool) {
    let launcher = app.autolaunch();
    let done = match (launch_at_login, launcher.is_enabled()) {
        (true, _) => launcher.enable().map(|()| "written"),
        (false, Ok(true)) => launcher.disable().map(|()| "removed"),
        (false, Ok(false)) => return,
        (false, Err(e)) => Err(e),
    };
    match done {
        Ok(what) => tracing::info!(what, "launch at login: autostart entry"),
        Err(e) => tracing::warn!(error = %e, launch_at_login, "launch at login: the autostart entry could not be changed"),
    }
}
