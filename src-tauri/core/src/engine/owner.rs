//! The session task's state and rules: refresh ahead of expiry, never sign out on an ambiguous failure, end the session at its deadline.

use super::{Reply, Request, EngineRules};
use crate::api::{end_session, AuthApi, Grant, LogoutScope};
use crate::clock::Clock;
use crate::error::{AuthError, Refusal};
use crate::events::{AuthEvent, EventKind, Retry, Snapshot, Subject};
use crate::policy::SignInMethod;
use crate::schedule::{self, Jitter};
use crate::secret::AccessToken;
use crate::session::{Persistence, Session, SignOutReason, StateView, User};
use crate::vault::SessionStore;
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::Instant;
use super::timing::view_of;

/// A keychain that prompts (or hangs) gets this long before it counts as locked.
const STORE_TIMEOUT: Duration = Duration::from_secs(15);

/// The signed-in session and its schedule. Times are wall-clock milliseconds.
pub(super) struct Live {
    pub(super) session: Session,
    pub(super) persistence: Persistence,
    pub(super) received_ms: i64,
    pub(super) next_refresh_ms: i64,
    pub(super) retry: Option<Retry>,
    pub(super) retry_at_ms: i64,
    pub(super) refreshing: bool,
    pub(super) expired_announced: bool,
    pub(super) checking_user: bool,
    pub(super) next_user_check_ms: i64,
    pub(super) last_activity_ms: i64,
    pub(super) warned: usize,
}

impl Live {
    pub(super) fn access_expires_ms(&self) -> i64 {
        self.session.access_expires_at * 1000
    }
    pub(super) fn lifetime_ms(&self) -> i64 {
        (self.access_expires_ms() - self.received_ms).max(0)
    }
    /// The token is handed out only while it has this much life left (the server allows no leeway).
    pub(super) fn usable(&self, now: i64) -> bool {
        self.access_expires_ms() - now > (self.lifetime_ms() / 10).min(10_000)
    }
}

pub(super) enum Net {
    Refresh { generation: u64, result: Result<Grant, AuthError> },
    UserCheck { generation: u64, result: Result<User, AuthError> },
    /// A callback that reached the flow's loopback listener.
    Callback { url: String, reply: Reply<()> },
}

pub(super) struct Engine<A, S, C> {
    pub(super) api: Arc<A>,
    pub(super) store: Arc<S>,
    pub(super) clock: C,
    pub(super) settings: EngineRules,
    pub(super) live: Option<Live>,
    /// The one pending PKCE flow (magic link, OAuth, recovery); its verifier never leaves this task.
    pub(super) flows: super::flows::Flows,
    /// Bumped on every sign-in and sign-out, so a late network answer for an old session is ignored.
    pub(super) generation: u64,
    pub(super) waiters: Vec<Reply<AccessToken>>,
    pub(super) jitter: Jitter,
    pub(super) net_tx: mpsc::Sender<Net>,
    pub(super) net_rx: Option<mpsc::Receiver<Net>>,
    pub(super) current: watch::Sender<Snapshot>,
    pub(super) events: broadcast::Sender<AuthEvent>,
    pub(super) last_wall_ms: i64,
    pub(super) last_mono: Instant,
}

impl<A: AuthApi, S: SessionStore, C: Clock> Engine<A, S, C> {
    pub(super) fn new(api: A, store: S, clock: C, settings: EngineRules, current: watch::Sender<Snapshot>, events: broadcast::Sender<AuthEvent>, flow_errors: broadcast::Sender<AuthError>) -> Self {
        let (net_tx, net_rx) = mpsc::channel(16);
        let last_wall_ms = clock.now_ms();
        Engine {
            api: Arc::new(api),
            store: Arc::new(store),
            jitter: Jitter::new(settings.jitter_seed),
            clock,
            settings,
            live: None,
            flows: super::flows::Flows::new(flow_errors),
            generation: 0,
            waiters: Vec::new(),
            net_tx,
            net_rx: Some(net_rx),
            current,
            events,
            last_wall_ms,
            last_mono: Instant::now(),
        }
    }

