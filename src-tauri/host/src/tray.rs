//! The tray as data: what the icon and menu show for a state (and anything waiting for the person), built only from
//! those and the wall clock, so whole menus are tested without a tray host. It never shows a token; it shows the
//! email, as the window does.

use latchkey_core::session::{Freshness, SecondStep, SignOutReason, StateView};

#[cfg(test)]
mod tests;

/// Under this much time before the absolute deadline the icon turns to "expiring soon" (the engine's first
/// SESSION_EXPIRING warning and the window's banner use the same 10 minutes).
pub const EXPIRING_SOON_SECS: i64 = 10 * 60;

/// The tray icon for a state: the state must be readable from the icon alone, as Linux tray hosts show no tooltip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayIcon {
    SignedIn,
    /// A refresh in flight, offline with a valid token, or expired and retrying.
    Busy,
    ExpiringSoon,
    /// The person must act in the window: a second factor is due (`needs_second_factor`), or a sign-in did not
    /// complete (see [`Attention`]).
    NeedsYou,
    SignedOut,
}

impl TrayIcon {
    /// The icon's file under `icons/tray/`.
    pub fn file_name(self) -> &'static str {
        match self {
            TrayIcon::SignedIn => "signed-in.png",
            TrayIcon::Busy => "busy.png",
            TrayIcon::ExpiringSoon => "expiring-soon.png",
            TrayIcon::NeedsYou => "needs-you.png",
            TrayIcon::SignedOut => "signed-out.png",
        }
    }
}

/// What a menu item does; its id is what the tray hands back on a click.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayAction {
    Open,
    SignOut,
    Quit,
}

impl TrayAction {
    pub fn id(self) -> &'static str {
        match self {
            TrayAction::Open => "open",
            TrayAction::SignOut => "sign_out",
            TrayAction::Quit => "quit",
        }
    }

    /// The action a clicked item's id names; `None` for the status line or an unknown id.
    pub fn from_id(id: &str) -> Option<TrayAction> {
        [TrayAction::Open, TrayAction::SignOut, TrayAction::Quit].into_iter().find(|a| a.id() == id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayItem {
    pub action: TrayAction,
    pub label: &'static str,
    pub enabled: bool,
}

/// The whole tray: its icon, the menu's first line (a disabled text item), then the actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayMenu {
    pub icon: TrayIcon,
    pub status: String,
    pub items: Vec<TrayItem>,
    /// When (Unix seconds) the time-based text or icon changes next, if nothing else happens first: the host
    /// redraws then, and only then (hours are shown while an hour or more is left, so mostly once an hour).
    pub redraw_at: Option<i64>,
}

/// What waits for the person while no window shows it; cleared when the window opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attention {
    /// A sign-in link or browser sign-in was refused; the window says why.
    SignInIncomplete,
}

/// The tray for `state` at `now` (Unix seconds), with what waits for the person, if anything: that outranks the
/// state's own icon and line until the window has shown it.
pub fn tray_menu(state: &StateView, now: i64, attention: Option<Attention>) -> TrayMenu {
    let signed_in = matches!(state, StateView::SignedIn { .. } | StateView::Expired { .. } | StateView::NeedsSecondFactor { .. });
    let items = vec![
        TrayItem { action: TrayAction::Open, label: "Open Latchkey", enabled: true },
        TrayItem { action: TrayAction::SignOut, label: "Sign out", enabled: signed_in },
        TrayItem { action: TrayAction::Quit, label: "Quit", enabled: true },
    ];
    let deadline = match state {
        StateView::SignedIn { deadline_at, .. } | StateView::Expired { deadline_at, .. } => Some(*deadline_at),
        _ => None, // the second-factor line shows no time: nothing to redraw for
    };
    let redraw_at = deadline.and_then(|d| next_change(d, now));
    match attention {
        Some(Attention::SignInIncomplete) => {
            TrayMenu { icon: TrayIcon::NeedsYou, status: "Sign-in didn't complete · open Latchkey".into(), items, redraw_at: None }
        }
        None => TrayMenu { icon: icon_for(state, now), status: status_line(state, now), items, redraw_at },
    }
}

/// The icon: expiring soon outranks busy (it needs the person), busy outranks signed in.
pub fn icon_for(state: &StateView, now: i64) -> TrayIcon {
    match state {
        StateView::SignedIn { deadline_at, .. } | StateView::Expired { deadline_at, .. }
            if deadline_at - now <= EXPIRING_SOON_SECS =>
        {
            TrayIcon::ExpiringSoon
        }
        StateView::NeedsSecondFactor { .. } => TrayIcon::NeedsYou,
        StateView::SignedIn { freshness: Freshness::Fresh, .. } => TrayIcon::SignedIn,
        StateView::SignedIn { .. } | StateView::Expired { .. } | StateView::Initializing => TrayIcon::Busy,
        StateView::SignedOut { .. } => TrayIcon::SignedOut,
    }
}

fn status_line(state: &StateView, now: i64) -> String {
    match state {
        StateView::Initializing => "Starting…".into(),
        StateView::SignedIn { user, freshness, deadline_at, .. } => {
            let words = match freshness {
                Freshness::Fresh => "Signed in",
                Freshness::Refreshing => "Renewing",
                Freshness::OfflineValid => "Offline",
            };
            format!("{words} · {} · {}", user.email, time_left(deadline_at - now))
        }
        StateView::Expired { user, deadline_at, .. } => {
            format!("Reconnecting · {} · {}", user.email, time_left(deadline_at - now))
        }
        StateView::NeedsSecondFactor { user, step: SecondStep::Verify, .. } => format!("Enter your second-factor code · {}", user.email),
        StateView::NeedsSecondFactor { user, step: SecondStep::Enrol, .. } => format!("Set up a second factor · {}", user.email),
        StateView::SignedOut { reason: None } => "Signed out".into(),
        StateView::SignedOut { reason: Some(reason) } => format!("Signed out · {}", reason_words(*reason)),
    }
}

/// Time left, never overstated: whole hours from an hour up, whole minutes below, then "under a minute".
pub fn time_left(secs: i64) -> String {
    match secs {
        3600.. => format!("{} h left", secs / 3600),
        60.. => format!("{} min left", secs / 60),
        _ => "under a minute left".into(),
    }
}

/// When the text (`time_left`) or the icon (at [`EXPIRING_SOON_SECS`]) changes next; `None` once under a minute
/// is left, as the next change then is the sign-out itself.
fn next_change(deadline: i64, now: i64) -> Option<i64> {
    let secs = deadline - now;
    let unit = match secs {
        3600.. => 3600,
        60.. => 60,
        _ => return None,
    };
    let text_changes = now + secs % unit + 1;
    let icon_changes = deadline - EXPIRING_SOON_SECS;
    Some(if icon_changes > now { text_changes.min(icon_changes) } else { text_changes })
}

fn reason_words(reason: SignOutReason) -> &'static str {
    match reason {
        SignOutReason::User => "you signed out",
        SignOutReason::Revoked => "ended elsewhere",
        SignOutReason::Timeout => "time limit reached",
        SignOutReason::IdleTimeout => "inactivity",
        SignOutReason::Policy => "organization policy",
        SignOutReason::StorageUnavailable => "keychain unavailable",
        SignOutReason::StorageCorrupt => "saved session damaged",
    }
}
