//! The recent auth events for the Activity view: kept in memory, capped, and never holding a token.

use latchkey_core::{AuthEvent, Clock, SystemClock};
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Mutex;

const KEEP: usize = 200;

#[derive(Clone, Serialize)]
pub struct Entry {
    /// Unix seconds.
    pub at: i64,
    pub seq: u64,
    pub event: latchkey_core::EventKind,
    pub reason: Option<latchkey_core::SignOutReason>,
    pub detail: Option<String>,
}

#[derive(Default)]
pub struct Activity(Mutex<VecDeque<Entry>>);

impl Activity {
    pub fn record(&self, e: &AuthEvent) {
        let detail = match (&e.retry, e.remaining) {
            (Some(r), _) => Some(format!("attempt {} failed ({}); next at {}", r.attempt, r.cause, r.next_at)),
            (None, Some(left)) => Some(format!("{left} s left")),
            _ => None,
        };
        let mut log = self.0.lock().unwrap();
        log.push_front(Entry { at: SystemClock.now_unix(), seq: e.seq, event: e.event, reason: e.reason, detail });
        log.truncate(KEEP);
    }

    pub fn recent(&self) -> Vec<Entry> {
        self.0.lock().unwrap().iter().cloned().collect()
    }
}
