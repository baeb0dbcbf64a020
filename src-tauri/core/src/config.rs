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

use crate::policy::{self, durations, LogLevel, Policy, SessionPersistence, Settings, SignInMethod, Strictness};
use serde::{Serialize, Serializer};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// URL of the local Supabase Auth stack (`scripts/stack up`), the built-in default.
pub const LOCAL_STACK_URL: &str = "http://127.0.0.1:54321";
/// GoTrue ignores `apikey`; the local stack needs no real anon key.
pub const LOCAL_STACK_ANON_KEY: &str = "local-stack";
/// The user's settings file (written by tauri-plugin-store), inside the data directory.
pub const SETTINGS_FILE: &str = "settings.json";

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
];

/// Where an effective value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
    pub allow_sign_up: bool,
    /// PEM files trusted in addition to the OS trust store (admin-only).
    pub extra_ca_certificates: Vec<PathBuf>,
    /// Shown with its password hidden (`http://user:***@host:port`).
    #[serde(serialize_with = "ser_proxy")]
    pub proxy: Option<String>,
    pub audit_log: AuditLogConfig,
    /// Where the policy was looked for (file path or registry key).
    pub policy_file: String,
    /// Whether a policy was found there.
    pub policy_present: bool,
    /// Set when the policy is invalid: the app shows a "policy error" state naming the file and problem,
    /// and must neither restore nor start a session.
    pub policy_error: Option<String>,
    /// Settings that were present but not applied, each said out loud (also logged).
    pub warnings: Vec<String>,
    /// Every key of the schema with its effective value and source (see [`crate::policy::policy_report`]).
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

    /// Everything injected: `allow_policy_override` is `cfg!(debug_assertions)` in the app; `load_policy`
    /// receives the override path (if honoured) and returns the policy ([`policy::load`] in the app).
    pub fn from_parts(
        env: impl Fn(&str) -> Option<String>,
        allow_policy_override: bool,
        load_policy: impl FnOnce(Option<&Path>) -> Policy,
    ) -> Result<Self, ConfigError> {
        let data_dir = match env("LATCHKEY_DATA_DIR") {
            Some(dir) => PathBuf::from(dir),
            // The local (non-roaming) data dir: on Windows %LOCALAPPDATA%, so the vault never roams.
            None => dirs::data_local_dir().ok_or(ConfigError::NoDataDir)?.join(crate::APP_ID),
        };
        let (override_path, refused) = match policy::policy_path_override(env(policy::POLICY_PATH_ENV), allow_policy_override) {
            Ok(p) => (p, None),
            Err(warning) => (None, Some(warning)),
        };
        let mut policy = load_policy(override_path.as_deref());
        policy.warnings.extend(refused);
        let settings_path = data_dir.join(SETTINGS_FILE);
        let user = read_settings(&settings_path)?;
        let environment = env_settings(&env)?;
        let log_dir = match env("LATCHKEY_LOG_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => default_log_dir().ok_or(ConfigError::NoDataDir)?,
        };
        let config = resolve((data_dir, log_dir), &policy, environment, user, &settings_path);
        for w in &config.warnings {
            tracing::warn!("{w}");
        }
        if let Some(e) = &config.policy_error {
            tracing::error!("{e}");
        }
        Ok(config)
    }

    /// The source of one key of [`crate::policy::KEYS`].
    pub fn source_of(&self, key: &str) -> Option<Source> {
        self.values.iter().find(|v| v.key == key).map(|v| v.source)
    }

    /// Whether the user may not change `key` (managed by the organization, or failed closed).
    pub fn is_locked(&self, key: &str) -> bool {
        self.source_of(key).is_some_and(Source::locked)
    }

    /// Whether a sign-in method (e.g. `SignInMethod::Password`) is allowed.
    pub fn sign_in_allowed(&self, method: &SignInMethod) -> bool {
        SignInMethod::allowed(&self.allowed_sign_in_methods, method)
    }
}

