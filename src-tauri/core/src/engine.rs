//! One task owns the session: every change goes through its request channel, and every change is published once, in order.

use crate::api::{AuthApi, LogoutScope};
use crate::clock::Clock;
use crate::error::AuthError;
use crate::events::{AuthEvent, EventKind, Snapshot};
use crate::session::{Persistence, Session, SignOutReason, StateView};
use crate::vault::SessionStore;
use secrecy::{ExposeSecret, SecretString};
use std::future::Future;
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

/// Seconds before `exp` at which an access token counts as unusable for revoking (the server allows no leeway).
const EXPIRY_MARGIN_SECS: i64 = 10;
/// A keychain that prompts (or hangs) gets this long before it counts as locked.
const STORE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

type Reply = oneshot::Sender<Result<(), AuthError>>;

enum Request {
    SignIn { email: String, password: SecretString, reply: Reply },
    SignOut { reply: Reply },
}

/// A cheap, clonable handle to the session task.
#[derive(Clone)]
pub struct SessionHandle {
    requests: mpsc::Sender<Request>,
    events: broadcast::Sender<AuthEvent>,
    current: watch::Receiver<Snapshot>,
}

impl SessionHandle {
    /// The current state; never waits on I/O.
    pub fn snapshot(&self) -> Snapshot {
        self.current.borrow().clone()
    }

    /// Events from now on. Pair with `snapshot` and drop events not newer than it.
    pub fn subscribe(&self) -> broadcast::Receiver<AuthEvent> {
        self.events.subscribe()
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

    /// Signs out this device: local state first, then the server session, best effort.
    pub async fn sign_out(&self) -> Result<(), AuthError> {
        self.call(|reply| Request::SignOut { reply }).await
    }

    async fn call(&self, make: impl FnOnce(Reply) -> Request) -> Result<(), AuthError> {
        let (reply, rx) = oneshot::channel();
        self.requests.send(make(reply)).await.map_err(|_| AuthError::Stopped)?;
        rx.await.map_err(|_| AuthError::Stopped)?
    }
}

/// Creates the session task. The caller spawns the future; it ends when every handle is dropped.
pub fn start<A: AuthApi, S: SessionStore, C: Clock>(
    api: A,
    store: S,
    clock: C,
) -> (SessionHandle, impl Future<Output = ()> + Send) {
    let (requests, rx) = mpsc::channel(64);
    let (events, _) = broadcast::channel(256);
    let (current_tx, current) = watch::channel(Snapshot { seq: 0, state: StateView::Initializing });
    let engine = Engine {
        api,
        store: Arc::new(store),
        clock,
        session: None,
        persistence: Persistence::Keychain,
        current: current_tx,
        events: events.clone(),
    };
    (SessionHandle { requests, events, current }, engine.run(rx))
}

struct Engine<A, S, C> {
    api: A,
    store: Arc<S>,
    clock: C,
    session: Option<Session>,
    /// Whether the live session is in the vault, or only in memory because the vault refused it.
    persistence: Persistence,
    current: watch::Sender<Snapshot>,
    events: broadcast::Sender<AuthEvent>,
}

impl<A: AuthApi, S: SessionStore, C: Clock> Engine<A, S, C> {
    async fn run(mut self, mut rx: mpsc::Receiver<Request>) {
        self.restore().await;
        while let Some(request) = rx.recv().await {
            match request {
                Request::SignIn { email, password, reply } => {
                    let _ = reply.send(self.sign_in(&email, &password).await);
                }
                Request::SignOut { reply } => {
                    let _ = reply.send(self.sign_out().await);
                }
            }
        }
    }

    /// Reads the vault, with no network call, and publishes INITIAL_SESSION.
    async fn restore(&mut self) {
        let state = match self.stored(|s| s.load()).await {
            Ok(Some(session)) => {
                let view = session.view(Persistence::Keychain);
                self.session = Some(session);
                view
            }
            Ok(None) => StateView::SignedOut { reason: None },
            Err(e) => {
                tracing::warn!(code = e.code(), error = %e, "the saved session could not be restored");
                let reason = if e.is_storage_unavailable() { SignOutReason::StorageUnavailable } else { SignOutReason::StorageCorrupt };
                StateView::SignedOut { reason: Some(reason) }
            }
        };
        self.publish(EventKind::InitialSession, state);
    }

    /// A session the vault refuses is kept in memory only, and the UI is told it won't survive a restart.
    async fn sign_in(&mut self, email: &str, password: &SecretString) -> Result<(), AuthError> {
        let grant = self.api.password_grant(email, password.expose_secret()).await?;
        let now = self.clock.now_unix();
        let session = grant.into_session(now, now);
        let copy = session.clone();
        self.persistence = match self.stored(move |s| s.save(&copy)).await {
            Ok(()) => Persistence::Keychain,
            Err(e) => {
                tracing::warn!(code = e.code(), error = %e, "the vault refused the session; keeping it in memory only");
                Persistence::MemoryOnly
            }
        };
        if let Some(old) = self.session.replace(session) {
            self.revoke(&old).await;
        }
        let view = self.session.as_ref().map(|s| s.view(self.persistence)).unwrap_or(StateView::SignedOut { reason: None });
        self.publish(EventKind::SignedIn, view);
        Ok(())
    }

    /// Clears the vault and the in-memory session before asking the server, so offline sign-out works.
    async fn sign_out(&mut self) -> Result<(), AuthError> {
        let Some(session) = self.session.take() else { return Ok(()) };
        let deleted = self.stored(|s| s.clear()).await;
        self.publish(EventKind::SignedOut, StateView::SignedOut { reason: Some(SignOutReason::User) });
        self.revoke(&session).await;
        deleted
    }

    /// Ends the server session (`scope=local`), refreshing first if the access token is no longer usable.
    async fn revoke(&self, session: &Session) {
        let result = if session.access_expires_at - EXPIRY_MARGIN_SECS > self.clock.now_unix() {
            self.api.logout(&session.access_token, LogoutScope::Local).await
        } else {
            match self.api.refresh_grant(&session.refresh_token).await {
                Ok(grant) => self.api.logout(&grant.access_token, LogoutScope::Local).await,
                Err(e) => Err(e),
            }
        };
        if let Err(e) = result {
            tracing::warn!(code = e.code(), error = %e, "server sign-out failed; the local session is cleared anyway");
        }
    }

    /// Runs a vault call off the async threads, bounded so a keychain prompt cannot hang the engine.
    async fn stored<T: Send + 'static>(
        &self,
        f: impl FnOnce(&S) -> Result<T, AuthError> + Send + 'static,
    ) -> Result<T, AuthError> {
        let store = self.store.clone();
        match tokio::time::timeout(STORE_TIMEOUT, tokio::task::spawn_blocking(move || f(&store))).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(AuthError::KeychainUnavailable("the keychain call crashed".into())),
            Err(_) => Err(AuthError::KeychainLocked(format!("no answer from the keychain within {} s", STORE_TIMEOUT.as_secs()))),
        }
    }

    fn publish(&mut self, event: EventKind, state: StateView) {
        let seq = self.current.borrow().seq + 1;
        self.current.send_replace(Snapshot { seq, state: state.clone() });
        let _ = self.events.send(AuthEvent { seq, event, state });
    }
}

#[cfg(test)]
mod tests;
