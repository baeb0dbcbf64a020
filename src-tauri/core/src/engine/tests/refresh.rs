//! Refreshing: at half-life, one at a time, retried with backoff on ambiguous failures, ended only by a terminal answer.

use super::*;
use crate::session::Freshness;
use crate::testing::{TestClock, TestStore};
use std::sync::atomic::Ordering;

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
    rig.api.then_refresh(Err(offline())).then_refresh(Err(server_status(503, "unexpected_failure", ""))).then_refresh(Err(offline()));
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
async fn a_refresh_in_flight_is_cancelled_when_the_engine_stops() {
    let api = FakeApi::new(HOUR);
    api.refresh_delay_ms.store(10 * HOUR * 1000, Ordering::SeqCst); // still in flight when the engine stops
    let (handle, task) = start(api.clone(), Arc::new(TestStore::default()), TestClock::at(T0), settings());
    let engine = tokio::spawn(task);
    handle.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap();
    let mut events = handle.subscribe();
    tokio::time::sleep(std::time::Duration::from_secs(HOUR as u64 * 6 / 10)).await; // past the refresh at half-life
    assert_eq!(api.refreshes.load(Ordering::SeqCst), 1, "the refresh is in flight");
    drop((handle, events.try_recv()));
    engine.await.unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(11 * HOUR as u64)).await;
    assert_eq!(api.refreshes_done.load(Ordering::SeqCst), 0, "the refresh ended with the engine");
}
