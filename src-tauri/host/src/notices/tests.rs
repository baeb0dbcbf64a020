//! Each event's notification, whole, and the once-per-kind-per-session rule.

use super::*;
use latchkey_core::session::SecondStep;
use latchkey_core::assurance::Aal;
use latchkey_core::events::Retry;
use latchkey_core::session::{Persistence, User};

fn user() -> User {
    User { id: "u1".into(), email: "ada@example.com".into(), ..User::default() }
}

fn signed_in() -> StateView {
    StateView::SignedIn {
        user: user(),
        identity_provider: None,
        claims: None,
        next_aal: Aal::Aal1,
        access_expires_at: 2_000,
        signed_in_at: 1_000,
        persistence: Persistence::Keychain,
        freshness: latchkey_core::session::Freshness::Fresh,
        deadline_at: 90_000,
        next_refresh_at: 1_900,
    }
}

fn expired() -> StateView {
    let (claims, next_aal, identity_provider) = (None, Aal::Aal1, None);
    StateView::Expired { user: user(), identity_provider, signed_in_at: 1_000, persistence: Persistence::Keychain, deadline_at: 90_000, next_retry_at: 2_005, claims, next_aal }
}

fn needs_second_factor(step: SecondStep) -> AuthEvent {
    let (claims, next_aal, allowed_factors) = (None, Aal::Aal2, vec![]);
    let state = StateView::NeedsSecondFactor { user: user(), signed_in_at: 1_000, persistence: Persistence::Keychain, deadline_at: 90_000, claims, next_aal, step, allowed_factors };
    AuthEvent::new(EventKind::InitialSession, state)
}

fn expiring(remaining: i64) -> AuthEvent {
    AuthEvent { remaining: Some(remaining), ..AuthEvent::new(EventKind::SessionExpiring, signed_in()) }
}

fn signed_out(reason: SignOutReason) -> AuthEvent {
    AuthEvent { reason: Some(reason), ..AuthEvent::new(EventKind::SignedOut, StateView::SignedOut { reason: Some(reason) }) }
}

fn retrying(state: StateView) -> AuthEvent {
    AuthEvent { retry: Some(Retry { attempt: 3, next_at: 2_005, cause: "network".into() }), ..AuthEvent::new(EventKind::RefreshRetrying, state) }
}

const SIGN_IN_AGAIN: Option<OpensWindow> = Some(OpensWindow { label: "Sign in again" });

#[test]
fn each_event_gets_its_whole_notification() {
    let cases = [
        (expiring(599), NoticeKind::ExpiringSoon, "Your session ends in 10 minutes", "Sign in again now so you aren't interrupted.", SIGN_IN_AGAIN),
        (expiring(128), NoticeKind::ExpiringSoon, "Your session ends in 2 minutes", "Sign in again now so you aren't interrupted.", SIGN_IN_AGAIN),
        (expiring(60), NoticeKind::ExpiringNow, "Your session ends in 1 minute", "Sign in again now so you aren't interrupted.", SIGN_IN_AGAIN),
        (expiring(59), NoticeKind::ExpiringNow, "Your session ends in 1 minute",
            "Sign in again now so you aren't interrupted.", SIGN_IN_AGAIN),
        (expiring(29), NoticeKind::ExpiringNow, "Your session ends in less than a minute", "Sign in again now so you aren't interrupted.", SIGN_IN_AGAIN),
        (signed_out(SignOutReason::Timeout), NoticeKind::SignedOut, "You were signed out", "Your session reached its time limit. Sign in again to continue.", SIGN_IN_AGAIN),
        (signed_out(SignOutReason::IdleTimeout), NoticeKind::SignedOut, "You were signed out", "You were away longer than your organization allows. Sign in again to continue.", SIGN_IN_AGAIN),
        (signed_out(SignOutReason::Revoked), NoticeKind::SignedOut, "You were signed out", "Your session was ended elsewhere: on another device, or by an administrator.", SIGN_IN_AGAIN),
        (signed_out(SignOutReason::Policy), NoticeKind::SignedOut, "You were signed out", "Your organization's policy ended this session.", SIGN_IN_AGAIN),
        (
            needs_second_factor(SecondStep::Verify),
            NoticeKind::SecondFactor,
            "Latchkey needs your second factor",
            "Open Latchkey to enter the code from your authenticator.",
            Some(OpensWindow { label: "Open Latchkey" }),
        ),
        (
            needs_second_factor(SecondStep::Enrol),
            NoticeKind::SecondFactor,
            "Latchkey needs your second factor",
            "Your organization requires a second factor: open Latchkey to set one up.",
            Some(OpensWindow { label: "Open Latchkey" }),
        ),
        (
            retrying(expired()),
            NoticeKind::OfflineExpired,
            "Latchkey can't reach the server",
            "Your access expired while offline. You are still signed in, and Latchkey reconnects by itself.",
            Some(OpensWindow { label: "Open Latchkey" }),
        ),
    ];
    for (event, kind, summary, body, action) in cases {
        let want = Notice { kind, summary: summary.into(), body, action };
        assert_eq!(Notices::default().on_event(&event, false), Some(want), "{event:?}");
    }
}

