//! How the process lives: started with a window or hidden in the tray, what closing the main window does (hide to
//! the tray, minimise where no tray host exists, or quit), and why it ends. Only Quit, or closing with background
//! mode off, ends it; a crash never prints the exit line.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use tauri::{AppHandle, Manager, Runtime, WebviewWindowBuilder};

/// Starts hidden in the tray, as a login launch does.
pub const BACKGROUND_FLAG: &str = "--background";
/// Started by an autostart entry: ends at once unless launch at login is on (the packages' system-wide entry runs
/// for every user, and only a policy or the user's own setting may make it start Latchkey).
pub const LOGIN_FLAG: &str = "--login";

/// How this process was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The window opens (a person started Latchkey).
    Window,
    /// Hidden in the tray (`--background`): the session is restored and refreshed, no webview exists.
    Background,
    /// By an autostart entry (`--login`), hidden in the tray if launch at login is on.
    Login,
}

impl Start {
    /// From the command line (the CLI already took every subcommand).
    pub fn from_args(args: &[String]) -> Start {
        if args.iter().any(|a| a == LOGIN_FLAG) {
            Start::Login
        } else if args.iter().any(|a| a == BACKGROUND_FLAG) {
            Start::Background
        } else {
            Start::Window
        }
    }
}

/// What closing the main window does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseAction {
    /// The webview is destroyed and Latchkey stays in the tray.
    Hide,
    /// Background mode is on but no tray host would show the icon: the window is minimised instead.
    Minimise,
    /// Background mode is off: closing quits, as before.
    Quit,
}

/// The rule: background mode off quits; on, it hides where a tray host shows the icon, else minimises.
pub fn close_action(run_in_background: bool, tray_host: bool) -> CloseAction {
    match (run_in_background, tray_host) {
        (false, _) => CloseAction::Quit,
        (true, true) => CloseAction::Hide,
        (true, false) => CloseAction::Minimise,
    }
}

/// The process's life: whether it stays when its last window goes, the desktop switches applied at once, and why
/// it ends (for the exit line).
pub struct Lifecycle {
    in_tray: AtomicBool,
    run_in_background: AtomicBool,
    notifications: AtomicBool,
    exit_cause: Mutex<&'static str>,
}

impl Lifecycle {
    pub fn new(config: &latchkey_core::Config, start: Start) -> Self {
        Lifecycle {
            in_tray: AtomicBool::new(start != Start::Window),
            run_in_background: AtomicBool::new(config.run_in_background),
            notifications: AtomicBool::new(config.notifications),
            exit_cause: Mutex::new("the last window closed"),
        }
    }

    /// Applies the switches of a newly loaded configuration (saved from the settings screen).
    pub fn apply(&self, config: &latchkey_core::Config) {
        self.run_in_background.store(config.run_in_background, Ordering::Relaxed);
        self.notifications.store(config.notifications, Ordering::Relaxed);
    }

    pub fn notifications(&self) -> bool {
        self.notifications.load(Ordering::Relaxed)
    }

    /// Decides what closing the main window does now, and remembers whether the process stays.
    pub fn on_close(&self) -> CloseAction {
        let background = self.run_in_background.load(Ordering::Relaxed);
        // The tray host is looked for at each close, as hosts come and go with the desktop session.
        let action = close_action(background, background && host_present());
        self.in_tray.store(action == CloseAction::Hide, Ordering::Relaxed);
        action
    }

    pub fn window_opened(&self) {
        self.in_tray.store(false, Ordering::Relaxed);
    }

    /// Whether the process stays once its last window is gone.
    pub fn stays(&self) -> bool {
        self.in_tray.load(Ordering::Relaxed)
    }

    pub fn quit<R: Runtime>(&self, app: &AppHandle<R>) {
        *self.exit_cause.lock().unwrap_or_else(|e| e.into_inner()) = "quit";
        app.exit(0);
    }

    /// Printed on the way out; a crash never gets here, so tests tell the two apart.
    pub fn say_exiting(&self) {
        eprintln!("latchkey: exiting ({})", self.exit_cause.lock().unwrap_or_else(|e| e.into_inner()));
    }
}

/// The lifecycle of `app`.
pub fn of<R: Runtime>(app: &AppHandle<R>) -> tauri::State<'_, Lifecycle> {
    app.state::<Lifecycle>()
}

/// The main window's label.
pub const MAIN: &str = "main";

/// Shows the main window: raises it if it exists, else makes it again from the configuration (a new webview).
pub fn open_main(app: &AppHandle) {
    of(app).window_opened();
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
        return;
    }
    let Some(config) = app.config().app.windows.iter().find(|w| w.label == MAIN) else {
        return tracing::error!("tauri.conf.json has no main window");
    };
    match WebviewWindowBuilder::from_config(app, config).and_then(|b| b.build()) {
        Ok(_) => tracing::info!("main window opened"),
        Err(e) => tracing::error!(error = %e, "the main window could not be opened"),
    }
}

/// Whether a tray host would show the icon. Linux: a StatusNotifierWatcher owns its name on the session bus and
/// says a host registered with it (libayatana's own fallback, an XEmbed icon, is not counted: few desktops still
/// show one). Tauri cannot tell: building the icon succeeds with no host at all. Windows and macOS always have one.
#[cfg(target_os = "linux")]
pub fn host_present() -> bool {
    use dbus::blocking::stdintf::org_freedesktop_dbus::Properties;
    const WATCHER: &str = "org.kde.StatusNotifierWatcher";
    let timeout = Duration::from_millis(500);
    let Ok(bus) = dbus::blocking::Connection::new_session() else { return false };
    let daemon = bus.with_proxy("org.freedesktop.DBus", "/org/freedesktop/DBus", timeout);
    let owned: Result<(bool,), _> = daemon.method_call("org.freedesktop.DBus", "NameHasOwner", (WATCHER,));
    if !matches!(owned, Ok((true,))) {
        return false;
    }
    bus.with_proxy(WATCHER, "/StatusNotifierWatcher", timeout).get::<bool>(WATCHER, "IsStatusNotifierHostRegistered").unwrap_or(false)
}

#[cfg(not(target_os = "linux"))]
pub fn host_present() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_flags_name_the_start() {
        assert_eq!(Start::from_args(&args(&[])), Start::Window);
        assert_eq!(Start::from_args(&args(&["latchkey://callback?code=x"])), Start::Window);
        assert_eq!(Start::from_args(&args(&["--background"])), Start::Background);
        assert_eq!(Start::from_args(&args(&["--background", "--login"])), Start::Login);
        assert_eq!(Start::from_args(&args(&["--login"])), Start::Login);
    }

    #[test]
    fn closing_hides_only_with_background_mode_on_and_a_tray_host_to_come_back_from() {
        assert_eq!(close_action(true, true), CloseAction::Hide);
        assert_eq!(close_action(true, false), CloseAction::Minimise);
        assert_eq!(close_action(false, true), CloseAction::Quit);
        assert_eq!(close_action(false, false), CloseAction::Quit);
    }
}
