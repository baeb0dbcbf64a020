//! `latchkey sign-in` / `sign-out` / `watch`: the same core as the window, holding the vault lock for the whole
//! command, and writing the same audit lines.

use super::{exit, fail};
use latchkey_core::api::LogoutScope;
use latchkey_core::events::{ServerOutcome, SignOutReport};
use latchkey_core::{AuthError, Config, EventKind, SessionHandle};
use latchkey_host::{Activity, Trail};
use std::io::BufRead;
use std::sync::Arc;

/// The core over the locked vault, started, with the trail of its events (subscribed before anything happens).
async fn locked_core(config: &Config) -> Result<(SessionHandle, Trail), AuthError> {
    let locking = config.clone();
    let lock = tokio::task::spawn_blocking(move || latchkey_host::lock_vault(&locking)).await.map_err(|_| AuthError::Stopped)??;
    let (handle, task) = latchkey_host::build(config, Some(lock))?;
    let trail = Arc::new(Activity::new(config)).follow(&handle);
    tokio::spawn(task);
    Ok((handle, trail))
}

/// `latchkey watch`: runs the engine headless (it refreshes and enforces deadlines) and prints every event
/// as one JSON line until interrupted or signed out. Holds the vault lock, like the window.
pub async fn watch(config: &Config) -> i32 {
    let (_core, mut trail) = match locked_core(config).await {
        Ok(core) => core,
        Err(e) => return fail(&e),
    };
    loop {
        tokio::select! {
            event = trail.next() => match event {
                Some(event) => {
                    println!("{}", serde_json::to_string(&event).expect("events serialize"));
                    if event.event == EventKind::SignedOut {
                        return exit::OK;
                    }
                }
                None => return exit::FAILED,
            },
            _ = tokio::signal::ctrl_c() => return exit::OK,
        }
    }
}

pub async fn sign_in(config: &Config, email: String) -> i32 {
    let mut password = String::new();
    if std::io::stdin().lock().read_line(&mut password).is_err() || password.trim_end_matches(['\r', '\n']).is_empty() {
        eprintln!("latchkey: no password on standard input");
        return exit::USAGE;
    }
    let password = password.trim_end_matches(['\r', '\n']).to_string();
    report(async {
        let (core, mut trail) = locked_core(config).await?;
        core.initialized().await;
        let result = core.sign_in_with_password(email, password).await;
        trail.drain();
        result.map(|()| core)
    }
    .await)
}

pub async fn sign_out(config: &Config, scope: Option<String>) -> i32 {
    let scope = match LogoutScope::parse(scope.as_deref()) {
        Ok(scope) => scope,
        Err(e) => return fail(&e),
    };
    let result = async {
        let (core, mut trail) = locked_core(config).await?;
        core.initialized().await;
        let result = core.sign_out(scope).await;
        trail.drain();
        result.map(|report| (core, report))
    }
    .await;
    match result {
        Ok((core, report)) => signed_out(&core, &report),
        Err(e) => fail(&e),
    }
}

/// Prints the state with what the sign-out did; says plainly when other sessions are still signed in.
fn signed_out(core: &SessionHandle, report: &SignOutReport) -> i32 {
    let mut out = super::status::describe_json(&core.snapshot());
    out["sign_out"] = serde_json::to_value(report).expect("reports serialize");
    println!("{out}");
    let scope = report.scope.as_str();
    let (code, message) = match (report.server, report.scope) {
        (ServerOutcome::Pending, _) => {
            let until = report.pending.as_ref().map_or_else(String::new, |p| format!(" until {}", super::status::rfc3339(p.until).as_str().unwrap_or("")));
            let message = format!("signed out on this computer, but the server could not be reached to end your other sessions ({scope}): they are still signed in; Latchkey retries{until}");
            (exit::SIGN_OUT_PENDING, Some(("sign_out_pending", message)))
        }
        (ServerOutcome::NotEnded, LogoutScope::Global | LogoutScope::Others) => {
            (exit::FAILED, Some(("sign_out_refused", format!("the server did not end your other sessions ({scope}); they may still be signed in"))))
        }
        _ if !report.problems.is_empty() => (exit::FAILED, Some(("sign_out_incomplete", report.problems.join("; ")))),
        _ => (exit::OK, None),
    };
    if let Some((code, message)) = message {
        eprintln!("{}", serde_json::json!({ "code": code, "message": message }));
    }
    code
}

/// Prints the resulting state (exit 0), or the error (`fail`).
fn report(result: Result<SessionHandle, AuthError>) -> i32 {
    match result {
        Ok(core) => {
            println!("{}", super::status::describe_json(&core.snapshot()));
            exit::OK
        }
        Err(e) => fail(&e),
    }
}
