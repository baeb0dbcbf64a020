//! `latchkey reset`: for shared machines. Wipes this user's local session (vault file, its keychain key,
//! quarantined copies, settings, webview data and caches) under the vault lock, then ends the server session if
//! it can; the audit log is kept (it is the admin's record) and gets a line saying so.

use super::{exit, fail};
use latchkey_core::api::{end_session, LogoutScope};
use latchkey_core::config::SETTINGS_FILE;
use latchkey_core::vault::FILE as VAULT_FILE;
use latchkey_core::{AuthError, Clock, Config, Session, SessionStore, SystemClock, VaultLock, APP_ID};
use latchkey_host::Activity;
use serde::Serialize;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

/// Longest wait for the server's `/logout` (the local wipe is already done by then).
const SERVER_WAIT: Duration = Duration::from_secs(10);
/// Kept by reset: other Latchkey processes use it to wait their turn.
const LOCK_FILE: &str = "vault.lock";

/// What `reset --json` prints (docs/cli.md).
#[derive(Serialize, Default)]
struct Report {
    /// True when every local step worked.
    ok: bool,
    /// The user whose saved session was wiped, if there was one.
    signed_out_user: Option<String>,
    /// Files and folders deleted.
    deleted: Vec<PathBuf>,
    /// `cleared`, or why the keychain entry may remain.
    keychain: String,
    /// `ended`, `none` (no saved session), or why not (offline is fine: it ends at its own expiry).
    server_session: String,
    /// Where the audit log is, untouched (`null` when policy turns it off).
    audit_log_kept: Option<PathBuf>,
    problems: Vec<String>,
}

pub async fn run(config: &Config, yes: bool, as_json: bool) -> i32 {
    if !yes {
        if let Some(code) = confirm() {
            return code;
        }
    }
    let locking = config.clone();
    let lock = match tokio::task::spawn_blocking(move || latchkey_host::lock_vault(&locking)).await {
        Ok(Ok(lock)) => lock,
        Ok(Err(e)) => {
            if matches!(e, AuthError::StorageBusy) {
                eprintln!("latchkey: another Latchkey process (the app, or `latchkey watch`) is using the session; quit it, then reset");
            }
            return fail(&e);
        }
        Err(_) => return exit::FAILED,
    };
    let wipe_config = config.clone();
    let (mut report, session) = match tokio::task::spawn_blocking(move || wipe_locally(&wipe_config, lock)).await {
        Ok(done) => done,
        Err(_) => return exit::FAILED,
    };
    report.server_session = match &session {
        None => "none".into(),
        Some(session) => end_on_server(config, session).await,
    };
    let activity = Activity::new(config);
    activity.record_reset(session.as_ref());
    report.audit_log_kept = activity.audit_dir().map(PathBuf::from);
    report.ok = report.problems.is_empty();
    print(&report, as_json);
    if report.ok { exit::OK } else { exit::FAILED }
}

/// Asks on the terminal; `Some(exit code)` when the answer is no or nobody can answer.
fn confirm() -> Option<i32> {
    if !std::io::stdin().is_terminal() {
        eprintln!("latchkey: reset deletes this computer's Latchkey session, settings and caches; nothing was deleted. Run it in a terminal to confirm, or pass --yes");
        return Some(exit::USAGE);
    }
    eprint!("This signs Latchkey out on this computer and deletes its saved session (and its keychain key), settings and caches.\nThe audit log is kept. Type \"yes\" to continue: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "yes" | "y") {
        None
    } else {
        eprintln!("latchkey: reset cancelled; nothing was deleted");
        Some(exit::FAILED)
    }
}

