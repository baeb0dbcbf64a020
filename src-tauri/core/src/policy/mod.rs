//! Managed policy: one schema of settings (docs/policy.schema.json, docs/policy.md), read from the platform's
//! admin location in two tiers, `managed` (locked) and `recommended` (a default the user may change).
//!
//! - Linux (and other Unix): `/etc/latchkey/policy.json`, `{"managed": {…}, "recommended": {…}}`.
//! - Windows: `HKLM\Software\Policies\Latchkey` (values = managed, subkey `Recommended` = recommended), or,
//!   when that key does not exist, `%ProgramData%\Latchkey\policy.json` in the Linux format.
//! - macOS: `/Library/Managed Preferences/dev.latchkey.desktop.plist` (top-level keys = managed, optional
//!   dictionary `recommended`).
//!
//! Every native format is first mapped to the JSON shape (pure functions in [`windows`] and [`macos`], tested
//! on every platform), then validated by [`parse_policy_value`]. An invalid policy never half-applies: the
//! whole policy becomes a [`PolicyError`] and [`crate::config::Config`] fails closed on security keys.
//! How the tiers combine with the environment and the user's settings is in [`crate::config`].

pub mod durations;
pub mod macos;
pub mod windows;

use serde::Serialize;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The Linux (and generic Unix) policy file.
pub const LINUX_POLICY_PATH: &str = "/etc/latchkey/policy.json";
/// Test-only override of the policy location; honoured only by debug builds (see [`policy_path_override`]).
pub const POLICY_PATH_ENV: &str = "LATCHKEY_POLICY_PATH";
/// The built-in session lifetime, and the longest any tier may set.
pub const DEFAULT_MAX_SESSION_AGE: Duration = Duration::from_secs(24 * 3600);
/// Default audit-log retention.
pub const DEFAULT_AUDIT_RETENTION: Duration = Duration::from_secs(30 * 86_400);

/// Every key of the schema, in documentation order (`audit_log` is reported as three keys).
pub const KEYS: &[&str] = &[
    "supabase_url",
    "anon_key",
    "auth_url",
    "max_session_age",
    "idle_timeout",
    "allowed_sign_in_methods",
    "allow_sign_up",
    "session_persistence",
    "allow_insecure_storage_fallback",
    "extra_ca_certificates",
    "proxy",
    "audit_log.enabled",
    "audit_log.path",
    "audit_log.retention",
    "audit_log.include_email",
    "log_level",
];

/// Keys only an administrator may set (policy file, either tier): the user's settings file and the
/// environment cannot weaken storage or add trust roots. If they try, it is reported as a warning.
pub const ADMIN_ONLY_KEYS: &[&str] = &["allow_insecure_storage_fallback", "extra_ca_certificates"];

/// Where the session is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionPersistence {
    /// In the OS keychain; survives restarts (default).
    Keychain,
    /// Only in memory; the user signs in at every launch and nothing is written to disk or the keychain.
    MemoryOnly,
}

impl SessionPersistence {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keychain => "keychain",
            Self::MemoryOnly => "memory_only",
        }
    }
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "keychain" => Ok(Self::Keychain),
            "memory_only" => Ok(Self::MemoryOnly),
            _ => Err(format!("{s:?} is not a session persistence (use \"keychain\" or \"memory_only\")")),
        }
    }
}

/// How much the app logs (its own modules; other crates stay at `warn`, see docs/admin-guide.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warn => "warn",
            Self::Info => "info",
            Self::Debug => "debug",
            Self::Trace => "trace",
        }
    }
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "error" => Ok(Self::Error),
            "warn" => Ok(Self::Warn),
            "info" => Ok(Self::Info),
            "debug" => Ok(Self::Debug),
            "trace" => Ok(Self::Trace),
            _ => Err(format!("{s:?} is not a log level (use \"error\", \"warn\", \"info\", \"debug\" or \"trace\")")),
        }
    }
}

/// A way of signing in. `"oauth:*"` allows any OAuth provider.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SignInMethod {
    Password,
    EmailOtp,
    MagicLink,
    /// `oauth:<provider>` (lowercase GoTrue provider name such as `google`, `azure`), or `oauth:*`.
    OAuth(String),
}