/// Reads the user's settings file (absent = empty). Unknown keys belong to the app's store and are skipped;
/// a schema key with a bad value is an error naming the file and the key.
fn read_settings(path: &Path) -> Result<Settings, ConfigError> {
    let bad = |detail: String| ConfigError::BadSettingsFile { path: path.into(), detail };
    match std::fs::read(path) {
        Ok(bytes) => {
            let value: Value = serde_json::from_slice(&bytes).map_err(|e| bad(format!("not valid JSON: {e}")))?;
            let Value::Object(obj) = value else {
                return Err(bad(format!("expected a JSON object, found {}", policy::kind(&value))));
            };
            policy::parse_settings(&obj, Strictness::UserFile).map_err(bad)
        }
        Err(_) => Ok(Settings::default()),
    }
}

/// The environment tier. A set but invalid variable is an error naming it.
fn env_settings(env: &impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
    let mut s = Settings::default();
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
    Ok(s)
}

fn pick<T: Clone>(layers: &[(Source, &Settings)], get: impl Fn(&Settings) -> Option<T>) -> Option<(T, Source)> {
    layers.iter().find_map(|(source, s)| get(s).map(|v| (v, *source)))
}

/// Combines the tiers. Pure: every input is given.
pub(crate) fn resolve((data_dir, log_dir): (PathBuf, PathBuf), policy: &Policy, mut environment: Settings, mut user: Settings, settings_path: &Path) -> Config {
    let mut warnings = policy.warnings.clone();
    for key in user.strip_admin_only() {
        warnings.push(format!("`{key}` in {} is not applied: only the policy can set it", settings_path.display()));
    }
    environment.strip_admin_only(); // no variable sets them; kept for symmetry
    for (tier, s, place) in [("environment", &environment, "LATCHKEY_SUPABASE_URL"), ("user", &user, "supabase_url")] {
        if s.supabase_url.is_none() && (s.anon_key.is_some() || s.auth_url.is_some()) {
            let where_ = if tier == "user" { settings_path.display().to_string() } else { "the environment".into() };
            warnings.push(format!("the anon key / auth URL in {where_} are not used without {place}"));
        }
    }

    let failed = policy.error.is_some();
    let empty = Settings::default();
    let (managed, recommended) = if failed { (&empty, &empty) } else { (&policy.managed, &policy.recommended) };
    let layers = [
        (Source::Managed, managed),
        (Source::Environment, &environment),
        (Source::UserSettings, &user),
        (Source::Recommended, recommended),
    ];

    // The project, as one unit.
    let (supabase_url, anon_key, auth, project_source) = match layers.iter().find(|(_, s)| s.supabase_url.is_some()) {
        Some((source, s)) => (s.supabase_url.clone().unwrap(), s.anon_key.clone().unwrap_or_default(), s.auth_url.clone(), *source),
        None => (LOCAL_STACK_URL.to_string(), LOCAL_STACK_ANON_KEY.to_string(), None, Source::Default),
    };
    let supabase_url = supabase_url.trim_end_matches('/').to_string();
    let auth_url = auth.unwrap_or_else(|| format!("{supabase_url}/auth/v1"));


    let max_session_age =
        fail_closed(failed, or_default(pick(&layers, |s| s.max_session_age), policy::DEFAULT_MAX_SESSION_AGE), Duration::ZERO);
    let idle_timeout = or_default(pick(&layers, |s| s.idle_timeout), None);
    let methods = fail_closed(failed, or_default(pick(&layers, |s| s.allowed_sign_in_methods.clone()), SignInMethod::all()), Vec::new());
    let allow_sign_up = fail_closed(failed, or_default(pick(&layers, |s| s.allow_sign_up), true), false);
    let persistence = fail_closed(
        failed,
        or_default(pick(&layers, |s| s.session_persistence), SessionPersistence::Keychain),
        SessionPersistence::MemoryOnly,
    );
    let admin = [layers[0], layers[3]];
    let insecure = fail_closed(failed, or_default(pick(&admin, |s| s.allow_insecure_storage_fallback), false), false);
    let cas = fail_closed(failed, or_default(pick(&admin, |s| s.extra_ca_certificates.clone()), Vec::new()), Vec::new());
    let proxy = or_default(pick(&layers, |s| s.proxy.clone().map(Some)), None);
    let audit_enabled = fail_closed(failed, or_default(pick(&layers, |s| s.audit_log_enabled), true), true);
    let audit_path = or_default(pick(&layers, |s| s.audit_log_path.clone().map(Some)), None);
    let audit_retention = or_default(pick(&layers, |s| s.audit_log_retention), policy::DEFAULT_AUDIT_RETENTION);
    let audit_email = or_default(pick(&layers, |s| s.audit_log_include_email), false);
    let log_level = or_default(pick(&layers, |s| s.log_level), LogLevel::Info);

    let paths = |v: &[PathBuf]| json!(v.iter().map(|p| p.display().to_string()).collect::<Vec<_>>());
    let values = vec![
        EffectiveValue { key: "supabase_url", value: json!(supabase_url), source: project_source },
        EffectiveValue { key: "anon_key", value: json!(redact(&anon_key)), source: project_source },
        EffectiveValue { key: "auth_url", value: json!(auth_url), source: project_source },
        EffectiveValue { key: "max_session_age", value: json!(durations::format(max_session_age.0)), source: max_session_age.1 },
        EffectiveValue {
            key: "idle_timeout",
            value: json!(idle_timeout.0.map_or("off".to_string(), durations::format)),
            source: idle_timeout.1,
        },
        EffectiveValue {
            key: "allowed_sign_in_methods",
            value: json!(methods.0.iter().map(SignInMethod::as_string).collect::<Vec<_>>()),
            source: methods.1,
        },
        EffectiveValue { key: "allow_sign_up", value: json!(allow_sign_up.0), source: allow_sign_up.1 },
        EffectiveValue { key: "session_persistence", value: json!(persistence.0.as_str()), source: persistence.1 },
        EffectiveValue { key: "allow_insecure_storage_fallback", value: json!(insecure.0), source: insecure.1 },
        EffectiveValue { key: "extra_ca_certificates", value: paths(&cas.0), source: cas.1 },
        EffectiveValue { key: "proxy", value: json!(proxy.0.as_deref().map(crate::net::redact_proxy)), source: proxy.1 },
        EffectiveValue { key: "audit_log.enabled", value: json!(audit_enabled.0), source: audit_enabled.1 },
        EffectiveValue {
            key: "audit_log.path",
            value: json!(audit_path.0.as_ref().map(|p| p.display().to_string())),
            source: audit_path.1,
        },
        EffectiveValue { key: "audit_log.retention", value: json!(durations::format(audit_retention.0)), source: audit_retention.1 },
        EffectiveValue { key: "audit_log.include_email", value: json!(audit_email.0), source: audit_email.1 },
        EffectiveValue { key: "log_level", value: json!(log_level.0.as_str()), source: log_level.1 },
    ];
    debug_assert_eq!(values.iter().map(|v| v.key).collect::<Vec<_>>(), policy::KEYS);

    Config {
        supabase_url,
        anon_key,
        auth_url,
        project_source,
        data_dir,
        log_dir,
        log_level: log_level.0,
        max_session_age: max_session_age.0,
        idle_timeout: idle_timeout.0,
        session_persistence: persistence.0,
        allow_insecure_storage_fallback: insecure.0,
        allowed_sign_in_methods: methods.0,
        allow_sign_up: allow_sign_up.0,
        extra_ca_certificates: cas.0,
        proxy: proxy.0,
        audit_log: AuditLogConfig {
            enabled: audit_enabled.0,
            path: audit_path.0,
            retention: audit_retention.0,
            include_email: audit_email.0,
        },
        policy_file: policy.origin.clone(),
        policy_present: policy.present,
        policy_error: policy.error.as_ref().map(|e| format!("{e}; the app stays locked until it is fixed")),
        warnings,
        values,
    }
}

