//! `latchkey sign-in` / `sign-out` / `watch`: the same core as the window, holding the vault lock for the whole
//! command, and writing the same audit lines.

use super::{exit, fail};
use latchkey_core::audit::AuditLog;
use latchkey_core::{AuthError, AuthEvent, Clock, Config, SessionHandle, SystemClock, VaultLock};
use tokio::sync::broadcast;

/// The audit lines of the events a command causes (none when policy turns the log off).
struct Audit {
    log: Option<AuditLog>,
    events: broadcast::Receiver<AuthEvent>,
}

impl Audit {
    fn new(config: &Config, handle: &SessionHandle) -> Self {
        Audit { log: AuditLog::from_config(config), events: handle.subscribe() }
    }

    fn record(&self, event: &AuthEvent) {
        if let Some(log) = &self.log {
            log.record(event, SystemClock.now_ms());
        }
    }

    /// Records what has been published so far (every event precedes the reply to the request that caused it).
    fn drain(&mut self) {
        loop {
            match self.events.try_recv() {
                Ok(event) => self.record(&event),
                Err(broadcast::error::TryRecvError::Lagged(_)) => continue,
                Err(_) => break,
            }
        }
    }
}

/// `latchkey watch`: runs the engine headless (it refreshes and enforces deadlines) and prints every event
/// as one JSON line until interrupted or signed out. Holds the vault lock, like the window.
pub async fn watch(config: &Config) -> i32 {
    let dir = config.data_dir.clone();
    let lock = match tokio::task::spawn_blocking(move || VaultLock::acquire(&dir, crate::LOCK_WAIT)).await {
        Ok(Ok(lock)) => lock,
        Ok(Err(e)) => return fail(&e),
        Err(_) => return exit::FAILED,
    };
    let (handle, task) = match crate::build_core(config, Some(lock)) {
        Ok(core) => core,
        Err(e) => return fail(&e),
    };
    let mut events = handle.subscribe();
    let audit = Audit::new(config, &handle);
    tokio::spawn(task);
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(event) => {
                    audit.record(&event);
                    println!("{}", serde_json::to_string(&event).expect("events serialize"));
                    if event.event == latchkey_core::EventKind::SignedOut {
                        return exit::OK;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return exit::FAILED,
            },
            _ = tokio::signal::ctrl_c() => return exit::OK,
        }
    }
}
use std::io::BufRead;

async fn locked_core(config: &Config) -> Result<(SessionHandle, Audit), AuthError> {
    let dir = config.data_dir.clone();
    let lock = tokio::task::spawn_blocking(move || VaultLock::acquire(&dir, crate::LOCK_WAIT)).await.map_err(|_| AuthError::Stopped)??;
    let (handle, task) = crate::build_core(config, Some(lock))?;
    let audit = Audit::new(config, &handle);
    tokio::spawn(task);
    handle.initialized().await;
    Ok((handle, audit))
}

fn print_state(handle: &SessionHandle) {
    println!("{}", super::status::describe_json(&handle.snapshot()));
}

pub async fn sign_in(config: &Config, email: String) -> i32 {
    let mut password = String::new();
    if std::io::stdin().lock().read_line(&mut password).is_err() || password.trim_end_matches(['\r', '\n']).is_empty() {
        eprintln!("latchkey: no password on standard input");
        return exit::USAGE;
    }
    let password = password.trim_end_matches(['\r', '\n']).to_string();
    report(async {
        let (core, mut audit) = locked_core(config).await?;
        let result = core.sign_in_with_password(email, password).await;
        audit.drain();
        result.map(|()| core)
    }
    .await)
}

pub async fn sign_out(config: &Config, scope: Option<String>) -> i32 {
    let scope = match latchkey_core::api::LogoutScope::parse(scope.as_deref()) {
        Ok(scope) => scope,
        Err(e) => return fail(&e),
    };
    report(async {
        let (core, mut audit) = locked_core(config).await?;
        let result = core.sign_out(scope).await;
        audit.drain();
        result.map(|()| core)
    }
    .await)
}

/// Prints the resulting state (exit 0), or the error (`fail`).
fn report(result: Result<SessionHandle, AuthError>) -> i32 {
    match result {
        Ok(core) => {
            print_state(&core);
            exit::OK
        }
        Err(e) => fail(&e),
    }
}
