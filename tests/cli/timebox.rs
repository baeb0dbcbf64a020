//! The server's own session limit (GoTrue's `GOTRUE_SESSIONS_TIMEBOX`, here 20 s with 6 s tokens) through the real
//! binary: refreshes work until the timebox passes, then GoTrue answers `session_expired` and `latchkey watch` signs
//! out with reason `timeout` and wipes the vault, never retrying. scripts/test runs it with LATCHKEY_STACK_TIMEBOX=20
//! and LATCHKEY_STACK_JWT_EXP=6 (docs/admin-guide.md: align the timebox with `max_session_age`).

use crate::support;

use std::time::{Duration, Instant};
use support::{data_dir, demo, latchkey, parse_event, spawn_sign_in, stdout_lines, vault_session};

fn timebox() -> Duration {
    let secs = std::env::var("LATCHKEY_STACK_TIMEBOX").expect("LATCHKEY_STACK_TIMEBOX is set: run through scripts/test");
    Duration::from_secs(secs.trim_end_matches('s').parse().expect("the timebox in seconds"))
}

#[test]
fn past_the_servers_timebox_a_refresh_gets_session_expired_and_the_session_ends_with_timeout() {
    let (limit, (email, password)) = (timebox(), demo());
    let dir = data_dir("timebox");
    let signed_in = Instant::now();
    assert_eq!(spawn_sign_in(&dir, &email, &password).wait().unwrap().code(), Some(0));
    let mut watch = latchkey(&dir, &["watch", "--json"]).stdout(std::process::Stdio::piped()).spawn().unwrap();
    let events = stdout_lines(&mut watch);
    let (mut refreshed, mut retried) = (0, 0);
    let out = loop {
        let line = events.recv_timeout(limit * 3).unwrap_or_else(|_| panic!("no SIGNED_OUT within {:?} of a {limit:?} timebox", limit * 3));
        let event = parse_event(&line);
        match event["event"].as_str().unwrap() {
            "TOKEN_REFRESHED" => refreshed += 1,
            "REFRESH_RETRYING" => retried += 1,
            "SIGNED_OUT" => break event,
            _ => {}
        }
    };
    let _ = watch.wait();
    println!("timebox {limit:?}: {refreshed} refreshes, then SIGNED_OUT {} after {:?}", out["reason"], signed_in.elapsed());
    assert_eq!(out["reason"], "timeout", "{out}");
    assert!(signed_in.elapsed() >= limit, "signed out before the server's timebox");
    assert!(refreshed >= 1, "the session refreshed while inside the timebox");
    assert_eq!(retried, 0, "session_expired is final: it is never retried");
    assert!(vault_session(&dir).is_none(), "the vault was wiped");
}
