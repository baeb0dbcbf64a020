//! GoTrue doubles: a scripted one that counts every call, and a wrapper that records what a real one is asked.

use crate::api::{AuthApi, Grant, LogoutScope, SignUp};
use crate::error::AuthError;
use crate::events::Snapshot;
use crate::pkce::AuthCode;
use crate::secret::{AccessToken, RefreshToken};
use crate::session::User;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::{watch, Notify};

/// A scripted GoTrue: the password `good` signs in, refresh and `/user` answers come from queues (then succeed),
/// and every refresh and logout is counted. Token `n` is `at-n` / `rt-n`: the sign-in's is 0, refresh n's is n.
#[derive(Clone, Default)]
pub struct FakeApi {
    /// Refreshes asked for, and those that ran to the end (not cancelled).
    pub refreshes: Arc<AtomicUsize>,
    pub refreshes_done: Arc<AtomicUsize>,
    pub logouts: Arc<Mutex<Vec<LogoutScope>>>,
    /// Answers of coming `/logout` calls (then they succeed).
    pub logout_script: Arc<Mutex<VecDeque<Result<(), AuthError>>>>,
    pub refresh_script: Arc<Mutex<VecDeque<Result<(), AuthError>>>>,
    pub user_script: Arc<Mutex<VecDeque<Result<User, AuthError>>>>,
    /// Seconds each granted access token lives.
    pub lifetime: Arc<AtomicI64>,
    /// How long each refresh takes (tokio time).
    pub refresh_delay_ms: Arc<AtomicI64>,
}

impl FakeApi {
    pub fn new(lifetime_secs: i64) -> Self {
        let api = FakeApi::default();
        api.lifetime.store(lifetime_secs, Ordering::SeqCst);
        api
    }

    /// Queues the answer of a coming refresh.
    pub fn then_refresh(&self, result: Result<(), AuthError>) -> &Self {
        self.refresh_script.lock().unwrap().push_back(result);
        self
    }

    pub fn grant(&self, n: usize) -> Grant {
        Grant {
            access_token: AccessToken::new(format!("at-{n}")),
            refresh_token: RefreshToken::new(format!("rt-{n}")),
            expires_in: self.lifetime.load(Ordering::SeqCst),
            session_id: Some("sid".into()),
            user: super::user(),
            server_time: None,
        }
    }
}

impl AuthApi for FakeApi {
    async fn password_grant(&self, _: &str, password: &str) -> Result<Grant, AuthError> {
        match password {
            "good" => Ok(self.grant(0)),
            _ => Err(AuthError::Server { status: 400, code: "invalid_credentials".into(), message: "Invalid login credentials".into() }),
        }
    }
    async fn refresh_grant(&self, _: &RefreshToken) -> Result<Grant, AuthError> {
        let n = self.refreshes.fetch_add(1, Ordering::SeqCst) + 1;
        let delay = self.refresh_delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(delay as u64)).await;
        }
        let scripted = self.refresh_script.lock().unwrap().pop_front();
        self.refreshes_done.fetch_add(1, Ordering::SeqCst);
        scripted.unwrap_or(Ok(())).map(|_| self.grant(n))
    }
    async fn logout(&self, _: &AccessToken, scope: LogoutScope) -> Result<(), AuthError> {
        self.logouts.lock().unwrap().push(scope);
        self.logout_script.lock().unwrap().pop_front().unwrap_or(Ok(()))
    }
    async fn fetch_user(&self, _: &AccessToken) -> Result<User, AuthError> {
        self.user_script.lock().unwrap().pop_front().unwrap_or(Ok(super::user()))
    }
}

/// A real API, every request counted (with the engine's event `seq` at that moment), and the e-mailed links'
/// `redirect_to` and the code exchanges recorded.
#[derive(Clone)]
pub struct Observed<A> {
    pub inner: Arc<A>,
    pub requests: Arc<AtomicUsize>,
    /// Set after `start`: the engine's snapshots.
    pub engine: Arc<OnceLock<watch::Receiver<Snapshot>>>,
    /// The `seq` the engine had published when each request was made.
    pub seq_at_request: Arc<Mutex<Vec<u64>>>,
    pub requested: Arc<Notify>,
    pub redirects: Arc<Mutex<Vec<String>>>,
    pub exchanges: Arc<AtomicUsize>,
}

impl<A> Observed<A> {
    pub fn new(inner: A) -> Self {
        Observed {
            inner: Arc::new(inner),
            requests: Arc::default(),
            engine: Arc::default(),
            seq_at_request: Arc::default(),
            requested: Arc::default(),
            redirects: Arc::default(),
            exchanges: Arc::default(),
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

impl<A: AuthApi> AuthApi for Observed<A> {
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
    fn auth_url(&self) -> &str {
        self.inner.auth_url()
    }
    async fn sign_up(&self, email: &str, password: &str, redirect_to: &str) -> Result<SignUp, AuthError> {
        self.note();
        self.inner.sign_up(email, password, redirect_to).await
    }
    async fn send_email_code(&self, email: &str, create_user: bool, redirect_to: &str, challenge: &str) -> Result<(), AuthError> {
        self.note();
        self.redirects.lock().unwrap().push(redirect_to.to_string());
        self.inner.send_email_code(email, create_user, redirect_to, challenge).await
    }
    async fn verify_email_code(&self, email: &str, code: &str) -> Result<Grant, AuthError> {
        self.note();
        self.inner.verify_email_code(email, code).await
    }
    async fn exchange_code(&self, code: AuthCode) -> Result<Grant, AuthError> {
        self.note();
        self.exchanges.fetch_add(1, Ordering::SeqCst);
        self.inner.exchange_code(code).await
    }
    async fn recover(&self, email: &str, redirect_to: &str, challenge: &str) -> Result<(), AuthError> {
        self.note();
        self.redirects.lock().unwrap().push(redirect_to.to_string());
        self.inner.recover(email, redirect_to, challenge).await
    }
    async fn update_password(&self, token: &AccessToken, password: &str) -> Result<User, AuthError> {
        self.note();
        self.inner.update_password(token, password).await
    }
}
