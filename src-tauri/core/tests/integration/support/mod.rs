//! Shared helpers for the integration tests: the real keychain, the real local stack, private data dirs (the test
//! doubles are in `latchkey_core::testing`).
#![allow(dead_code)]

use latchkey_core::{AuthEvent, EventKind, KeyringStore, SystemClock, Vault, VaultLock};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use tokio::sync::broadcast;

pub mod http;

/// The next event of one of `kinds` from the engine, failing after `within` (a bound on the test, not a synchronisation).
pub async fn next_event(events: &mut broadcast::Receiver<AuthEvent>, kinds: &[EventKind], within: Duration) -> AuthEvent {
    tokio::time::timeout(within, async {
        loop {
            let e = events.recv().await.expect("engine alive");
            if kinds.contains(&e.event) {
                return e;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {kinds:?} within {within:?}"))
}

/// A new confirmed user on the local stack (admin API), so a test can count its own requests.
pub async fn create_user(tag: &str) -> (String, String, String) {
    let email = format!("{tag}-{}@example.com", std::process::id());
    let password = format!("pw-{tag}-{}", std::process::id());
    let reply = reqwest::Client::new()
        .post(format!("{}/auth/v1/admin/users", env("LATCHKEY_SUPABASE_URL")))
        .bearer_auth(env("LATCHKEY_STACK_SERVICE_ROLE_KEY"))
        .json(&serde_json::json!({ "email": email, "password": password, "email_confirm": true }))
        .send()
        .await
        .unwrap();
    assert!(reply.status().is_success(), "admin create user: {}", reply.status());
    let user: serde_json::Value = reply.json().await.unwrap();
    (user["id"].as_str().unwrap().to_string(), email, password)
}

/// POST /token refresh requests GoTrue logged for one user (the server's own count).
pub fn logged_refreshes(user_id: &str) -> usize {
    let log = std::fs::read_to_string(format!("{}/gotrue.log", env("LATCHKEY_STACK_LOG_DIR"))).unwrap_or_default();
    log.lines()
        .filter(|l| l.contains("\"path\":\"/token\"") && l.contains("\"grant_type\":\"refresh_token\"") && l.contains(user_id))
        .count()
}

/// A keychain service name private to one test, so tests never share an entry.
pub fn service(test: &str) -> String {
    format!("dev.latchkey.test.{test}.{}", std::process::id())
}

pub fn keyring(test: &str) -> KeyringStore {
    require_secret_service();
    KeyringStore::new(&service(test))
}

/// An empty data directory private to one test.
pub fn data_dir(test: &str) -> PathBuf {
    latchkey_core::testing::temp_dir(&format!("it-{test}"))
}

/// The test's vault over the real keychain, holding the lock (as the app does).
pub fn vault(test: &str, dir: &Path) -> Vault<KeyringStore, SystemClock> {
    let lock = VaultLock::acquire(dir, Duration::from_secs(5)).expect("vault lock");
    Vault::new(dir, keyring(test), SystemClock, Some(lock))
}

/// Fails loudly outside a D-Bus session: these tests need the real Secret Service.
pub fn require_secret_service() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "no D-Bus session: run these tests through scripts/test (or scripts/lib/isolated -- cargo test ...)"
    );
}

/// What `secret-tool` (a separate Secret Service client) finds for an entry: `None` only when it looked and
/// found nothing. When it could not look (no bus, no daemon, a locked keyring) it panics, so an absence check
/// never passes on an error.
pub fn secret_tool_lookup(service: &str, account: &str) -> Option<String> {
    secret_tool_lookup_with(Command::new("secret-tool"), service, account)
}

/// [`secret_tool_lookup`] with a prepared command (a test points it at a broken bus).
pub fn secret_tool_lookup_with(mut command: Command, service: &str, account: &str) -> Option<String> {
    let out = command.args(["lookup", "service", service, "username", account]).output().expect("secret-tool runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        // secret-tool's answer for "no such item": exit 1, nothing on either stream.
        Some(1) if out.stdout.is_empty() && stderr.trim().is_empty() => None,
        code => panic!("secret-tool could not look up {service}/{account} (exit {code:?}): {stderr}"),
    }
}

/// Every file under `dir` containing any of `needles`.
pub fn files_containing(dir: &Path, needles: &[&str]) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return hits };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            hits.extend(files_containing(&path, needles));
        } else if let Ok(bytes) = std::fs::read(&path) {
            if needles.iter().any(|n| bytes.windows(n.len()).any(|w| w == n.as_bytes())) {
                hits.push(path);
            }
        }
    }
    hits
}

pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run through scripts/test, which starts the local stack"))
}
