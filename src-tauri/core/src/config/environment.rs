//! Which environment variables set what: the `LATCHKEY_*` tier (a set but invalid variable is an error naming it),
//! and the variables a policy overrides, which are reported as ignored (and the trust-store ones removed).

use super::{Config, ConfigError};
use crate::policy::{self, durations, LogLevel, SessionPersistence, SignInRedirect, Tier};
use serde::Serialize;

/// Environment variables and the schema key each one sets (at the "environment" tier).
pub const ENV_VARS: &[(&str, &str)] = &[
    ("LATCHKEY_SUPABASE_URL", "supabase_url"),
    ("LATCHKEY_SUPABASE_ANON_KEY", "anon_key"),
    ("LATCHKEY_AUTH_URL", "auth_url"),
    ("LATCHKEY_MAX_SESSION_AGE", "max_session_age"),
    ("LATCHKEY_IDLE_TIMEOUT", "idle_timeout"),
    ("LATCHKEY_SESSION_PERSISTENCE", "session_persistence"),
    ("LATCHKEY_PROXY", "proxy"),
    ("LATCHKEY_LOG", "log_level"),
    ("LATCHKEY_SIGN_IN_REDIRECT", "sign_in_redirect"),
];

/// Variables outside the schema that a policy can override, and the key that does: the standard proxy variables
/// (`proxy`, `"direct"` included), the Linux trust-store variables (`extra_ca_certificates`, whose CAs then come from
/// the policy only), the tracing filter (`log_level`) and the directory variables (`directories_from_environment`).
pub const OVERRIDABLE_VARS: &[(&str, &str)] = &[
    ("HTTPS_PROXY", "proxy"),
    ("https_proxy", "proxy"),
    ("HTTP_PROXY", "proxy"),
    ("http_proxy", "proxy"),
    ("ALL_PROXY", "proxy"),
    ("all_proxy", "proxy"),
    ("NO_PROXY", "proxy"),
    ("no_proxy", "proxy"),
    ("SSL_CERT_FILE", "extra_ca_certificates"),
    ("SSL_CERT_DIR", "extra_ca_certificates"),
    ("RUST_LOG", "log_level"),
    ("LATCHKEY_DATA_DIR", "directories_from_environment"),
    ("LATCHKEY_LOG_DIR", "directories_from_environment"),
];

/// An environment variable that was set but not used, because the policy locks what it would set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IgnoredVariable {
    pub variable: &'static str,
    /// The policy key that locks it.
    pub key: &'static str,
}

/// The environment tier. A set but invalid variable is an error naming it.
pub(super) fn env_settings(env: &impl Fn(&str) -> Option<String>) -> Result<Tier, ConfigError> {
    let mut s = Tier::default();
    let bad = |var: &'static str| move |detail: String| ConfigError::BadEnvironment { var, detail };
    if let Some(v) = env("LATCHKEY_SUPABASE_URL") {
        s.supabase_url = Some(policy::check_http_url(&v).map_err(bad("LATCHKEY_SUPABASE_URL"))?);
    }
    s.anon_key = env("LATCHKEY_SUPABASE_ANON_KEY");
    if let Some(v) = env("LATCHKEY_AUTH_URL") {
        s.auth_url = Some(policy::check_http_url(&v).map_err(bad("LATCHKEY_AUTH_URL"))?);
    }
    if let Some(v) = env("LATCHKEY_MAX_SESSION_AGE") {
        let d = durations::parse(&v).and_then(policy::check_max_session_age).map_err(bad("LATCHKEY_MAX_SESSION_AGE"))?;
        s.max_session_age = Some(d);
    }
    if let Some(v) = env("LATCHKEY_IDLE_TIMEOUT") {
        s.idle_timeout = Some(policy::parse_idle_timeout(&v).map_err(bad("LATCHKEY_IDLE_TIMEOUT"))?);
    }
    if let Some(v) = env("LATCHKEY_SESSION_PERSISTENCE") {
        s.session_persistence = Some(SessionPersistence::parse(&v).map_err(bad("LATCHKEY_SESSION_PERSISTENCE"))?);
    }
    if let Some(v) = env("LATCHKEY_PROXY") {
        s.proxy = Some(policy::check_proxy_url(&v).map_err(bad("LATCHKEY_PROXY"))?);
    }
    if let Some(v) = env("LATCHKEY_LOG") {
        s.log_level = Some(LogLevel::parse(&v).map_err(bad("LATCHKEY_LOG"))?);
    }
    if let Some(v) = env("LATCHKEY_SIGN_IN_REDIRECT") {
        s.sign_in_redirect = Some(SignInRedirect::parse(&v).map_err(bad("LATCHKEY_SIGN_IN_REDIRECT"))?);
    }
    Ok(s)
}

/// The variables that are set but not used because the policy locks what they would set.
pub(super) fn ignored_environment(config: &Config, env: &impl Fn(&str) -> Option<String>, dirs_locked: bool) -> Vec<IgnoredVariable> {
    let locked = |key: &str| config.is_locked(key);
    let ignored = |&(_, key): &(&'static str, &'static str)| match key {
        "directories_from_environment" => dirs_locked,
        _ => locked(key),
    };
    ENV_VARS
        .iter()
        .chain(OVERRIDABLE_VARS)
        .filter(|v| env(v.0).is_some() && ignored(v))
        .map(|&(variable, key)| IgnoredVariable { variable, key })
        .collect()
}

/// Removes from this process's environment the trust-store variables a managed `extra_ca_certificates` overrides, so
/// the OS verifier never reads them (the policy's CAs are then the only additions). Call once, first thing, while the
/// process has a single thread.
pub fn apply_environment_locks(config: &Config) {
    for ignored in config.environment_ignored.iter().filter(|i| i.key == "extra_ca_certificates") {
        tracing::warn!(variable = ignored.variable, "ignored: the policy manages the trusted certificates");
        std::env::remove_var(ignored.variable);
    }
}
