//! The effective configuration: which Supabase project the app talks to, where its data lives, and every
//! setting of the policy schema (docs/policy.md) with the place its value came from.
//!
//! Precedence, highest first, for every key:
//!
//! 1. `managed` policy (locked: nothing below can change it);
//! 2. the environment (`LATCHKEY_*` variables, see [`ENV_VARS`]);
//! 3. the user's settings file `<data_dir>/settings.json`;
//! 4. `recommended` policy (a default the user may change);
//! 5. built-in defaults.
//!
//! The project (`supabase_url`, `anon_key`, `auth_url`) is resolved as one unit: the highest tier that sets
//! `supabase_url` also supplies `anon_key` and `auth_url`. `allow_insecure_storage_fallback` and
//! `extra_ca_certificates` are admin-only: only the policy (either tier) can set them. A policy that exists
//! but is invalid sets `policy_error`, is not applied at all, and the security keys fail closed
//! ([`Source::FailClosed`]).

use crate::app::APP_ID;
use crate::assurance::FactorType;
use crate::net::{Network, ProxyUrl};
use crate::policy::{self, durations, LogLevel, Policy, SessionPersistence, SignInMethod, SignInRedirect, Strictness, Tier};
use serde::{Serialize, Serializer};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// URL of the local Supabase Auth stack (`scripts/stack up`): the default project of debug builds only. Release
/// builds ship no project: one comes from the policy, the environment, or the user's settings (the first-run screen).
pub const LOCAL_STACK_URL: &str = "http://127.0.0.1:54321";
/// Debug builds only: no built-in project, as in a release build (the first-run screen's tests).
pub const NO_DEFAULT_PROJECT_ENV: &str = "LATCHKEY_NO_DEFAULT_PROJECT";
/// GoTrue ignores `apikey`; the local stack needs no real anon key.
pub const LOCAL_STACK_ANON_KEY: &str = "local-stack";
/// The user's settings file (written by tauri-plugin-store), inside the data directory.
pub const SETTINGS_FILE: &str = "settings.json";

/// Where an effective value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The `managed` tier of the policy: locked.
    Managed,
    /// A `LATCHKEY_*` environment variable.
    Environment,
    /// The user's settings file.
    #[serde(rename = "user")]
    UserSettings,
    /// The `recommended` tier of the policy.
    Recommended,
    /// Built in.
    Default,
    /// The policy is invalid, so this security setting takes its most restrictive value: locked.
    FailClosed,
}

impl Source {
    /// Whether the user may change the value (false for `managed` and `fail_closed`).
    pub fn locked(self) -> bool {
        matches!(self, Source::Managed | Source::FailClosed)
    }

    /// The name reports use (`managed`, `user`, …): its serialized form.
    pub fn name(self) -> &'static str {
        match self {
            Source::Managed => "managed",
            Source::Environment => "environment",
            Source::UserSettings => "user",
            Source::Recommended => "recommended",
            Source::Default => "default",
            Source::FailClosed => "fail_closed",
        }
    }
}

/// The audit log settings (`audit_log` in the schema).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditLogConfig {
    pub enabled: bool,
    /// `None`: the per-user log directory chosen by the app.
    pub path: Option<PathBuf>,
    #[serde(serialize_with = "ser_duration")]
    pub retention: Duration,
    /// Whether lines carry the user's email (default false: the user id only).
    pub include_email: bool,
}

/// One effective value with its source, for `latchkey policy` and the admin screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EffectiveValue {
    pub key: &'static str,
    pub value: Value,
    pub source: Source,
}

