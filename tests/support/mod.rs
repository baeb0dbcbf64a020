//! Shared helpers for the core's integration tests: the real keychain, the real local stack, and a request counter.
#![allow(dead_code)]

use latchkey_core::api::{AuthApi, Grant, LogoutScope};
use latchkey_core::secret::{AccessToken, RefreshToken};
use latchkey_core::{AuthError, KeyringStore};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A keychain service name private to one test, so tests never share an entry.
pub fn service(test: &str) -> String {
    format!("dev.latchkey.test.{test}.{}", std::process::id())
}

pub fn keyring(test: &str) -> KeyringStore {
    require_secret_service();
    KeyringStore::new(&service(test), "session")
}

/// Fails loudly outside a D-Bus session: these tests need the real Secret Service.
pub fn require_secret_service() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "no D-Bus session: run these tests through scripts/test (or scripts/lib/isolated -- cargo test ...)"
    );
}

/// What `secret-tool` (a separate Secret Service client) finds for the entry.
pub fn secret_tool_lookup(service: &str) -> Option<String> {
    let out = Command::new("secret-tool").args(["lookup", "service", service, "username", "session"]).output().expect("secret-tool runs");
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run through scripts/test, which starts the local stack"))
}

/// Wraps an API and counts every request that reaches it.
#[derive(Clone)]
pub struct Counting<A> {
    pub inner: A,
    pub requests: Arc<AtomicUsize>,
}

impl<A> Counting<A> {
    pub fn new(inner: A) -> Self {
        Counting { inner, requests: Arc::new(AtomicUsize::new(0)) }
    }
    pub fn count(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl<A: AuthApi> AuthApi for Counting<A> {
    async fn password_grant(&self, email: &str, password: &str) -> Result<Grant, AuthError> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.inner.password_grant(email, password).await
    }
    async fn refresh_grant(&self, token: &RefreshToken) -> Result<Grant, AuthError> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.inner.refresh_grant(token).await
    }
    async fn logout(&self, token: &AccessToken, scope: LogoutScope) -> Result<(), AuthError> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.inner.logout(token, scope).await
    }
}
