//! Whole menus per state, and the redraw time: the tray changes exactly when what it shows changes.

use super::*;
use latchkey_core::assurance::Aal;
use latchkey_core::session::{Persistence, SecondStep, User};

const NOW: i64 = 1_800_000_000;
const EMAIL: &str = "ada@example.com";

fn user() -> User {
    User { id: "u1".into(), email: EMAIL.into(), ..User::default() }
}

fn signed_in(freshness: Freshness, left: i64) -> StateView {
    StateView::SignedIn {
        user: user(),
        identity_provider: None,
        access_expires_at: NOW + 3600,
        signed_in_at: NOW - 3600,
        persistence: Persistence::Keychain,
        freshness,
        deadline_at: NOW + left,
        next_refresh_at: NOW + 3000,
        claims: None,
        next_aal: Aal::Aal1,
    }
}

fn needs_second_factor(step: SecondStep) -> StateView {
    let (signed_in_at, deadline_at, persistence) = (NOW - 60, NOW + 3 * 3600, Persistence::Keychain);
    StateView::NeedsSecondFactor { user: user(), signed_in_at, persistence, deadline_at, claims: None, next_aal: Aal::Aal2, step, allowed_factors: vec![] }
}

fn expired(left: i64) -> StateView {
    let (claims, next_aal) = (None, Aal::Aal1);
    StateView::Expired { user: user(), identity_provider: None, signed_in_at: NOW - 3600, persistence: Persistence::Keychain, deadline_at: NOW + left, next_retry_at: NOW + 4, claims, next_aal }
}

fn menu(icon: TrayIcon, status: &str, sign_out: bool, redraw_in: Option<i64>) -> TrayMenu {
    TrayMenu {
        icon,
        status: status.into(),
        items: vec![
            TrayItem { action: TrayAction::Open, label: "Open Latchkey", enabled: true },
            TrayItem { action: TrayAction::SignOut, label: "Sign out", enabled: sign_out },
            TrayItem { action: TrayAction::Quit, label: "Quit", enabled: true },
        ],
        redraw_at: redraw_in.map(|s| NOW + s),
    }
}

#[test]
fn each_state_has_its_whole_menu() {
    let day = 24 * 3600;
    let cases = [
        (StateView::Initializing, menu(TrayIcon::Busy, "Starting…", false, None)),
        (signed_in(Freshness::Fresh, day - 1), menu(TrayIcon::SignedIn, "Signed in · ada@example.com · 23 h left", true, Some(3600))),
        (signed_in(Freshness::Refreshing, 5 * 3600 + 10), menu(TrayIcon::Busy, "Renewing · ada@example.com · 5 h left", true, Some(11))),
        (signed_in(Freshness::OfflineValid, 2 * 3600), menu(TrayIcon::Busy, "Offline · ada@example.com · 2 h left", true, Some(1))),
        (signed_in(Freshness::Fresh, 570), menu(TrayIcon::ExpiringSoon, "Signed in · ada@example.com · 9 min left", true, Some(31))),
        (signed_in(Freshness::OfflineValid, 45), menu(TrayIcon::ExpiringSoon, "Offline · ada@example.com · under a minute left", true, None)),
        (expired(2 * 3600 + 30), menu(TrayIcon::Busy, "Reconnecting · ada@example.com · 2 h left", true, Some(31))),
        (expired(300), menu(TrayIcon::ExpiringSoon, "Reconnecting · ada@example.com · 5 min left", true, Some(1))),
        (needs_second_factor(SecondStep::Verify), menu(TrayIcon::NeedsYou, "Enter your second-factor code · ada@example.com", true, None)),
        (needs_second_factor(SecondStep::Enrol), menu(TrayIcon::NeedsYou, "Set up a second factor · ada@example.com", true, None)),
        (StateView::SignedOut { reason: None }, menu(TrayIcon::SignedOut, "Signed out", false, None)),
        (
            StateView::SignedOut { reason: Some(SignOutReason::Timeout) },
            menu(TrayIcon::SignedOut, "Signed out · time limit reached", false, None),
        ),
        (
            StateView::SignedOut { reason: Some(SignOutReason::Revoked) },
            menu(TrayIcon::SignedOut, "Signed out · ended elsewhere", false, None),
        ),
    ];
    for (state, want) in cases {
        assert_eq!(tray_menu(&state, NOW, None), want, "{state:?}");
    }
}

