//! One task owns the session: every change goes through its request channel, and every change is published once, in
//! order. The task (`task`, the one `impl Engine`) dispatches to types that each own one concern: the session in hand
//! and who waits for its token (`current`), what is due when (`deadlines`), the signed-in state (`live`, one enum per
//! concern), the pending PKCE flow (`pending_flow`), the account requests (`task::account`), following the vault
//! (`task::follow`), the sign-outs the server has not confirmed (`task::sign_out`), the numbered events
//! (`publisher`), and the network calls, tasks the engine owns (`subtasks`).

mod current;
mod deadlines;
mod live;
mod pending_flow;
mod publisher;
mod requests;
mod rules;
mod storage;
mod subtasks;
mod task;

pub use requests::{Account, Flow, Redirect, Reply};
pub use rules::{EngineRules, BROWSER_SIGN_IN_TIMEOUT, MAX_SESSION_AGE};

use crate::api::{AuthApi, LogoutScope};
use crate::clock::Clock;
use crate::error::AuthError;
use crate::events::{AuthEvent, SignOutReport, Snapshot};
use crate::secret::AccessToken;
use crate::session::{ProviderTokens, StateView};
use crate::vault::{SessionStore, VaultLock};
use publisher::Publisher;
use requests::Request;
use secrecy::SecretString;
use std::future::Future;
use task::Engine;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

/// A cheap, clonable handle to the session task.
#[derive(Clone)]
pub struct SessionHandle {
    requests: mpsc::Sender<Request>,
    events: broadcast::Sender<AuthEvent>,
    current: watch::Receiver<Snapshot>,
    flow_errors: broadcast::Sender<AuthError>,
}

impl SessionHandle {
    /// The current state; never waits on I/O.
    pub fn snapshot(&self) -> Snapshot {
        self.current.borrow().clone()
    }

    /// Snapshots as they change; holding this does not keep the engine alive.
    pub fn watch(&self) -> watch::Receiver<Snapshot> {
        self.current.clone()
    }

    /// Events from now on. Pair with `snapshot` and drop events not newer than it.
    pub fn subscribe(&self) -> broadcast::Receiver<AuthEvent> {
        self.events.subscribe()
    }

    /// Why a sign-in callback (a `latchkey://` link or a loopback redirect) was refused, from now on.
    pub fn flow_errors(&self) -> broadcast::Receiver<AuthError> {
        self.flow_errors.subscribe()
    }

    /// Resolves once INITIAL_SESSION has been published.
    pub async fn initialized(&self) -> Snapshot {
        let mut rx = self.current.clone();
        let snap = rx.wait_for(|s| s.seq >= 1).await.map(|s| s.clone());
        snap.unwrap_or_else(|_| self.snapshot())
    }

    pub async fn sign_in_with_password(&self, email: String, password: String) -> Result<(), AuthError> {
        let password = SecretString::from(password);
        self.call(|reply| Request::SignIn { email, password, reply }).await
    }

    /// Signs out of this device first (`others` keeps it), then asks the server to end the sessions of `scope`; the
    /// report says how that went. A `global` or `others` the server did not confirm is retried (see SERVER_SIGN_OUT).
    pub async fn sign_out(&self, scope: LogoutScope) -> Result<SignOutReport, AuthError> {
        self.call(|reply| Request::SignOut { scope, reply }).await
    }

    /// A valid access token; at expiry every caller waits on the one refresh in flight.
    pub async fn access_token(&self) -> Result<AccessToken, AuthError> {
        self.call(|reply| Request::AccessToken { reply }).await
    }

    /// The identity provider's own tokens from an OAuth sign-in, for apps that call the provider's API (`None` when
    /// the session has none: another sign-in method, or SAML). Rust only: never sent to the window or printed.
    pub async fn provider_tokens(&self) -> Result<Option<ProviderTokens>, AuthError> {
        self.call(|reply| Request::ProviderTokens { reply }).await
    }

    /// Runs one of the other sign-in flows (sign-up, e-mail code, magic link, OAuth, recovery).
    pub async fn flow<T>(&self, make: impl FnOnce(Reply<T>) -> Flow) -> Result<T, AuthError> {
        self.call(|reply| Request::Flow(make(reply))).await
    }

    /// The vault file changed (the process holding its lock wrote it): an engine without the lock re-reads it and
    /// adopts what it holds. Never waits; a change reported while one is queued is covered by that one.
    pub fn vault_changed(&self) {
        let _ = self.requests.try_send(Request::VaultChanged);
    }

    /// This process took the vault lock over (the holder quit): from now on its engine saves and renews the session.
    /// Blocks: call it from the thread that waited for the lock, never from async code.
    pub fn took_lock(&self, lock: VaultLock) {
        let _ = self.requests.blocking_send(Request::TookLock(lock));
    }

    /// Second factors, the password and the e-mail address of the signed-in user.
    pub async fn account<T>(&self, make: impl FnOnce(Reply<T>) -> Account) -> Result<T, AuthError> {
        self.call(|reply| Request::Account(make(reply))).await
    }

    /// Records user activity for the idle timeout.
    pub async fn touch(&self) {
        let _ = self.requests.send(Request::Touch).await;
    }

    async fn call<T>(&self, make: impl FnOnce(Reply<T>) -> Request) -> Result<T, AuthError> {
        let (reply, rx) = oneshot::channel();
        self.requests.send(make(reply)).await.map_err(|_| AuthError::Stopped)?;
        rx.await.map_err(|_| AuthError::Stopped)?
    }
}

/// Creates the session task. The caller spawns the future; it ends when every handle is dropped, and with it every
/// network call the engine started.
pub fn start<A: AuthApi, S: SessionStore, C: Clock>(
    api: A,
    store: S,
    clock: C,
    rules: EngineRules,
) -> (SessionHandle, impl Future<Output = ()> + Send) {
    let (requests, rx) = mpsc::channel(1024);
    let (events, _) = broadcast::channel(256);
    let (flow_errors, _) = broadcast::channel(16);
    let (current_tx, current) = watch::channel(Snapshot::of(0, StateView::Initializing));
    let publisher = Publisher::new(current_tx, events.clone());
    let (engine, answers) = Engine::new(api, store, clock, rules, publisher, flow_errors.clone());
    (SessionHandle { requests, events, current, flow_errors }, engine.run(rx, answers))
}

#[cfg(test)]
mod tests;
