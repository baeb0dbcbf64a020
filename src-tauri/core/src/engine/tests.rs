//! Deterministic engine tests: tokio's paused time drives the timers and a fake wall clock that can also jump.

use super::*;
use crate::api::Grant;
use crate::events::EventKind;
use crate::secret::RefreshToken;
use crate::session::{sample, Freshness, Persistence, Session, SignOutReason, User};
use crate::vault::MemoryStore;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::time::Instant;

const T0: i64 = 1_800_000_000_000; // wall ms at test start
const HOUR: i64 = 3_600;

/// Wall time = T0 + tokio's (paused) elapsed time + any jump the test makes.
#[derive(Clone)]
struct FakeClock {
    start: Instant,
    jumped_ms: Arc<AtomicI64>,
}

impl FakeClock {
    fn new() -> Self {
        FakeClock { start: Instant::now(), jumped_ms: Arc::new(AtomicI64::new(0)) }
    }
    fn jump(&self, secs: i64) {
        self.jumped_ms.fetch_add(secs * 1000, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn now_ms(&self) -> i64 {
        T0 + self.start.elapsed().as_millis() as i64 + self.jumped_ms.load(Ordering::SeqCst)
    }
}

/// A scripted GoTrue: refresh answers come from a queue (then succeed), every call is counted.
#[derive(Clone, Default)]
struct FakeApi {
    refreshes: Arc<AtomicUsize>,
    logouts: Arc<Mutex<Vec<LogoutScope>>>,
    refresh_script: Arc<Mutex<VecDeque<Result<(), AuthError>>>>,
    user_script: Arc<Mutex<VecDeque<Result<User, AuthError>>>>,
    lifetime: Arc<AtomicI64>,
    refresh_delay_ms: Arc<AtomicI64>,
}

impl FakeApi {
    fn new(lifetime_secs: i64) -> Self {
        let api = FakeApi::default();
        api.lifetime.store(lifetime_secs, Ordering::SeqCst);
        api
    }
    fn then_refresh(&self, result: Result<(), AuthError>) -> &Self {
        self.refresh_script.lock().unwrap().push_back(result);
        self
    }
    fn grant(&self, n: usize) -> Grant {
        Grant {
            access_token: AccessToken::new(format!("at-{n}")),
            refresh_token: RefreshToken::new(format!("rt-{n}")),
            expires_in: self.lifetime.load(Ordering::SeqCst),
            session_id: Some("sid".into()),
            user: user(),
            server_time: None,
        }
    }
}

fn user() -> User {
    User { id: "u1".into(), email: "a@b.c".into() }
}

fn server(code: &str, message: &str) -> AuthError {
    AuthError::Server { status: 400, code: code.into(), message: message.into() }
}

fn offline() -> AuthError {
    AuthError::Unreachable { url: "http://x".into(), detail: "connection refused".into() }
}

impl AuthApi for FakeApi {
    async fn password_grant(&self, _: &str, password: &str) -> Result<Grant, AuthError> {
        match password {
            "good" => Ok(self.grant(0)),
            _ => Err(server("invalid_credentials", "Invalid login credentials")),
        }
    }
    async fn refresh_grant(&self, _: &RefreshToken) -> Result<Grant, AuthError> {
        let n = self.refreshes.fetch_add(1, Ordering::SeqCst) + 1;
        let delay = self.refresh_delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(delay as u64)).await;
        }
        let scripted = self.refresh_script.lock().unwrap().pop_front();
        scripted.unwrap_or(Ok(())).map(|_| self.grant(n))
    }
    async fn logout(&self, _: &AccessToken, scope: LogoutScope) -> Result<(), AuthError> {
        self.logouts.lock().unwrap().push(scope);
        Ok(())
    }
    async fn fetch_user(&self, _: &AccessToken) -> Result<User, AuthError> {
        self.user_script.lock().unwrap().pop_front().unwrap_or(Ok(user()))
    }
}

/// A store that can be told to fail.
#[derive(Default)]
struct Store {
    inner: MemoryStore,
    fail_with: Mutex<Option<&'static str>>,
}