/// Every local trace of the session, while holding the lock. Returns the session it found, for `/logout`.
fn wipe_locally(config: &Config, lock: VaultLock) -> (Report, Option<Session>) {
    let mut report = Report::default();
    let vault = latchkey_host::vault(config, Some(lock));
    let session = vault.load().ok().flatten();
    report.signed_out_user = session.as_ref().map(|s| s.user.id.clone());
    let file_present = config.data_dir.join(VAULT_FILE).exists();
    report.keychain = match vault.clear() {
        Ok(()) => "cleared".into(),
        Err(e) => {
            report.problems.push(format!("the vault key may remain in the keychain: {e}"));
            format!("not cleared ({})", e.code())
        }
    };
    if file_present && !config.data_dir.join(VAULT_FILE).exists() {
        report.deleted.push(config.data_dir.join(VAULT_FILE));
    }
    for path in local_traces(config) {
        let removed = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        match removed {
            Ok(()) => report.deleted.push(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => report.problems.push(format!("could not delete {}: {e}", path.display())),
        }
    }
    (report, session)
}

/// What reset deletes besides the vault: in the data directory, the vault, its quarantined copies and the
/// settings file — and, when the directory is the app's own (named after it), everything but the lock and the
/// logs (webview storage, an insecure-fallback key file); plus the app's cache folder, unless that is the data
/// directory itself (Windows) or holds the logs.
fn local_traces(config: &Config) -> Vec<PathBuf> {
    let dir = &config.data_dir;
    let own_dir = dir.file_name().is_some_and(|n| n == APP_ID);
    let audit_dir = latchkey_core::audit::dir_of(config);
    let holds_logs = |p: &PathBuf| config.log_dir.starts_with(p) || audit_dir.starts_with(p);
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    out.retain(|p| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let session_file = name == VAULT_FILE || name == SETTINGS_FILE || name.starts_with(&format!("{VAULT_FILE}.quarantine-"));
        name != LOCK_FILE && !holds_logs(p) && (own_dir || session_file)
    });
    out.sort();
    let cache = dirs::cache_dir().map(|c| c.join(APP_ID)).filter(|c| c.exists() && c != dir && !holds_logs(c) && !dir.starts_with(c));
    out.extend(cache);
    out
}

/// `/logout` (scope local), as the engine ends a session. Best effort: the local wipe is done whatever the answer.
async fn end_on_server(config: &Config, session: &Session) -> String {
    let attempt = async { end_session(&latchkey_host::gotrue(config)?, session, LogoutScope::Local, SystemClock.now_ms()).await };
    match tokio::time::timeout(SERVER_WAIT, attempt).await {
        Ok(Ok(())) => "ended".into(),
        Ok(Err(e)) => format!("not ended ({}): it ends at its own expiry", e.code()),
        Err(_) => format!("not ended (no answer within {} s): it ends at its own expiry", SERVER_WAIT.as_secs()),
    }
}

fn print(report: &Report, as_json: bool) {
    if as_json {
        println!("{}", serde_json::to_string_pretty(report).expect("report serializes"));
        return;
    }
    let who = report.signed_out_user.as_deref().map_or("no saved session".to_string(), |u| format!("signed out user {u}"));
    println!("Reset: {who}; deleted {} item(s); keychain {}.", report.deleted.len(), report.keychain);
    println!("Server session: {}.", report.server_session);
    match &report.audit_log_kept {
        Some(dir) => println!("The audit log is kept in {}.", dir.display()),
        None => println!("The audit log is turned off by policy."),
    }
    for p in &report.problems {
        println!("Problem: {p}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The data directory `dir`, with the logs inside it (as on Windows).
    fn config_over(dir: &Path) -> Config {
        let data = dir.display().to_string();
        latchkey_core::testing::config_in(dir, None, None, &[("LATCHKEY_DATA_DIR", &data)]).unwrap()
    }

    #[test]
    fn a_test_data_directory_loses_only_the_session_files_but_the_apps_own_loses_all_but_the_lock_and_logs() {
        let base = latchkey_core::testing::temp_dir("reset");
        for dir in [base.join("test-dir"), base.join(APP_ID)] {
            std::fs::create_dir_all(dir.join("WebKitStorage")).unwrap();
            std::fs::create_dir_all(dir.join("logs")).unwrap();
            for name in [VAULT_FILE, "session.vault.quarantine-1", SETTINGS_FILE, LOCK_FILE, "notes.txt"] {
                std::fs::write(dir.join(name), b"{}").unwrap();
            }
        }
        let names = |dir: &Path| -> Vec<String> {
            local_traces(&config_over(dir)).iter().filter(|p| p.starts_with(dir)).map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect()
        };
        assert_eq!(names(&base.join("test-dir")), ["session.vault", "session.vault.quarantine-1", "settings.json"]);
        assert_eq!(names(&base.join(APP_ID)), ["WebKitStorage", "notes.txt", "session.vault", "session.vault.quarantine-1", "settings.json"]);
        let _ = std::fs::remove_dir_all(&base);
    }
}