impl SignInMethod {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "password" => Ok(Self::Password),
            "email_otp" => Ok(Self::EmailOtp),
            "magic_link" => Ok(Self::MagicLink),
            _ => match s.strip_prefix("oauth:") {
                Some(p)
                    if p == "*"
                        || (!p.is_empty()
                            && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')) =>
                {
                    Ok(Self::OAuth(p.to_string()))
                }
                _ => Err(format!(
                    "{s:?} is not a sign-in method (use \"password\", \"email_otp\", \"magic_link\" or \"oauth:<provider>\")"
                )),
            },
        }
    }
    pub fn as_string(&self) -> String {
        match self {
            Self::Password => "password".into(),
            Self::EmailOtp => "email_otp".into(),
            Self::MagicLink => "magic_link".into(),
            Self::OAuth(p) => format!("oauth:{p}"),
        }
    }
    /// The built-in default: every method.
    pub fn all() -> Vec<Self> {
        vec![Self::Password, Self::EmailOtp, Self::MagicLink, Self::OAuth("*".into())]
    }
    /// Whether `wanted` is allowed by `list` (`oauth:*` covers every provider).
    pub fn allowed(list: &[Self], wanted: &Self) -> bool {
        list.iter().any(|m| m == wanted || (matches!(m, Self::OAuth(p) if p == "*") && matches!(wanted, Self::OAuth(_))))
    }
}

/// One tier of settings (managed, recommended, the user's file or the environment). `None` = not set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    pub supabase_url: Option<String>,
    pub anon_key: Option<String>,
    pub auth_url: Option<String>,
    pub max_session_age: Option<Duration>,
    /// `Some(None)` is an explicit `"off"`.
    pub idle_timeout: Option<Option<Duration>>,
    pub allowed_sign_in_methods: Option<Vec<SignInMethod>>,
    pub allow_sign_up: Option<bool>,
    pub session_persistence: Option<SessionPersistence>,
    pub allow_insecure_storage_fallback: Option<bool>,
    pub extra_ca_certificates: Option<Vec<PathBuf>>,
    pub proxy: Option<String>,
    pub audit_log_enabled: Option<bool>,
    pub audit_log_path: Option<PathBuf>,
    pub audit_log_retention: Option<Duration>,
    pub audit_log_include_email: Option<bool>,
    pub log_level: Option<LogLevel>,
}

impl Settings {
    /// Names of the keys this tier sets (report names, `audit_log.*` flattened).
    pub fn keys_set(&self) -> Vec<&'static str> {
        let set = [
            self.supabase_url.is_some(),
            self.anon_key.is_some(),
            self.auth_url.is_some(),
            self.max_session_age.is_some(),
            self.idle_timeout.is_some(),
            self.allowed_sign_in_methods.is_some(),
            self.allow_sign_up.is_some(),
            self.session_persistence.is_some(),
            self.allow_insecure_storage_fallback.is_some(),
            self.extra_ca_certificates.is_some(),
            self.proxy.is_some(),
            self.audit_log_enabled.is_some(),
            self.audit_log_path.is_some(),
            self.audit_log_retention.is_some(),
            self.audit_log_include_email.is_some(),
            self.log_level.is_some(),
        ];
        KEYS.iter().zip(set).filter(|(_, s)| *s).map(|(k, _)| *k).collect()
    }

    /// Clears the admin-only keys, returning the names of those that were set.
    pub fn strip_admin_only(&mut self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.allow_insecure_storage_fallback.take().is_some() {
            out.push("allow_insecure_storage_fallback");
        }
        if self.extra_ca_certificates.take().is_some() {
            out.push("extra_ca_certificates");
        }
        out
    }
}

/// How strictly an object of settings is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    /// Policy tiers: an unknown key is an error.
    Policy,
    /// The user's settings file (shared with tauri-plugin-store): unknown keys belong to the app and are skipped.
    UserFile,
}

