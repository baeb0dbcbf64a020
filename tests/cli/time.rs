//! A wall clock that jumps while monotonic time barely moves (a suspended laptop) is noticed within 2 s by the real
//! binary: past the deadline it signs out with `timeout`, past the access token's expiry it refreshes at once.
//! The jump comes from libfaketime (Debian's libfaketime), its offset file rewritten while `latchkey watch` runs.

use crate::support;

use support::{data_dir, demo, latchkey, parse_event, spawn_sign_in, stdout_lines, vault_session};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

/// `latchkey watch --json` whose wall clock is the real one plus the offset in `offset_file`, read on every call.
struct FakedWatch {
    child: Child,
    events: Receiver<String>,
    offset_file: PathBuf,
}

impl FakedWatch {
    fn start(dir: &Path) -> FakedWatch {
        assert!(Path::new(LIBFAKETIME).exists(), "libfaketime is installed (scripts/setup installs it)");
        let offset_file = dir.with_extension("faketime");
        std::fs::write(&offset_file, "+0\n").unwrap();
        let mut cmd = latchkey(dir, &["watch", "--json"]);
        cmd.env("LD_PRELOAD", LIBFAKETIME)
            .env("FAKETIME_TIMESTAMP_FILE", &offset_file)
            .env("FAKETIME_NO_CACHE", "1")
            .env("FAKETIME_DONT_FAKE_MONOTONIC", "1");
        let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
        let events = stdout_lines(&mut child);
        FakedWatch { child, events, offset_file }
    }

    /// Moves this process's wall clock to real time + `offset` (libfaketime syntax, e.g. `+25h`).
    fn jump(&self, offset: &str) -> Instant {
        std::fs::write(&self.offset_file, format!("{offset}\n")).unwrap();
        Instant::now()
    }

    /// The next event of `kind` within `within`; any other event of `forbidden` fails.
    fn next(&self, kind: &str, forbidden: &[&str], within: Duration) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let event = parse_event(&self.events.recv_timeout(left).unwrap_or_else(|_| panic!("no {kind} within {within:?}")));
            assert!(!forbidden.contains(&event["event"].as_str().unwrap()), "unexpected: {event}");
            if event["event"] == kind {
                return event;
            }
        }
    }
}

impl Drop for FakedWatch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signed_in(test: &str) -> PathBuf {
    let (email, password) = demo();
    let dir = data_dir(test);
    assert_eq!(spawn_sign_in(&dir, &email, &password).wait().unwrap().code(), Some(0));
    dir
}

#[test]
fn a_25_hour_wall_clock_jump_signs_out_with_timeout_within_2_s() {
    let dir = signed_in("time-deadline");
    let watch = FakedWatch::start(&dir);
    let first = watch.next("INITIAL_SESSION", &["SIGNED_OUT"], Duration::from_secs(10));
    assert_eq!(first["state"]["status"], "signed_in");

    let jumped = watch.jump("+25h");
    let out = watch.next("SIGNED_OUT", &[], Duration::from_secs(5));
    let took = jumped.elapsed();
    println!("+25 h wall-clock jump: SIGNED_OUT {} after {took:?}", out["reason"]);
    assert_eq!(out["reason"], "timeout", "{out}");
    assert!(took <= Duration::from_secs(2), "noticed {took:?} after the jump");
    assert!(vault_session(&dir).is_none(), "the vault was wiped at the deadline");
}

#[test]
fn a_jump_past_the_access_tokens_expiry_inside_the_deadline_refreshes_at_once() {
    let dir = signed_in("time-expiry");
    let before = vault_session(&dir).unwrap();
    let lifetime = before.access_expires_at - cli_now();
    assert!(lifetime < 2 * 3600, "the stack's tokens live less than the jump: {lifetime} s");
    let watch = FakedWatch::start(&dir);
    watch.next("INITIAL_SESSION", &["SIGNED_OUT"], Duration::from_secs(10));

    let jumped = watch.jump("+2h");
    let refreshed = watch.next("TOKEN_REFRESHED", &["SIGNED_OUT", "REFRESH_RETRYING"], Duration::from_secs(5));
    let took = jumped.elapsed();
    println!("+2 h wall-clock jump past a {lifetime} s token: TOKEN_REFRESHED after {took:?}");
    assert!(took <= Duration::from_secs(2), "refreshed {took:?} after the jump");
    assert_eq!(refreshed["state"]["status"], "signed_in", "{refreshed}");
    let after = vault_session(&dir).unwrap();
    assert_ne!(after.refresh_token.expose(), before.refresh_token.expose(), "the server rotated the token and it was saved");
    assert_eq!(after.signed_in_at, before.signed_in_at, "the same session, inside its deadline");
}

fn cli_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// `latchkey <args>` whose wall clock is the real one moved by `offset` (libfaketime syntax, e.g. `-2h`) from the start.
fn faked(dir: &Path, offset: &str, args: &[&str]) -> std::process::Command {
    assert!(Path::new(LIBFAKETIME).exists(), "libfaketime is installed (scripts/setup installs it)");
    let mut cmd = latchkey(dir, args);
    cmd.env("LD_PRELOAD", LIBFAKETIME).env("FAKETIME", offset).env("FAKETIME_DONT_FAKE_MONOTONIC", "1");
    cmd
}

#[test]
fn a_clock_set_back_before_the_sign_in_is_tampering_never_a_longer_session() {
    let dir = signed_in("time-backwards");
    let status = support::json(&support::run(faked(&dir, "-2h", &["status", "--json"])));
    assert_eq!((status["state"].as_str(), status["reason"].as_str()), (Some("signed_out"), Some("storage_corrupt")), "{status:#}");
    assert!(vault_session(&dir).is_some(), "status only reads: nothing was moved");
    // Five minutes back is a clock correction, not tampering.
    let status = support::json(&support::run(faked(&dir, "-4m", &["status", "--json"])));
    assert_eq!(status["state"], "signed_in", "{status:#}");
    // The lock holder sets the file aside; the real clock then finds nothing to restore.
    let mut watch = faked(&dir, "-2h", &["watch", "--json"]);
    watch.stdout(Stdio::piped());
    let first = support::watch_until(watch, Duration::from_secs(30), |e| e["event"] == "INITIAL_SESSION");
    assert_eq!(first["state"]["reason"], "storage_corrupt", "{first}");
    assert_eq!(support::quarantined(&dir), 1);
}
