//! Every event a core publishes is recorded once: in the audit log when policy keeps one (so the window shows the
//! CLI's sign-ins too) and in a capped list in memory for the Activity view. Nothing recorded holds a token.

use latchkey_core::audit::{self, AuditLog};
use latchkey_core::events::Subject;
use latchkey_core::{AuthEvent, Clock, Config, Session, SessionHandle, SystemClock};
use serde::Serialize;
use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

const KEEP: usize = 200;

/// One row of the view (the shape `get_activity` returns; docs/ipc.md).
#[derive(Clone, Serialize, ts_rs::TS)]
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
    include_email: bool,
}

impl Activity {
    pub fn new(config: &Config) -> Self {
        Activity { memory: Mutex::default(), audit: AuditLog::from_config(config), include_email: config.audit_log.include_email }
    }

    /// Follows `core`'s events from now on: subscribe before asking the core for anything.
    pub fn follow(self: &Arc<Self>, core: &SessionHandle) -> Trail {
        Trail { activity: self.clone(), events: core.subscribe() }
    }

    /// Where the audit log is kept (`None` when policy turns it off).
    pub fn audit_dir(&self) -> Option<&Path> {
        self.audit.as_ref().map(AuditLog::dir)
    }

    /// `latchkey reset`'s line: the session it wiped (if any) was signed out by a reset.
    pub fn record_reset(&self, wiped: Option<&Session>) {
        if let Some(log) = &self.audit {
            let now = SystemClock.now_ms();
            let subject = wiped.map(Subject::of);
            log.write_or_warn(&audit::Line::new("SIGNED_OUT", Some("reset".into()), subject.as_ref(), self.include_email, now), now);
        }
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

/// A core's events as they are read, each recorded first.
pub struct Trail {
    activity: Arc<Activity>,
    events: broadcast::Receiver<AuthEvent>,
}

impl Trail {
    /// The next event, recorded; `None` once the core has stopped. A reader that lagged skips ahead (and says so):
    /// the window resyncs from the snapshot.
    pub async fn next(&mut self) -> Option<AuthEvent> {
        loop {
            match self.events.recv().await {
                Ok(event) => {
                    self.activity.record(&event);
                    return Some(event);
                }
                Err(broadcast::error::RecvError::Lagged(n)) => tracing::warn!(skipped = n, "event reader lagged"),
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// Records every event published so far: each precedes the reply to the request that caused it.
    pub fn drain(&mut self) {
        loop {
            match self.events.try_recv() {
                Ok(event) => self.activity.record(&event),
                Err(broadcast::error::TryRecvError::Lagged(_)) => continue,
                Err(_) => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_core::events::Subject;
    use latchkey_core::testing::FakeApi;
    use latchkey_core::vault::MemoryStore;
    use latchkey_core::{EngineRules, EventKind, SignOutReason, StateView};

    fn config(name: &str, policy: &str) -> Config {
        latchkey_core::testing::config(&format!("activity-{name}"), Some(policy), None, &[]).unwrap()
    }

    fn event(seq: u64, kind: EventKind, reason: Option<SignOutReason>) -> AuthEvent {
        let subject = Subject { user_id: "u1".into(), email: "a@b.c".into(), session_hash: Some("ab".repeat(32)) };
        AuthEvent { seq, reason, subject: Some(subject), ..AuthEvent::new(kind, StateView::SignedOut { reason }) }
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

    #[tokio::test]
    async fn a_trail_records_every_event_a_request_caused_before_its_reply() {
        let config = config("trail", "{}");
        let activity = Arc::new(Activity::new(&config));
        let (core, task) = latchkey_core::start(FakeApi::new(3600), MemoryStore::default(), SystemClock, EngineRules::default());
        let mut trail = activity.follow(&core);
        tokio::spawn(task);
        core.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap();
        trail.drain();
        let lines = audit::read(activity.audit_dir().unwrap()).unwrap().lines;
        assert_eq!(lines.iter().map(|l| l.event.as_str()).collect::<Vec<_>>(), ["SIGNED_IN"], "a launch with no session is no change");
        assert_eq!(activity.recent()[0].event, "SIGNED_IN");
    }
}
