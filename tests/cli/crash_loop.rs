//! Crash loops against the real GoTrue: `latchkey watch` is SIGKILLed at seeded random moments of its refresh
//! cycle, exactly between the server's rotation and the vault save, and inside vault writes; no session is ever
//! lost and the vault is always the old session or the new one, never corrupt.
//! Needs short tokens: scripts/test runs it with LATCHKEY_STACK_JWT_EXP=6, alone in its own D-Bus session.
//! LATCHKEY_CRASH_SEED (default: from the clock, always printed) and LATCHKEY_CRASH_CYCLES (default 200 per loop).

use crate::support;

use support::{data_dir, demo, latchkey, quarantined, spawn_sign_in};
use latchkey_core::{AuthError, KeyringStore, Session, SessionStore, SystemClock, Vault, APP_ID};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::time::{Duration, Instant};

/// The stderr line the debug build prints where the rotated session is not saved yet.
const ROTATION_MARKER: &str = "test pause: between rotation and save";
/// What the debug build prints when a pause ends and the work goes on.
const PAUSE_OVER: &str = "test pause over:";
/// The points of a vault write the debug build names (`vault/files.rs`), in the order they happen.
const WRITE_POINTS: [&str; 3] = ["mid-write", "before-rename", "after-rename"];
/// Random kills land within this many ms of the launch: the launch itself (~150 ms), restores, and half a
/// refresh cycle of a 6 s token; restarts keep the refresh schedule, so the kills fall all over the cycle.
const RANDOM_KILL_MS: u64 = 1200;
/// How long a marker may take to appear: a refresh is due within 3.3 s of the last one with 6 s tokens.
const MARKER_WAIT: Duration = Duration::from_secs(20);

/// What a cycle aims its SIGKILL at.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Aim {
    /// After a random delay from the launch.
    Random(Duration),
    /// Right after the rotation marker: the server rotated, the vault holds the parent.
    Rotation,
    /// Right after the vault write names this point.
    Write(&'static str),
}

/// A line from the killed process, in the order read.
enum Line {
    Event(Value),
    Stderr(String),
}

/// What one loop saw, for the summary line.
#[derive(Default)]
struct Tally {
    cycles: usize,
    rotation_hits: usize,
    write_hits: [usize; 3],
    vault_old: usize,
    vault_new: usize,
    restored: usize,
    expired_at_start: usize,
    refreshed: usize,
    parent_refreshes: usize,
    parent_returned_active: usize,
    killed_before_initial: usize,
    lost: usize,
}

/// One crash loop over one signed-in data directory.
struct Looper {
    name: &'static str,
    dir: PathBuf,
    seed: u64,
    rng: fastrand::Rng,
    env: Vec<(&'static str, String)>,
    tally: Tally,
    /// The vault holds the parent of the server's active token (killed after a rotation, before the save).
    stale_parent: bool,
    /// The active token the server minted while the vault kept the parent (seen in a synced temp file).
    expected_active: Option<String>,
}

fn seed() -> u64 {
    match std::env::var("LATCHKEY_CRASH_SEED") {
        Ok(s) => s.trim().parse().unwrap_or_else(|_| panic!("LATCHKEY_CRASH_SEED must be a number, got {s:?}")),
        Err(_) => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64,
    }
}

fn cycles() -> usize {
    std::env::var("LATCHKEY_CRASH_CYCLES").map_or(200, |s| s.trim().parse().expect("LATCHKEY_CRASH_CYCLES must be a number"))
}

/// The session a vault file holds, read without the lock (never writes, never quarantines).
fn read_vault(dir: &Path) -> Result<Option<Session>, AuthError> {
    Vault::new(dir, KeyringStore::new(APP_ID), SystemClock, None).load()
}

/// The session inside the synced temp file of a paused vault write, decoded from a copy.
fn read_temp_file(dir: &Path) -> Session {
    let copy = dir.with_extension("snapshot");
    std::fs::create_dir_all(&copy).unwrap();
    std::fs::copy(dir.join("session.vault.tmp"), copy.join("session.vault")).expect("the temp file is there");
    read_vault(&copy).expect("a synced temp file decodes").expect("it holds a session")
}

/// Sends every line of `pipe` as `wrap(line)`; ends at EOF (the process died).
fn forward(pipe: impl Read + Send + 'static, tx: Sender<Line>, wrap: fn(String) -> Line) {
    std::thread::spawn(move || BufReader::new(pipe).lines().map_while(Result::ok).for_each(|l| drop(tx.send(wrap(l)))));
}

/// The pause the process died in: the last pause it announced, unless it said the pause was over (then it died
/// somewhere else, and nothing after the pause had run only if it died in one).
fn in_flight(lines: &[Line]) -> Option<&'static str> {
    let point = |t: &str| {
        if t.contains(ROTATION_MARKER) {
            Some("rotation")
        } else {
            WRITE_POINTS.iter().find(|p| t.contains(&format!("vault write {p} ("))).copied()
        }
    };
    lines
        .iter()
        .rev()
        .find_map(|l| match l {
            Line::Stderr(t) if t.contains(PAUSE_OVER) => Some(None),
            Line::Stderr(t) => point(t).map(Some),
            _ => None,
        })
        .flatten()
}

