//! Which desktop notification an auth event calls for: at most one of each kind per session, in plain words, never a
//! token, an e-mail address or an e-mail's text. Pure: the window's glue shows what this returns.

use latchkey_core::events::{AuthEvent, EventKind};
use latchkey_core::session::{SecondStep, SignOutReason, StateView};

#[cfg(test)]
mod tests;

/// One kind of notification; each is sent at most once per session (a sign-in or restore starts a new one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// The first SESSION_EXPIRING: 10 minutes (or less, for a shorter session) before the absolute deadline.
    ExpiringSoon,
    /// The last SESSION_EXPIRING: a minute or less before the deadline.
    ExpiringNow,
    /// Signed out for any reason but the person's own click.
    SignedOut,
    /// The access token expired while the server could not be reached.
    OfflineExpired,
    /// A second factor is due (`needs_second_factor`) while no window could ask for it.
    SecondFactor,
    /// A sign-in callback was refused while no window could show it.
    SignInIncomplete,
    /// The window closed and Latchkey stayed in the tray (once per person, not per session: see [`still_running`]).
    StillRunning,
}

impl NoticeKind {
    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// What a notification clicked by the person does: only opening the window, since any program on the session bus
/// can claim a notification's action was invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpensWindow {
    /// The action's button label.
    pub label: &'static str,
}

/// A notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub summary: String,
    pub body: &'static str,
    pub action: Option<OpensWindow>,
}

/// Which notifications this session has had.
#[derive(Debug, Default)]
pub struct Notices {
    sent: u8,
}

impl Notices {
    /// The notification `event` calls for, if any and not yet sent in this session. `window_open`: the main window
    /// shows the state itself, so what only asks the person to act there is not notified.
    pub fn on_event(&mut self, event: &AuthEvent, window_open: bool) -> Option<Notice> {
        if matches!(event.event, EventKind::SignedIn | EventKind::InitialSession) {
            self.sent = 0;
        }
        let notice = notice_for(event)?;
        if window_open && notice.kind == NoticeKind::SecondFactor {
            return None;
        }
        self.once(notice)
    }

    /// A sign-in callback was refused and no window shows it.
    pub fn on_refused_sign_in(&mut self) -> Option<Notice> {
        self.once(Notice {
            kind: NoticeKind::SignInIncomplete,
            summary: "Sign-in didn't complete".into(),
            body: "Open Latchkey to see why and try again.",
            action: Some(OpensWindow { label: "Open Latchkey" }),
        })
    }

    fn once(&mut self, notice: Notice) -> Option<Notice> {
        let bit = notice.kind.bit();
        (self.sent & bit == 0).then(|| {
            self.sent |= bit;
            notice
        })
    }
}

/// The one-line notice the first time the window closes into the tray.
pub fn still_running() -> Notice {
    Notice {
        kind: NoticeKind::StillRunning,
        summary: "Latchkey is still running in the tray, keeping you signed in".into(),
        body: "",
        action: None,
    }
}

fn notice_for(event: &AuthEvent) -> Option<Notice> {
    let sign_in_again = Some(OpensWindow { label: "Sign in again" });
    match (event.event, &event.state) {
        (EventKind::SessionExpiring, _) => {
            let left = event.remaining?;
            let kind = if left <= 60 { NoticeKind::ExpiringNow } else { NoticeKind::ExpiringSoon };
            let summary = format!("Your session ends in {}", in_words(left));
            Some(Notice { kind, summary, body: "Sign in again now so you aren't interrupted.", action: sign_in_again })
        }
        (EventKind::SignedOut, _) => {
            let body = why(event.reason?)?;
            Some(Notice { kind: NoticeKind::SignedOut, summary: "You were signed out".into(), body, action: sign_in_again })
        }
        (_, StateView::NeedsSecondFactor { step, .. }) => Some(Notice {
            kind: NoticeKind::SecondFactor,
            summary: "Latchkey needs your second factor".into(),
            body: match step {
                SecondStep::Verify => "Open Latchkey to enter the code from your authenticator.",
                SecondStep::Enrol => "Your organization requires a second factor: open Latchkey to set one up.",
            },
            action: Some(OpensWindow { label: "Open Latchkey" }),
        }),
        (EventKind::RefreshRetrying, StateView::Expired { .. }) => Some(Notice {
            kind: NoticeKind::OfflineExpired,
            summary: "Latchkey can't reach the server".into(),
            body: "Your access expired while offline. You are still signed in, and Latchkey reconnects by itself.",
            action: Some(OpensWindow { label: "Open Latchkey" }),
        }),
        _ => None,
    }
}

/// Time left to the nearest minute ("10 minutes" at 599 s: a warning is sent a moment after its mark), "less than a
/// minute" under 30 s.
fn in_words(secs: i64) -> String {
    match (secs + 30) / 60 {
        0 => "less than a minute".into(),
        1 => "1 minute".into(),
        m => format!("{m} minutes"),
    }
}

/// The reason in plain words; `None` for the person's own sign-out, which needs no notification.
fn why(reason: SignOutReason) -> Option<&'static str> {
    Some(match reason {
        SignOutReason::User => return None,
        SignOutReason::Timeout => "Your session reached its time limit. Sign in again to continue.",
        SignOutReason::IdleTimeout => "You were away longer than your organization allows. Sign in again to continue.",
        SignOutReason::Revoked => "Your session was ended elsewhere: on another device, or by an administrator.",
        SignOutReason::Policy => "Your organization's policy ended this session.",
        SignOutReason::StorageUnavailable => "The system keychain became unavailable, so the session could not be kept.",
        SignOutReason::StorageCorrupt => "The saved session was damaged, so it was set aside.",
    })
}