/// The OS's per-user log directory for the app: Linux `$XDG_STATE_HOME/dev.latchkey.desktop` (default
/// `~/.local/state/…`), macOS `~/Library/Logs/dev.latchkey.desktop`, Windows `%LOCALAPPDATA%\dev.latchkey.desktop\logs`.
/// `LATCHKEY_LOG_DIR` replaces it (tests, or an unusual setup).
pub fn default_log_dir() -> Option<PathBuf> {
    if cfg!(target_os = "macos") {
        return dirs::home_dir().map(|h| h.join("Library/Logs").join(crate::APP_ID));
    }
    if cfg!(windows) {
        return dirs::data_local_dir().map(|d| d.join(crate::APP_ID).join("logs"));
    }
    dirs::state_dir()
        .map(|d| d.join(crate::APP_ID))
        .or_else(|| dirs::data_local_dir().map(|d| d.join(crate::APP_ID).join("logs")))
}

fn or_default<T>(v: Option<(T, Source)>, default: T) -> (T, Source) {
    v.unwrap_or((default, Source::Default))
}

/// When the policy is invalid, a security setting takes its most restrictive value.
fn fail_closed<T>(failed: bool, v: (T, Source), closed: T) -> (T, Source) {
    if failed {
        (closed, Source::FailClosed)
    } else {
        v
    }
}

