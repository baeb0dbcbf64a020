//! Runs the real `latchkey` binary headless over a private data directory, and reads what it left behind.
#![allow(dead_code)]

use latchkey_core::{KeyringStore, Session, SessionStore, SystemClock, Vault, APP_ID};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

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

/// The binary with no display at all, over `dir` (and its own log directory).
pub fn latchkey(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_latchkey"));
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

/// Starts `latchkey sign-in` with the password on standard input; returns the running child.
pub fn spawn_sign_in(dir: &Path, email: &str, password: &str) -> std::process::Child {
    let mut child = latchkey(dir, &["sign-in", "--email", email, "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("latchkey starts");
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child
}

/// The session the vault holds, read without the lock (never writes).
pub fn vault_session(dir: &Path) -> Option<Session> {
    Vault::new(dir, KeyringStore::new(APP_ID), SystemClock, None).load().expect("vault opens")
}

pub fn quarantined(dir: &Path) -> usize {
    std::fs::read_dir(dir).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().contains(".quarantine-")).count()
}
