//! The session task's state and rules: refresh ahead of expiry, never sign out on an ambiguous failure, end the session at its deadline.

use super::{Reply, Request, Settings};
use crate::api::{AuthApi, Grant, LogoutScope};
use crate::clock::Clock;
use crate::error::AuthError;
use crate::events::{AuthEvent, EventKind, Retry, Snapshot};
use crate::schedule::{self, Failure, Jitter};
use crate::secret::AccessToken;
use crate::session::{Freshness, Persistence, Session, SignOutReason, StateView, User};
use crate::vault::SessionStore;
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::Instant;

/// A keychain that prompts (or hangs) gets this long before it counts as locked.
const STORE_TIMEOUT: Duration = Duration::from_secs(15);
/// A wall-clock step this much larger than the monotonic step means a suspend or a clock change.
const JUMP_MS: i64 = 5_000;
/// The engine never wakes more often than this, whatever it computed.
const MIN_SLEEP: Duration = Duration::from_millis(50);
/// Env var for the crash-safety test: abort between the server's rotation and the vault save. Debug builds only.
pub const CRASH_AFTER_ROTATION_ENV: &str = "LATCHKEY_TEST_CRASH_AFTER_ROTATION";

/// The signed-in session and its schedule. Times are wall-clock milliseconds.
struct Live {
    session: Session,
    persistence: Persistence,
    received_ms: i64,
    next_refresh_ms: i64,
    retry: Option<Retry>,
    retry_at_ms: i64,
    refreshing: bool,
    expired_announced: bool,
    checking_user: bool,
    next_user_check_ms: i64,
    last_activity_ms: i64,
    warned: usize,
}

impl Live {
    fn access_expires_ms(&self) -> i64 {
        self.session.access_expires_at * 1000
    }
    fn lifetime_ms(&self) -> i64 {
        (self.access_expires_ms() - self.received_ms).max(0)
    }
    /// The token is handed out only while it has this much life left (the server allows no leeway).
    fn usable(&self, now: i64) -> bool {
        self.access_expires_ms() - now > (self.lifetime_ms() / 10).min(10_000)
    }
}

enum Net {
    Refresh { generation: u64, result: Result<Grant, AuthError> },
    UserCheck { generation: u64, result: Result<User, AuthError> },
}

pub(super) struct Engine<A, S, C> {
    pub(super) api: Arc<A>,
    store: Arc<S>,
    pub(super) clock: C,
    pub(super) settings: Settings,
    live: Option<Live>,
    /// The one pending PKCE flow (magic link, OAuth, recovery); its verifier never leaves this task.
    pub(super) pending_flow: Option<crate::pkce::PkceFlow>,
    /// Bumped on every sign-in and sign-out, so a late network answer for an old session is ignored.
    generation: u64,
    waiters: Vec<Reply<AccessToken>>,
    jitter: Jitter,
    net_tx: mpsc::Sender<Net>,
    net_rx: Option<mpsc::Receiver<Net>>,
    current: watch::Sender<Snapshot>,
    events: broadcast::Sender<AuthEvent>,
    last_wall_ms: i64,
    last_mono: Instant,
}