/// The anon key is public by design, but there is no need to print it whole.
fn redact(key: &str) -> String {
    if key.is_empty() {
        return String::new();
    }
    let head: String = key.chars().take(6).collect();
    if head.len() == key.len() {
        key.to_string()
    } else {
        format!("{head}…")
    }
}

fn ser_duration<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&durations::format(*d))
}

fn ser_proxy<S: Serializer>(proxy: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    proxy.as_deref().map(crate::net::redact_proxy).serialize(s)
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
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("latchkey-config-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Loads with `vars` as the whole environment; the policy path points at a file that does not exist
    /// unless the caller sets LATCHKEY_POLICY_PATH, so the machine's own policy never leaks into tests.
    fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        map.entry(policy::POLICY_PATH_ENV.into())
            .or_insert_with(|| std::env::temp_dir().join("latchkey-no-such-policy.json").display().to_string());
        Config::from_parts(|k| map.get(k).cloned(), true, policy::load)
    }

    #[test]
    fn defaults_to_the_local_stack() {
        let dir = temp_dir("default");
        let c = load(&[("LATCHKEY_DATA_DIR", dir.to_str().unwrap())]).unwrap();
        assert_eq!(c.auth_url, "http://127.0.0.1:54321/auth/v1");
        assert_eq!(c.project_source, Source::Default);
        assert_eq!(c.max_session_age, Duration::from_secs(86_400));
        assert_eq!(c.idle_timeout, None);
        assert_eq!(c.session_persistence, SessionPersistence::Keychain);
        assert!(!c.allow_insecure_storage_fallback);
        assert!(c.policy_error.is_none() && !c.policy_present);
    }

    #[test]
    fn environment_beats_settings_file() {
        let dir = temp_dir("env");
        std::fs::write(dir.join(SETTINGS_FILE), r#"{"supabase_url":"https://file.supabase.co","anon_key":"f"}"#).unwrap();
        let c = load(&[
            ("LATCHKEY_DATA_DIR", dir.to_str().unwrap()),
            ("LATCHKEY_SUPABASE_URL", "https://env.supabase.co/"),
            ("LATCHKEY_SUPABASE_ANON_KEY", "e"),
        ])
        .unwrap();
        assert_eq!(c.auth_url, "https://env.supabase.co/auth/v1");
        assert_eq!(c.anon_key, "e");
        assert_eq!(c.project_source, Source::Environment);
    }

    #[test]
    fn settings_file_is_used_without_environment() {
        let dir = temp_dir("file");
        std::fs::write(dir.join(SETTINGS_FILE), r#"{"supabase_url":"https://file.supabase.co","anon_key":"f"}"#).unwrap();
        let c = load(&[("LATCHKEY_DATA_DIR", dir.to_str().unwrap())]).unwrap();
        assert_eq!(c.auth_url, "https://file.supabase.co/auth/v1");
        assert_eq!(c.project_source, Source::UserSettings);
    }

    #[test]
    fn a_broken_settings_file_is_a_named_error() {
        let dir = temp_dir("broken");
        std::fs::write(dir.join(SETTINGS_FILE), "{not json").unwrap();
        let err = load(&[("LATCHKEY_DATA_DIR", dir.to_str().unwrap())]).unwrap_err();
        assert!(err.to_string().contains("settings.json"), "{err}");
    }

    #[test]
    fn a_bad_value_in_the_settings_file_names_the_key() {
        let dir = temp_dir("badvalue");
        std::fs::write(dir.join(SETTINGS_FILE), r#"{"max_session_age":"48h","theme":"dark"}"#).unwrap();
        let err = load(&[("LATCHKEY_DATA_DIR", dir.to_str().unwrap())]).unwrap_err().to_string();
        assert!(err.contains("settings.json") && err.contains("max_session_age") && err.contains("maximum"), "{err}");
    }

    #[test]
    fn a_bad_environment_variable_is_a_named_error() {
        let dir = temp_dir("badenv");
        for (var, value) in [
            ("LATCHKEY_MAX_SESSION_AGE", "25h"),
            ("LATCHKEY_MAX_SESSION_AGE", "soon"),
            ("LATCHKEY_IDLE_TIMEOUT", "0s"),
            ("LATCHKEY_SESSION_PERSISTENCE", "disk"),
            ("LATCHKEY_SUPABASE_URL", "ftp://x"),
            ("LATCHKEY_PROXY", "not a url"),
        ] {
            let err = load(&[("LATCHKEY_DATA_DIR", dir.to_str().unwrap()), (var, value)]).unwrap_err().to_string();
            assert!(err.contains(var), "{var}={value}: {err}");
        }
    }

    #[test]
    fn environment_sets_session_settings() {
        let dir = temp_dir("envsession");
        let c = load(&[
            ("LATCHKEY_DATA_DIR", dir.to_str().unwrap()),
            ("LATCHKEY_MAX_SESSION_AGE", "90s"),
            ("LATCHKEY_IDLE_TIMEOUT", "30s"),
            ("LATCHKEY_SESSION_PERSISTENCE", "memory_only"),
            ("LATCHKEY_PROXY", "http://proxy.local:3128"),
        ])
        .unwrap();
        assert_eq!(c.max_session_age, Duration::from_secs(90));
        assert_eq!(c.idle_timeout, Some(Duration::from_secs(30)));
        assert_eq!(c.session_persistence, SessionPersistence::MemoryOnly);
        assert_eq!(c.proxy.as_deref(), Some("http://proxy.local:3128"));
        assert_eq!(c.source_of("max_session_age"), Some(Source::Environment));
        assert!(!c.is_locked("max_session_age"));
    }

    #[test]
    fn status_json_keeps_its_shape_and_never_has_the_anon_key() {
        let dir = temp_dir("serialize");
        let c = load(&[("LATCHKEY_DATA_DIR", dir.to_str().unwrap()), ("LATCHKEY_SUPABASE_ANON_KEY", "secret-ish")]).unwrap();
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["project_source"], "default");
        assert_eq!(v["max_session_age"], "24h");
        assert_eq!(v["idle_timeout"], "off");
        assert!(v.get("anon_key").is_none());
        assert!(!v.to_string().contains("secret-ish"));
        let c = load(&[("LATCHKEY_DATA_DIR", dir.to_str().unwrap()), ("LATCHKEY_PROXY", "http://alice:pr0xy-pw@proxy.corp:3128")]).unwrap();
        let shown = format!("{} {}", serde_json::to_value(&c).unwrap(), json!(c.values));
        assert!(!shown.contains("pr0xy-pw") && shown.contains("http://alice:***@proxy.corp:3128/"), "{shown}");
    }
}