fn event_line(line: String) -> Line {
    Line::Event(serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
}

impl Looper {
    /// Signs in over a fresh data directory; `salt` gives each loop its own kill plan from the same seed.
    fn new(name: &'static str, seed: u64, salt: u64, env: Vec<(&'static str, String)>) -> Self {
        let (email, password) = demo();
        let dir = data_dir(name);
        assert_eq!(spawn_sign_in(&dir, &email, &password).wait().unwrap().code(), Some(0), "signed in");
        let rng = fastrand::Rng::with_seed(seed.wrapping_add(salt));
        Looper { name, dir, seed, rng, env, tally: Tally::default(), stale_parent: false, expected_active: None }
    }

    fn context(&self, aim: Aim) -> String {
        format!("{} seed {} cycle {} ({aim:?})", self.name, self.seed, self.tally.cycles)
    }

    fn vault_now(&self, aim: Aim) -> Session {
        let ctx = self.context(aim);
        let session = read_vault(&self.dir).unwrap_or_else(|e| panic!("{ctx}: the vault does not open: {e}"));
        assert_eq!(quarantined(&self.dir), 0, "{ctx}: nothing is ever quarantined");
        session.unwrap_or_else(|| panic!("{ctx}: the vault is empty"))
    }

    /// Launches `watch --json`, kills it (SIGKILL) where `aim` says, and returns everything it printed, with the
    /// session the temp file held at `before-rename` when the aim is `after-rename`.
    fn launch_and_kill(&mut self, aim: Aim) -> (Vec<Line>, Option<Session>) {
        let mut cmd = latchkey(&self.dir, &["watch", "--json"]);
        cmd.envs(self.env.iter().map(|(k, v)| (*k, v))).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child: Child = cmd.spawn().expect("latchkey watch starts");
        let (tx, rx) = channel();
        forward(child.stdout.take().unwrap(), tx.clone(), event_line);
        forward(child.stderr.take().unwrap(), tx, Line::Stderr);
        let (mut seen, mut renamed_to) = (Vec::new(), None);
        match aim {
            Aim::Random(delay) => std::thread::sleep(delay), // the seeded random moment is the point of the test
            Aim::Rotation => self.wait_for(&rx, &mut seen, ROTATION_MARKER, aim),
            Aim::Write(point) => {
                if point == "after-rename" {
                    self.wait_for(&rx, &mut seen, "vault write before-rename (", aim);
                    renamed_to = Some(read_temp_file(&self.dir));
                }
                self.wait_for(&rx, &mut seen, &format!("vault write {point} ("), aim);
            }
        }
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        seen.extend(rx.iter()); // the rest of what it printed before it died; ends when both pipes close
        (seen, renamed_to)
    }

    /// Reads lines until a stderr line contains `marker`; a sign-out or a dead process fails the cycle.
    fn wait_for(&self, rx: &Receiver<Line>, seen: &mut Vec<Line>, marker: &str, aim: Aim) {
        let deadline = Instant::now() + MARKER_WAIT;
        loop {
            let line = rx.recv_timeout(deadline.saturating_duration_since(Instant::now()));
            let line = line.unwrap_or_else(|e| panic!("{}: no {marker:?} within {MARKER_WAIT:?} ({e})", self.context(aim)));
            let found = matches!(&line, Line::Stderr(text) if text.contains(marker));
            let signed_out = matches!(&line, Line::Event(e) if e["event"] == "SIGNED_OUT");
            seen.push(line);
            if found || signed_out {
                return;
            }
        }
    }

    /// One cycle: launch, kill, then check the vault and what the launch said about the session.
    fn cycle(&mut self, aim: Aim) {
        let before = self.vault_now(aim);
        let (lines, renamed_to) = self.launch_and_kill(aim);
        self.tally.cycles += 1;
        let ctx = self.context(aim);
        let events: Vec<&Value> = lines.iter().filter_map(|l| if let Line::Event(e) = l { Some(e) } else { None }).collect();
        let lost_before = self.tally.lost;
        self.check_restart(&events, &ctx);
        if self.tally.lost > lost_before {
            return self.sign_in_again(); // counted; the loop goes on from a new sign-in
        }
        let after = self.vault_now(aim);
        let refreshed = events.iter().any(|e| e["event"] == "TOKEN_REFRESHED");
        let in_flight = in_flight(&lines);
        let changed = after.refresh_token.expose() != before.refresh_token.expose();
        let unchanged = !changed && after.access_expires_at == before.access_expires_at;
        let tmp = self.dir.join("session.vault.tmp");

        // The vault is exactly the old session or the new one: the same session, refreshed.
        let is_new = changed && after.session_id == before.session_id && after.access_expires_at > before.access_expires_at;
        self.tally.vault_old += usize::from(unchanged);
        self.tally.vault_new += usize::from(is_new);
        match in_flight {
            Some("rotation" | "mid-write" | "before-rename") => {
                assert!(unchanged, "{ctx}: killed after the rotation, before the rename ({in_flight:?}): the vault is the old one");
                self.stale_parent = true;
            }
            Some(_) => assert!(is_new, "{ctx}: killed after the rename: the vault is the new one"),
            None => assert!(unchanged || is_new, "{ctx}: the vault is the old one or the new one"),
        }
        if refreshed {
            assert!(changed, "{ctx}: TOKEN_REFRESHED comes only after the new token is saved");
            self.tally.refreshed += 1;
            self.tally.parent_refreshes += usize::from(self.stale_parent);
            if in_flight.is_none() {
                assert!(!tmp.exists(), "{ctx}: a completed write leaves no temp file (one left by a kill was overwritten)");
            }
        }
        if let Some(new) = &renamed_to {
            assert_eq!(after.refresh_token.expose(), new.refresh_token.expose(), "{ctx}: renamed: the vault is the new one");
        }
        // Which token the parent got back: the vault's new one, or the one a paused write had synced.
        let got = if changed {
            self.stale_parent = false;
            Some(after.refresh_token.expose().to_string())
        } else if in_flight == Some("before-rename") {
            Some(read_temp_file(&self.dir).refresh_token.expose().to_string())
        } else {
            None
        };
        if let Some(got) = got {
            if let Some(active) = &self.expected_active {
                assert_eq!(&got, active, "{ctx}: for the parent, GoTrue returned its active token (parent-of-active)");
                self.tally.parent_returned_active += 1;
            }
            self.expected_active = (!changed).then_some(got);
        }
        self.count_hit(in_flight);
    }

    /// Restored (INITIAL_SESSION signed in), or expired and refreshed; never signed out.
    fn check_restart(&mut self, events: &[&Value], ctx: &str) {
        match events.iter().find(|e| e["event"] == "INITIAL_SESSION").map(|e| e["state"]["status"].as_str().unwrap_or("")) {
            Some("signed_in") => self.tally.restored += 1,
            Some("expired") => self.tally.expired_at_start += 1,
            None => self.tally.killed_before_initial += 1,
            Some(other) => {
                eprintln!("{ctx}: LOST: INITIAL_SESSION {other}: {:?}", events.first());
                self.tally.lost += 1;
            }
        }
        if let Some(out) = events.iter().find(|e| e["event"] == "SIGNED_OUT") {
            eprintln!("{ctx}: LOST: {out}");
            self.tally.lost += 1;
        }
    }

    fn count_hit(&mut self, in_flight: Option<&str>) {
        match in_flight {
            Some("rotation") => self.tally.rotation_hits += 1,
            Some(point) => self.tally.write_hits[WRITE_POINTS.iter().position(|p| *p == point).unwrap()] += 1,
            None => {}
        }
    }

    fn sign_in_again(&mut self) {
        let (email, password) = demo();
        let _ = latchkey(&self.dir, &["sign-out"]).output();
        assert_eq!(spawn_sign_in(&self.dir, &email, &password).wait().unwrap().code(), Some(0));
        self.stale_parent = false;
        self.expected_active = None;
    }

    /// After the loop: one more launch refreshes through GoTrue, `status` says signed in; then sign out.
    fn finish(self, started: Instant) -> Tally {
        let refreshed = support::watch_until(latchkey(&self.dir, &["watch", "--json"]), Duration::from_secs(20), |e| {
            assert_ne!(e["event"], "SIGNED_OUT", "{}: signed out at the end: {e}", self.name);
            e["event"] == "TOKEN_REFRESHED"
        });
        assert_eq!(refreshed["state"]["status"], "signed_in", "a final refresh through GoTrue succeeds");
        let status: Value = serde_json::from_slice(&latchkey(&self.dir, &["status", "--json"]).output().unwrap().stdout).unwrap();
        assert_eq!(status["state"], "signed_in", "still signed in after the loop");
        assert!(!self.dir.join("session.vault.tmp").exists(), "no temp file is left once a write completed");
        let t = &self.tally;
        println!(
            "crash-loop {}: cycles={} seed={} rotation_window_hits={} write_hits(mid-write,before-rename,after-rename)={:?} \
             vault_old={} vault_new={} restored={} expired_at_start={} refreshed={} parent_refreshes={} parent_returned_active={} killed_before_initial={} lost={} wall={:.1}s",
            self.name, t.cycles, self.seed, t.rotation_hits, t.write_hits, t.vault_old, t.vault_new, t.restored, t.expired_at_start, t.refreshed,
            t.parent_refreshes, t.parent_returned_active, t.killed_before_initial, t.lost, started.elapsed().as_secs_f64()
        );
        assert_eq!(latchkey(&self.dir, &["sign-out"]).output().unwrap().status.code(), Some(0));
        for dir in [self.dir.with_extension("snapshot"), support::log_dir(&self.dir), self.dir.clone()] {
            let _ = std::fs::remove_dir_all(dir);
        }
        self.tally
    }
}

