//! `latchkey reset`: for shared machines (what it wipes: `latchkey_host::reset`). The running agent does it when one
//! answers (and quits); otherwise this process, under the vault lock. Asks first, unless `--yes`.

use super::{exit, fail};
use latchkey_core::{AuthError, Config, VaultLock};
use latchkey_host::agent::{Reply, Request};
use latchkey_host::reset::{self, Report};
use std::io::{BufRead, IsTerminal, Write};

pub async fn run(config: &Config, yes: bool, as_json: bool) -> i32 {
    if !yes {
        if let Some(code) = confirm() {
            return code;
        }
    }
    let report = match super::session::ask_agent(config, &Request::Reset).await {
        Ok(Some(mut agent)) => match agent.next().await {
            Ok(Some(Reply::Reset { report })) => report,
            Ok(Some(Reply::Failed { error })) => {
                eprintln!("{error}");
                return exit::FAILED;
            }
            other => {
                eprintln!("latchkey: the running Latchkey did not answer the reset: {other:?}");
                return exit::FAILED;
            }
        },
        Ok(None) => match locked(config).await {
            Ok(lock) => reset::with_lock(config, lock).await,
            Err(code) => return code,
        },
        Err(code) => return code,
    };
    print(&report, as_json);
    if report.ok { exit::OK } else { exit::FAILED }
}

/// The vault lock, or the exit code (busy: another process that is not the agent holds it).
async fn locked(config: &Config) -> Result<VaultLock, i32> {
    let locking = config.clone();
    match tokio::task::spawn_blocking(move || latchkey_host::lock_vault(&locking)).await {
        Ok(Ok(lock)) => Ok(lock),
        Ok(Err(e)) => {
            if matches!(e, AuthError::StorageBusy) {
                eprintln!("latchkey: another Latchkey process (`latchkey watch`, or a command) is using the session; let it finish, then reset");
            }
            Err(fail(&e))
        }
        Err(_) => Err(exit::FAILED),
    }
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
