//! How the session task tells the world: every change is one numbered event about a named session (never a token),
//! carrying any sign-out still waiting for the server.

use super::{sign_out, Engine};
use crate::api::AuthApi;
use crate::clock::Clock;
use crate::error::AuthError;
use crate::events::{AuthEvent, EventKind, Subject};
use crate::session::{SignOutReason, StateView};
use crate::vault::SessionStore;

impl<A: AuthApi, S: SessionStore, C: Clock> Engine<A, S, C> {
    pub(super) fn view(&self, now: i64) -> StateView {
        match &self.live {
            Some(live) => live.view(self.rules.max_session_age.as_secs() as i64, &self.rules.mfa_factors, now),
            None => StateView::SignedOut { reason: None },
        }
    }

    pub(super) fn publish(&self, event: EventKind, state: StateView) {
        self.announce(AuthEvent::new(event, state));
    }

    /// SIGNED_OUT (or INITIAL_SESSION signed out) about a session that is already gone from `live`.
    pub(super) fn publish_ended(&self, event: EventKind, reason: SignOutReason, subject: Subject) {
        let state = StateView::SignedOut { reason: Some(reason) };
        self.announce(AuthEvent { reason: Some(reason), subject: Some(subject), ..AuthEvent::new(event, state) });
    }

    /// Publishes an event; one that names nobody is about the live session (see [`Subject`]).
    pub(super) fn announce(&self, mut event: AuthEvent) {
        if event.subject.is_none() {
            event.subject = self.live.as_ref().map(|live| Subject::of(&live.session));
        }
        event.pending_sign_out = self.pending.as_ref().map(sign_out::Pending::view);
        self.publisher.publish(event);
    }

    pub(super) fn fail_waiters(&mut self, error: AuthError) {
        self.waiters.drain(..).for_each(|waiter| drop(waiter.send(Err(error.clone()))));
    }
}