/// The effective configuration.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    pub supabase_url: String,
    #[serde(skip)]
    pub anon_key: String,
    pub auth_url: String,
    pub project_source: Source,
    pub data_dir: PathBuf,
    /// The per-user log directory: app logs and (unless `audit_log.path` moves it) the audit log.
    pub log_dir: PathBuf,
    /// The level of the app's own log lines.
    pub log_level: LogLevel,
    /// Where e-mailed links and browser sign-ins come back.
    pub sign_in_redirect: SignInRedirect,
    /// Environment variables that were set but not used because the policy locks them (`latchkey policy --json`).
    pub environment_ignored: Vec<IgnoredVariable>,
    /// How long a session may live from sign-in (at most 24 h; `0s` when the policy is invalid).
    #[serde(serialize_with = "ser_duration")]
    pub max_session_age: Duration,
    /// Sign out after this long without activity; `None` = off.
    #[serde(serialize_with = "ser_opt_duration")]
    pub idle_timeout: Option<Duration>,
    pub session_persistence: SessionPersistence,
    /// Whether a weaker store than the keychain may be used when the keychain is unavailable (admin-only).
    pub allow_insecure_storage_fallback: bool,
    /// Allowed ways to sign in; empty when the policy is invalid (nobody can sign in).
    pub allowed_sign_in_methods: Vec<SignInMethod>,
    /// The e-mail domain whose single sign-on "Sign in with SSO" starts without asking (policy `sso_domain`).
    pub sso_domain: Option<String>,
    /// The SSO provider "Sign in with SSO" starts without asking (policy `sso_provider_id`; wins over the domain).
    pub sso_provider_id: Option<String>,
    pub allow_sign_up: bool,
    /// A user without a verified second factor enrols one right after the first factor.
    pub require_mfa: bool,
    /// The second-factor types that may be enrolled and verified.
    pub allowed_mfa_factors: Vec<FactorType>,
    /// PEM files trusted in addition to the OS trust store (admin-only).
    pub extra_ca_certificates: Vec<PathBuf>,
    /// Shown with its password hidden (`http://user:***@host:port`).
    pub proxy: Option<ProxyUrl>,
    pub audit_log: AuditLogConfig,
    /// Closing the window leaves Latchkey running in the tray (where there is one); off: closing quits.
    pub run_in_background: bool,
    /// Latchkey starts, hidden in the tray, when the user logs in.
    pub launch_at_login: bool,
    /// Desktop notifications (session ending, signed out, offline after expiry).
    pub notifications: bool,
    /// Where the policy was looked for (file path or registry key).
    pub policy_file: String,
    /// Whether a policy was found there.
    pub policy_present: bool,
    /// Set when the policy is invalid: the app shows a "policy error" state naming the file and problem,
    /// and must neither restore nor start a session.
    pub policy_error: Option<String>,
    /// Settings that were present but not applied, each said out loud (also logged).
    pub warnings: Vec<String>,
    /// Every key of the schema with its effective value and source (see [`policy_report`]).
    #[serde(skip)]
    pub values: Vec<EffectiveValue>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the settings file {path} is not valid ({detail}); fix or remove it")]
    BadSettingsFile { path: PathBuf, detail: String },
    #[error("the environment variable {var} is not valid ({detail})")]
    BadEnvironment { var: &'static str, detail: String },
    #[error("no data directory: set LATCHKEY_DATA_DIR or HOME")]
    NoDataDir,
}

impl Config {
    /// Reads the process environment, the machine policy and the user's settings file.
    pub fn load() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    /// Same as `load`, with the environment supplied by the caller. `LATCHKEY_POLICY_PATH` in that
    /// environment replaces the machine policy location in debug builds only.
    pub fn from_lookup(env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Self::from_parts(env, cfg!(debug_assertions), policy::load)
    }

    /// Everything injected: `debug_build` is `cfg!(debug_assertions)` in the app (it honours `LATCHKEY_POLICY_PATH`
    /// and has the local stack as its default project); `load_policy` receives the override path (if honoured) and
    /// returns the policy ([`policy::load`] in the app).
    pub fn from_parts(
        env: impl Fn(&str) -> Option<String>,
        debug_build: bool,
        load_policy: impl FnOnce(Option<&Path>) -> Policy,
    ) -> Result<Self, ConfigError> {
        let allow_policy_override = debug_build;
        let default_project = debug_build && env(NO_DEFAULT_PROJECT_ENV).is_none();
        let (override_path, refused) = match policy::policy_path_override(env(policy::POLICY_PATH_ENV), allow_policy_override) {
            Ok(p) => (p, None),
            Err(warning) => (None, Some(warning)),
        };
        let mut policy = load_policy(override_path.as_deref());
        policy.warnings.extend(refused);
        // Admin-only, either tier; an invalid policy leaves the variables honoured (tests and unusual setups).
        let dirs_locked = policy.error.is_none()
            && policy.managed.directories_from_environment.or(policy.recommended.directories_from_environment) == Some(false);
        let dir_var = |var: &str| env(var).filter(|_| !dirs_locked);
        let data_dir = match dir_var("LATCHKEY_DATA_DIR") {
            Some(dir) => PathBuf::from(dir),
            // The local (non-roaming) data dir: on Windows %LOCALAPPDATA%, so the vault never roams.
            None => dirs::data_local_dir().ok_or(ConfigError::NoDataDir)?.join(APP_ID),
        };
        let settings_path = data_dir.join(SETTINGS_FILE);
        let user = read_settings(&settings_path)?;
        let environment = env_settings(&env)?;
        let log_dir = match dir_var("LATCHKEY_LOG_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => default_log_dir().ok_or(ConfigError::NoDataDir)?,
        };
        let mut config = resolve((data_dir, log_dir), &policy, environment, user, &settings_path, default_project);
        config.environment_ignored = ignored_environment(&config, &env, dirs_locked);
        for w in &config.warnings {
            tracing::warn!("{w}");
        }
        if let Some(e) = &config.policy_error {
            tracing::error!("{e}");
        }
        Ok(config)
    }

