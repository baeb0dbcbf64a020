//! One task owns the session: every change goes through its request channel, and every change is published once, in order.

use crate::api::{AuthApi, LogoutScope};
use crate::clock::Clock;
use crate::error::AuthError;
use crate::events::{AuthEvent, EventKind, Snapshot};
use crate::keychain::SecretStore;
use crate::session::{Session, SignOutReason, StateView};
use secrecy::{ExposeSecret, SecretString};
use std::future::Future;
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

/// Seconds before `exp` at which an access token counts as unusable for revoking (the server allows no leeway).
const EXPIRY_MARGIN_SECS: i64 = 10;

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
pub fn start<A: AuthApi, S: SecretStore, C: Clock>(
    api: A,
    store: S,
    clock: C,
) -> (SessionHandle, impl Future<Output = ()> + Send) {
    let (requests, rx) = mpsc::channel(64);
    let (events, _) = broadcast::channel(256);
    let (current_tx, current) = watch::channel(Snapshot { seq: 0, state: StateView::Initializing });
    let engine = Engine { api, store: Arc::new(store), clock, session: None, current: current_tx, events: events.clone() };
    (SessionHandle { requests, events, current }, engine.run(rx))
}

struct Engine<A, S, C> {
    api: A,
    store: Arc<S>,
    clock: C,
    session: Option<Session>,
    current: watch::Sender<Snapshot>,
    events: broadcast::Sender<AuthEvent>,
}

impl<A: AuthApi, S: SecretStore, C: Clock> Engine<A, S, C> {
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

    /// Reads the keychain, with no network call, and publishes INITIAL_SESSION.
    async fn restore(&mut self) {
        let state = match self.keychain(|s| s.load()).await {
            Ok(Some(record)) => match Session::from_record(record.expose_secret()) {
                Ok(session) => {
                    let view = session.view();
                    self.session = Some(session);
                    view
                }
                Err(e) => {
                    tracing::warn!(code = e.code(), error = %e, "saved session unreadable; left in place");
                    StateView::SignedOut { reason: Some(SignOutReason::StorageCorrupt) }
                }
            },
            Ok(None) => StateView::SignedOut { reason: None },
            Err(e) => {
                tracing::warn!(code = e.code(), error = %e, "keychain unavailable at start");
                StateView::SignedOut { reason: Some(SignOutReason::StorageUnavailable) }
            }
        };
        self.publish(EventKind::InitialSession, state);
    }

    async fn sign_in(&mut self, email: &str, password: &SecretString) -> Result<(), AuthError> {
        let grant = self.api.password_grant(email, password.expose_secret()).await?;
        let now = self.clock.now_unix();
        let session = grant.into_session(now, now);
        let record = session.to_record();
        if let Err(e) = self.keychain(move |s| s.save(&record)).await {
            tracing::warn!(code = e.code(), "sign-in not kept: keychain refused the session; revoking it on the server");
            self.revoke(&session).await;
            return Err(e);
        }
        if let Some(old) = self.session.replace(session) {
            self.revoke(&old).await;
        }
        let view = self.session.as_ref().map(Session::view).unwrap_or(StateView::SignedOut { reason: None });
        self.publish(EventKind::SignedIn, view);
        Ok(())
    }

    /// Clears the keychain and the in-memory session before asking the server, so offline sign-out works.
    async fn sign_out(&mut self) -> Result<(), AuthError> {
        let Some(session) = self.session.take() else { return Ok(()) };
        let deleted = self.keychain(|s| s.delete()).await;
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

    async fn keychain<T: Send + 'static>(
        &self,
        f: impl FnOnce(&S) -> Result<T, AuthError> + Send + 'static,
    ) -> Result<T, AuthError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .unwrap_or_else(|_| Err(AuthError::KeychainUnavailable("the keychain call crashed".into())))
    }

    fn publish(&mut self, event: EventKind, state: StateView) {
        let seq = self.current.borrow().seq + 1;
        self.current.send_replace(Snapshot { seq, state: state.clone() });
        let _ = self.events.send(AuthEvent { seq, event, state });
    }
}

#[cfg(test)]
mod tests;
