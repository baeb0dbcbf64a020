//! `latchkey sign-in` (with its second factor) / `second-factor` / `sign-out` / `watch`: the same core as the window, holding the vault lock for the whole
//! command, and writing the same audit lines.

use super::{exit, fail};
use latchkey_core::api::LogoutScope;
use latchkey_core::assurance::FactorType;
use latchkey_core::engine::Account;
use latchkey_core::session::SecondStep;
use latchkey_core::events::{ServerOutcome, SignOutReport};
use latchkey_core::{AuthError, Config, EventKind, SessionHandle, StateView};
use latchkey_host::{Activity, Trail};
use std::io::BufRead;
use std::sync::Arc;

/// The core over the locked vault, started, with the trail of its events (subscribed before anything happens).
pub(super) async fn locked_core(config: &Config) -> Result<(SessionHandle, Trail), AuthError> {
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

/// One line of standard input, without its line end; `None` when there is none (or it is empty).
fn stdin_line() -> Option<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).ok()?;
    Some(line.trim_end_matches(['\r', '\n']).to_string()).filter(|l| !l.is_empty())
}

/// Signs in with the password from standard input; when a second factor is due, its code is the next line.
pub async fn sign_in(config: &Config, email: String) -> i32 {
    let Some(password) = stdin_line() else {
        eprintln!("latchkey: no password on standard input");
        return exit::USAGE;
    };
    report(async {
        let (core, mut trail) = locked_core(config).await?;
        core.initialized().await;
        let result = match core.sign_in_with_password(email, password).await {
            Ok(()) => second_factor(&core).await,
            Err(e) => Err(e),
        };
        trail.drain();
        result.map(|()| core)
    }
    .await)
}

/// `latchkey second-factor`: completes a saved session that waits for its second factor (the code on standard input).
pub async fn complete(config: &Config) -> i32 {
    report(async {
        let (core, mut trail) = locked_core(config).await?;
        core.initialized().await;
        let result = second_factor(&core).await;
        trail.drain();
        result.map(|()| core)
    }
    .await)
}

/// When the session needs its second factor: challenges the first verified factor the policy allows (a phone one is
/// texted its code now), asks on standard error, reads the code from standard input and verifies it.
async fn second_factor(core: &SessionHandle) -> Result<(), AuthError> {
    let StateView::NeedsSecondFactor { user, step, allowed_factors, .. } = core.snapshot().state else { return Ok(()) };
    if step == SecondStep::Enrol {
        return Err(AuthError::SecondFactorRequired); // enrolment shows a QR code: the window does it
    }
    let factor = user.factors.iter().find(|f| f.verified() && allowed_factors.contains(&f.factor_type)).ok_or(AuthError::SecondFactorRequired)?;
    let factor_id = factor.id.clone();
    core.account(|reply| Account::Challenge { factor_id: factor_id.clone(), reply }).await?;
    let from = match (&factor.factor_type, &factor.phone) {
        (FactorType::Phone, Some(phone)) => {
            let last: String = phone.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
            format!("the code texted to the phone ending {last}")
        }
        _ => format!("the code from your authenticator ({})", factor.friendly_name),
    };
    eprintln!("latchkey: a second factor is needed: enter {from}");
    let code = stdin_line().ok_or(AuthError::SecondFactorRequired)?;
    core.account(|reply| Account::Verify { factor_id, code: code.split_whitespace().collect(), reply }).await
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
pub(super) fn report(result: Result<SessionHandle, AuthError>) -> i32 {
    match result {
        Ok(core) => {
            println!("{}", super::status::describe_json(&core.snapshot()));
            exit::OK
        }
        Err(e) => fail(&e),
    }
}
