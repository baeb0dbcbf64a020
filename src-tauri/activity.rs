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

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_core::events::Subject;
    use latchkey_core::{EventKind, SignOutReason, StateView};

    fn config(name: &str, policy: &str) -> Config {
        latchkey_core::testing::config(&format!("activity-{name}"), Some(policy), None, &[]).unwrap()
    }

    fn event(seq: u64, kind: EventKind, reason: Option<SignOutReason>) -> AuthEvent {
        let subject = Subject { user_id: "u1".into(), email: "a@b.c".into(), session_hash: Some("ab".repeat(32)) };
        AuthEvent { seq, event: kind, state: StateView::SignedOut { reason }, reason, remaining: None, retry: None, subject: Some(subject) }
    }

    #[test]
    fn with_the_audit_log_on_the_view_reads_it_newest_first_including_other_processes_lines() {
        let config = config("on", "{}");
        let activity = Activity::new(&config);
        activity.record(&event(2, EventKind::SignedIn, None));
        // Another process (say `latchkey sign-out`) appends to the same log.
        AuditLog::from_config(&config).unwrap().record(&event(7, EventKind::SignedOut, Some(SignOutReason::User)), SystemClock.now_ms() + 1);
        let rows = activity.recent();
        let shown: Vec<(&str, Option<&str>)> = rows.iter().map(|r| (r.event.as_str(), r.reason.as_deref())).collect();
        assert_eq!(shown, [("SIGNED_OUT", Some("user")), ("SIGNED_IN", None)]);
        assert!(rows[0].seq > rows[1].seq && (rows[0].at - SystemClock.now_unix()).abs() < 5);
        let json = serde_json::to_string(&rows).unwrap();
        assert!(!json.contains("a@b.c") && !json.contains("u1"), "the view's shape is unchanged: {json}");
    }

    #[test]
    fn with_the_audit_log_off_the_view_shows_this_process_and_nothing_is_written() {
        let config = config("off", r#"{"managed": {"audit_log": {"enabled": false}}}"#);
        let activity = Activity::new(&config);
        activity.record(&event(2, EventKind::SignedIn, None));
        activity.record(&event(3, EventKind::SignedOut, Some(SignOutReason::Timeout)));
        let rows = activity.recent();
        assert_eq!(rows.iter().map(|r| r.seq).collect::<Vec<_>>(), [3, 2]);
        assert_eq!(rows[0].reason.as_deref(), Some("timeout"));
        assert!(!config.log_dir.exists(), "policy turned the audit log off");
    }
}