/// Reads one object of settings (`{"max_session_age": "8h", …}`), checking every key and value.
pub fn parse_settings(obj: &Map<String, Value>, strictness: Strictness) -> Result<Settings, String> {
    let mut s = Settings::default();
    for (key, value) in obj {
        let at = |e: String| format!("key `{key}`: {e}");
        match key.as_str() {
            "supabase_url" => s.supabase_url = Some(http_url(value).map_err(at)?),
            "anon_key" => s.anon_key = Some(non_empty_string(value).map_err(at)?),
            "auth_url" => s.auth_url = Some(http_url(value).map_err(at)?),
            "max_session_age" => s.max_session_age = Some(max_session_age(value).map_err(at)?),
            "idle_timeout" => s.idle_timeout = Some(idle_timeout(value).map_err(at)?),
            "allowed_sign_in_methods" => {
                let list = string_array(value).map_err(at)?;
                if list.is_empty() {
                    return Err(at("must list at least one method".into()));
                }
                let methods = list.iter().map(|m| SignInMethod::parse(m)).collect::<Result<Vec<_>, _>>().map_err(at)?;
                s.allowed_sign_in_methods = Some(methods);
            }
            "allow_sign_up" => s.allow_sign_up = Some(boolean(value).map_err(at)?),
            "session_persistence" => {
                s.session_persistence = Some(SessionPersistence::parse(&string(value).map_err(at)?).map_err(at)?)
            }
            "allow_insecure_storage_fallback" => s.allow_insecure_storage_fallback = Some(boolean(value).map_err(at)?),
            "extra_ca_certificates" => {
                let list = string_array(value).map_err(at)?;
                let paths = list.iter().map(|p| ca_certificate(p)).collect::<Result<Vec<_>, _>>().map_err(at)?;
                s.extra_ca_certificates = Some(paths);
            }
            "proxy" => s.proxy = Some(proxy_url(value).map_err(at)?),
            "audit_log" => {
                let Value::Object(audit) = value else {
                    return Err(at(format!(
                        "expected an object {{\"enabled\", \"path\", \"retention\", \"include_email\"}}, found {}",
                        kind(value)
                    )));
                };
                for (sub, v) in audit {
                    let at = |e: String| format!("key `audit_log.{sub}`: {e}");
                    match sub.as_str() {
                        "enabled" => s.audit_log_enabled = Some(boolean(v).map_err(at)?),
                        "path" => s.audit_log_path = Some(absolute_path(v).map_err(at)?),
                        "retention" => {
                            let d = duration(v).map_err(at)?;
                            if d.is_zero() {
                                return Err(at("must be longer than 0s".into()));
                            }
                            s.audit_log_retention = Some(d);
                        }
                        "include_email" => s.audit_log_include_email = Some(boolean(v).map_err(at)?),
                        _ => return Err(format!("unknown key `audit_log.{sub}` (known: enabled, path, retention, include_email)")),
                    }
                }
            }
            "log_level" => s.log_level = Some(LogLevel::parse(&string(value).map_err(at)?).map_err(at)?),
            "$schema" if strictness == Strictness::Policy => {}
            _ if strictness == Strictness::UserFile => {}
            _ => return Err(format!("unknown key `{key}` (see docs/policy.md for the schema)")),
        }
    }
    if strictness == Strictness::Policy && s.supabase_url.is_none() && (s.anon_key.is_some() || s.auth_url.is_some()) {
        return Err("`anon_key` and `auth_url` need `supabase_url` in the same tier".into());
    }
    Ok(s)
}

/// Checks the JSON shape `{"managed": {…}, "recommended": {…}}` (both optional, plus an optional `$schema`).
pub fn parse_policy_value(value: &Value) -> Result<(Settings, Settings), String> {
    let Value::Object(top) = value else {
        return Err(format!("expected an object {{\"managed\": {{…}}, \"recommended\": {{…}}}}, found {}", kind(value)));
    };
    let mut managed = Settings::default();
    let mut recommended = Settings::default();
    for (key, v) in top {
        let tier = match key.as_str() {
            "managed" => &mut managed,
            "recommended" => &mut recommended,
            "$schema" => continue,
            _ => {
                return Err(format!(
                    "unknown top-level key `{key}`: settings go inside \"managed\" (locked) or \"recommended\" (user may change)"
                ))
            }
        };
        let Value::Object(obj) = v else {
            return Err(format!("`{key}` must be an object, found {}", kind(v)));
        };
        *tier = parse_settings(obj, Strictness::Policy).map_err(|e| format!("{key}: {e}"))?;
    }
    Ok((managed, recommended))
}

/// Reads a policy file in the JSON format. `Ok(None)`: no file (no policy). A file that exists but cannot be
/// read, or is not valid, is an error naming the file.
pub fn read_policy_file(path: &Path) -> Result<Option<(Settings, Settings)>, PolicyError> {
    let err = |problem: String| PolicyError { origin: path.display().to_string(), problem };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(err(format!("cannot be read ({e})"))),
    };
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| err(format!("is not valid JSON ({e})")))?;
    parse_policy_value(&value).map(Some).map_err(err)
}

/// An invalid policy: where it came from and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy {origin}: {problem}")]
pub struct PolicyError {
    /// The file path or registry key.
    pub origin: String,
    pub problem: String,
}

