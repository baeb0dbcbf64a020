//! GoTrue doubles: a scripted one that counts every call, and a wrapper that records what a real one is asked.

use super::mfa::FakeFactors;
use crate::api::{AuthApi, Challenge, Enrolment, Grant, LogoutScope, NewFactor, SignUp, UserChange};
use crate::error::AuthError;
use crate::events::Snapshot;
use crate::pkce::AuthCode;
use crate::secret::{AccessToken, RefreshToken};
use crate::session::User;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::{watch, Notify};

/// A scripted GoTrue: the password `good` signs in, refresh and `/user` answers come from queues (then succeed),
/// and every refresh and logout is counted. Token `n` is `at-n` / `rt-n`: the sign-in's is 0, refresh n's is n.
/// A code exchange signs in too (with the provider's tokens when asked), and `POST /sso` knows one domain,
/// [`SSO_DOMAIN`].
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
    /// Code exchanges made.
    pub exchanges: Arc<AtomicUsize>,
    /// Whether an exchange gives the provider's tokens ([`super::provider_tokens`]), as an OAuth one does.
    pub gives_provider_tokens: Arc<AtomicBool>,
    /// The `redirect_to` of every `POST /sso`.
    pub sso_redirects: Arc<Mutex<Vec<String>>>,
    /// The user's second factors and the session's level.
    pub mfa: FakeFactors,
    /// Each `PUT /user`: `email <address>`, or `password` with ` (current)` when the current one was sent.
    pub user_changes: Arc<Mutex<Vec<String>>>,
}

/// The one domain the fake's `POST /sso` has a provider for.
pub const SSO_DOMAIN: &str = "latchkey.test";

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
            user: self.user(),
            server_time: None,
            provider_tokens: None,
            identity: None,
            claims: Some(Box::new(self.mfa.claims("sid"))),
        }
    }

    /// [`super::user`] with the factors the server has now.
    pub fn user(&self) -> User {
        User { factors: self.mfa.list(), ..super::user() }
    }
}

impl AuthApi for FakeApi {
    async fn password_grant(&self, _: &str, password: &str) -> Result<Grant, AuthError> {
        match password {
            "good" => {
                *self.mfa.aal.lock().unwrap() = crate::assurance::Aal::Aal1;
                Ok(self.grant(0))
            }
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
        self.user_script.lock().unwrap().pop_front().unwrap_or_else(|| Ok(self.user()))
    }
    async fn enrol_factor(&self, _: &AccessToken, factor: &NewFactor) -> Result<Enrolment, AuthError> {
        self.mfa.enrol(factor)
    }
    async fn challenge_factor(&self, _: &AccessToken, factor_id: &str) -> Result<Challenge, AuthError> {
        self.mfa.challenge(factor_id)
    }
    async fn verify_factor(&self, _: &AccessToken, factor_id: &str, _: &str, code: &str) -> Result<Grant, AuthError> {
        self.mfa.verify(factor_id, code)?;
        Ok(Grant { access_token: AccessToken::new("at-mfa".into()), refresh_token: RefreshToken::new("rt-mfa".into()), ..self.grant(0) })
    }
    async fn unenrol_factor(&self, _: &AccessToken, factor_id: &str) -> Result<(), AuthError> {
        self.mfa.unenrol(factor_id)
    }
    async fn update_user(&self, _: &AccessToken, change: &UserChange) -> Result<User, AuthError> {
        let (said, user) = match change {
            UserChange::Email(email) => (format!("email {email}"), User { new_email: Some(email.clone()), ..self.user() }),
            UserChange::Password { current, .. } => (format!("password{}", if current.is_some() { " (current)" } else { "" }), self.user()),
        };
        self.user_changes.lock().unwrap().push(said);
        Ok(user)
    }
    fn auth_url(&self) -> &str {
        "https://project.test/auth/v1"
    }
    async fn exchange_code(&self, _: AuthCode) -> Result<Grant, AuthError> {
        self.exchanges.fetch_add(1, Ordering::SeqCst);
        let tokens = self.gives_provider_tokens.load(Ordering::SeqCst).then(super::provider_tokens);
        Ok(Grant { provider_tokens: tokens, ..self.grant(0) })
    }
    async fn start_sso(&self, target: &crate::api::SsoTarget, redirect_to: &str, _: &str) -> Result<String, AuthError> {
        match target {
            crate::api::SsoTarget::Domain(d) if d == SSO_DOMAIN => {
                self.sso_redirects.lock().unwrap().push(redirect_to.into());
                Ok("https://idp.test/saml?SAMLRequest=r".into())
            }
            _ => Err(AuthError::Server { status: 404, code: "sso_provider_not_found".into(), message: "No SSO provider assigned for this domain".into() }),
        }
    }
}

/// A real API, every request counted (with the engine's event `seq` at that moment), and the e-mailed links'
/// `redirect_to` and the code exchanges recorded.
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

/// Clones share the counts (and need no `Clone` of the API they wrap).
impl<A> Clone for Observed<A> {
    fn clone(&self) -> Self {
        Observed {
            inner: self.inner.clone(),
            requests: self.requests.clone(),
            engine: self.engine.clone(),
            seq_at_request: self.seq_at_request.clone(),
            requested: self.requested.clone(),
            redirects: self.redirects.clone(),
            exchanges: self.exchanges.clone(),
        }
    }
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
    async fn start_sso(&self, target: &crate::api::SsoTarget, redirect_to: &str, challenge: &str) -> Result<String, AuthError> {
        self.note();
        self.redirects.lock().unwrap().push(redirect_to.to_string());
        self.inner.start_sso(target, redirect_to, challenge).await
    }
    async fn recover(&self, email: &str, redirect_to: &str, challenge: &str) -> Result<(), AuthError> {
        self.note();
        self.redirects.lock().unwrap().push(redirect_to.to_string());
        self.inner.recover(email, redirect_to, challenge).await
    }
    async fn update_user(&self, token: &AccessToken, change: &UserChange) -> Result<User, AuthError> {
        self.note();
        self.inner.update_user(token, change).await
    }
    async fn enrol_factor(&self, token: &AccessToken, factor: &NewFactor) -> Result<Enrolment, AuthError> {
        self.note();
        self.inner.enrol_factor(token, factor).await
    }
    async fn challenge_factor(&self, token: &AccessToken, factor_id: &str) -> Result<Challenge, AuthError> {
        self.note();
        self.inner.challenge_factor(token, factor_id).await
    }
    async fn verify_factor(&self, token: &AccessToken, factor_id: &str, challenge_id: &str, code: &str) -> Result<Grant, AuthError> {
        self.note();
        self.inner.verify_factor(token, factor_id, challenge_id, code).await
    }
    async fn unenrol_factor(&self, token: &AccessToken, factor_id: &str) -> Result<(), AuthError> {
        self.note();
        self.inner.unenrol_factor(token, factor_id).await
    }
    async fn send_phone_code(&self, phone: &str, create_user: bool) -> Result<(), AuthError> {
        self.note();
        self.inner.send_phone_code(phone, create_user).await
    }
    async fn verify_phone_code(&self, phone: &str, code: &str) -> Result<Grant, AuthError> {
        self.note();
        self.inner.verify_phone_code(phone, code).await
    }
}