#[test]
fn events_that_need_no_one_notify_no_one() {
    let quiet = [
        signed_out(SignOutReason::User),
        retrying(signed_in()), // offline, but the token still works
        AuthEvent::new(EventKind::TokenRefreshed, signed_in()),
        AuthEvent::new(EventKind::SignedIn, signed_in()),
        AuthEvent::new(EventKind::InitialSession, StateView::SignedOut { reason: None }),
    ];
    for event in quiet {
        assert_eq!(Notices::default().on_event(&event, false), None, "{event:?}");
    }
}

#[test]
fn a_second_factor_is_notified_only_while_no_window_asks_for_it() {
    assert_eq!(Notices::default().on_event(&needs_second_factor(SecondStep::Verify), true), None);
    let mut notices = Notices::default();
    assert!(notices.on_event(&needs_second_factor(SecondStep::Verify), false).is_some());
    assert_eq!(notices.on_event(&AuthEvent { event: EventKind::TokenRefreshed, ..needs_second_factor(SecondStep::Verify) }, false), None);
    assert!(notices.on_event(&expiring(600), true).is_some(), "the other kinds are sent with a window too");
}

/// What `notices` says about `event` while the window is closed.
fn closed(notices: &mut Notices, event: &AuthEvent) -> Option<Notice> {
    notices.on_event(event, false)
}

#[test]
fn each_kind_is_sent_once_per_session_and_a_new_session_starts_over() {
    let mut notices = Notices::default();
    assert!(closed(&mut notices, &expiring(600)).is_some());
    assert_eq!(closed(&mut notices, &expiring(300)), None, "a second 'ends soon' in the same session");
    assert_eq!(closed(&mut notices, &expiring(30)).map(|n| n.kind), Some(NoticeKind::ExpiringNow));
    assert_eq!(closed(&mut notices, &expiring(10)), None);
    assert!(closed(&mut notices, &retrying(expired())).is_some());
    assert_eq!(closed(&mut notices, &retrying(expired())), None, "one 'offline' per session, however long the retries");
    assert!(notices.on_refused_sign_in().is_some());
    assert_eq!(notices.on_refused_sign_in(), None);
    assert!(closed(&mut notices, &signed_out(SignOutReason::Timeout)).is_some());

    closed(&mut notices, &AuthEvent::new(EventKind::SignedIn, signed_in()));
    assert!(closed(&mut notices, &expiring(600)).is_some(), "a new sign-in is a new session");
    closed(&mut notices, &AuthEvent::new(EventKind::InitialSession, signed_in()));
    assert!(closed(&mut notices, &expiring(600)).is_some(), "so is a restore at launch");
}

#[test]
fn no_notification_carries_the_email_or_a_token() {
    let mut all: Vec<Notice> = [expiring(600), expiring(30), signed_out(SignOutReason::Revoked), retrying(expired()), needs_second_factor(SecondStep::Enrol)]
        .iter()
        .filter_map(|e| Notices::default().on_event(e, false))
        .collect();
    all.extend(Notices::default().on_refused_sign_in());
    all.push(still_running());
    assert_eq!(all.len(), 7);
    for notice in all {
        let text = format!("{} {}", notice.summary, notice.body);
        assert!(!text.contains('@') && !text.to_lowercase().contains("token"), "{text}");
    }
}
