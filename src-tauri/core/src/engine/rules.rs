//! The rules the engine enforces, from configuration and managed policy: the session's lifetimes, the warnings, how
//! often to recheck, and which ways of signing in the policy allows (refused as values, never as sentences).

use super::requests::Redirect;
use crate::clock::Clock;
use crate::wake::SystemClock;
use crate::assurance::FactorType;
use crate::config::Config;
use strum::VariantArray;
use crate::error::{AuthError, Refusal};
use crate::policy::SignInMethod;
use std::time::Duration;

/// The default of `browser_sign_in_timeout`: GoTrue's own OAuth flow-state expiry.
pub const BROWSER_SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

/// The default and the ceiling of `max_session_age`.
pub const MAX_SESSION_AGE: Duration = Duration::from_secs(24 * 3600);

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
    /// The backstop: the longest the engine sleeps before re-reading the wall clock, so a clock change that nothing
    /// reported (libfaketime; a platform without notifications) is noticed this soon. Linux's timerfd and logind
    /// report sets and resumes at once.
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
    /// How long a browser sign-in (OAuth, SSO) is waited for before it is ended and reported. GoTrue forgets an
    /// OAuth flow after 5 minutes (`GOTRUE_EXTERNAL_FLOW_STATE_EXPIRY_DURATION`), so waiting longer gains nothing.
    pub browser_sign_in_timeout: Duration,
    /// Policy `require_mfa`: a user without a verified factor enrols one right after the first factor.
    pub require_mfa: bool,
    /// Policy `allowed_mfa_factors`: the factor types that may be enrolled and verified.
    pub mfa_factors: Vec<FactorType>,
}

impl EngineRules {
    /// The engine's rules from the effective configuration (managed policy included).
    pub fn from_config(config: &Config) -> Self {
        EngineRules {
            max_session_age: config.max_session_age.min(MAX_SESSION_AGE),
            idle_timeout: config.idle_timeout,
            policy_error: config.policy_error.clone(),
            sign_in_methods: config.allowed_sign_in_methods.clone(),
            allow_sign_up: config.allow_sign_up,
            require_mfa: config.require_mfa,
            mfa_factors: config.allowed_mfa_factors.clone(),
            ..EngineRules::default()
        }
    }

    /// Refuses every sign-in while the managed policy is broken.
    pub(super) fn permit_any(&self) -> Result<(), AuthError> {
        match &self.policy_error {
            Some(problem) => Err(AuthError::Policy(Refusal::Broken(problem.clone()))),
            None => Ok(()),
        }
    }

    /// Refuses a sign-in method the managed policy does not list (and every method while the policy is broken).
    pub(super) fn permit(&self, method: SignInMethod) -> Result<(), AuthError> {
        self.permit_any()?;
        match SignInMethod::allowed(&self.sign_in_methods, &method) {
            true => Ok(()),
            false => Err(AuthError::Policy(Refusal::Method(method))),
        }
    }

    /// Refuses a factor type the policy does not list.
    pub(super) fn permit_factor(&self, factor_type: FactorType) -> Result<(), AuthError> {
        self.permit_any()?;
        match self.mfa_factors.contains(&factor_type) {
            true => Ok(()),
            false => Err(AuthError::Policy(Refusal::Factor(factor_type))),
        }
    }

    /// Refuses creating an account where the policy forbids it.
    pub(super) fn permit_sign_up(&self) -> Result<(), AuthError> {
        self.permit_any()?;
        match self.allow_sign_up {
            true => Ok(()),
            false => Err(AuthError::Policy(Refusal::SignUp)),
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
            wall_check_interval: crate::wake::BACKSTOP,
            jitter_seed: std::process::id() as u64 ^ SystemClock.now_ms() as u64,
            policy_error: None,
            sign_in_methods: SignInMethod::all(),
            allow_sign_up: true,
            redirect: Redirect::DeepLink,
            browser_sign_in_timeout: BROWSER_SIGN_IN_TIMEOUT,
            require_mfa: false,
            mfa_factors: FactorType::VARIANTS.to_vec(),
        }
    }
}
