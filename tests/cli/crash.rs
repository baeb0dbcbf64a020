//! Crash-safe rotation against the real GoTrue: `latchkey watch` is killed (abort) right after the server rotated
//! the refresh token and before the vault saved it; the next launch is still signed in.
//! Needs short tokens: scripts/test runs it with LATCHKEY_STACK_JWT_EXP=6, alone in its own D-Bus session.

use crate::support;

use support::{data_dir, demo, latchkey, spawn_sign_in, vault_session};
use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

/// Runs `latchkey watch --json` until an event of `kinds` (returned) or a bound of `within`; never a sign-out.
fn watch_until(dir: &std::path::Path, kinds: &[&str], within: Duration) -> serde_json::Value {
    support::watch_until(latchkey(dir, &["watch", "--json"]), within, |event| {
        assert_ne!(event["event"], "SIGNED_OUT", "signed out: {event}");
        kinds.contains(&event["event"].as_str().unwrap())
    })
}

#[test]
fn a_crash_between_rotation_and_save_loses_no_session() {
    let (email, password) = demo();
    let dir = data_dir("crash");
    assert_eq!(spawn_sign_in(&dir, &email, &password).wait().unwrap().code(), Some(0));
    let before = vault_session(&dir).expect("saved").refresh_token.expose().to_string();

    let crashed = latchkey(&dir, &["watch", "--json"]).env("LATCHKEY_TEST_CRASH_AFTER_ROTATION", "1").output().unwrap();
    assert_eq!(crashed.status.signal(), Some(6), "aborted: {}", String::from_utf8_lossy(&crashed.stderr));
    assert!(String::from_utf8_lossy(&crashed.stderr).contains("between rotation and save"));
    let stale = vault_session(&dir).expect("still saved");
    assert_eq!(stale.refresh_token.expose(), before, "the crash came after the server rotated and before the save");

    let first = watch_until(&dir, &["INITIAL_SESSION"], Duration::from_secs(10));
    assert_eq!(first["state"]["status"], "signed_in", "restored after the crash: {first}");
    let refreshed = watch_until(&dir, &["TOKEN_REFRESHED"], Duration::from_secs(20));
    assert_eq!(refreshed["state"]["status"], "signed_in");
    let status: serde_json::Value = serde_json::from_slice(&latchkey(&dir, &["status", "--json"]).output().unwrap().stdout).unwrap();
    assert_eq!(status["state"], "signed_in", "GoTrue accepted the parent of the active token; nothing was lost");
    assert_eq!(latchkey(&dir, &["sign-out"]).status().unwrap().code(), Some(0));
}
