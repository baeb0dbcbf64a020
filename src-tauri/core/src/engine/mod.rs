//! One task owns the session: every change goes through its request channel, and every change is published once, in order.

mod answers;
mod flows;
mod owner;
mod timing;

pub use flows::{Flow, Redirect};

use crate::api::{AuthApi, LogoutScope};
use crate::clock::{Clock, SystemClock};
use crate::error::AuthError;
use crate::events::{AuthEvent, Snapshot};
use crate::secret::AccessToken;
use crate::session::StateView;
use crate::vault::SessionStore;
use secrecy::SecretString;
use std::future::Future;
use std::time::Duration;
use crate::policy::SignInMethod;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

/// The rules the engine enforces; from configuration and managed policy.
#[derive(Debug, Clone)]
pub struct EngineRules {
    /// The absolute session timeout, from `signed_in_at`. Never more than 24 h.
    pub max_session_age: Duration,
    /// Sign out after this long without `touch`; `None` is off.
    pub idle_timeout: Option<Duration>,
    /// SESSION_EXPIRING is sent when this much time is left before the deadline.
    pub expiring_warnings: Vec<Duration>,
    /// How often `GET /user` checks for revocation elsewhere.
    pub user_check_interval: Duration,
    /// The longest the engine sleeps before re-reading the wall clock: a suspend or a clock jump is noticed this soon
    /// even where no resume signal arrives (tokio's timers run on monotonic time, which stops during a suspend).
    pub wall_check_interval: Duration,
    /// Seed for refresh and backoff jitter.
    pub jitter_seed: u64,
    /// A broken managed policy: the vault is left untouched and nobody can sign in until it is fixed.
    pub policy_error: Option<String>,
    /// The ways of signing in policy allows; every sign-in path checks it here, whatever the UI offers.
    pub sign_in_methods: Vec<SignInMethod>,
    /// Whether new accounts may be created (sign-up, and e-mail codes for unknown addresses).
    pub allow_sign_up: bool,
    /// Where e-mailed links and browser sign-ins come back: the `latchkey://` scheme or a loopback listener.
    pub redirect: Redirect,
}

/// The default and the ceiling of `max_session_age`.
pub const MAX_SESSION_AGE: Duration = Duration::from_secs(24 * 3600);

impl EngineRules {
    /// The engine's rules from the effective configuration (managed policy included).
    pub fn from_config(config: &crate::config::Config) -> Self {
        EngineRules {
            max_session_age: config.max_session_age.min(MAX_SESSION_AGE),
            idle_timeout: config.idle_timeout,
            policy_error: config.policy_error.clone(),
            sign_in_methods: config.allowed_sign_in_methods.clone(),
            allow_sign_up: config.allow_sign_up,
            ..EngineRules::default()
        }
    }
}

impl Default for EngineRules {
    fn default() -> Self {
        EngineRules {
            max_session_age: MAX_SESSION_AGE,
            idle_timeout: None,
            expiring_warnings: vec![Duration::from_secs(600), Duration::from_secs(60)],
            user_check_interval: Duration::from_secs(600),
            wall_check_interval: Duration::from_secs(1),
            jitter_seed: std::process::id() as u64 ^ SystemClock.now_ms() as u64,
            policy_error: None,
            sign_in_methods: SignInMethod::all(),
            allow_sign_up: true,
            redirect: Redirect::DeepLink,
        }
    }
}

/// Where a request's answer goes.
pub type Reply<T> = oneshot::Sender<Result<T, AuthError>>;

enum Request {
    SignIn { email: String, password: SecretString, reply: Reply<()> },
    SignOut { scope: LogoutScope, reply: Reply<()> },
    AccessToken { reply: Reply<AccessToken> },
    Flow(Flow),
    Touch,
    /// The machine woke from sleep: recheck everything now.
    Resumed,
}

/// A cheap, clonable handle to the session task.
#[derive(Clone)]
pub struct SessionHandle {
    requests: mpsc::Sender<Request>,
    events: broadcast::Sender<AuthEvent>,
    current: watch::Receiver<Snapshot>,
    flow_errors: broadcast::Sender<AuthError>,
}

impl SessionHandle {
    /// The current state; never waits on I/O.
    pub fn snapshot(&self) -> Snapshot {
        self.current.borrow().clone()
    }

    /// Snapshots as they change; holding this does not keep the engine alive.
    pub fn watch(&self) -> watch::Receiver<Snapshot> {
        self.current.clone()
    }

    /// Events from now on. Pair with `snapshot` and drop events not newer than it.
    pub fn subscribe(&self) -> broadcast::Receiver<AuthEvent> {
        self.events.subscribe()
    }

    /// Why a sign-in callback (a `latchkey://` link or a loopback redirect) was refused, from now on.
    pub fn flow_errors(&self) -> broadcast::Receiver<AuthError> {
        self.flow_errors.subscribe()
    }

    /// Resolves once INITIAL_SESSION has been published.
    pub async fn initialized(&self) -> Snapshot {
        let mut rx = self.current.clone();
        let snap = rx.wait_for(|s| s.seq >= 1).await.map(|s| s.clone());
        snap.unwrap_or_else(|_| self.snapshot())
    }

    pub async fn sign_in_with_password(&self, email: String, password: String) -> Result<(), AuthError> {
        let password = SecretString::from(password);
        self.call(|reply| Request::SignIn { email, password, reply }).await
    }

    /// Clears local state first, then ends the server session(s) of `scope`, best effort.
    pub async fn sign_out(&self, scope: LogoutScope) -> Result<(), AuthError> {
        self.call(|reply| Request::SignOut { scope, reply }).await
    }

    /// A valid access token; at expiry every caller waits on the one refresh in flight.
    pub async fn access_token(&self) -> Result<AccessToken, AuthError> {
        self.call(|reply| Request::AccessToken { reply }).await
    }

    /// Runs one of the other sign-in flows (sign-up, e-mail code, magic link, OAuth, recovery).
    pub async fn flow<T>(&self, make: impl FnOnce(Reply<T>) -> Flow) -> Result<T, AuthError> {
        self.call(|reply| Request::Flow(make(reply))).await
    }

    /// Tells the engine the machine just resumed (logind `PrepareForSleep(false)`), so it rechecks at once.
    pub async fn resumed(&self) {
        let _ = self.requests.send(Request::Resumed).await;
    }

    /// Records user activity for the idle timeout.
    pub async fn touch(&self) {
        let _ = self.requests.send(Request::Touch).await;
    }

    async fn call<T>(&self, make: impl FnOnce(Reply<T>) -> Request) -> Result<T, AuthError> {
        let (reply, rx) = oneshot::channel();
        self.requests.send(make(reply)).await.map_err(|_| AuthError::Stopped)?;
        rx.await.map_err(|_| AuthError::Stopped)?
    }
}

/// Creates the session task. The caller spawns the future; it ends when every handle is dropped.
pub fn start<A: AuthApi, S: SessionStore, C: Clock>(
    api: A,
    store: S,
    clock: C,
    settings: EngineRules,
) -> (SessionHandle, impl Future<Output = ()> + Send) {
    let (requests, rx) = mpsc::channel(1024);
    let (events, _) = broadcast::channel(256);
    let (flow_errors, _) = broadcast::channel(16);
    let (current_tx, current) = watch::channel(Snapshot { seq: 0, state: StateView::Initializing });
    let engine = owner::Engine::new(api, store, clock, settings, current_tx, events.clone(), flow_errors.clone());
    (SessionHandle { requests, events, current, flow_errors }, engine.run(rx))
}

#[cfg(test)]
mod tests;
