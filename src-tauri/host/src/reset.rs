//! `latchkey reset`, for shared machines: wipes this user's local session (vault file, its keychain key,
//! quarantined copies, settings, webview data and caches), then ends the server session if it can; the audit log is
//! kept (it is the admin's record) and gets a line saying so. The process holding the vault does it: the command
//! itself under the lock when nothing else runs (`with_lock`), or the running agent through its engine
//! (`through_engine`).

use crate::Activity;
use latchkey_core::api::{end_session, LogoutScope};
use latchkey_core::config::SETTINGS_FILE;
use latchkey_core::events::{ServerOutcome, Subject};
use latchkey_core::vault::FILE as VAULT_FILE;
use latchkey_core::{Clock, Config, Session, SessionHandle, SessionStore, StateView, SystemClock, VaultLock, APP_ID};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// Longest wait for the server's `/logout` (the local wipe is already done by then).
const SERVER_WAIT: Duration = Duration::from_secs(10);
/// Kept by reset: other Latchkey processes use it to wait their turn.
const LOCK_FILE: &str = "vault.lock";

/// What `reset --json` prints (docs/cli.md).
#[derive(Serialize, Deserialize, Default, Debug)]
pub struct Report {
    /// True when every local step worked.
    pub ok: bool,
    /// The user whose saved session was wiped, if there was one.
    pub signed_out_user: Option<String>,
    /// Files and folders deleted.
    pub deleted: Vec<PathBuf>,
    /// `cleared`, or why the keychain entry may remain.
    pub keychain: String,
    /// `ended`, `none` (no saved session), or why not (offline is fine: it ends at its own expiry).
    pub server_session: String,
    /// Where the audit log is, untouched (`null` when policy turns it off).
    pub audit_log_kept: Option<PathBuf>,
    pub problems: Vec<String>,
}

/// Reset by a process holding `lock` (no agent runs): the wipe, then `/logout`.
pub async fn with_lock(config: &Config, lock: VaultLock) -> Report {
    let wipe_config = config.clone();
    let (mut report, session) = match tokio::task::spawn_blocking(move || wipe_locally(&wipe_config, lock)).await {
        Ok(done) => done,
        Err(_) => (Report { problems: vec!["the wipe stopped unexpectedly".into()], ..Report::default() }, None),
    };
    report.server_session = match &session {
        None => "none".into(),
        Some(session) => end_on_server(config, session).await,
    };
    finish(&Activity::new(config), report, session.as_ref().map(Subject::of))
}

/// Reset inside the running agent: its engine signs out (the vault file and its key, then `/logout`), then the rest
/// is deleted as `with_lock` does. The agent quits afterwards, so nothing it holds is written back.
pub async fn through_engine(config: &Config, core: &SessionHandle, activity: &Activity) -> Report {
    let mut report = Report::default();
    let subject = match core.snapshot().state {
        StateView::SignedIn { user, .. } | StateView::Expired { user, .. } => Some(Subject { user_id: user.id, email: user.email, session_hash: None }),
        _ => None,
    };
    report.signed_out_user = subject.as_ref().map(|s| s.user_id.clone());
    let vault_file = config.data_dir.join(VAULT_FILE);
    let file_present = vault_file.exists();
    (report.keychain, report.server_session) = match core.sign_out(LogoutScope::Local).await {
        Ok(out) if out.problems.is_empty() => ("cleared".into(), server_words(out.server)),
        Ok(out) => {
            report.problems.extend(out.problems);
            ("not cleared".into(), server_words(out.server))
        }
        Err(e) => {
            report.problems.push(format!("the session could not be signed out: {e}"));
            (format!("not cleared ({})", e.code()), "not ended".into())
        }
    };
    if file_present && !vault_file.exists() {
        report.deleted.push(vault_file);
    }
    delete_traces(config, &mut report);
    finish(activity, report, subject)
}

fn server_words(outcome: ServerOutcome) -> String {
    match outcome {
        ServerOutcome::Ended => "ended".into(),
        ServerOutcome::NoSession => "none".into(),
        other => format!("not ended ({}): it ends at its own expiry", serde_json::to_value(other).unwrap_or_default().as_str().unwrap_or("?")),
    }
}

/// The audit line, where the log is, and whether every local step worked.
fn finish(activity: &Activity, mut report: Report, wiped: Option<Subject>) -> Report {
    activity.record_reset(wiped);
    report.audit_log_kept = activity.audit_dir().map(PathBuf::from);
    report.ok = report.problems.is_empty();
    report
}

/// Every local trace of the session, while holding the lock. Returns the session it found, for `/logout`.
fn wipe_locally(config: &Config, lock: VaultLock) -> (Report, Option<Session>) {
    let mut report = Report::default();
    let vault = crate::vault(config, Some(lock));
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
    delete_traces(config, &mut report);
    (report, session)
}

fn delete_traces(config: &Config, report: &mut Report) {
    for path in local_traces(config) {
        let removed = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        match removed {
            Ok(()) => report.deleted.push(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => report.problems.push(format!("could not delete {}: {e}", path.display())),
        }
    }
}

/// What reset deletes besides the vault: in the data directory, the vault, its quarantined copies and the
/// settings file — and, when the directory is the app's own (named after it), everything but the lock and the
/// logs (webview storage, an insecure-fallback key file) and the app's cache folder, unless that is the data
/// directory itself (Windows) or holds the logs. A data directory of another name (a test's) keeps the user's cache.
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
    let cache = dirs::cache_dir().map(|c| c.join(APP_ID)).filter(|c| own_dir && c.exists() && c != dir && !holds_logs(c) && !dir.starts_with(c));
    out.extend(cache);
    out
}

/// `/logout` (scope local), as the engine ends a session. Best effort: the local wipe is done whatever the answer.
async fn end_on_server(config: &Config, session: &Session) -> String {
    let attempt = async { end_session(&crate::gotrue(config)?, session, LogoutScope::Local, SystemClock.now_ms()).await };
    match tokio::time::timeout(SERVER_WAIT, attempt).await {
        Ok(Ok(())) => "ended".into(),
        Ok(Err(e)) => format!("not ended ({}): it ends at its own expiry", e.code()),
        Err(_) => format!("not ended (no answer within {} s): it ends at its own expiry", SERVER_WAIT.as_secs()),
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