    pub(super) async fn run(mut self, mut requests: mpsc::Receiver<Request>) {
        let mut net = self.net_rx.take().expect("run once");
        self.restore().await;
        loop {
            let sleep = self.sleep_for();
            tokio::select! {
                request = requests.recv() => match request {
                    Some(request) => self.handle(request).await,
                    None => break,
                },
                Some(answer) = net.recv() => self.on_net(answer).await,
                _ = tokio::time::sleep(sleep) => {}
            }
            self.tick().await;
        }
    }

    pub(super) fn deadline_ms(&self, session: &Session) -> i64 {
        session.signed_in_at * 1000 + self.settings.max_session_age.as_millis() as i64
    }

    /// Reads the vault, with no network call, and publishes INITIAL_SESSION.
    async fn restore(&mut self) {
        if let Some(problem) = &self.settings.policy_error {
            tracing::error!(%problem, "managed policy is invalid; the saved session is left untouched");
            return self.publish(EventKind::InitialSession, StateView::SignedOut { reason: Some(SignOutReason::Policy) }, None);
        }
        let now = self.clock.now_ms();
        let state = match self.stored(|s| s.load()).await {
            Ok(Some(session)) if now >= self.deadline_ms(&session) => {
                let live = self.new_live(session, self.store.persistence(), now);
                self.live = Some(live);
                return self.end(SignOutReason::Timeout, EventKind::InitialSession).await;
            }
            Ok(Some(session)) => {
                let mut live = self.new_live(session, self.store.persistence(), now);
                live.received_ms = live.session.last_refresh_at.unwrap_or(live.session.signed_in_at) * 1000;
                live.next_refresh_ms = schedule::refresh_at(live.received_ms, live.lifetime_ms(), self.jitter.draw());
                self.live = Some(live);
                self.view(now)
            }
            Ok(None) => StateView::SignedOut { reason: None },
            Err(e) => {
                tracing::warn!(code = e.code(), error = %e, "the saved session could not be restored");
                let reason = if e.is_storage_unavailable() { SignOutReason::StorageUnavailable } else { SignOutReason::StorageCorrupt };
                StateView::SignedOut { reason: Some(reason) }
            }
        };
        self.publish(EventKind::InitialSession, state, None);
    }

    fn new_live(&mut self, session: Session, persistence: Persistence, now: i64) -> Live {
        let lifetime = (session.access_expires_at * 1000 - now).max(0);
        Live {
            next_refresh_ms: schedule::refresh_at(now, lifetime, self.jitter.draw()),
            session,
            persistence,
            received_ms: now,
            retry: None,
            retry_at_ms: 0,
            refreshing: false,
            expired_announced: false,
            checking_user: false,
            next_user_check_ms: now,
            last_activity_ms: now,
            warned: 0,
        }
    }

    async fn handle(&mut self, request: Request) {
        match request {
            Request::SignIn { email, password, reply } => {
                let _ = reply.send(self.sign_in(&email, &password).await);
            }
            Request::SignOut { scope, reply } => {
                let _ = reply.send(self.sign_out(scope).await);
            }
            Request::AccessToken { reply } => {
                self.tick().await; // deadlines first: no token after the session's end
                self.access_token(reply);
            }
            Request::Flow(flow) => self.flow(flow).await,
            Request::Resumed => {
                tracing::info!("resumed from sleep; rechecking the session");
                let now = self.clock.now_ms();
                if let Some(live) = self.live.as_mut() {
                    live.next_user_check_ms = now;
                    // The network may be back; a server that asked us to wait is still obeyed.
                    if live.retry.as_ref().is_some_and(|r| r.cause != "over_request_rate_limit") {
                        live.retry_at_ms = now;
                    }
                }
            }
            Request::Touch => {
                let now = self.clock.now_ms();
                if let Some(live) = self.live.as_mut() {
                    live.last_activity_ms = now;
                }
            }
        }
    }

    /// A session the vault refuses is kept in memory only, and the UI is told it won't survive a restart.
    async fn sign_in(&mut self, email: &str, password: &SecretString) -> Result<(), AuthError> {
        self.method_allowed(SignInMethod::Password)?;
        let grant = self.api.password_grant(email, password.expose_secret()).await?;
        self.establish(grant, EventKind::SignedIn).await;
        Ok(())
    }

    /// Refuses every sign-in while the managed policy is broken.
    pub(super) fn allowed(&self) -> Result<(), AuthError> {
        match &self.settings.policy_error {
            Some(problem) => Err(AuthError::Policy(Refusal::Broken(problem.clone()))),
            None => Ok(()),
        }
    }