#[test]
fn a_sign_in_that_did_not_complete_outranks_the_state_until_the_window_shows_it() {
    for state in [StateView::SignedOut { reason: None }, signed_in(Freshness::Fresh, 3600)] {
        let got = tray_menu(&state, NOW, Some(Attention::SignInIncomplete));
        assert_eq!((got.icon, got.status.as_str(), got.redraw_at), (TrayIcon::NeedsYou, "Sign-in didn't complete · open Latchkey", None));
        assert_eq!(got.items, tray_menu(&state, NOW, None).items, "the same actions");
    }
}

#[test]
fn time_left_is_never_overstated() {
    let cases = [
        (86_400, "24 h left"),
        (86_399, "23 h left"),
        (3600, "1 h left"),
        (3599, "59 min left"),
        (60, "1 min left"),
        (59, "under a minute left"),
        (0, "under a minute left"),
        (-5, "under a minute left"),
    ];
    for (secs, want) in cases {
        assert_eq!(time_left(secs), want, "{secs} s");
    }
}

#[test]
fn the_icon_turns_to_expiring_soon_ten_minutes_before_the_deadline() {
    assert_eq!(icon_for(&signed_in(Freshness::Fresh, EXPIRING_SOON_SECS + 1), NOW), TrayIcon::SignedIn);
    assert_eq!(icon_for(&signed_in(Freshness::Fresh, EXPIRING_SOON_SECS), NOW), TrayIcon::ExpiringSoon);
    assert_eq!(icon_for(&signed_in(Freshness::Refreshing, EXPIRING_SOON_SECS), NOW), TrayIcon::ExpiringSoon);
}

/// The menu at a time, without its redraw time: what a person sees.
fn shown(state: &StateView, at: i64) -> (TrayIcon, String) {
    let m = tray_menu(state, at, None);
    (m.icon, m.status)
}

#[test]
fn the_tray_is_redrawn_exactly_when_what_it_shows_changes() {
    for left in (0..30 * 3600).step_by(7) {
        for state in [signed_in(Freshness::Fresh, left), expired(left)] {
            let now_shown = shown(&state, NOW);
            match tray_menu(&state, NOW, None).redraw_at {
                Some(at) => {
                    assert!(at > NOW, "{left} s left: redraw in the past");
                    assert_eq!(shown(&state, at - 1), now_shown, "{left} s left: changed before {at}");
                    assert_ne!(shown(&state, at), now_shown, "{left} s left: nothing changed at {at}");
                }
                None => assert_eq!(shown(&state, NOW + left), now_shown, "{left} s left: changed with no redraw"),
            }
        }
    }
}

#[test]
fn a_clicked_id_names_its_action() {
    for action in [TrayAction::Open, TrayAction::SignOut, TrayAction::Quit] {
        assert_eq!(TrayAction::from_id(action.id()), Some(action));
    }
    assert_eq!(TrayAction::from_id("status"), None);
    assert_eq!(TrayAction::from_id(""), None);
}

#[test]
fn every_icon_has_its_own_file() {
    let icons = [TrayIcon::SignedIn, TrayIcon::Busy, TrayIcon::ExpiringSoon, TrayIcon::NeedsYou, TrayIcon::SignedOut];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../icons/tray");
    let names: std::collections::HashSet<_> = icons.iter().map(|i| i.file_name()).collect();
    assert_eq!(names.len(), icons.len(), "two icons share a file");
    for name in names {
        assert!(dir.join(name).is_file(), "icons/tray/{name} is missing");
    }
}
