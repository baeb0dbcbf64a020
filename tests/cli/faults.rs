//! Faults between `latchkey watch` and the real GoTrue never sign anyone out: outages, 429 storms, malformed
//! replies and slow-loris servers each end in a clear retry cause, and a fresh token soon after the server is back.
//! Needs short tokens: scripts/test runs it with LATCHKEY_STACK_JWT_EXP=6, one test at a time.

use crate::support;

use support::{data_dir, demo, gotrue_addr, latchkey, parse_event, sign_in_with, stdout_lines};
use latchkey_core::testing::fault_proxy::{FaultProxy, Mode};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// The proxy (on its own runtime) and a data directory signed in through it.
struct Rig {
    proxy: FaultProxy,
    dir: PathBuf,
    _runtime: tokio::runtime::Runtime,
}

impl Rig {
    fn signed_in(test: &str) -> Rig {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let proxy = runtime.block_on(FaultProxy::start(gotrue_addr()));
        let rig = Rig { proxy, dir: data_dir(test), _runtime: runtime };
        let (email, password) = demo();
        let out = sign_in_with(rig.cmd(&["sign-in", "--email", &email, "--password-stdin"]), &password);
        assert_eq!(out.status.code(), Some(0), "signed in through the proxy: {}", String::from_utf8_lossy(&out.stderr));
        rig
    }

    /// `latchkey <args>` talking to GoTrue through the proxy.
    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = latchkey(&self.dir, args);
        cmd.env("LATCHKEY_SUPABASE_URL", &self.proxy.url).env("LATCHKEY_AUTH_URL", &self.proxy.url);
        cmd
    }

    fn watch(&self) -> Watch {
        Watch::start(self.cmd(&["watch", "--json"]), &self.dir)
    }

    fn status(&self) -> (Value, Duration) {
        let t0 = Instant::now();
        let out = self.cmd(&["status", "--json"]).output().unwrap();
        (support::json(&out), t0.elapsed())
    }

    /// Refresh requests the proxy saw in `mode`.
    fn refreshes_in(&self, mode: Mode) -> Vec<Instant> {
        self.seen_in(mode, "grant_type=refresh_token")
    }

    /// Requests (or, for a reset, connections) the proxy saw in `mode` whose request line contains `pattern`.
    fn seen_in(&self, mode: Mode, pattern: &str) -> Vec<Instant> {
        self.proxy.seen(pattern).into_iter().filter(|s| s.mode == mode).map(|s| s.at).collect()
    }
}

/// `latchkey watch --json`: its events as they come, every one of them kept; a sign-out fails the test at once.
struct Watch {
    child: Child,
    events: Receiver<String>,
    stderr: PathBuf,
    pub seen: Vec<Value>,
}

impl Watch {
    fn start(mut cmd: Command, dir: &Path) -> Watch {
        let stderr = dir.with_extension("watch-stderr");
        let mut child = cmd.stdout(Stdio::piped()).stderr(std::fs::File::create(&stderr).unwrap()).spawn().unwrap();
        let events = stdout_lines(&mut child);
        Watch { child, events, stderr, seen: vec![] }
    }

