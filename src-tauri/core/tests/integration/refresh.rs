//! The engine against the real GoTrue with short-lived tokens (scripts/test runs it with LATCHKEY_STACK_JWT_EXP=6):
//! refresh cycles, single flight, outages, 429, revocation elsewhere, the deadline, clock jumps.

use crate::support;

use latchkey_core::api::{AuthApi, GoTrue, LogoutScope};
use latchkey_core::jwt::{JwtVerifier, VerifyOptions};
use latchkey_core::session::Freshness;
use latchkey_core::vault::MemoryStore;
use latchkey_core::{AuthEvent, Clock, EventKind, SessionHandle, SessionStore, EngineRules, SignOutReason, StateView};
use std::sync::Arc;
use std::time::Duration;
use latchkey_core::testing::fault_proxy::{FaultProxy, Mode};
use latchkey_core::testing::TestClock;
use support::env;

fn auth_url(base: &str) -> String {
    format!("{base}/auth/v1")
}

fn gotrue_at(base: &str) -> GoTrue {
    GoTrue::new(&auth_url(base), &env("LATCHKEY_SUPABASE_ANON_KEY"), &latchkey_core::net::Network::default()).unwrap()
}

fn quick() -> EngineRules {
    EngineRules { wall_check_interval: Duration::from_secs(1), ..EngineRules::default() }
}

struct Core {
    handle: SessionHandle,
    events: tokio::sync::broadcast::Receiver<AuthEvent>,
}

impl Core {
    async fn start<S: SessionStore>(base: &str, store: S, clock: TestClock, settings: EngineRules) -> Core {
        let (handle, task) = latchkey_core::start(gotrue_at(base), store, clock, settings);
        let events = handle.subscribe();
        tokio::spawn(task);
        handle.initialized().await;
        Core { handle, events }
    }

    /// The next event of one of `kinds` (see [`support::next_event`]).
    async fn next(&mut self, kinds: &[EventKind], within: Duration) -> AuthEvent {
        support::next_event(&mut self.events, kinds, within).await
    }
}

async fn signed_in(tag: &str, base: &str, clock: TestClock, settings: EngineRules) -> (Core, String) {
    let (id, email, password) = support::create_user(tag).await;
    let mut core = Core::start(base, MemoryStore::default(), clock, settings).await;
    core.handle.sign_in_with_password(email, password).await.unwrap();
    core.next(&[EventKind::SignedIn], Duration::from_secs(10)).await;
    (core, id)
}

fn jwt_exp() -> i64 {
    env("LATCHKEY_STACK_JWT_EXP").parse().expect("LATCHKEY_STACK_JWT_EXP")
}

#[tokio::test]
async fn refresh_cycles_never_hand_out_a_token_the_server_would_refuse() {
    let base = env("LATCHKEY_SUPABASE_URL");
    let (mut core, _) = signed_in("cycles", &base, TestClock::system(), quick()).await;
    let verifier = JwtVerifier::new(gotrue_at(&base), VerifyOptions { issuer: Some(auth_url(&base)), ..VerifyOptions::default() });
    let mut refreshed = 0;
    let mut checks = tokio::time::interval(Duration::from_millis(250));
    while refreshed < 3 {
        tokio::select! {
            e = core.next(&[EventKind::TokenRefreshed, EventKind::SignedOut, EventKind::RefreshRetrying], Duration::from_secs(jwt_exp() as u64 * 3)) => {
                assert_eq!(e.event, EventKind::TokenRefreshed, "{e:?}");
                refreshed += 1;
            }
            _ = checks.tick() => {
                let token = core.handle.access_token().await.expect("a token at every moment");
                let now = latchkey_core::SystemClock.now_unix();
                verifier.verify(&token, now).await.expect("signature, aud, iss, exp all valid against the real JWKS");
            }
        }
    }
}

#[tokio::test]
async fn a_thousand_callers_at_expiry_make_exactly_one_post_to_gotrue() {
    let base = env("LATCHKEY_SUPABASE_URL");
    let clock = TestClock::system();
    let (core, user_id) = signed_in("coalesce", &base, clock.clone(), EngineRules { wall_check_interval: Duration::from_secs(3600), ..EngineRules::default() }).await;
    assert_eq!(support::logged_refreshes(&user_id), 0);
    clock.jump(jwt_exp()); // at expiry, as the engine sees it
    let calls: Vec<_> = (0..1000).map(|_| { let h = core.handle.clone(); tokio::spawn(async move { h.access_token().await }) }).collect();
    let mut tokens = std::collections::HashSet::new();
    for call in calls {
        tokens.insert(call.await.unwrap().unwrap().expose().to_string());
    }
    assert_eq!(tokens.len(), 1, "everyone got the one new token");
    assert_eq!(support::logged_refreshes(&user_id), 1, "GoTrue's log shows one refresh POST for this user");
}

