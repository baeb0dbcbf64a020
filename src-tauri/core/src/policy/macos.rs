//! macOS: managed preferences for the bundle id, `/Library/Managed Preferences/dev.latchkey.desktop.plist`
//! (written by the MDM from a configuration profile's "Custom Settings" / `com.apple.ManagedClient.preferences`
//! payload for the domain `dev.latchkey.desktop`).
//!
//! Plist layout: top-level keys are the schema keys and form the `managed` tier; an optional dictionary
//! `recommended` holds the `recommended` tier. Types: strings (`<string>`) for strings, durations, URLs and
//! paths; `<true/>`/`<false/>` for booleans; `<array>` of strings for lists; `<dict>` for `audit_log`.
//! The mapping is pure and tested on every platform; only [`load`] reads the file, on macOS only.

use serde_json::{Map, Value};

/// The device-wide managed preferences file for the bundle id.
pub const MANAGED_PREFERENCES_PATH: &str = "/Library/Managed Preferences/dev.latchkey.desktop.plist";

/// A plist value, as read (independent of the plist crate so the mapping is testable anywhere).
#[derive(Debug, Clone, PartialEq)]
pub enum PlistValue {
    String(String),
    Boolean(bool),
    Integer(i64),
    Real(f64),
    Array(Vec<PlistValue>),
    Dictionary(Vec<(String, PlistValue)>),
    Date(String),
    Data(Vec<u8>),
}

impl PlistValue {
    fn type_name(&self) -> &'static str {
        match self {
            PlistValue::String(_) => "<string>",
            PlistValue::Boolean(_) => "<true/> or <false/>",
            PlistValue::Integer(_) => "<integer>",
            PlistValue::Real(_) => "<real>",
            PlistValue::Array(_) => "<array>",
            PlistValue::Dictionary(_) => "<dict>",
            PlistValue::Date(_) => "<date>",
            PlistValue::Data(_) => "<data>",
        }
    }
}

/// Maps a value the way the schema expects it; type mismatches are reported with plist type names.
fn map(path: &str, v: &PlistValue) -> Result<Value, String> {
    match v {
        PlistValue::String(s) => Ok(Value::String(s.clone())),
        PlistValue::Boolean(b) => Ok(Value::Bool(*b)),
        PlistValue::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                PlistValue::String(s) => Ok(Value::String(s.clone())),
                other => Err(format!("`{path}` item {i} must be a <string>, found {}", other.type_name())),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        PlistValue::Dictionary(entries) => {
            let mut obj = Map::new();
            for (k, v) in entries {
                obj.insert(k.clone(), map(&format!("{path}.{k}"), v)?);
            }
            Ok(Value::Object(obj))
        }
        other => Err(format!(
            "`{path}` is a {}; use <string> for text and durations (\"8h\"), <true/>/<false/> for switches",
            other.type_name()
        )),
    }
}

/// Maps the managed-preferences dictionary to the JSON shape `{"managed": {…}, "recommended": {…}}`.
/// Key names and value checks are then done by [`crate::policy::parse_policy_value`].
pub fn plist_to_policy_json(root: &PlistValue) -> Result<Value, String> {
    let PlistValue::Dictionary(entries) = root else {
        return Err(format!("the top level must be a <dict>, found {}", root.type_name()));
    };
    let mut managed = Map::new();
    let mut out = Map::new();
    for (k, v) in entries {
        if k == "recommended" {
            if !matches!(v, PlistValue::Dictionary(_)) {
                return Err(format!("`recommended` must be a <dict>, found {}", v.type_name()));
            }
            out.insert("recommended".into(), map(k, v)?);
        } else {
            managed.insert(k.clone(), map(k, v)?);
        }
    }
    out.insert("managed".into(), Value::Object(managed));
    Ok(Value::Object(out))
}

/// Reads the managed preferences plist (absent file = no policy).
#[cfg(target_os = "macos")]
pub fn load() -> super::Policy {
    use super::{parse_policy_value, Policy, PolicyError};
    let origin = MANAGED_PREFERENCES_PATH.to_string();
    let path = std::path::Path::new(MANAGED_PREFERENCES_PATH);
    if !path.exists() {
        return Policy::absent(origin);
    }
    let err = |problem: String| PolicyError { origin: origin.clone(), problem };
    let parsed = super::trust::check(&super::trust::UnixInspect, path, super::trust::Rule::Machine)
        .map_err(err)
        .and_then(|()| plist::Value::from_file(path).map_err(|e| err(format!("is not a readable property list ({e})"))))
        .and_then(|v| from_plist(&v).map_err(err))
        .and_then(|v| plist_to_policy_json(&v).map_err(err))
        .and_then(|v| parse_policy_value(&v).map_err(err));
    match parsed {
        Ok((managed, recommended)) => Policy { origin, present: true, managed, recommended, ..Default::default() },
        Err(e) => Policy { origin, present: true, error: Some(e), ..Default::default() },
    }
}

