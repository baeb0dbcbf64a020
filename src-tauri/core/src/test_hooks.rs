//! The one seam for the crash tests, honoured by debug builds only (release builds compile it to nothing): stop or
//! pause where a crash would hurt most, saying on stderr where the process is, so a SIGKILL can land exactly there.

/// Abort between the server's rotation of the refresh token and the vault's save of it (tests/cli/crash.rs).
const CRASH_AFTER_ROTATION_ENV: &str = "LATCHKEY_TEST_CRASH_AFTER_ROTATION";
/// Pause this many ms between the server's rotation and the vault save (tests/cli/crash_loop.rs).
const PAUSE_AFTER_ROTATION_ENV: &str = "LATCHKEY_TEST_PAUSE_AFTER_ROTATION_MS";
/// Pause this many ms at each point of a `session.vault` write (tests/cli/crash_loop.rs).
const PAUSE_IN_WRITE_ENV: &str = "LATCHKEY_TEST_PAUSE_IN_VAULT_WRITE_MS";

/// With a rotated session in hand, before it is saved.
pub(crate) async fn after_rotation() {
    if !cfg!(debug_assertions) {
        return;
    }
    if std::env::var_os(CRASH_AFTER_ROTATION_ENV).is_some() {
        eprintln!("latchkey: {CRASH_AFTER_ROTATION_ENV} is set: aborting between rotation and save");
        std::process::abort();
    }
    if let Some(ms) = pause_ms(PAUSE_AFTER_ROTATION_ENV, "between rotation and save") {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        eprintln!("latchkey: test pause over: between rotation and save");
    }
}

/// At `point` of a vault write (`mid-write`: half the temp file written; `before-rename`: temp file synced;
/// `after-rename`: directory not yet synced). Blocking: vault writes run off the async threads.
pub(crate) fn in_vault_write(point: &str) {
    if !cfg!(debug_assertions) {
        return;
    }
    let what = format!("vault write {point}");
    if let Some(ms) = pause_ms(PAUSE_IN_WRITE_ENV, &what) {
        std::thread::sleep(std::time::Duration::from_millis(ms));
        eprintln!("latchkey: test pause over: {what}");
    }
}

/// The pause `env` asks for, announced on stderr.
fn pause_ms(env: &str, what: &str) -> Option<u64> {
    let ms = std::env::var(env).ok()?.parse::<u64>().ok()?;
    eprintln!("latchkey: test pause: {what} ({ms} ms)");
    Some(ms)
}