#[tokio::test]
async fn an_outage_keeps_the_session_and_the_return_of_the_server_refreshes_within_seconds() {
    let base = env("LATCHKEY_SUPABASE_URL");
    let proxy = FaultProxy::start(base.trim_start_matches("http://").to_string()).await;
    let (mut core, _) = signed_in("outage", &proxy.url, TestClock::system(), quick()).await;
    proxy.set(Mode::Reset);
    let e = core.next(&[EventKind::RefreshRetrying, EventKind::SignedOut], Duration::from_secs(jwt_exp() as u64 * 3)).await;
    assert_eq!(e.event, EventKind::RefreshRetrying);
    assert!(matches!(e.state, StateView::SignedIn { freshness: Freshness::OfflineValid, .. }), "{:?}", e.state);
    let expired = loop {
        let e = core.next(&[EventKind::RefreshRetrying, EventKind::SignedOut], Duration::from_secs(jwt_exp() as u64 * 3)).await;
        assert_eq!(e.event, EventKind::RefreshRetrying, "never signed out during an outage");
        if matches!(e.state, StateView::Expired { .. }) {
            break e;
        }
    };
    assert!(expired.retry.unwrap().attempt >= 1);
    proxy.set(Mode::Forward);
    let back = std::time::Instant::now();
    core.next(&[EventKind::TokenRefreshed], Duration::from_secs(10)).await;
    assert!(back.elapsed() <= Duration::from_secs(6), "fresh token {:?} after the server came back", back.elapsed());
    assert!(core.handle.access_token().await.is_ok());
}

#[tokio::test]
async fn a_429_with_retry_after_is_honoured() {
    let base = env("LATCHKEY_SUPABASE_URL");
    let proxy = FaultProxy::start(base.trim_start_matches("http://").to_string()).await;
    let clock = TestClock::system();
    let (mut core, _) = signed_in("ratelimit", &proxy.url, clock.clone(), quick()).await;
    proxy.set_retry_after(3);
    proxy.set(Mode::RateLimit);
    let e = core.next(&[EventKind::RefreshRetrying, EventKind::SignedOut], Duration::from_secs(jwt_exp() as u64 * 3)).await;
    let limited_at = std::time::Instant::now();
    assert_eq!(e.retry.as_ref().unwrap().cause, "over_request_rate_limit");
    proxy.set(Mode::Forward);
    core.next(&[EventKind::TokenRefreshed], Duration::from_secs(10)).await;
    assert!(limited_at.elapsed() >= Duration::from_millis(2_500), "retried after {:?}, before Retry-After: 3", limited_at.elapsed());
    assert_eq!(proxy.limited.load(std::sync::atomic::Ordering::SeqCst), 1, "no request while told to wait");
}

#[tokio::test]
async fn sign_out_everywhere_from_another_client_is_detected() {
    let base = env("LATCHKEY_SUPABASE_URL");
    let (id, email, password) = support::create_user("elsewhere").await;
    let settings = EngineRules { user_check_interval: Duration::from_secs(1), ..quick() };
    let mut core = Core::start(&base, MemoryStore::default(), TestClock::system(), settings).await;
    core.handle.sign_in_with_password(email.clone(), password.clone()).await.unwrap();
    let other = gotrue_at(&base).password_grant(&email, &password).await.unwrap();
    gotrue_at(&base).logout(&other.access_token, LogoutScope::Global).await.unwrap();
    let out = core.next(&[EventKind::SignedOut], Duration::from_secs(10)).await;
    assert_eq!(out.reason, Some(SignOutReason::Revoked), "user {id}");
}

#[tokio::test]
async fn the_deadline_signs_out_and_a_launch_after_it_starts_signed_out() {
    let base = env("LATCHKEY_SUPABASE_URL");
    let settings = EngineRules { max_session_age: Duration::from_secs(3), ..quick() };
    let (mut core, _) = signed_in("deadline", &base, TestClock::system(), settings.clone()).await;
    let out = core.next(&[EventKind::SignedOut], Duration::from_secs(10)).await;
    assert_eq!(out.reason, Some(SignOutReason::Timeout));

    let store = Arc::new(MemoryStore::default());
    let clock = TestClock::system();
    let (_, email, password) = support::create_user("relaunch").await;
    let first = Core::start(&base, store.clone(), clock.clone(), EngineRules { max_session_age: Duration::from_secs(3600), ..quick() }).await;
    first.handle.sign_in_with_password(email, password).await.unwrap();
    drop(first);
    clock.jump(3601);
    let relaunched = Core::start(&base, store.clone(), clock, EngineRules { max_session_age: Duration::from_secs(3600), ..quick() }).await;
    assert_eq!(relaunched.handle.snapshot().state, StateView::SignedOut { reason: Some(SignOutReason::Timeout) });
    assert!(store.load().unwrap().is_none(), "the vault is wiped at launch");
}

#[tokio::test]
async fn a_clock_jump_past_expiry_refreshes_at_once() {
    let base = env("LATCHKEY_SUPABASE_URL");
    let clock = TestClock::system();
    let settings = EngineRules { wall_check_interval: Duration::from_secs(1), ..EngineRules::default() };
    let (mut core, _) = signed_in("jump", &base, clock.clone(), settings).await;
    clock.jump(jwt_exp() + 1);
    let jumped = std::time::Instant::now();
    core.next(&[EventKind::TokenRefreshed], Duration::from_secs(5)).await;
    assert!(jumped.elapsed() <= Duration::from_secs(2), "refreshed {:?} after the jump", jumped.elapsed());
}
