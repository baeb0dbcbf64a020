//! `latchkey sign-in` (with its second factor) / `second-factor` / `sign-out` / `watch`: through the running agent (the
//! window's process) when one answers, so they never meet a busy vault; otherwise the same core as the window over
//! the vault, holding its lock for the whole command (`watch` follows the process that holds it instead), and writing
//! the same audit lines.

use super::{exit, fail};
use latchkey_core::api::LogoutScope;
use latchkey_core::events::{ServerOutcome, SignOutReport};
use latchkey_core::{AuthError, Config, EventKind, SessionHandle, VaultLock};
use latchkey_host::agent::{self, Connection, Password, Reply, Request};
use latchkey_host::status::{describe_json, rfc3339};
use latchkey_host::{Activity, Following, Trail};
use serde_json::Value;
use std::io::{BufRead, IsTerminal};
use zeroize::Zeroizing;
use std::sync::Arc;
use std::time::Duration;

/// Sends `request` to the running agent: `Ok(None)` when none runs, `Err(exit code)` when one cannot be reached.
pub(super) async fn ask_agent(config: &Config, request: &Request) -> Result<Option<Connection>, i32> {
    agent::connect(config, request).await.map_err(|e| {
        eprintln!("latchkey: the running Latchkey cannot be reached ({}): {e}", agent::address(config).display());
        exit::FAILED
    })
}

/// The core over the locked vault, started, with the trail of its events (subscribed before anything happens).
pub(super) async fn locked_core(config: &Config) -> Result<(SessionHandle, Trail), AuthError> {
    let locking = config.clone();
    let lock = tokio::task::spawn_blocking(move || latchkey_host::lock_vault(&locking)).await.map_err(|_| AuthError::Stopped)??;
    started(config, Some(lock))
}

fn started(config: &Config, lock: Option<VaultLock>) -> Result<(SessionHandle, Trail), AuthError> {
    let (handle, task) = latchkey_host::build(config, lock)?;
    let trail = Arc::new(Activity::new(config)).follow(&handle);
    tokio::spawn(task);
    Ok((handle, trail))
}

/// `latchkey watch`: every auth event as one JSON line until interrupted or signed out. The agent's events while it
/// runs; otherwise this process runs the engine (it refreshes and enforces deadlines) with the vault lock, or, while
/// another process holds it, follows that process's writes and takes the lock over when it quits.
pub async fn watch(config: &Config) -> i32 {
    match ask_agent(config, &Request::Watch).await {
        Ok(Some(connection)) => return watch_agent(connection).await,
        Ok(None) => {}
        Err(code) => return code,
    }
    let (_core, mut trail, _following) = match watched_core(config) {
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

/// The core for `watch`: with the lock if it is free now, else following its holder.
fn watched_core(config: &Config) -> Result<(SessionHandle, Trail, Option<Following>), AuthError> {
    match VaultLock::acquire(&config.data_dir, Duration::ZERO) {
        Ok(lock) => started(config, Some(lock)).map(|(core, trail)| (core, trail, None)),
        Err(AuthError::StorageBusy) => {
            let (core, trail) = started(config, None)?;
            let following = latchkey_host::follow(config, &core);
            Ok((core, trail, Some(following)))
        }
        Err(e) => Err(e),
    }
}

async fn watch_agent(mut agent: Connection) -> i32 {
    loop {
        tokio::select! {
            reply = agent.next() => match reply {
                Ok(Some(Reply::Event { event })) => {
                    println!("{event}");
                    if event["event"] == "SIGNED_OUT" {
                        return exit::OK;
                    }
                }
                Ok(Some(other)) => return print_reply(other),
                Ok(None) => {
                    eprintln!("latchkey: the running Latchkey quit");
                    return exit::FAILED;
                }
                Err(e) => {
                    eprintln!("latchkey: the running Latchkey's reply could not be read: {e}");
                    return exit::FAILED;
                }
            },
            _ = tokio::signal::ctrl_c() => return exit::OK,
        }
    }
}

/// The password: typed at a prompt, not echoed, when standard input is a terminal; else the first line of standard
/// input. Kept in memory that is wiped when dropped, and moved (not copied) into the sign-in.
fn read_password() -> Option<Zeroizing<String>> {
    let mut password = if std::io::stdin().is_terminal() {
        Zeroizing::new(rpassword::prompt_password("Password: ").ok()?)
    } else {
        let mut line = Zeroizing::new(String::new());
        std::io::stdin().lock().read_line(&mut line).ok()?;
        line
    };
    let len = password.trim_end_matches(['\r', '\n']).len();
    password.truncate(len);
    (!password.is_empty()).then_some(password)
}

/// One line of standard input, without its line end; `None` when there is none (or it is empty).
fn stdin_line() -> Option<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).ok()?;
    line.truncate(line.trim_end_matches(['\r', '\n']).len());
    Some(line).filter(|l| !l.is_empty())
}