impl Store {
    fn check(&self) -> Result<(), AuthError> {
        match *self.fail_with.lock().unwrap() {
            None => Ok(()),
            Some("keychain_locked") => Err(AuthError::KeychainLocked("locked (test)".into())),
            Some("storage_corrupt") => Err(AuthError::StorageCorrupt { kind: crate::Corruption::Tampered, detail: "test".into() }),
            Some(_) => Err(AuthError::KeychainUnavailable("unavailable (test)".into())),
        }
    }
    fn fail(&self, code: &'static str) {
        *self.fail_with.lock().unwrap() = Some(code);
    }
    fn stored(&self) -> Option<Session> {
        self.inner.load().unwrap()
    }
}

impl SessionStore for Store {
    fn load(&self) -> Result<Option<Session>, AuthError> {
        self.check()?;
        self.inner.load()
    }
    fn save(&self, session: &Session) -> Result<(), AuthError> {
        self.check()?;
        self.inner.save(session)
    }
    fn clear(&self) -> Result<(), AuthError> {
        self.check()?;
        self.inner.clear()
    }
}

struct Rig {
    api: FakeApi,
    store: Arc<Store>,
    clock: FakeClock,
    handle: SessionHandle,
    events: broadcast::Receiver<AuthEvent>,
}

impl Rig {
    /// Next event of one of `kinds`, skipping others (time auto-advances while waiting).
    /// Bounded in virtual time, so a missing event fails the test instead of hanging it.
    async fn next(&mut self, kinds: &[EventKind]) -> AuthEvent {
        let wait = async {
            loop {
                let e = self.events.recv().await.expect("engine alive");
                if kinds.contains(&e.event) {
                    return e;
                }
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(48 * 3600), wait).await.unwrap_or_else(|_| panic!("no {kinds:?} within 48 h"))
    }
    fn now_s(&self) -> i64 {
        self.clock.now_ms() / 1000
    }
}

async fn rig_with(api: FakeApi, store: Arc<Store>, settings: Settings) -> Rig {
    let clock = FakeClock::new();
    let (handle, task) = start(api.clone(), store.clone(), clock.clone(), settings);
    let events = handle.subscribe();
    tokio::spawn(task);
    handle.initialized().await;
    Rig { api, store, clock, handle, events }
}

fn settings() -> Settings {
    Settings { jitter_seed: 7, ..Settings::default() }
}

/// Signed in with a token that lives `lifetime` seconds.
async fn signed_in(lifetime: i64, settings: Settings) -> Rig {
    let mut rig = rig_with(FakeApi::new(lifetime), Arc::new(Store::default()), settings).await;
    rig.handle.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap();
    rig.next(&[EventKind::SignedIn]).await;
    rig
}

fn signed_out(reason: Option<SignOutReason>) -> StateView {
    StateView::SignedOut { reason }
}

#[tokio::test(start_paused = true)]
async fn initial_session_is_the_first_event_and_needs_no_network() {
    let store = Arc::new(Store::default());
    store.save(&sample((T0 / 1000) - 10)).unwrap();
    let api = FakeApi::new(HOUR);
    let (handle, task) = start(api.clone(), store, FakeClock::new(), settings());
    let mut events = handle.subscribe();
    tokio::spawn(task);
    let first = events.recv().await.unwrap();
    assert_eq!((first.seq, first.event), (1, EventKind::InitialSession));
    assert!(matches!(first.state, StateView::SignedIn { freshness: Freshness::Fresh, .. }), "{:?}", first.state);
    assert_eq!(api.refreshes.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn sign_in_saves_to_the_vault_then_publishes_signed_in() {
    let rig = signed_in(HOUR, settings()).await;
    let saved = rig.store.stored().unwrap();
    assert_eq!((saved.refresh_token.expose(), saved.signed_in_at), ("rt-0", T0 / 1000));
    assert!(matches!(rig.handle.snapshot().state, StateView::SignedIn { deadline_at, .. } if deadline_at == T0 / 1000 + 24 * HOUR));
}

#[tokio::test(start_paused = true)]
async fn wrong_password_is_invalid_credentials_and_changes_nothing() {
    let rig = rig_with(FakeApi::new(HOUR), Arc::new(Store::default()), settings()).await;
    let err = rig.handle.sign_in_with_password("a@b.c".into(), "bad".into()).await.unwrap_err();
    assert_eq!(err.code(), "invalid_credentials");
    assert_eq!(rig.handle.snapshot(), Snapshot { seq: 1, state: signed_out(None) });
}

#[tokio::test(start_paused = true)]
async fn a_sign_in_the_vault_refuses_is_kept_in_memory_only_and_says_so() {
    let store = Arc::new(Store::default());
    let rig = rig_with(FakeApi::new(HOUR), store.clone(), settings()).await;
    store.fail("keychain_locked");
    rig.handle.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap();
    assert!(matches!(rig.handle.snapshot().state, StateView::SignedIn { persistence: Persistence::MemoryOnly, .. }));
    assert!(rig.api.logouts.lock().unwrap().is_empty(), "the session is in use, not revoked");
}

#[tokio::test(start_paused = true)]
async fn sign_out_clears_the_vault_first_then_revokes_with_the_chosen_scope() {
    for scope in [LogoutScope::Local, LogoutScope::Global, LogoutScope::Others] {
        let rig = signed_in(HOUR, settings()).await;
        rig.handle.sign_out(scope).await.unwrap();
        assert!(rig.store.stored().is_none());
        assert_eq!(rig.handle.snapshot().state, signed_out(Some(SignOutReason::User)));
        assert_eq!(*rig.api.logouts.lock().unwrap(), vec![scope]);
        assert_eq!(rig.handle.access_token().await.unwrap_err().code(), "not_signed_in");
    }
}

#[tokio::test(start_paused = true)]
async fn storage_problems_at_start_are_named() {
    for (failure, reason) in [("keychain_unavailable", SignOutReason::StorageUnavailable), ("storage_corrupt", SignOutReason::StorageCorrupt)] {
        let store = Arc::new(Store::default());
        store.fail(failure);
        let rig = rig_with(FakeApi::new(HOUR), store, settings()).await;
        assert_eq!(rig.handle.snapshot().state, signed_out(Some(reason)));
    }
}

#[tokio::test(start_paused = true)]
async fn refresh_happens_at_half_life_over_many_cycles_and_never_moves_the_deadline() {
    let mut rig = signed_in(600, settings()).await;
    let deadline = T0 / 1000 + 24 * HOUR;
    let mut last = rig.now_s();
    for cycle in 1..=5 {
        let e = rig.next(&[EventKind::TokenRefreshed, EventKind::SignedOut]).await;
        assert_eq!(e.event, EventKind::TokenRefreshed);
        let waited = rig.now_s() - last;
        assert!((240..=360).contains(&waited), "cycle {cycle}: refreshed after {waited} s of a 600 s token");
        last = rig.now_s();
        assert!(matches!(e.state, StateView::SignedIn { deadline_at, freshness: Freshness::Fresh, .. } if deadline_at == deadline));
        assert_eq!(rig.handle.access_token().await.unwrap().expose(), format!("at-{cycle}"));
        assert_eq!(rig.store.stored().unwrap().refresh_token.expose(), format!("rt-{cycle}"), "saved before use");
    }
}

#[tokio::test(start_paused = true)]
async fn a_thousand_callers_at_expiry_cause_exactly_one_refresh() {
    let mut rig = signed_in(HOUR, settings()).await;
    rig.api.refresh_delay_ms.store(200, Ordering::SeqCst);
    rig.clock.jump(HOUR); // the token is now expired, and the engine has not woken yet
    let calls: Vec<_> = (0..1000).map(|_| { let h = rig.handle.clone(); tokio::spawn(async move { h.access_token().await }) }).collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap().expose(), "at-1");
    }
    assert_eq!(rig.api.refreshes.load(Ordering::SeqCst), 1);
    rig.next(&[EventKind::TokenRefreshed]).await;
}

#[tokio::test(start_paused = true)]
async fn network_failures_retry_with_backoff_and_never_sign_out_while_the_token_is_valid() {
    let mut rig = signed_in(HOUR, settings()).await;
    rig.api.then_refresh(Err(offline())).then_refresh(Err(server("unexpected_failure", "").with_status(503))).then_refresh(Err(offline()));
    for attempt in 1..=3 {
        let e = rig.next(&[EventKind::RefreshRetrying, EventKind::SignedOut]).await;
        assert_eq!(e.event, EventKind::RefreshRetrying);
        let retry = e.retry.unwrap();
        assert_eq!(retry.attempt, attempt);
        assert!(retry.next_at > rig.now_s() - 1);
        assert!(matches!(e.state, StateView::SignedIn { freshness: Freshness::OfflineValid, .. }));
        assert_eq!(rig.handle.access_token().await.unwrap().expose(), "at-0", "the valid token is still handed out");
    }
    assert_eq!(rig.next(&[EventKind::TokenRefreshed, EventKind::SignedOut]).await.event, EventKind::TokenRefreshed);
}

#[tokio::test(start_paused = true)]
async fn a_refused_certificate_or_an_unreachable_proxy_is_retried_and_never_signs_out() {
    let mut rig = signed_in(HOUR, settings()).await;
    let tls = AuthError::TlsUntrusted { url: "https://x".into(), detail: "issued by an authority this computer does not trust".into() };
    let proxy = AuthError::ProxyUnreachable { proxy: "http://proxy:3128".into(), url: "https://x".into(), detail: "refused".into() };
    rig.api.then_refresh(Err(tls)).then_refresh(Err(proxy));
    for (attempt, cause) in [(1, "tls_untrusted"), (2, "proxy_unreachable")] {
        let e = rig.next(&[EventKind::RefreshRetrying, EventKind::SignedOut]).await;
        let retry = e.retry.expect("a retry is scheduled");
        assert_eq!((e.event, retry.attempt, retry.cause.as_str()), (EventKind::RefreshRetrying, attempt, cause));
        assert!(retry.next_at - rig.now_s() <= crate::schedule::BACKOFF_CAP_MS / 1000, "retried like a network failure");
    }
    assert_eq!(rig.next(&[EventKind::TokenRefreshed, EventKind::SignedOut]).await.event, EventKind::TokenRefreshed);
    assert!(rig.store.stored().is_some(), "the session was kept throughout");
}

#[tokio::test(start_paused = true)]
async fn offline_past_expiry_is_expired_and_retrying_not_signed_out() {
    let mut rig = signed_in(60, settings()).await;
    for _ in 0..20 {
        rig.api.then_refresh(Err(offline()));
    }
    let expired = loop {
        let e = rig.next(&[EventKind::RefreshRetrying, EventKind::SignedOut]).await;
        assert_eq!(e.event, EventKind::RefreshRetrying);
        if matches!(e.state, StateView::Expired { .. }) {
            break e;
        }
    };
    assert!(rig.now_s() >= T0 / 1000 + 60);
    let err = rig.handle.access_token().await.unwrap_err();
    assert!(["refresh_pending", "server_unreachable"].contains(&err.code()), "{err:?}");
    assert!(rig.store.stored().is_some(), "nothing wiped: {expired:?}");
}

#[tokio::test(start_paused = true)]
async fn a_429_waits_at_least_retry_after() {
    let mut rig = signed_in(HOUR, settings()).await;
    rig.api.then_refresh(Err(AuthError::RateLimited { retry_after_secs: Some(120), message: "slow down".into() }));
    let e = rig.next(&[EventKind::RefreshRetrying]).await;
    let failed_at = rig.now_s();
    assert!(e.retry.unwrap().next_at >= failed_at + 120);
    rig.next(&[EventKind::TokenRefreshed]).await;
    assert!(rig.now_s() >= failed_at + 120, "retried after {} s", rig.now_s() - failed_at);
    assert_eq!(rig.api.refreshes.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn terminal_answers_end_the_session_with_the_matching_reason() {
    let rows = [
        (server("refresh_token_not_found", ""), SignOutReason::Revoked),
        (server("refresh_token_already_used", ""), SignOutReason::Revoked),
        (server("session_expired", "Invalid Refresh Token: Session Expired"), SignOutReason::Timeout),
        (server("session_expired", "Invalid Refresh Token: Session Expired (Inactivity)"), SignOutReason::IdleTimeout),
    ];
    for (answer, reason) in rows {
        let mut rig = signed_in(HOUR, settings()).await;
        rig.api.then_refresh(Err(answer));
        let e = rig.next(&[EventKind::SignedOut]).await;
        assert_eq!((e.reason, e.state), (Some(reason), signed_out(Some(reason))));
        assert!(rig.store.stored().is_none(), "vault wiped");
    }
}

#[tokio::test(start_paused = true)]
async fn an_unknown_4xx_keeps_the_session_and_reports_it() {
    let mut rig = signed_in(HOUR, settings()).await;
    rig.api.then_refresh(Err(server("validation_failed", "odd")));
    let e = rig.next(&[EventKind::RefreshRetrying, EventKind::SignedOut]).await;
    assert_eq!((e.event, e.retry.unwrap().cause.as_str()), (EventKind::RefreshRetrying, "validation_failed"));
    assert_eq!(rig.handle.access_token().await.unwrap().expose(), "at-0");
}

#[tokio::test(start_paused = true)]
async fn the_absolute_deadline_warns_then_signs_out_and_revokes() {
    let s = Settings { max_session_age: std::time::Duration::from_secs(300), expiring_warnings: vec![std::time::Duration::from_secs(120), std::time::Duration::from_secs(30)], ..settings() };
    let mut rig = signed_in(HOUR, s).await;
    let warn = rig.next(&[EventKind::SessionExpiring]).await;
    assert_eq!((warn.remaining, rig.now_s() - T0 / 1000), (Some(120), 180));
    let warn = rig.next(&[EventKind::SessionExpiring]).await;
    assert_eq!(warn.remaining, Some(30));
    let out = rig.next(&[EventKind::SignedOut]).await;
    assert_eq!((out.reason, rig.now_s() - T0 / 1000), (Some(SignOutReason::Timeout), 300));
    assert!(rig.store.stored().is_none());
    assert_eq!(rig.handle.access_token().await.unwrap_err().code(), "not_signed_in");
    tokio::task::yield_now().await;
    assert_eq!(*rig.api.logouts.lock().unwrap(), vec![LogoutScope::Local], "revoked while the token was valid");
}

#[tokio::test(start_paused = true)]
async fn the_timeout_survives_a_restart() {
    let store = Arc::new(Store::default());
    store.save(&sample(T0 / 1000 - 24 * HOUR - 1)).unwrap();
    let rig = rig_with(FakeApi::new(HOUR), store.clone(), settings()).await;
    assert_eq!(rig.handle.snapshot(), Snapshot { seq: 1, state: signed_out(Some(SignOutReason::Timeout)) });
    assert!(store.stored().is_none());
}

#[tokio::test(start_paused = true)]
async fn a_wall_clock_jump_past_the_deadline_signs_out_within_the_check_interval() {
    let mut rig = signed_in(HOUR, settings()).await;
    let before = Instant::now();
    rig.clock.jump(25 * HOUR); // a suspended laptop: wall time moved, monotonic time did not
    let out = rig.next(&[EventKind::SignedOut]).await;
    assert_eq!(out.reason, Some(SignOutReason::Timeout));
    assert!(before.elapsed() <= std::time::Duration::from_secs(60), "noticed after {:?}", before.elapsed());
}

#[tokio::test(start_paused = true)]
async fn a_wall_clock_jump_past_expiry_refreshes_at_once() {
    let mut rig = signed_in(HOUR, settings()).await;
    let before = Instant::now();
    rig.clock.jump(2 * HOUR);
    assert_eq!(rig.next(&[EventKind::TokenRefreshed, EventKind::SignedOut]).await.event, EventKind::TokenRefreshed);
    assert!(before.elapsed() <= std::time::Duration::from_secs(60));
}

#[tokio::test(start_paused = true)]
async fn a_resume_checks_for_revocation_at_once_but_still_obeys_retry_after() {
    let api = FakeApi::new(HOUR);
    api.user_script.lock().unwrap().extend([Ok(user()), Err(AuthError::Server { status: 403, code: "session_not_found".into(), message: "gone".into() })]);
    let daily = Settings { user_check_interval: std::time::Duration::from_secs(24 * 3600), ..settings() };
    let mut rig = rig_with(api, Arc::new(Store::default()), daily).await;
    rig.handle.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap();
    rig.api.then_refresh(Err(AuthError::RateLimited { retry_after_secs: Some(3_000), message: "later".into() }));
    rig.next(&[EventKind::RefreshRetrying]).await;
    let before = Instant::now();
    let refreshes = rig.api.refreshes.load(Ordering::SeqCst);
    rig.handle.resumed().await;
    let out = rig.next(&[EventKind::SignedOut]).await;
    assert_eq!(out.reason, Some(SignOutReason::Revoked));
    assert!(before.elapsed() < std::time::Duration::from_secs(1), "found {:?} after the resume, not at the next 10-minute check", before.elapsed());
    assert_eq!(rig.api.refreshes.load(Ordering::SeqCst), refreshes, "no refresh before Retry-After, resume or not");
}

#[tokio::test(start_paused = true)]
async fn the_idle_timeout_is_pushed_back_by_touch() {
    let s = Settings { idle_timeout: Some(std::time::Duration::from_secs(300)), ..settings() };
    let mut rig = signed_in(HOUR, s).await;
    tokio::time::sleep(std::time::Duration::from_secs(200)).await;
    rig.handle.touch().await;
    let out = rig.next(&[EventKind::SignedOut]).await;
    assert_eq!((out.reason, rig.now_s() - T0 / 1000), (Some(SignOutReason::IdleTimeout), 500));
}

#[tokio::test(start_paused = true)]
async fn revocation_elsewhere_is_detected_by_the_user_check() {
    let api = FakeApi::new(HOUR);
    api.user_script.lock().unwrap().extend([Ok(user()), Err(AuthError::Server { status: 403, code: "session_not_found".into(), message: "gone".into() })]);
    let mut rig = rig_with(api, Arc::new(Store::default()), settings()).await;
    rig.handle.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap();
    let out = rig.next(&[EventKind::SignedOut]).await;
    assert_eq!(out.reason, Some(SignOutReason::Revoked));
    assert_eq!(rig.now_s() - T0 / 1000, 600, "found by the second check, one interval later");
}

#[tokio::test(start_paused = true)]
async fn a_changed_user_is_published_as_user_updated() {
    let api = FakeApi::new(HOUR);
    api.user_script.lock().unwrap().push_back(Ok(User { id: "u1".into(), email: "new@b.c".into() }));
    let mut rig = rig_with(api, Arc::new(Store::default()), settings()).await;
    rig.handle.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap();
    let e = rig.next(&[EventKind::UserUpdated]).await;
    assert!(matches!(e.state, StateView::SignedIn { ref user, .. } if user.email == "new@b.c"));
    assert_eq!(rig.store.stored().unwrap().user.email, "new@b.c");
}

trait WithStatus {
    fn with_status(self, status: u16) -> AuthError;
}

impl WithStatus for AuthError {
    fn with_status(self, status: u16) -> AuthError {
        match self {
            AuthError::Server { code, message, .. } => AuthError::Server { status, code, message },
            other => other,
        }
    }
}

#[tokio::test(start_paused = true)]
async fn events_name_their_session_by_user_id_and_hashed_session_id_for_the_audit_log() {
    let mut rig = rig_with(FakeApi::new(HOUR), Arc::new(Store::default()), settings()).await;
    rig.handle.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap();
    let expected = crate::events::Subject { user_id: "u1".into(), email: "a@b.c".into(), session_hash: Some(crate::events::hash_session_id("sid")) };
    assert_eq!(rig.next(&[EventKind::SignedIn]).await.subject.as_ref(), Some(&expected));
    rig.handle.sign_out(LogoutScope::Local).await.unwrap();
    let out = rig.next(&[EventKind::SignedOut]).await;
    assert_eq!(out.subject.as_ref(), Some(&expected), "the ended session is named even though it is gone");
    let shown = serde_json::to_string(&out).unwrap();
    assert!(!shown.contains("subject") && !shown.contains("u1"), "the webview shape is unchanged: {shown}");
}

mod policy;
