//! The recent auth events for the Activity view: from the audit log when policy keeps one (so the CLI's
//! sign-ins show too), else kept in memory; capped, and never holding a token.

use latchkey_core::audit::{self, AuditLog};
use latchkey_core::{AuthEvent, Clock, Config, SystemClock};
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Mutex;

const KEEP: usize = 200;

/// One row of the view (the shape `get_activity` returns; docs/ipc.md).
#[derive(Clone, Serialize)]
pub struct Entry {
    /// Unix seconds.
    pub at: i64,
    pub seq: u64,
    /// `SIGNED_IN`, `SIGNED_OUT`, … as on `auth://state`.
    pub event: String,
    pub reason: Option<String>,
    pub detail: Option<String>,
}

impl Entry {
    fn from_line(line: audit::Line, seq: u64) -> Entry {
        Entry { at: line.unix_ms().unwrap_or(0).div_euclid(1000), seq, event: line.event, reason: line.reason, detail: line.detail }
    }
}

/// Every event of this process goes to the audit log (if on) and to a capped list in memory.
pub struct Activity {
    memory: Mutex<VecDeque<Entry>>,
    audit: Option<AuditLog>,
}

impl Activity {
    pub fn new(config: &Config) -> Self {
        Activity { memory: Mutex::default(), audit: AuditLog::from_config(config) }
    }

    /// Never fails: an audit write error is logged once (by the audit log) and the session carries on.
    pub fn record(&self, e: &AuthEvent) {
        let now = SystemClock.now_ms();
        if let Some(log) = &self.audit {
            log.record(e, now);
        }
        let line = audit::Line::from_event(e, false, now);
        let mut memory = self.memory.lock().unwrap();
        memory.push_front(Entry::from_line(line, e.seq));
        memory.truncate(KEEP);
    }

    /// Newest first: the audit log while it works, otherwise this process's own events.
    pub fn recent(&self) -> Vec<Entry> {
        if let Some(log) = self.audit.as_ref().filter(|log| !log.failed()) {
            match audit::recent(log.dir(), KEEP) {
                Ok(lines) => {
                    let n = lines.len() as u64;
                    return lines.into_iter().enumerate().map(|(i, line)| Entry::from_line(line, n - i as u64)).collect();
                }
                Err(e) => tracing::warn!(error = %e, "could not read the audit log; showing this session's activity"),
            }
        }
        self.memory.lock().unwrap().iter().cloned().collect()
    }
}
