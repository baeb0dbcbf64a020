//! Every change is published once, in order: each event is numbered one after the last, and the snapshot moves with it.

use crate::events::{AuthEvent, PendingSignOut, Snapshot};
use crate::session::StateView;
use tokio::sync::{broadcast, watch};

/// The snapshot every handle reads and the events every subscriber hears.
pub(super) struct Publisher {
    current: watch::Sender<Snapshot>,
    events: broadcast::Sender<AuthEvent>,
}

impl Publisher {
    pub fn new(current: watch::Sender<Snapshot>, events: broadcast::Sender<AuthEvent>) -> Self {
        Publisher { current, events }
    }

    /// Numbers `event` one after the last, makes its state the snapshot, and sends it.
    pub fn publish(&self, mut event: AuthEvent) {
        event.seq = self.current.borrow().seq + 1;
        self.current.send_replace(Snapshot { seq: event.seq, state: event.state.clone(), pending_sign_out: event.pending_sign_out.clone() });
        let _ = self.events.send(event);
    }

    /// The state now shown.
    pub fn state(&self) -> StateView {
        self.current.borrow().state.clone()
    }

    /// Shows a state in the snapshot without an event (a refresh in flight is no change of session).
    pub fn show(&self, state: StateView) {
        self.current.send_modify(|s| s.state = state);
    }

    /// Shows a pending sign-out's next attempt in the snapshot without an event (a failed retry changes nothing else).
    pub fn show_pending(&self, pending: Option<PendingSignOut>) {
        self.current.send_modify(|s| s.pending_sign_out = pending);
    }
}
