//! Runs the real `latchkey` binary headless over a private data directory, and reads what it left behind.
#![allow(dead_code)]

use latchkey_core::{KeyringStore, Session, SessionStore, SystemClock, Vault, APP_ID};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The local stack's demo user (`scripts/stack env`).
pub fn demo() -> (String, String) {
    let get = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} not set: run through scripts/test"));
    (get("LATCHKEY_DEMO_EMAIL"), get("LATCHKEY_DEMO_PASSWORD"))
}

/// GoTrue's own address, host:port (scripts/stack: LATCHKEY_STACK_GOTRUE_PORT, default the stack port + 1).
pub fn gotrue_addr() -> String {
    let port = std::env::var("LATCHKEY_STACK_GOTRUE_PORT").unwrap_or_else(|_| {
        let url = std::env::var("LATCHKEY_SUPABASE_URL").expect("LATCHKEY_SUPABASE_URL set: run through scripts/test");
        (url.rsplit(':').next().unwrap().trim_end_matches('/').parse::<u16>().unwrap() + 1).to_string()
    });
    format!("127.0.0.1:{port}")
}

pub fn data_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("latchkey-cli-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(log_dir(&dir));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The test's private log directory (audit log), next to its data directory.
pub fn log_dir(dir: &Path) -> PathBuf {
    dir.with_extension("logs")
}

/// The binary under test: this build's, or `LATCHKEY_CLI_BIN` (an older build, to show that a new test fails on it).
pub fn binary() -> PathBuf {
    std::env::var_os("LATCHKEY_CLI_BIN").filter(|p| !p.is_empty()).map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_latchkey")), PathBuf::from)
}

/// The binary with no display at all, over `dir` (and its own log directory).
pub fn latchkey(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(binary());
    cmd.args(args).env("LATCHKEY_DATA_DIR", dir).env("LATCHKEY_LOG_DIR", log_dir(dir));
    cmd.env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY").env_remove("LATCHKEY_LOG").env("RUST_LOG", "warn");
    cmd
}

pub fn run(mut cmd: Command) -> Output {
    cmd.output().expect("latchkey runs")
}

pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// Starts `cmd` (a `sign-in … --password-stdin`) with `password` on standard input; returns the running child.
pub fn start_with_password(mut cmd: Command, password: &str) -> Child {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("latchkey starts");
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child
}

/// Runs `cmd` (a `sign-in … --password-stdin`) with `password` on standard input, to the end.
pub fn sign_in_with(cmd: Command, password: &str) -> Output {
    start_with_password(cmd, password).wait_with_output().unwrap()
}

/// Signs the demo user in with `cmd` (a `latchkey` command over some data dir, and whatever it sets), to the end;
/// fails the test unless it succeeds.
pub fn sign_in_demo(mut cmd: Command) {
    let (email, password) = demo();
    cmd.args(["sign-in", "--email", &email, "--password-stdin"]);
    let out = sign_in_with(cmd, &password);
    assert_eq!(out.status.code(), Some(0), "sign-in: {}", String::from_utf8_lossy(&out.stderr));
}

/// Starts `latchkey sign-in` over `dir` with the password on standard input; returns the running child.
pub fn spawn_sign_in(dir: &Path, email: &str, password: &str) -> Child {
    start_with_password(latchkey(dir, &["sign-in", "--email", email, "--password-stdin"]), password)
}

/// The lines `child` (spawned with a piped stdout) prints, as they come, read on a thread of their own.
pub fn stdout_lines(child: &mut Child) -> std::sync::mpsc::Receiver<String> {
    let lines = BufReader::new(child.stdout.take().expect("stdout is piped")).lines();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(|l| drop(tx.send(l))));
    rx
}

/// One line of `watch --json`: an event object, or the test fails naming the line.
pub fn parse_event(line: &str) -> serde_json::Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
}

/// Runs `cmd` (a `watch --json`) until an event satisfies `want` (returned) or panics after `within`; then kills it.
pub fn watch_until(mut cmd: Command, within: Duration, want: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let mut child = cmd.stdout(Stdio::piped()).spawn().expect("latchkey watch starts");
    let rx = stdout_lines(&mut child);
    let deadline = Instant::now() + within;
    let found = loop {
        let line = rx.recv_timeout(deadline.saturating_duration_since(Instant::now()));
        let event = parse_event(&line.unwrap_or_else(|_| panic!("no matching event within {within:?}")));
        if want(&event) {
            break event;
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    found
}

/// The session the vault holds, read without the lock (never writes).
pub fn vault_session(dir: &Path) -> Option<Session> {
    Vault::new(dir, KeyringStore::new(APP_ID), SystemClock, None).load().expect("vault opens")
}

pub fn quarantined(dir: &Path) -> usize {
    std::fs::read_dir(dir).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().contains(".quarantine-")).count()
}

/// A running process whose output lines are read as they come; killed when dropped.
pub struct Running {
    pub child: Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Running {
    /// `cmd` with its stdout read line by line.
    pub fn stdout_of(mut cmd: Command) -> Running {
        let mut child = cmd.stdout(Stdio::piped()).spawn().expect("the process starts");
        let lines = stdout_lines(&mut child);
        Running { child, lines }
    }

    /// The next line that satisfies `want`, or the test fails after `within` naming `what`.
    pub fn until(&self, what: &str, within: Duration, want: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + within;
        loop {
            let line = self.lines.recv_timeout(deadline.saturating_duration_since(Instant::now()));
            let line = line.unwrap_or_else(|_| panic!("no {what} within {within:?}"));
            if want(&line) {
                return line;
            }
        }
    }

    /// The next `watch --json` event of `kind`.
    pub fn event(&self, kind: &str, within: Duration) -> serde_json::Value {
        parse_event(&self.until(kind, within, |l| parse_event(l)["event"] == kind))
    }

    /// How many `watch --json` events of `kind` it has printed that were not read yet (reading them all).
    pub fn unread(&self, kind: &str) -> usize {
        self.lines.try_iter().filter(|l| parse_event(l)["event"] == kind).count()
    }

    /// Waits for the process to end on its own (its output closes); its exit code.
    pub fn exit_code(&mut self, within: Duration) -> Option<i32> {
        let deadline = Instant::now() + within;
        loop {
            match self.lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(_) => continue,
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("still running after {within:?}"),
            }
        }
        self.child.wait().unwrap().code()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The window's binary over `dir` on the test's display (scripts/test runs these steps under Xvfb), its log lines
/// (stderr) read; returns once its agent listens.
pub fn window(dir: &Path) -> Running {
    assert!(std::env::var_os("DISPLAY").is_some(), "a display: run through scripts/test, which starts Xvfb");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_latchkey-desktop"));
    cmd.env("LATCHKEY_DATA_DIR", dir).env("LATCHKEY_LOG_DIR", log_dir(dir)).env_remove("LATCHKEY_LOG").env("RUST_LOG", "info");
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("the window starts");
    let stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || stderr.map_while(Result::ok).for_each(|l| drop(tx.send(l))));
    let window = Running { child, lines };
    window.until("'the agent is listening' from the window", Duration::from_secs(60), |l| l.contains("the agent is listening"));
    window
}
