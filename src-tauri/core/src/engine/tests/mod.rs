//! Deterministic engine tests: tokio's paused time drives the timers, and the test clock can also jump.

use super::*;
use crate::events::EventKind;
use crate::session::SignOutReason;
use crate::testing::{FakeApi, TestClock, TestStore};
use std::sync::Arc;

mod browser;
mod deadlines;
mod mfa;
mod policy;
mod refresh;
mod session;
mod sign_out;

const T0: i64 = 1_800_000_000_000; // wall ms at test start
const HOUR: i64 = 3_600;

fn server(code: &str, message: &str) -> AuthError {
    server_status(400, code, message)
}

fn server_status(status: u16, code: &str, message: &str) -> AuthError {
    AuthError::Server { status, code: code.into(), message: message.into() }
}

fn offline() -> AuthError {
    AuthError::Unreachable { url: "http://x".into(), detail: "connection refused".into() }
}

struct Rig {
    api: FakeApi,
    store: Arc<TestStore>,
    clock: TestClock,
    handle: SessionHandle,
    events: broadcast::Receiver<AuthEvent>,
}

impl Rig {
    /// Next event of one of `kinds`, skipping others (time auto-advances while waiting).
    /// Bounded in virtual time, so a missing event fails the test instead of hanging it.
    async fn next(&mut self, kinds: &[EventKind]) -> AuthEvent {
        let wait = async {
            loop {
                let e = self.events.recv().await.expect("engine alive");
                if kinds.contains(&e.event) {
                    return e;
                }
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(48 * 3600), wait).await.unwrap_or_else(|_| panic!("no {kinds:?} within 48 h"))
    }
    fn now_s(&self) -> i64 {
        self.clock.now_ms() / 1000
    }
}

async fn rig_with(api: FakeApi, store: Arc<TestStore>, settings: EngineRules) -> Rig {
    let clock = TestClock::at(T0);
    let (handle, task) = start(api.clone(), store.clone(), clock.clone(), settings);
    let events = handle.subscribe();
    tokio::spawn(task);
    handle.initialized().await;
    Rig { api, store, clock, handle, events }
}

fn settings() -> EngineRules {
    EngineRules { jitter_seed: 7, ..EngineRules::default() }
}

/// Signed in with a token that lives `lifetime` seconds.
async fn signed_in(lifetime: i64, settings: EngineRules) -> Rig {
    let mut rig = rig_with(FakeApi::new(lifetime), Arc::new(TestStore::default()), settings).await;
    rig.handle.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap();
    rig.next(&[EventKind::SignedIn]).await;
    rig
}

fn signed_out(reason: Option<SignOutReason>) -> StateView {
    StateView::SignedOut { reason }
}
