//! Shared helpers for the integration tests: the real keychain, the real local stack, private data dirs, a request counter.
#![allow(dead_code)]

use latchkey_core::api::{AuthApi, Grant, LogoutScope};
use latchkey_core::secret::{AccessToken, RefreshToken};
use latchkey_core::session::User;
use latchkey_core::{AuthError, KeyringStore, Snapshot, SystemClock, Vault, VaultLock};
use std::sync::{Mutex, OnceLock};
use tokio::sync::{watch, Notify};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub mod fault_proxy;

/// The wall clock plus a jump the test controls (a suspended laptop, a changed system time).
#[derive(Clone, Default)]
pub struct JumpClock(pub Arc<std::sync::atomic::AtomicI64>);

impl JumpClock {
    pub fn jump(&self, secs: i64) {
        self.0.fetch_add(secs * 1000, Ordering::SeqCst);
    }
}

impl latchkey_core::Clock for JumpClock {
    fn now_ms(&self) -> i64 {
        SystemClock.now_ms() + self.0.load(Ordering::SeqCst)
    }
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
    let dir = std::env::temp_dir().join(format!("latchkey-it-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
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

/// Wraps an API, counts every request that reaches it, and notes the engine's event `seq` at that moment.
#[derive(Clone)]
pub struct Counting<A> {
    pub inner: A,
    pub requests: Arc<AtomicUsize>,
    /// Set after `start`: the engine's snapshots.
    pub engine: Arc<OnceLock<watch::Receiver<Snapshot>>>,
    /// The `seq` the engine had published when each request was made.
    pub seq_at_request: Arc<Mutex<Vec<u64>>>,
    pub requested: Arc<Notify>,
}

impl<A> Counting<A> {
    pub fn new(inner: A) -> Self {
        Counting {
            inner,
            requests: Arc::new(AtomicUsize::new(0)),
            engine: Arc::new(OnceLock::new()),
            seq_at_request: Arc::new(Mutex::new(Vec::new())),
            requested: Arc::new(Notify::new()),
        }
    }
    pub fn count(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
    fn note(&self) {
        let seq = self.engine.get().map_or(0, |rx| rx.borrow().seq);
        self.seq_at_request.lock().unwrap().push(seq);
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.requested.notify_one();
    }
}

impl<A: AuthApi> AuthApi for Counting<A> {
    async fn password_grant(&self, email: &str, password: &str) -> Result<Grant, AuthError> {
        self.note();
        self.inner.password_grant(email, password).await
    }
    async fn refresh_grant(&self, token: &RefreshToken) -> Result<Grant, AuthError> {
        self.note();
        self.inner.refresh_grant(token).await
    }
    async fn logout(&self, token: &AccessToken, scope: LogoutScope) -> Result<(), AuthError> {
        self.note();
        self.inner.logout(token, scope).await
    }
    async fn fetch_user(&self, token: &AccessToken) -> Result<User, AuthError> {
        self.note();
        self.inner.fetch_user(token).await
    }
}