    /// The next event for which `want` holds, within `within`.
    fn until(&mut self, within: Duration, want: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.events.recv_timeout(left).unwrap_or_else(|_| panic!("no matching event within {within:?}; saw {:?}", self.seen.last()));
            let event = parse_event(&line);
            self.seen.push(event.clone());
            assert_ne!(event["event"], "SIGNED_OUT", "signed out: {event}");
            if want(&event) {
                return event;
            }
        }
    }

    fn next(&mut self, kind: &str, within: Duration) -> Value {
        self.until(within, |e| e["event"] == kind)
    }

    /// A retry caused by `cause`.
    fn retry(&mut self, cause: &str, within: Duration) -> Value {
        self.until(within, |e| e["event"] == "REFRESH_RETRYING" && e["retry"]["cause"] == cause)
    }

    /// Takes in everything that has arrived so far (the sign-out check included).
    fn drain(&mut self) {
        while let Ok(line) = self.events.try_recv() {
            let event = parse_event(&line);
            assert_ne!(event["event"], "SIGNED_OUT", "signed out: {event}");
            self.seen.push(event);
        }
    }

    /// Alive, and nothing panicked.
    fn assert_healthy(&mut self) {
        assert!(self.child.try_wait().unwrap().is_none(), "watch is still running");
        let stderr = std::fs::read_to_string(&self.stderr).unwrap();
        assert!(!stderr.contains("panicked"), "no panic: {stderr}");
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// The state in an event or a status: signed in or expired, never signed out.
fn kept(state: &Value) -> bool {
    let status = state.get("status").or_else(|| state.get("state")).and_then(Value::as_str);
    matches!(status, Some("signed_in" | "expired"))
}

#[test]
fn a_ten_minute_outage_signs_nobody_out_and_a_fresh_token_comes_within_5_s_of_the_return() {
    let outage = secs(std::env::var("LATCHKEY_OUTAGE_SECS").map_or(600, |s| s.parse().unwrap()));
    let rig = Rig::signed_in("outage");
    let mut watch = rig.watch();
    watch.next("INITIAL_SESSION", secs(10));
    // The server goes silent, then its host resets connections, then nothing listens at all.
    let started = Instant::now();
    let retries = |seen: &[Value]| seen.iter().filter(|e| e["event"] == "REFRESH_RETRYING").count();
    let mut per_phase = Vec::new(); // the engine's failed attempts (one REFRESH_RETRYING each) in each phase
    for mode in [Mode::BlackHole, Mode::Reset, Mode::Refuse] {
        let before = retries(&watch.seen);
        rig.proxy.set(mode);
        std::thread::sleep(outage / 3); // the outage itself, not a wait for something
        watch.drain();
        per_phase.push((retries(&watch.seen) - before) as f64 * 60.0 / (outage / 3).as_secs_f64());
    }
    println!("outage retries a minute (REFRESH_RETRYING events): black hole {:.1}, resets {:.1}, refused {:.1}", per_phase[0], per_phase[1], per_phase[2]);
    assert!(per_phase.iter().all(|&r| r <= 30.0), "backoff keeps every phase's retry rate bounded: {per_phase:.1?} a minute");
    let down = started.elapsed();
    assert!(watch.seen.iter().any(|e| e["state"]["status"] == "expired"), "the 6 s token ran out during the outage");
    assert!(watch.seen.iter().all(|e| kept(&e["state"])), "kept the session throughout");
    let (status, _) = rig.status();
    assert_eq!(status["state"], "expired", "status during the outage: {status}");

    rig.proxy.set(Mode::Forward);
    let back = Instant::now();
    watch.next("TOKEN_REFRESHED", secs(30));
    let took = back.elapsed();
    let attempts = [Mode::BlackHole, Mode::Reset].iter().map(|&m| rig.seen_in(m, "").len()).sum::<usize>();
    let per_minute = attempts as f64 * 60.0 / (down.as_secs_f64() * 2.0 / 3.0);
    println!("outage {down:?}: 0 sign-outs, {attempts} requests reached the server's address while it was silent or resetting ({per_minute:.1}/min), fresh token {took:?} after the return");
    assert!(took <= secs(5), "fresh token {took:?} after the server came back");
    assert!(per_minute <= 30.0, "backoff keeps the retry rate bounded: {per_minute:.1} a minute");
    watch.assert_healthy();
}

#[test]
fn a_429_storm_is_obeyed_no_sooner_than_retry_after_and_signs_nobody_out() {
    const RETRY_AFTER: u64 = 4;
    const STORM: u64 = 40;
    let rig = Rig::signed_in("ratelimit-storm");
    let mut watch = rig.watch();
    watch.next("INITIAL_SESSION", secs(10));
    rig.proxy.set_retry_after(RETRY_AFTER);
    rig.proxy.set(Mode::RateLimit);
    let started = Instant::now();
    watch.retry("over_request_rate_limit", secs(15));
    std::thread::sleep(secs(STORM).saturating_sub(started.elapsed())); // the storm itself
    rig.proxy.set(Mode::Forward);
    let limited = rig.refreshes_in(Mode::RateLimit);
    let over = Instant::now();
    watch.next("TOKEN_REFRESHED", secs(RETRY_AFTER + 6));
    let back = over.elapsed();

    let gaps: Vec<f64> = limited.windows(2).map(|w| (w[1] - w[0]).as_secs_f64()).collect();
    println!("429 storm {STORM} s, Retry-After {RETRY_AFTER}: {} refresh requests, gaps {gaps:.2?} s; refreshed {back:?} after it ended", limited.len());
    assert!(limited.len() >= 2, "the storm was met more than once: {}", limited.len());
    // The rule (docs/session-engine.md): Retry-After plus at most 10 %, so one request per 4.0-4.4 s, and ≤ 11 in 40 s.
    let most = RETRY_AFTER as f64 * 1.1 + 0.5;
    assert!(gaps.iter().all(|&g| g >= RETRY_AFTER as f64 - 0.1 && g <= most), "each retry after Retry-After, within 10 %: {gaps:?}");
    assert!(limited.len() as u64 <= STORM / RETRY_AFTER + 1, "at most one request per Retry-After: {}", limited.len());
    assert!(back <= Duration::from_secs_f64(most + 0.5), "back {back:?} after the storm, within one Retry-After");
    assert!(watch.seen.iter().all(|e| kept(&e["state"])));
    watch.assert_healthy();
}

#[test]
fn malformed_replies_are_named_the_session_is_kept_and_nothing_panics() {
    let rig = Rig::signed_in("malformed");
    let mut watch = rig.watch();
    watch.next("INITIAL_SESSION", secs(10));
    let cases: [(Mode, &str); 8] = [
        (Mode::Body(r#"{"access_token":"eyJhbGciOiJFUzI1NiIs"#), "malformed_response"),
        (Mode::Body("<html><body><h1>502 Bad Gateway</h1></body></html>"), "malformed_response"),
        (Mode::Body("\u{1}\u{2}garbage\u{7f}"), "malformed_response"),
        (Mode::Body("{}"), "malformed_response"),
        (Mode::Body(r#"{"access_token":"not-a-jwt","refresh_token":"r","expires_in":3600,"user":{"id":"u"}}"#), "malformed_response"),
        (Mode::Body(r#"{"access_token":"e30.e30.e30","refresh_token":"r","expires_in":3600,"user":{"id":"u"}}"#), "malformed_response"),
        (Mode::CutBody, "server_unreachable"),
        (Mode::Status(503), "server_error"),
    ];
    for (mode, cause) in cases {
        rig.proxy.set(mode);
        let event = watch.retry(cause, secs(20));
        assert!(kept(&event["state"]), "{mode:?}: session kept: {event}");
        let (status, _) = rig.status();
        assert!(kept(&status), "{mode:?}: status {status}");
        watch.assert_healthy();
    }
    rig.proxy.set(Mode::Forward);
    let fresh = watch.next("TOKEN_REFRESHED", secs(10));
    assert_eq!(fresh["state"]["status"], "signed_in");
    watch.assert_healthy();
}

#[test]
fn a_slow_loris_server_times_out_while_status_answers_at_once() {
    let rig = Rig::signed_in("slowloris");
    let mut watch = rig.watch();
    watch.next("INITIAL_SESSION", secs(10));
    // Latency alone is no fault: a refresh 2 s late is still a refresh.
    rig.proxy.set(Mode::Latency(secs(2)));
    watch.next("TOKEN_REFRESHED", secs(15));

    rig.proxy.set(Mode::SlowLoris);
    let deadline = Instant::now() + secs(15);
    while rig.refreshes_in(Mode::SlowLoris).is_empty() {
        assert!(Instant::now() < deadline, "a refresh reached the slow server");
        std::thread::sleep(Duration::from_millis(50)); // polling the proxy's record, with a deadline
    }
    let stuck = Instant::now();
    let launch = launch_cost(&rig);
    // The best of three, as launch_cost: other processes on a loaded machine only ever add time.
    let answers: Vec<(Value, Duration)> = (0..3).map(|_| rig.status()).collect();
    let took = answers.iter().map(|(_, t)| *t).min().unwrap();
    println!("slow-loris: status answered in {took:?} (of which launching the binary {launch:?}) while a refresh hung");
    assert!(answers.iter().all(|(status, _)| kept(status)), "{:?}", answers[0].0);
    assert!(took.saturating_sub(launch) < Duration::from_millis(100), "status answered in {took:?}, launch alone {launch:?}");

    let timed_out = watch.retry("server_unreachable", secs(45));
    let waited = stuck.elapsed();
    assert!(waited >= secs(20), "the trickle held the request until the client's timeout: {waited:?}");
    assert!(kept(&timed_out["state"]));
    rig.proxy.set(Mode::Forward);
    watch.next("TOKEN_REFRESHED", secs(10));
    watch.assert_healthy();
}

/// What starting this binary costs before it does anything (it links GTK and WebKit): the fastest of three `--version`s.
fn launch_cost(rig: &Rig) -> Duration {
    (0..3)
        .map(|_| {
            let t0 = Instant::now();
            rig.cmd(&["--version"]).output().unwrap();
            t0.elapsed()
        })
        .min()
        .unwrap()
}
