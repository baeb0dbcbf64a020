//! The settings a user may change: every effective value with its source, and only keys no policy locks, only to
//! values the schema accepts (the window saves them in the user's settings file for the next launch).

use latchkey_core::config::policy_report;
use latchkey_core::error::Refusal;
use latchkey_core::policy::{self, Strictness};
use latchkey_core::{AuthError, Config};
use serde_json::{json, Map, Value};

/// The keys the settings screen lets a user change (unless a managed policy locks them).
pub const USER_EDITABLE: &[&str] =
    &["max_session_age", "idle_timeout", "session_persistence", "proxy", "run_in_background", "launch_at_login", "notifications"];

/// The desktop switches, which the running app applies as soon as they are saved (the rest wait for a restart).
pub const APPLIED_AT_ONCE: &[&str] = &["run_in_background", "launch_at_login", "notifications"];

/// The policy report (`latchkey policy --json`) of what the next launch will use, which keys this user may change,
/// and whether that differs from what is `running` now in a way only a restart applies.
pub fn report(running: &Config) -> Result<Value, AuthError> {
    let next = Config::load().map_err(|e| AuthError::Policy(Refusal::Broken(e.to_string())))?;
    let mut report = policy_report(&next);
    let editable: Vec<&str> = USER_EDITABLE.iter().copied().filter(|k| !next.is_locked(k)).collect();
    report["editable"] = json!(editable);
    let waiting = |c: &Config| c.values.iter().filter(|v| !APPLIED_AT_ONCE.contains(&v.key)).cloned().collect::<Vec<_>>();
    report["restartRequired"] = json!(waiting(&next) != waiting(running));
    Ok(report)
}

/// Why `key` may not be set to `value` (a string, or a boolean for a switch) by the user, if it may not.
pub fn check(config: &Config, key: &str, value: Option<&Value>) -> Result<(), AuthError> {
    if config.is_locked(key) {
        return Err(AuthError::Policy(Refusal::Locked(key.into())));
    }
    if !USER_EDITABLE.contains(&key) {
        return Err(AuthError::Policy(Refusal::NotEditable(key.into())));
    }
    let Some(value) = value else { return Ok(()) };
    let one = Map::from_iter([(key.to_string(), value.clone())]);
    policy::parse_settings(&one, Strictness::UserFile).map(drop).map_err(AuthError::InvalidSetting)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A config whose managed policy (written to a temp file) sets `managed`.
    fn config_with(managed: Value) -> Config {
        latchkey_core::testing::config("settings", Some(&json!({ "managed": managed }).to_string()), None, &[]).unwrap()
    }

    #[test]
    fn a_key_locked_by_managed_policy_is_refused_with_the_policy_code() {
        let config = config_with(json!({ "idle_timeout": "15m" }));
        let err = check(&config, "idle_timeout", Some(&json!("1h"))).unwrap_err();
        assert_eq!(err.code(), "policy");
        assert!(err.to_string().contains("managed by your organization"), "{err}");
        check(&config, "max_session_age", Some(&json!("8h"))).expect("an unlocked key is editable");
    }

    #[test]
    fn values_the_schema_rejects_are_refused_with_the_rule() {
        let config = config_with(json!({}));
        let err = check(&config, "max_session_age", Some(&json!("48h"))).unwrap_err();
        assert_eq!(err.code(), "invalid_setting");
        assert!(err.to_string().contains("max_session_age"), "{err}");
        assert_eq!(check(&config, "session_persistence", Some(&json!("plaintext"))).unwrap_err().code(), "invalid_setting");
        assert_eq!(check(&config, "proxy", Some(&json!("ftp://x"))).unwrap_err().code(), "invalid_setting");
        assert_eq!(check(&config, "launch_at_login", Some(&json!("true"))).unwrap_err().code(), "invalid_setting", "a switch is a boolean");
        check(&config, "idle_timeout", Some(&json!("off"))).unwrap();
        check(&config, "notifications", Some(&json!(false))).unwrap();
        check(&config, "proxy", None).expect("removing a setting is always valid");
    }

    #[test]
    fn a_switch_managed_by_policy_is_refused_and_a_recommended_one_is_the_users() {
        let config = latchkey_core::testing::config(
            "settings-switches",
            Some(&json!({ "managed": { "launch_at_login": true }, "recommended": { "notifications": false } }).to_string()),
            None,
            &[],
        )
        .unwrap();
        assert_eq!(check(&config, "launch_at_login", Some(&json!(false))).unwrap_err().code(), "policy");
        check(&config, "notifications", Some(&json!(true))).expect("recommended values are the user's to change");
        check(&config, "run_in_background", Some(&json!(false))).unwrap();
    }

    #[test]
    fn keys_outside_the_editable_list_are_refused() {
        let config = config_with(json!({}));
        for key in ["extra_ca_certificates", "allow_insecure_storage_fallback", "supabase_url", "nonsense"] {
            assert_eq!(check(&config, key, Some(&json!("x"))).unwrap_err().code(), "policy", "{key}");
        }
    }
}