#[test]
fn sigkill_at_random_moments_and_between_rotation_and_save_loses_no_session() {
    let (seed, started) = (seed(), Instant::now());
    println!("crash-loop rotation: seed={seed} (LATCHKEY_CRASH_SEED={seed} reproduces the kill plan)");
    // Random kills also pause 200 ms in the window, so some land there by chance; aimed ones wait for it.
    let mut looper = Looper::new("rotation", seed, 0, vec![("LATCHKEY_TEST_PAUSE_AFTER_ROTATION_MS", "200".into())]);
    for _ in 0..cycles() {
        let aim = if looper.rng.u8(0..100) < 30 { Aim::Rotation } else { Aim::Random(Duration::from_millis(looper.rng.u64(0..RANDOM_KILL_MS))) };
        looper.cycle(aim);
    }
    let tally = looper.finish(started);
    assert_eq!(tally.lost, 0, "no session is lost (seed {seed})");
    assert!(tally.rotation_hits > 0, "some kills landed between rotation and save");
}

#[test]
fn sigkill_during_vault_writes_leaves_the_old_or_the_new_vault() {
    let (seed, started) = (seed(), Instant::now());
    println!("crash-loop vault-write: seed={seed} (LATCHKEY_CRASH_SEED={seed} reproduces the kill plan)");
    // Every vault write pauses 250 ms at each point, so random kills land inside writes too. Aimed kills after the
    // rename are fewer: each one saves a fresh token, and the next write waits for its half-life (3 s).
    let mut looper = Looper::new("vault-write", seed, 1, vec![("LATCHKEY_TEST_PAUSE_IN_VAULT_WRITE_MS", "250".into())]);
    for _ in 0..cycles() {
        let aim = match looper.rng.u8(0..100) {
            0..25 => Aim::Write("mid-write"),
            25..50 => Aim::Write("before-rename"),
            50..60 => Aim::Write("after-rename"),
            _ => Aim::Random(Duration::from_millis(looper.rng.u64(0..RANDOM_KILL_MS))),
        };
        looper.cycle(aim);
    }
    let tally = looper.finish(started);
    assert_eq!(tally.lost, 0, "no session is lost (seed {seed})");
    assert!(tally.write_hits.iter().all(|&n| n > 0), "kills landed at every point of a vault write");
}
