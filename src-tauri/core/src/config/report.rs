//! The effective-configuration report (`latchkey policy`, the settings screen): every key, its value and its source,
//! and never a secret (the anon key and proxy passwords are redacted before they get here).

use super::{Config, Source};
use crate::policy::KEYS;
use serde_json::{Map, Value};

/// The report behind `latchkey policy --json`: where the policy is, its error (if any), warnings, and every
/// effective value with its source and whether it is locked:
///
/// ```json
/// {"file": "/etc/latchkey/policy.json", "present": true, "error": null, "warnings": [],
///  "values": {"max_session_age": {"value": "8h", "source": "managed", "locked": true}, …}}
/// ```
///
/// Sources: `managed`, `environment`, `user`, `recommended`, `default`, `fail_closed`.
pub fn policy_report(config: &Config) -> Value {
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
        "environment_ignored": config.environment_ignored,
        "values": values,
    })
}

/// The same report for people (`latchkey policy` without `--json`).
pub fn policy_report_text(config: &Config) -> String {
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
    for i in &config.environment_ignored {
        out.push_str(&format!("Ignored:  {} (the policy sets `{}`)\n", i.variable, i.key));
    }
    let width = KEYS.iter().map(|k| k.len()).max().unwrap_or(0);
    for v in &config.values {
        let value = match &v.value {
            Value::String(s) => s.clone(),
            Value::Null => "(none)".to_string(),
            other => other.to_string(),
        };
        let source = v.source.name();
        let lock = match v.source {
            Source::Managed => "  [managed by your organization]",
            Source::FailClosed => "  [locked: policy error]",
            _ => "",
        };
        out.push_str(&format!("  {:width$}  {value}  ({source}){lock}\n", v.key));
    }
    out
}
