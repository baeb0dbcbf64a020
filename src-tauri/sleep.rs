//! Tells the core when the machine resumes (logind `PrepareForSleep(false)`); without logind, the core's 60 s wall-clock recheck covers it.

use latchkey_core::SessionHandle;

#[cfg(target_os = "linux")]
pub fn watch_resume(core: SessionHandle) {
    std::thread::spawn(move || {
        let Ok(bus) = dbus::blocking::Connection::new_system() else {
            tracing::debug!("no system bus: resume is noticed by the 60 s wall-clock recheck");
            return;
        };
        let rule = dbus::message::MatchRule::new_signal("org.freedesktop.login1.Manager", "PrepareForSleep");
        let subscribed = bus.add_match(rule, move |(going_to_sleep,): (bool,), _, _| {
            if !going_to_sleep {
                let core = core.clone();
                tauri::async_runtime::spawn(async move { core.resumed().await });
            }
            true
        });
        if let Err(e) = subscribed {
            tracing::debug!(error = %e, "logind sleep signals unavailable");
            return;
        }
        while bus.process(std::time::Duration::from_secs(3600)).is_ok() {}
    });
}

#[cfg(not(target_os = "linux"))]
pub fn watch_resume(_core: SessionHandle) {}