    /// Refuses a sign-in method the managed policy does not list (and every method while the policy is broken).
    pub(super) fn method_allowed(&self, method: SignInMethod) -> Result<(), AuthError> {
        self.allowed()?;
        if SignInMethod::allowed(&self.settings.sign_in_methods, &method) {
            return Ok(());
        }
        Err(AuthError::Policy(Refusal::Method(method)))
    }

    /// A new session from any sign-in flow: saved (or kept in memory), replacing and revoking any old one.
    pub(super) async fn establish(&mut self, grant: Grant, event: EventKind) {
        let now = self.clock.now_ms();
        let session = grant.into_session(now.div_euclid(1000), now.div_euclid(1000));
        let persistence = self.persist(&session).await;
        let live = self.new_live(session, persistence, now);
        if let Some(old) = self.live.replace(live) {
            self.revoke(old.session, LogoutScope::Local);
        }
        self.generation += 1;
        self.fail_waiters(AuthError::NotSignedIn);
        self.publish(event, self.view(now), None);
    }

    /// Clears the vault and the in-memory session before asking the server, so offline sign-out works.
    async fn sign_out(&mut self, scope: LogoutScope) -> Result<(), AuthError> {
        let Some(live) = self.live.take() else { return Ok(()) };
        self.generation += 1;
        self.fail_waiters(AuthError::NotSignedIn);
        let cleared = self.stored(|s| s.clear()).await;
        self.publish_ended(EventKind::SignedOut, SignOutReason::User, Subject::of(&live.session));
        let result = end_session(&*self.api, &live.session, scope, self.clock.now_ms()).await;
        if let Err(e) = result {
            tracing::warn!(code = e.code(), error = %e, "server sign-out failed; the local session is cleared anyway");
        }
        cleared
    }

    fn access_token(&mut self, reply: Reply<AccessToken>) {
        let now = self.clock.now_ms();
        let Some(live) = self.live.as_ref() else {
            let _ = reply.send(Err(AuthError::NotSignedIn));
            return;
        };
        if live.usable(now) {
            let _ = reply.send(Ok(live.session.access_token.clone()));
        } else if !live.refreshing && live.retry.is_some() && live.retry_at_ms > now {
            let cause = live.retry.as_ref().map(|r| r.cause.clone()).unwrap_or_default();
            let _ = reply.send(Err(AuthError::RefreshPending { cause, next_at: live.retry_at_ms.div_euclid(1000) }));
        } else {
            self.waiters.push(reply);
            self.start_refresh();
        }
    }

    /// The one place a refresh starts; while one is in flight, nobody starts another.
    pub(super) fn start_refresh(&mut self) {
        let now = self.clock.now_ms();
        let Some(live) = self.live.as_mut() else { return };
        if live.refreshing {
            return;
        }
        live.refreshing = true;
        let (api, token, generation, tx) = (self.api.clone(), live.session.refresh_token.clone(), self.generation, self.net_tx.clone());
        tokio::spawn(async move {
            let result = api.refresh_grant(&token).await;
            let _ = tx.send(Net::Refresh { generation, result }).await;
        });
        self.current.send_modify(|s| s.state = view_of(self.live.as_ref(), &self.settings, now));
    }

    pub(super) fn start_user_check(&mut self) {
        let Some(live) = self.live.as_mut() else { return };
        live.checking_user = true;
        let (api, token, generation, tx) = (self.api.clone(), live.session.access_token.clone(), self.generation, self.net_tx.clone());
        tokio::spawn(async move {
            let result = api.fetch_user(&token).await;
            let _ = tx.send(Net::UserCheck { generation, result }).await;
        });
    }

    /// Saves and publishes a change to the signed-in user.
    pub(super) async fn user_changed(&mut self, user: User) {
        let Some(live) = self.live.as_mut() else { return };
        live.session.user = user;
        let session = live.session.clone();
        let persistence = self.persist(&session).await;
        if let Some(live) = self.live.as_mut() {
            live.persistence = persistence;
        }
        self.publish(EventKind::UserUpdated, self.view(self.clock.now_ms()), None);
    }