    /// Whether a Supabase project is configured (release builds have none until the policy, the environment or the
    /// user's settings name one).
    pub fn has_project(&self) -> bool {
        !self.supabase_url.is_empty()
    }

    /// The source of one key of [`crate::policy::KEYS`].
    pub fn source_of(&self, key: &str) -> Option<Source> {
        self.values.iter().find(|v| v.key == key).map(|v| v.source)
    }

    /// Whether the user may not change `key` (managed by the organization, or failed closed).
    pub fn is_locked(&self, key: &str) -> bool {
        self.source_of(key).is_some_and(Source::locked)
    }

    /// What the HTTP client needs: the extra CAs and the proxy.
    pub fn network(&self) -> Network {
        Network { extra_ca_certificates: self.extra_ca_certificates.clone(), proxy: self.proxy.clone() }
    }

    /// Where `key` came from, by name (`managed`, `user`, …; empty for an unknown key).
    pub fn source_name(&self, key: &str) -> &'static str {
        self.source_of(key).map_or("", Source::name)
    }

    /// Whether a sign-in method (e.g. `SignInMethod::Password`) is allowed.
    pub fn sign_in_allowed(&self, method: &SignInMethod) -> bool {
        SignInMethod::allowed(&self.allowed_sign_in_methods, method)
    }
}

/// Reads the user's settings file (absent = empty). Unknown keys belong to the app's store and are skipped;
/// a schema key with a bad value is an error naming the file and the key.
fn read_settings(path: &Path) -> Result<Tier, ConfigError> {
    let bad = |detail: String| ConfigError::BadSettingsFile { path: path.into(), detail };
    match std::fs::read(path) {
        Ok(bytes) => {
            let value: Value = serde_json::from_slice(&bytes).map_err(|e| bad(format!("not valid JSON: {e}")))?;
            let Value::Object(obj) = value else {
                return Err(bad(format!("expected a JSON object, found {}", policy::kind(&value))));
            };
            policy::parse_settings(&obj, Strictness::UserFile).map_err(bad)
        }
        Err(_) => Ok(Tier::default()),
    }
}


mod environment;
mod report;
mod resolve;
pub use environment::{apply_environment_locks, IgnoredVariable, ENV_VARS, OVERRIDABLE_VARS};
use environment::{env_settings, ignored_environment};
pub use report::{policy_report, policy_report_text};
pub(crate) use resolve::resolve;

/// The OS's per-user log directory for the app: Linux `$XDG_STATE_HOME/dev.latchkey.desktop` (default
/// `~/.local/state/…`), macOS `~/Library/Logs/dev.latchkey.desktop`, Windows `%LOCALAPPDATA%\dev.latchkey.desktop\logs`.
/// `LATCHKEY_LOG_DIR` replaces it (tests, or an unusual setup).
pub fn default_log_dir() -> Option<PathBuf> {
    if cfg!(target_os = "macos") {
        return dirs::home_dir().map(|h| h.join("Library/Logs").join(APP_ID));
    }
    if cfg!(windows) {
        return dirs::data_local_dir().map(|d| d.join(APP_ID).join("logs"));
    }
    dirs::state_dir()
        .map(|d| d.join(APP_ID))
        .or_else(|| dirs::data_local_dir().map(|d| d.join(APP_ID).join("logs")))
}

fn ser_duration<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&durations::format(*d))
}

fn ser_opt_duration<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&durations::format(*d)),
        None => s.serialize_str("off"),
    }
}

impl Serialize for SignInMethod {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_string())
    }
}

#[cfg(test)]
mod tests;