/// The policy as read from the machine.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Where it was looked for (file path or registry key), shown as `file` in the report.
    pub origin: String,
    /// Whether a policy was found there.
    pub present: bool,
    pub managed: Settings,
    pub recommended: Settings,
    /// Set when the policy exists but is invalid; then `managed` and `recommended` are empty and the
    /// configuration fails closed.
    pub error: Option<PolicyError>,
    /// Things that were not applied, said out loud (e.g. an override refused by a release build).
    pub warnings: Vec<String>,
}

impl Policy {
    /// No policy at `origin`.
    pub fn absent(origin: impl Into<String>) -> Self {
        Policy { origin: origin.into(), ..Default::default() }
    }
    fn from_result(origin: String, r: Result<Option<(Settings, Settings)>, PolicyError>) -> Self {
        match r {
            Ok(None) => Policy::absent(origin),
            Ok(Some((managed, recommended))) => Policy { origin, present: true, managed, recommended, ..Default::default() },
            Err(e) => Policy { origin, present: true, error: Some(e), ..Default::default() },
        }
    }
}

/// Decides whether `LATCHKEY_POLICY_PATH` is honoured. Only debug builds pass `allow_override = true`
/// (`cfg!(debug_assertions)`), so a user cannot point a release build at a policy of their own.
/// Returns the override path, or `Err(warning)` when one was given and refused.
pub fn policy_path_override(value: Option<String>, allow_override: bool) -> Result<Option<PathBuf>, String> {
    match value {
        None => Ok(None),
        Some(_) if !allow_override => {
            Err(format!("{POLICY_PATH_ENV} is ignored: only debug builds honour it (the machine policy applies)"))
        }
        Some(p) => Ok(Some(PathBuf::from(p))),
    }
}

/// Loads the policy: from `override_path` if given (JSON format), otherwise from the platform location.
pub fn load(override_path: Option<&Path>) -> Policy {
    match override_path {
        Some(path) => Policy::from_result(path.display().to_string(), read_policy_file(path)),
        None => load_platform(),
    }
}

/// The platform's policy location, as shown in the report.
pub fn platform_origin() -> String {
    #[cfg(windows)]
    {
        windows::REGISTRY_KEY_DISPLAY.to_string()
    }
    #[cfg(target_os = "macos")]
    {
        macos::MANAGED_PREFERENCES_PATH.to_string()
    }
    #[cfg(not(any(windows, target_os = "macos")))]
    {
        LINUX_POLICY_PATH.to_string()
    }
}

#[cfg(not(any(windows, target_os = "macos")))]
fn load_platform() -> Policy {
    let path = Path::new(LINUX_POLICY_PATH);
    Policy::from_result(path.display().to_string(), read_policy_file(path))
}

#[cfg(windows)]
fn load_platform() -> Policy {
    windows::load()
}

#[cfg(target_os = "macos")]
fn load_platform() -> Policy {
    macos::load()
}

/// The report behind `latchkey policy --json`: where the policy is, its error (if any), warnings, and every
/// effective value with its source and whether it is locked:
///
/// ```json
/// {"file": "/etc/latchkey/policy.json", "present": true, "error": null, "warnings": [],
///  "values": {"max_session_age": {"value": "8h", "source": "managed", "locked": true}, …}}
/// ```
///
/// Sources: `managed`, `environment`, `user`, `recommended`, `default`, `fail_closed`.
pub fn policy_report(config: &crate::Config) -> Value {
    let mut values = Map::new();
    for v in &config.values {
        values.insert(
            v.key.to_string(),
            serde_json::json!({ "value": v.value, "source": v.source, "locked": v.source.locked() }),
        );
    }
    serde_json::json!({
        "file": config.policy_file,
        "present": config.policy_present,
        "error": config.policy_error,
        "warnings": config.warnings,
        "values": values,
    })
}

/// The same report for people (`latchkey policy` without `--json`).
pub fn policy_report_text(config: &crate::Config) -> String {
    let mut out = String::new();
    let state = match (&config.policy_error, config.policy_present) {
        (Some(e), _) => format!("POLICY ERROR: {e}"),
        (None, true) => "applied".to_string(),
        (None, false) => "none".to_string(),
    };
    out.push_str(&format!("Policy:   {} ({state})\n", config.policy_file));
    for w in &config.warnings {
        out.push_str(&format!("Warning:  {w}\n"));
    }
    let width = KEYS.iter().map(|k| k.len()).max().unwrap_or(0);
    for v in &config.values {
        let value = match &v.value {
            Value::String(s) => s.clone(),
            Value::Null => "(none)".to_string(),
            other => other.to_string(),
        };
        let source = serde_json::to_value(v.source).ok().and_then(|s| s.as_str().map(String::from)).unwrap_or_default();
        let lock = match v.source {
            crate::config::Source::Managed => "  [managed by your organization]",
            crate::config::Source::FailClosed => "  [locked: policy error]",
            _ => "",
        };
        out.push_str(&format!("  {:width$}  {value}  ({source}){lock}\n", v.key));
    }
    out
}