/// Signs in with the password from standard input; when a second factor is due, its code is the next line.
pub async fn sign_in(config: &Config, email: String) -> i32 {
    let Some(mut password) = read_password() else {
        eprintln!("latchkey: no password on standard input");
        return exit::USAGE;
    };
    let request = Request::SignIn { email, password: Password::new(std::mem::take(&mut *password)) };
    match ask_agent(config, &request).await {
        Ok(Some(agent)) => return agent_reply(agent).await,
        Ok(None) => {}
        Err(code) => return code,
    }
    let Request::SignIn { email, password } = request else { unreachable!("built above") };
    report(async {
        let (core, mut trail) = locked_core(config).await?;
        core.initialized().await;
        let result = match core.sign_in_with_password(email, password.take()).await {
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
    match ask_agent(config, &Request::SecondFactor).await {
        Ok(Some(agent)) => return agent_reply(agent).await,
        Ok(None) => {}
        Err(code) => return code,
    }
    report(async {
        let (core, mut trail) = locked_core(config).await?;
        core.initialized().await;
        let result = second_factor(&core).await;
        trail.drain();
        result.map(|()| core)
    }
    .await)
}

/// When the session needs its second factor: asks on standard error, reads the code from standard input, verifies it.
async fn second_factor(core: &SessionHandle) -> Result<(), AuthError> {
    let Some(challenge) = latchkey_host::second_factor::challenge(core).await? else { return Ok(()) };
    let code = ask_code(&challenge.from).ok_or(AuthError::SecondFactorRequired)?;
    latchkey_host::second_factor::verify(core, challenge, &code).await
}

fn ask_code(from: &str) -> Option<String> {
    eprintln!("latchkey: a second factor is needed: enter {from}");
    stdin_line()
}

/// Prints the resulting state (exit 0), or the error (`fail`).
pub(super) fn report(result: Result<SessionHandle, AuthError>) -> i32 {
    match result {
        Ok(core) => {
            println!("{}", describe_json(&core.snapshot()));
            exit::OK
        }
        Err(e) => fail(&e),
    }
}

pub async fn sign_out(config: &Config, scope: Option<String>) -> i32 {
    let scope = match LogoutScope::parse(scope.as_deref()) {
        Ok(scope) => scope,
        Err(e) => return fail(&e),
    };
    match ask_agent(config, &Request::SignOut { scope }).await {
        Ok(Some(agent)) => return agent_reply(agent).await,
        Ok(None) => {}
        Err(code) => return code,
    }
    let result = async {
        let (core, mut trail) = locked_core(config).await?;
        core.initialized().await;
        let result = core.sign_out(scope).await;
        trail.drain();
        result.map(|report| (core, report))
    }
    .await;
    match result {
        Ok((core, report)) => signed_out(describe_json(&core.snapshot()), &report),
        Err(e) => fail(&e),
    }
}

/// The agent's reply, printed as the command prints its own result; a second factor's code is asked for here and
/// sent to it.
pub(super) async fn agent_reply(mut agent: Connection) -> i32 {
    loop {
        match agent.next().await {
            Ok(Some(Reply::CodeNeeded { from })) => {
                let Some(code) = ask_code(&from) else { return fail(&AuthError::SecondFactorRequired) };
                if let Err(e) = agent.send(&Request::Code { code: Password::new(code) }).await {
                    eprintln!("latchkey: the running Latchkey did not take the code: {e}");
                    return exit::FAILED;
                }
            }
            Ok(Some(reply)) => return print_reply(reply),
            Ok(None) => {
                eprintln!("latchkey: the running Latchkey hung up without answering");
                return exit::FAILED;
            }
            Err(e) => {
                eprintln!("latchkey: the running Latchkey's reply could not be read: {e}");
                return exit::FAILED;
            }
        }
    }
}

fn print_reply(reply: Reply) -> i32 {
    match reply {
        Reply::SignedIn { state } => {
            println!("{state}");
            exit::OK
        }
        Reply::SignedOut { state, report } => signed_out(state, &report),
        Reply::Failed { error } => {
            eprintln!("{error}");
            if error["code"] == "storage_busy" { exit::BUSY } else { exit::FAILED }
        }
        Reply::Refused { message } => {
            eprintln!("latchkey: {message}");
            exit::FAILED
        }
        Reply::Event { .. } | Reply::Reset { .. } | Reply::CodeNeeded { .. } => {
            eprintln!("latchkey: the running Latchkey answered something else");
            exit::FAILED
        }
    }
}

/// Prints the state with what the sign-out did; says plainly when other sessions are still signed in.
fn signed_out(mut out: Value, report: &SignOutReport) -> i32 {
    out["sign_out"] = serde_json::to_value(report).expect("reports serialize");
    println!("{out}");
    let scope = report.scope.as_str();
    let (code, message) = match (report.server, report.scope) {
        (ServerOutcome::Pending, _) => {
            let until = report.pending.as_ref().map_or_else(String::new, |p| format!(" until {}", rfc3339(p.until).as_str().unwrap_or("")));
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
