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