// ---- value checks (shared by every tier and by the environment) ----

pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn string(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        other => Err(format!("expected a string, found {}", kind(other))),
    }
}

fn non_empty_string(v: &Value) -> Result<String, String> {
    let s = string(v)?;
    if s.trim().is_empty() {
        return Err("must not be empty".into());
    }
    Ok(s)
}

fn boolean(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(format!("expected true or false, found {}", kind(other))),
    }
}

fn string_array(v: &Value) -> Result<Vec<String>, String> {
    let Value::Array(items) = v else {
        return Err(format!("expected an array of strings, found {}", kind(v)));
    };
    items
        .iter()
        .map(|i| match i {
            Value::String(s) => Ok(s.clone()),
            other => Err(format!("expected an array of strings, found an item that is {}", kind(other))),
        })
        .collect()
}

fn duration(v: &Value) -> Result<Duration, String> {
    durations::parse(&string(v).map_err(|e| format!("{e} (durations are strings such as \"8h\")"))?)
}

/// Checks a session lifetime: positive and at most the built-in 24 h.
pub fn check_max_session_age(d: Duration) -> Result<Duration, String> {
    if d.is_zero() {
        return Err("must be longer than 0s".into());
    }
    if d > DEFAULT_MAX_SESSION_AGE {
        return Err(format!(
            "{} is longer than the maximum of {}; a policy can only shorten sessions",
            durations::format(d),
            durations::format(DEFAULT_MAX_SESSION_AGE)
        ));
    }
    Ok(d)
}

fn max_session_age(v: &Value) -> Result<Duration, String> {
    check_max_session_age(duration(v)?)
}

/// `"off"` or a positive duration.
pub fn parse_idle_timeout(s: &str) -> Result<Option<Duration>, String> {
    if s == "off" {
        return Ok(None);
    }
    let d = durations::parse(s).map_err(|e| format!("{e}, or \"off\""))?;
    if d.is_zero() {
        return Err("must be longer than 0s (use \"off\" to disable)".into());
    }
    Ok(Some(d))
}

fn idle_timeout(v: &Value) -> Result<Option<Duration>, String> {
    parse_idle_timeout(&string(v)?)
}

/// An absolute http(s) URL, returned without a trailing slash.
pub fn check_http_url(s: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(s).map_err(|e| format!("{s:?} is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("{s:?} must be an http:// or https:// URL"));
    }
    Ok(s.trim_end_matches('/').to_string())
}

fn http_url(v: &Value) -> Result<String, String> {
    check_http_url(&string(v)?)
}

/// A proxy URL: http, https, socks5 or socks5h, with a host.
pub fn check_proxy_url(s: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(s).map_err(|e| format!("{s:?} is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https" | "socks5" | "socks5h") || url.host_str().is_none() {
        return Err(format!("{s:?} must be an http://, https://, socks5:// or socks5h:// URL with a host"));
    }
    Ok(s.to_string())
}

fn proxy_url(v: &Value) -> Result<String, String> {
    check_proxy_url(&string(v)?)
}

fn absolute_path(v: &Value) -> Result<PathBuf, String> {
    let s = non_empty_string(v)?;
    let p = PathBuf::from(&s);
    if !p.is_absolute() {
        return Err(format!("{s:?} must be an absolute path"));
    }
    Ok(p)
}

/// An extra CA certificate: an absolute path to an existing PEM file holding at least one certificate.
fn ca_certificate(s: &str) -> Result<PathBuf, String> {
    let p = PathBuf::from(s);
    if !p.is_absolute() {
        return Err(format!("{s:?} must be an absolute path"));
    }
    let text = std::fs::read(&p).map_err(|e| format!("{s:?} cannot be read ({e})"))?;
    if !String::from_utf8_lossy(&text).contains("-----BEGIN CERTIFICATE-----") {
        return Err(format!("{s:?} is not a PEM file with a certificate (-----BEGIN CERTIFICATE-----)"));
    }
    Ok(p)
}

#[cfg(test)]
mod tests;