    /// The current access token if it is still accepted by the server.
    pub(super) fn usable_token(&self) -> Result<AccessToken, AuthError> {
        let live = self.live.as_ref().ok_or(AuthError::NotSignedIn)?;
        if live.usable(self.clock.now_ms()) {
            Ok(live.session.access_token.clone())
        } else {
            Err(AuthError::RefreshPending { cause: "token_expired".into(), next_at: live.retry_at_ms.div_euclid(1000) })
        }
    }

    /// Ends the session: no more tokens, the vault wiped, the server session ended (best effort, while the
    /// access token is still valid), then the event.
    pub(super) async fn end(&mut self, reason: SignOutReason, event: EventKind) {
        let Some(live) = self.live.take() else { return };
        self.generation += 1;
        self.fail_waiters(AuthError::NotSignedIn);
        if let Err(e) = self.stored(|s| s.clear()).await {
            tracing::warn!(code = e.code(), error = %e, "could not wipe the vault");
        }
        let subject = Subject::of(&live.session);
        if matches!(reason, SignOutReason::Timeout | SignOutReason::IdleTimeout | SignOutReason::Policy) {
            self.revoke(live.session, LogoutScope::Local);
        }
        self.publish_ended(event, reason, subject);
    }

    pub(super) fn view(&self, now: i64) -> StateView {
        view_of(self.live.as_ref(), &self.settings, now)
    }

    pub(super) fn publish_retry(&mut self, now: i64, retry: Retry) {
        let event =
            AuthEvent { seq: 0, event: EventKind::RefreshRetrying, state: self.view(now), reason: None, remaining: None, retry: Some(retry), subject: None };
        self.send(event);
    }

    pub(super) fn publish(&mut self, event: EventKind, state: StateView, reason: Option<SignOutReason>) {
        self.send(AuthEvent { seq: 0, event, state, reason, remaining: None, retry: None, subject: None });
    }

    /// SIGNED_OUT (or INITIAL_SESSION signed out) about a session that is already gone from `live`.
    pub(super) fn publish_ended(&mut self, event: EventKind, reason: SignOutReason, subject: Subject) {
        let state = StateView::SignedOut { reason: Some(reason) };
        self.send(AuthEvent { seq: 0, event, state, reason: Some(reason), remaining: None, retry: None, subject: Some(subject) });
    }

    /// Numbers and publishes an event; one about the live session names it (see [`Subject`]).
    pub(super) fn send(&mut self, mut event: AuthEvent) {
        event.seq = self.current.borrow().seq + 1;
        if event.subject.is_none() {
            event.subject = self.live.as_ref().map(|live| Subject::of(&live.session));
        }
        self.current.send_replace(Snapshot { seq: event.seq, state: event.state.clone() });
        let _ = self.events.send(event);
    }

    pub(super) fn fail_waiters(&mut self, error: AuthError) {
        for waiter in self.waiters.drain(..) {
            let _ = waiter.send(Err(error.clone()));
        }
    }

    /// Saves to the vault; a refusal keeps the session in memory only.
    pub(super) async fn persist(&self, session: &Session) -> Persistence {
        let copy = session.clone();
        match self.stored(move |s| s.save(&copy)).await {
            Ok(()) => self.store.persistence(), // the keychain, or the key file the policy allows
            Err(e) => {
                tracing::warn!(code = e.code(), error = %e, "the vault refused the session; keeping it in memory only");
                Persistence::MemoryOnly
            }
        }
    }

    /// Ends a server session in the background; the local state is already gone.
    pub(super) fn revoke(&self, session: Session, scope: LogoutScope) {
        let (api, now) = (self.api.clone(), self.clock.now_ms());
        tokio::spawn(async move {
            if let Err(e) = end_session(&*api, &session, scope, now).await {
                tracing::debug!(code = e.code(), "best-effort server sign-out failed");
            }
        });
    }

    /// Runs a vault call off the async threads, bounded so a keychain prompt cannot hang the engine.
    pub(super) async fn stored<T: Send + 'static>(&self, f: impl FnOnce(&S) -> Result<T, AuthError> + Send + 'static) -> Result<T, AuthError> {
        let store = self.store.clone();
        match tokio::time::timeout(STORE_TIMEOUT, tokio::task::spawn_blocking(move || f(&store))).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(AuthError::KeychainUnavailable("the keychain call crashed".into())),
            Err(_) => Err(AuthError::KeychainLocked(format!("no answer from the keychain within {} s", STORE_TIMEOUT.as_secs()))),
        }
    }
}
