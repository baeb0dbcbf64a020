//! A launch that handed its arguments to a running instance which quit before answering starts again, once.

use std::time::Duration;

/// How long a launch waits before starting again when the instance it handed over to has just quit.
const HANDOVER_RETRY_DELAY: Duration = Duration::from_millis(500);
/// Set on the one restart after a lost hand-over, so it is never repeated.
const HANDOVER_RETRY_ENV: &str = "LATCHKEY_HANDOVER_RETRY";

/// The window could not start. If the running instance we handed our arguments to quit before answering (a
/// relaunch while it closes), its single-instance name is free a moment later: start this launch again, once.
pub fn fail_to_start(e: &tauri::Error) -> ! {
    let lost_handover = e.to_string().contains("failed to forward arguments");
    if lost_handover && std::env::var_os(HANDOVER_RETRY_ENV).is_none() {
        tracing::warn!(error = %e, "the running Latchkey closed during the hand-over; starting this launch again");
        std::thread::sleep(HANDOVER_RETRY_DELAY);
        restart_self();
    }
    eprintln!("latchkey: the window could not start: {e}");
    std::process::exit(1);
}

#[cfg(unix)]
fn restart_self() {
    use std::os::unix::process::CommandExt;
    if let Ok(exe) = std::env::current_exe() {
        let err = std::process::Command::new(exe).args(std::env::args_os().skip(1)).env(HANDOVER_RETRY_ENV, "1").exec();
        tracing::warn!(error = %err, "could not start again");
    }
}

#[cfg(not(unix))]
fn restart_self() {}