#[cfg(target_os = "macos")]
fn from_plist(v: &plist::Value) -> Result<PlistValue, String> {
    Ok(match v {
        plist::Value::String(s) => PlistValue::String(s.clone()),
        plist::Value::Boolean(b) => PlistValue::Boolean(*b),
        plist::Value::Integer(i) => PlistValue::Integer(i.as_signed().unwrap_or(i64::MAX)),
        plist::Value::Real(r) => PlistValue::Real(*r),
        plist::Value::Array(a) => PlistValue::Array(a.iter().map(from_plist).collect::<Result<_, _>>()?),
        plist::Value::Dictionary(d) => {
            PlistValue::Dictionary(d.iter().map(|(k, v)| Ok((k.clone(), from_plist(v)?))).collect::<Result<_, String>>()?)
        }
        plist::Value::Date(d) => PlistValue::Date(format!("{d:?}")),
        plist::Value::Data(d) => PlistValue::Data(d.clone()),
        other => return Err(format!("unsupported property list value {other:?}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{parse_policy_value, SessionPersistence};
    use std::time::Duration;

    fn s(v: &str) -> PlistValue {
        PlistValue::String(v.into())
    }
    fn dict(entries: Vec<(&str, PlistValue)>) -> PlistValue {
        PlistValue::Dictionary(entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    #[test]
    fn maps_plist_types_to_the_schema() {
        let root = dict(vec![
            ("supabase_url", s("https://corp.supabase.co")),
            ("anon_key", s("anon")),
            ("max_session_age", s("90s")),
            ("allow_sign_up", PlistValue::Boolean(false)),
            ("allowed_sign_in_methods", PlistValue::Array(vec![s("magic_link"), s("sso")])),
            ("sso_provider_id", s("0d8f4e36-1a3c-4e4b-9a7e-2f6c1d9b8a70")),
            ("require_mfa", PlistValue::Boolean(true)),
            ("allowed_mfa_factors", PlistValue::Array(vec![s("totp"), s("phone")])),
            ("session_persistence", s("keychain")),
            ("audit_log", dict(vec![("enabled", PlistValue::Boolean(false))])),
            ("launch_at_login", PlistValue::Boolean(true)),
            ("recommended", dict(vec![("idle_timeout", s("off")), ("run_in_background", PlistValue::Boolean(false)), ("notifications", PlistValue::Boolean(false))])),
        ]);
        let (m, r) = parse_policy_value(&plist_to_policy_json(&root).unwrap()).unwrap();
        assert_eq!(m.max_session_age, Some(Duration::from_secs(90)));
        assert_eq!(m.allow_sign_up, Some(false));
        assert_eq!(m.allowed_sign_in_methods, Some(vec![crate::policy::SignInMethod::MagicLink, crate::policy::SignInMethod::Sso]));
        assert_eq!(m.sso_provider_id.as_deref(), Some("0d8f4e36-1a3c-4e4b-9a7e-2f6c1d9b8a70"));
        assert_eq!((m.require_mfa, m.allowed_mfa_factors.map(|f| f.len())), (Some(true), Some(2)));
        assert_eq!(m.session_persistence, Some(SessionPersistence::Keychain));
        assert_eq!(m.audit_log_enabled, Some(false));
        assert_eq!(r.idle_timeout, Some(None));
        assert_eq!((m.launch_at_login, r.run_in_background, r.notifications), (Some(true), Some(false), Some(false)));
    }

    #[test]
    fn wrong_plist_types_are_named_errors() {
        let cases = [
            (dict(vec![("max_session_age", PlistValue::Integer(3600))]), "<integer>"),
            (dict(vec![("allow_sign_up", PlistValue::Real(1.0))]), "<real>"),
            (dict(vec![("allowed_sign_in_methods", PlistValue::Array(vec![PlistValue::Boolean(true)]))]), "item 0"),
            (dict(vec![("recommended", s("x"))]), "`recommended` must be a <dict>"),
            (PlistValue::Array(vec![]), "top level"),
            (dict(vec![("proxy", PlistValue::Data(vec![1]))]), "<data>"),
            (dict(vec![("sso_domain", PlistValue::Integer(1))]), "<integer>"),
        ];
        for (root, expected) in cases {
            let err = plist_to_policy_json(&root).unwrap_err();
            assert!(err.contains(expected), "{err}");
        }
    }

    #[test]
    fn schema_checks_apply_after_mapping() {
        let json = plist_to_policy_json(&dict(vec![("allow_sign_up", s("yes"))])).unwrap();
        let err = parse_policy_value(&json).unwrap_err();
        assert!(err.contains("allow_sign_up"), "{err}");
        let json = plist_to_policy_json(&dict(vec![("unknown_thing", s("yes"))])).unwrap();
        assert!(parse_policy_value(&json).unwrap_err().contains("unknown key `unknown_thing`"));
    }
}