impl<A: AuthApi, S: SessionStore, C: Clock> Engine<A, S, C> {
    pub(super) fn new(api: A, store: S, clock: C, settings: Settings, current: watch::Sender<Snapshot>, events: broadcast::Sender<AuthEvent>) -> Self {
        let (net_tx, net_rx) = mpsc::channel(16);
        let last_wall_ms = clock.now_ms();
        Engine {
            api: Arc::new(api),
            store: Arc::new(store),
            jitter: Jitter::new(settings.jitter_seed),
            clock,
            settings,
            live: None,
            pending_flow: None,
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

    fn deadline_ms(&self, session: &Session) -> i64 {
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
                let live = self.new_live(session, Persistence::Keychain, now);
                self.live = Some(live);
                return self.end(SignOutReason::Timeout, EventKind::InitialSession).await;
            }
            Ok(Some(session)) => {
                let mut live = self.new_live(session, Persistence::Keychain, now);
                live.received_ms = live.session.last_refresh_at.unwrap_or(live.session.signed_in_at) * 1000;
                live.next_refresh_ms = schedule::refresh_at(live.received_ms, live.lifetime_ms(), self.jitter.next());
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
            next_refresh_ms: schedule::refresh_at(now, lifetime, self.jitter.next()),
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
        if let Some(problem) = &self.settings.policy_error {
            return Err(AuthError::Policy(problem.clone()));
        }
        if !self.settings.password_allowed {
            return Err(AuthError::Policy("your organization does not allow signing in with a password".into()));
        }
        let grant = self.api.password_grant(email, password.expose_secret()).await?;
        self.establish(grant, EventKind::SignedIn).await;
        Ok(())
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
        self.publish(EventKind::SignedOut, StateView::SignedOut { reason: Some(SignOutReason::User) }, Some(SignOutReason::User));
        let result = revoke_now(self.api.clone(), live.session, scope, self.clock.now_ms()).await;
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
    fn start_refresh(&mut self) {
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

    fn start_user_check(&mut self) {
        let Some(live) = self.live.as_mut() else { return };
        live.checking_user = true;
        let (api, token, generation, tx) = (self.api.clone(), live.session.access_token.clone(), self.generation, self.net_tx.clone());
        tokio::spawn(async move {
            let result = api.fetch_user(&token).await;
            let _ = tx.send(Net::UserCheck { generation, result }).await;
        });
    }

    async fn on_net(&mut self, answer: Net) {
        match answer {
            Net::Refresh { generation, result } if generation == self.generation => self.on_refresh(result).await,
            Net::UserCheck { generation, result } if generation == self.generation => self.on_user_check(result).await,
            _ => {} // an answer about a session that has since ended
        }
    }

    /// The new refresh token is saved before anything uses or publishes it.
    async fn on_refresh(&mut self, result: Result<Grant, AuthError>) {
        let now = self.clock.now_ms();
        let Some(live) = self.live.as_mut() else { return };
        live.refreshing = false;
        match result {
            Ok(grant) => {
                let mut session = grant.into_session(now.div_euclid(1000), live.session.signed_in_at);
                session.last_refresh_at = Some(now.div_euclid(1000));
                crash_point_after_rotation();
                let persistence = self.persist(&session).await;
                let u = self.jitter.next();
                let Some(live) = self.live.as_mut() else { return };
                live.session = session;
                live.persistence = persistence;
                live.received_ms = now;
                live.next_refresh_ms = schedule::refresh_at(now, live.lifetime_ms(), u);
                live.retry = None;
                live.expired_announced = false;
                let token = live.session.access_token.clone();
                for waiter in self.waiters.drain(..) {
                    let _ = waiter.send(Ok(token.clone()));
                }
                self.publish(EventKind::TokenRefreshed, self.view(now), None);
            }
            Err(e) => match schedule::classify(&e) {
                Failure::Terminal(reason) => {
                    tracing::info!(code = e.code(), "the server ended the session");
                    self.end(reason, EventKind::SignedOut).await;
                }
                failure => {
                    let attempt = live.retry.as_ref().map_or(1, |r| r.attempt + 1);
                    live.retry_at_ms = now + schedule::retry_delay_ms(&failure, attempt, self.jitter.next());
                    let retry = Retry { attempt, next_at: live.retry_at_ms.div_euclid(1000), cause: e.code().to_string() };
                    live.retry = Some(retry.clone());
                    tracing::warn!(code = e.code(), attempt, "refresh failed; retrying later, the session is kept");
                    let usable = live.usable(now).then(|| live.session.access_token.clone());
                    live.expired_announced = usable.is_none();
                    for waiter in self.waiters.drain(..) {
                        let _ = waiter.send(usable.clone().ok_or_else(|| e.clone()));
                    }
                    self.publish_retry(now, retry);
                }
            },
        }
    }

    /// `GET /user` tells whether the session was ended elsewhere (sign-out everywhere, password change, ban).
    async fn on_user_check(&mut self, result: Result<User, AuthError>) {
        let now = self.clock.now_ms();
        let interval = self.settings.user_check_interval.as_millis() as i64;
        let Some(live) = self.live.as_mut() else { return };
        live.checking_user = false;
        live.next_user_check_ms = now + interval;
        match result {
            Ok(user) if user != live.session.user => self.user_changed(user).await,
            Ok(_) => {}
            Err(e) if matches!(e.code(), "session_not_found" | "user_not_found" | "user_banned") => {
                tracing::info!(code = e.code(), "the session was ended elsewhere");
                self.end(SignOutReason::Revoked, EventKind::SignedOut).await;
            }
            Err(e) => tracing::debug!(code = e.code(), "user check inconclusive"),
        }
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
    async fn end(&mut self, reason: SignOutReason, event: EventKind) {
        let Some(live) = self.live.take() else { return };
        self.generation += 1;
        self.fail_waiters(AuthError::NotSignedIn);
        if let Err(e) = self.stored(|s| s.clear()).await {
            tracing::warn!(code = e.code(), error = %e, "could not wipe the vault");
        }
        if matches!(reason, SignOutReason::Timeout | SignOutReason::IdleTimeout | SignOutReason::Policy) {
            self.revoke(live.session, LogoutScope::Local);
        }
        self.publish(event, StateView::SignedOut { reason: Some(reason) }, Some(reason));
    }

    /// Applies the wall-clock rules; called after every wake, whatever woke the task.
    async fn tick(&mut self) {
        let now = self.clock.now_ms();
        self.notice_jumps(now);
        let Some(live) = self.live.as_ref() else { return };
        if now >= self.deadline_ms(&live.session) {
            return self.end(SignOutReason::Timeout, EventKind::SignedOut).await;
        }
        if self.settings.idle_timeout.is_some_and(|idle| now >= live.last_activity_ms + idle.as_millis() as i64) {
            return self.end(SignOutReason::IdleTimeout, EventKind::SignedOut).await;
        }
        self.warn_expiring(now);
        let live = self.live.as_ref().expect("checked above");
        let due = if live.retry.is_some() { now >= live.retry_at_ms } else { now >= live.next_refresh_ms };
        if due && !live.refreshing {
            self.start_refresh();
        }
        let live = self.live.as_ref().expect("checked above");
        if live.retry.is_some() && !live.expired_announced && !live.usable(now) {
            let retry = live.retry.clone().expect("checked");
            self.live.as_mut().expect("checked").expired_announced = true;
            self.publish_retry(now, retry);
        }
        let live = self.live.as_ref().expect("checked above");
        if now >= live.next_user_check_ms && !live.checking_user && !live.refreshing && live.usable(now) {
            self.start_user_check();
        }
    }

    /// A suspend or a clock change shows as wall time moving much more than monotonic time.
    fn notice_jumps(&mut self, now: i64) {
        let mono = Instant::now();
        let jump = (now - self.last_wall_ms) - mono.duration_since(self.last_mono).as_millis() as i64;
        (self.last_wall_ms, self.last_mono) = (now, mono);
        if jump > JUMP_MS {
            tracing::info!(jump_ms = jump, "the wall clock jumped (resume from sleep, or a clock change); rechecking");
            if let Some(live) = self.live.as_mut() {
                live.next_user_check_ms = now;
            }
        }
    }

    fn warn_expiring(&mut self, now: i64) {
        let Some(live) = self.live.as_ref() else { return };
        let deadline = self.deadline_ms(&live.session);
        let passed = self.settings.expiring_warnings.iter().filter(|w| now >= deadline - w.as_millis() as i64).count();
        if passed > live.warned {
            self.live.as_mut().expect("checked").warned = passed;
            let event = AuthEvent {
                seq: 0,
                event: EventKind::SessionExpiring,
                state: self.view(now),
                reason: None,
                remaining: Some((deadline - now).div_euclid(1000)),
                retry: None,
            };
            self.send(event);
        }
    }

    /// How long to sleep: until the next thing that is due, never longer than the wall-clock check interval.
    fn sleep_for(&self) -> Duration {
        let now = self.clock.now_ms();
        let mut wake = now + self.settings.wall_check_interval.as_millis() as i64;
        if let Some(live) = &self.live {
            let deadline = self.deadline_ms(&live.session);
            let mut candidates = vec![deadline];
            if !live.refreshing {
                candidates.push(if live.retry.is_some() { live.retry_at_ms } else { live.next_refresh_ms });
            }
            if live.retry.is_some() && !live.expired_announced {
                candidates.push(live.access_expires_ms());
            }
            if !live.checking_user {
                candidates.push(live.next_user_check_ms);
            }
            if let Some(idle) = self.settings.idle_timeout {
                candidates.push(live.last_activity_ms + idle.as_millis() as i64);
            }
            candidates.extend(self.settings.expiring_warnings.iter().map(|w| deadline - w.as_millis() as i64).filter(|&t| t > now));
            wake = candidates.into_iter().fold(wake, i64::min);
        }
        Duration::from_millis((wake - now).max(0) as u64).max(MIN_SLEEP)
    }

    pub(super) fn view(&self, now: i64) -> StateView {
        view_of(self.live.as_ref(), &self.settings, now)
    }

    fn publish_retry(&mut self, now: i64, retry: Retry) {
        let event = AuthEvent { seq: 0, event: EventKind::RefreshRetrying, state: self.view(now), reason: None, remaining: None, retry: Some(retry) };
        self.send(event);
    }

    pub(super) fn publish(&mut self, event: EventKind, state: StateView, reason: Option<SignOutReason>) {
        self.send(AuthEvent { seq: 0, event, state, reason, remaining: None, retry: None });
    }

    fn send(&mut self, mut event: AuthEvent) {
        event.seq = self.current.borrow().seq + 1;
        self.current.send_replace(Snapshot { seq: event.seq, state: event.state.clone() });
        let _ = self.events.send(event);
    }

    fn fail_waiters(&mut self, error: AuthError) {
        for waiter in self.waiters.drain(..) {
            let _ = waiter.send(Err(error.clone()));
        }
    }

    /// Saves to the vault; a refusal keeps the session in memory only.
    pub(super) async fn persist(&self, session: &Session) -> Persistence {
        let copy = session.clone();
        match self.stored(move |s| s.save(&copy)).await {
            Ok(()) => Persistence::Keychain,
            Err(e) => {
                tracing::warn!(code = e.code(), error = %e, "the vault refused the session; keeping it in memory only");
                Persistence::MemoryOnly
            }
        }
    }

    /// Ends a server session in the background; the local state is already gone.
    fn revoke(&self, session: Session, scope: LogoutScope) {
        let (api, now) = (self.api.clone(), self.clock.now_ms());
        tokio::spawn(async move {
            if let Err(e) = revoke_now(api, session, scope, now).await {
                tracing::debug!(code = e.code(), "best-effort server sign-out failed");
            }
        });
    }

    /// Runs a vault call off the async threads, bounded so a keychain prompt cannot hang the engine.
    async fn stored<T: Send + 'static>(&self, f: impl FnOnce(&S) -> Result<T, AuthError> + Send + 'static) -> Result<T, AuthError> {
        let store = self.store.clone();
        match tokio::time::timeout(STORE_TIMEOUT, tokio::task::spawn_blocking(move || f(&store))).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(AuthError::KeychainUnavailable("the keychain call crashed".into())),
            Err(_) => Err(AuthError::KeychainLocked(format!("no answer from the keychain within {} s", STORE_TIMEOUT.as_secs()))),
        }
    }
}

/// `/logout` with the access token, refreshing first if it is no longer accepted (the server allows no leeway).
async fn revoke_now<A: AuthApi>(api: Arc<A>, session: Session, scope: LogoutScope, now_ms: i64) -> Result<(), AuthError> {
    if session.access_expires_at * 1000 - now_ms > 5_000 {
        api.logout(&session.access_token, scope).await
    } else {
        let grant = api.refresh_grant(&session.refresh_token).await?;
        api.logout(&grant.access_token, scope).await
    }
}

fn view_of(live: Option<&Live>, settings: &Settings, now: i64) -> StateView {
    let Some(live) = live else { return StateView::SignedOut { reason: None } };
    let s = &live.session;
    let deadline_at = s.signed_in_at + settings.max_session_age.as_secs() as i64;
    if now >= live.access_expires_ms() {
        return StateView::Expired {
            user: s.user.clone(),
            signed_in_at: s.signed_in_at,
            persistence: live.persistence,
            deadline_at,
            next_retry_at: if live.retry.is_some() { live.retry_at_ms } else { now }.div_euclid(1000),
        };
    }
    let freshness = if live.refreshing {
        Freshness::Refreshing
    } else if live.retry.is_some() {
        Freshness::OfflineValid
    } else {
        Freshness::Fresh
    };
    StateView::SignedIn {
        user: s.user.clone(),
        access_expires_at: s.access_expires_at,
        signed_in_at: s.signed_in_at,
        persistence: live.persistence,
        freshness,
        deadline_at,
        next_refresh_at: if live.retry.is_some() { live.retry_at_ms } else { live.next_refresh_ms }.div_euclid(1000),
    }
}

/// Test hook for crash-safe rotation: dies after the server rotated the token and before the vault saved it.
fn crash_point_after_rotation() {
    if cfg!(debug_assertions) && std::env::var_os(CRASH_AFTER_ROTATION_ENV).is_some() {
        eprintln!("latchkey: {CRASH_AFTER_ROTATION_ENV} is set: aborting between rotation and save");
        std::process::abort();
    }
}
