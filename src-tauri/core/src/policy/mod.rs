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
mod load;
pub mod macos;
mod choices;
pub mod trust;
mod values;
pub mod windows;
#[cfg(windows)]
mod windows_acl;

pub use choices::{LogLevel, SessionPersistence, SignInMethod, SignInRedirect};
pub use load::{load, platform_origin, policy_path_override, read_policy_file, read_trusted, Policy, PolicyError};
pub(crate) use values::kind;
pub use values::{check_domain, check_http_url, check_max_session_age, check_proxy_url, check_uuid, parse_idle_timeout};
use values::*;

use crate::assurance::FactorType;
use crate::net::ProxyUrl;
use serde_json::{Map, Value};
use std::path::PathBuf;
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
    "sso_domain",
    "sso_provider_id",
    "allow_sign_up",
    "require_mfa",
    "allowed_mfa_factors",
    "session_persistence",
    "allow_insecure_storage_fallback",
    "extra_ca_certificates",
    "proxy",
    "audit_log.enabled",
    "audit_log.path",
    "audit_log.retention",
    "audit_log.include_email",
    "log_level",
    "sign_in_redirect",
    "directories_from_environment",
    "run_in_background",
    "launch_at_login",
    "notifications",
];

/// Keys only an administrator may set (policy file, either tier): the user's settings file and the
/// environment cannot weaken storage or add trust roots. If they try, it is reported as a warning.
pub const ADMIN_ONLY_KEYS: &[&str] = &["allow_insecure_storage_fallback", "extra_ca_certificates", "directories_from_environment"];

/// One tier of settings (managed, recommended, the user's file or the environment). `None` = not set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tier {
    pub supabase_url: Option<String>,
    pub anon_key: Option<String>,
    pub auth_url: Option<String>,
    pub max_session_age: Option<Duration>,
    /// `Some(None)` is an explicit `"off"`.
    pub idle_timeout: Option<Option<Duration>>,
    pub allowed_sign_in_methods: Option<Vec<SignInMethod>>,
    /// The e-mail domain whose SAML single sign-on "Sign in with SSO" starts (no e-mail prompt).
    pub sso_domain: Option<String>,
    /// The GoTrue SSO provider (its id) "Sign in with SSO" starts; wins over `sso_domain`.
    pub sso_provider_id: Option<String>,
    pub allow_sign_up: Option<bool>,
    pub require_mfa: Option<bool>,
    pub allowed_mfa_factors: Option<Vec<FactorType>>,
    pub session_persistence: Option<SessionPersistence>,
    pub allow_insecure_storage_fallback: Option<bool>,
    pub extra_ca_certificates: Option<Vec<PathBuf>>,
    pub proxy: Option<ProxyUrl>,
    pub audit_log_enabled: Option<bool>,
    pub audit_log_path: Option<PathBuf>,
    pub audit_log_retention: Option<Duration>,
    pub audit_log_include_email: Option<bool>,
    pub log_level: Option<LogLevel>,
    pub sign_in_redirect: Option<SignInRedirect>,
    /// `false`: `LATCHKEY_DATA_DIR` and `LATCHKEY_LOG_DIR` are ignored (admin-only).
    pub directories_from_environment: Option<bool>,
    pub run_in_background: Option<bool>,
    pub launch_at_login: Option<bool>,
    pub notifications: Option<bool>,
}

impl Tier {
    /// Names of the keys this tier sets (report names, `audit_log.*` flattened).
    pub fn keys_set(&self) -> Vec<&'static str> {
        let set = [
            self.supabase_url.is_some(),
            self.anon_key.is_some(),
            self.auth_url.is_some(),
            self.max_session_age.is_some(),
            self.idle_timeout.is_some(),
            self.allowed_sign_in_methods.is_some(),
            self.sso_domain.is_some(),
            self.sso_provider_id.is_some(),
            self.allow_sign_up.is_some(),
            self.require_mfa.is_some(),
            self.allowed_mfa_factors.is_some(),
            self.session_persistence.is_some(),
            self.allow_insecure_storage_fallback.is_some(),
            self.extra_ca_certificates.is_some(),
            self.proxy.is_some(),
            self.audit_log_enabled.is_some(),
            self.audit_log_path.is_some(),
            self.audit_log_retention.is_some(),
            self.audit_log_include_email.is_some(),
            self.log_level.is_some(),
            self.sign_in_redirect.is_some(),
            self.directories_from_environment.is_some(),
            self.run_in_background.is_some(),
            self.launch_at_login.is_some(),
            self.notifications.is_some(),
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
        if self.directories_from_environment.take().is_some() {
            out.push("directories_from_environment");
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
pub fn parse_settings(obj: &Map<String, Value>, strictness: Strictness) -> Result<Tier, String> {
    let mut s = Tier::default();
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
            "sso_domain" => s.sso_domain = Some(check_domain(&string(value).map_err(at)?).map_err(at)?),
            "sso_provider_id" => s.sso_provider_id = Some(check_uuid(&string(value).map_err(at)?).map_err(at)?),
            "allow_sign_up" => s.allow_sign_up = Some(boolean(value).map_err(at)?),
            "require_mfa" => s.require_mfa = Some(boolean(value).map_err(at)?),
            "allowed_mfa_factors" => {
                let list = string_array(value).map_err(at)?;
                if list.is_empty() {
                    return Err(at("must list at least one type (\"totp\", \"phone\")".into()));
                }
                let factors = list.iter().map(|f| FactorType::parse(f)).collect::<Result<Vec<_>, _>>().map_err(at)?;
                s.allowed_mfa_factors = Some(factors);
            }
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
            "sign_in_redirect" => s.sign_in_redirect = Some(SignInRedirect::parse(&string(value).map_err(at)?).map_err(at)?),
            "directories_from_environment" => s.directories_from_environment = Some(boolean(value).map_err(at)?),
            "run_in_background" => s.run_in_background = Some(boolean(value).map_err(at)?),
            "launch_at_login" => s.launch_at_login = Some(boolean(value).map_err(at)?),
            "notifications" => s.notifications = Some(boolean(value).map_err(at)?),
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
pub fn parse_policy_value(value: &Value) -> Result<(Tier, Tier), String> {
    let Value::Object(top) = value else {
        return Err(format!("expected an object {{\"managed\": {{…}}, \"recommended\": {{…}}}}, found {}", kind(value)));
    };
    let mut managed = Tier::default();
    let mut recommended = Tier::default();
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

#[cfg(test)]
mod tests;
