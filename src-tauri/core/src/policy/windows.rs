//! Windows: `HKLM\Software\Policies\Latchkey` (what Group Policy / Intune write), or, when that key does not
//! exist, `<ProgramData>\Latchkey\policy.json` in the same JSON format as Linux, where `<ProgramData>` is the
//! `FOLDERID_ProgramData` known folder (never the `%ProgramData%` variable, which the user can set).
//!
//! Registry layout (value names are the schema keys, matched case-insensitively):
//!
//! | schema type | registry type |
//! |---|---|
//! | string, duration, URL, path | `REG_SZ` (or `REG_EXPAND_SZ`, `%VAR%` expanded) |
//! | boolean | `REG_DWORD` 0 or 1 |
//! | array of strings | `REG_MULTI_SZ` |
//! | `audit_log` | subkey `audit_log` with values `enabled`, `path`, `retention`, `include_email` |
//!
//! Values directly under the key are the `managed` tier; the subkey `Recommended` (same layout) is the
//! `recommended` tier. The mapping below is pure and tested on every platform; only [`load`] touches the
//! registry and is compiled on Windows only.

use serde_json::{json, Map, Value};

/// As shown in the report.
pub const REGISTRY_KEY_DISPLAY: &str = r"HKLM\Software\Policies\Latchkey";
/// Path under HKEY_LOCAL_MACHINE.
pub const REGISTRY_PATH: &str = r"Software\Policies\Latchkey";
/// The fallback file, relative to the `ProgramData` known folder.
pub const PROGRAM_DATA_FILE: &str = r"Latchkey\policy.json";

/// A registry value, as read (independent of the winreg crate so the mapping is testable anywhere).
#[derive(Debug, Clone, PartialEq)]
pub enum RegValue {
    Sz(String),
    ExpandSz(String),
    MultiSz(Vec<String>),
    Dword(u32),
    Qword(u64),
    /// Any other type (REG_BINARY, REG_NONE, …), by name.
    Other(String),
}

impl RegValue {
    fn type_name(&self) -> &str {
        match self {
            RegValue::Sz(_) => "REG_SZ",
            RegValue::ExpandSz(_) => "REG_EXPAND_SZ",
            RegValue::MultiSz(_) => "REG_MULTI_SZ",
            RegValue::Dword(_) => "REG_DWORD",
            RegValue::Qword(_) => "REG_QWORD",
            RegValue::Other(name) => name,
        }
    }
}

/// A registry key: its values and subkeys, in registry order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegKey {
    pub values: Vec<(String, RegValue)>,
    pub subkeys: Vec<(String, RegKey)>,
}

#[derive(Clone, Copy)]
enum Expect {
    Str,
    Bool,
    List,
}

const TOP_KEYS: &[(&str, Expect)] = &[
    ("supabase_url", Expect::Str),
    ("anon_key", Expect::Str),
    ("auth_url", Expect::Str),
    ("max_session_age", Expect::Str),
    ("idle_timeout", Expect::Str),
    ("allowed_sign_in_methods", Expect::List),
    ("sso_domain", Expect::Str),
    ("sso_provider_id", Expect::Str),
    ("allow_sign_up", Expect::Bool),
    ("require_mfa", Expect::Bool),
    ("allowed_mfa_factors", Expect::List),
    ("session_persistence", Expect::Str),
    ("allow_insecure_storage_fallback", Expect::Bool),
    ("extra_ca_certificates", Expect::List),
    ("proxy", Expect::Str),
    ("log_level", Expect::Str),
    ("sign_in_redirect", Expect::Str),
    ("directories_from_environment", Expect::Bool),
    ("run_in_background", Expect::Bool),
    ("launch_at_login", Expect::Bool),
    ("notifications", Expect::Bool),
];
const AUDIT_KEYS: &[(&str, Expect)] =
    &[("enabled", Expect::Bool), ("path", Expect::Str), ("retention", Expect::Str), ("include_email", Expect::Bool)];

/// Expands `%VAR%` with `env`; an unknown variable is an error (never left half-expanded).
pub fn expand(s: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find('%') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after.find('%').ok_or_else(|| format!("{s:?} has an unmatched %"))?;
        let name = &after[..end];
        if name.is_empty() {
            out.push('%');
        } else {
            out.push_str(&env(name).ok_or_else(|| format!("{s:?} uses %{name}%, which is not set"))?);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn map_value(path: &str, v: &RegValue, expect: Expect, env: &dyn Fn(&str) -> Option<String>) -> Result<Value, String> {
    let wrong = |wanted: &str| format!("value `{path}` must be {wanted}, found {}", v.type_name());
    match (expect, v) {
        (Expect::Str, RegValue::Sz(s)) => Ok(Value::String(s.clone())),
        (Expect::Str, RegValue::ExpandSz(s)) => expand(s, env).map(Value::String).map_err(|e| format!("value `{path}`: {e}")),
        (Expect::Str, _) => Err(wrong("REG_SZ or REG_EXPAND_SZ")),
        (Expect::Bool, RegValue::Dword(0)) => Ok(Value::Bool(false)),
        (Expect::Bool, RegValue::Dword(1)) => Ok(Value::Bool(true)),
        (Expect::Bool, RegValue::Dword(n)) => Err(format!("value `{path}` must be REG_DWORD 0 or 1, found {n}")),
        (Expect::Bool, _) => Err(wrong("REG_DWORD 0 or 1")),
        (Expect::List, RegValue::MultiSz(items)) => Ok(json!(items)),
        (Expect::List, _) => Err(wrong("REG_MULTI_SZ")),
    }
}

fn lookup<'a>(table: &'a [(&'a str, Expect)], name: &str) -> Option<(&'a str, Expect)> {
    table.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).copied()
}

/// Maps one tier (a key's values plus its `audit_log` subkey) to a JSON object of settings.
fn map_tier(prefix: &str, key: &RegKey, allow_recommended: bool, env: &dyn Fn(&str) -> Option<String>) -> Result<Map<String, Value>, String> {
    let mut obj = Map::new();
    for (name, value) in &key.values {
        if name.is_empty() {
            return Err(format!("{prefix} has a default value; Latchkey reads only named values, remove it"));
        }
        let (canonical, expect) =
            lookup(TOP_KEYS, name).ok_or_else(|| format!("unknown value `{prefix}\\{name}` (see docs/policy.md)"))?;
        obj.insert(canonical.to_string(), map_value(&format!("{prefix}\\{name}"), value, expect, env)?);
    }
    for (name, sub) in &key.subkeys {
        if name.eq_ignore_ascii_case("audit_log") {
            if !sub.subkeys.is_empty() {
                return Err(format!("{prefix}\\{name} must not have subkeys"));
            }
            let mut audit = Map::new();
            for (vname, value) in &sub.values {
                let (canonical, expect) = lookup(AUDIT_KEYS, vname)
                    .ok_or_else(|| format!("unknown value `{prefix}\\{name}\\{vname}` (known: enabled, path, retention, include_email)"))?;
                audit.insert(canonical.to_string(), map_value(&format!("{prefix}\\{name}\\{vname}"), value, expect, env)?);
            }
            obj.insert("audit_log".into(), Value::Object(audit));
        } else if !(allow_recommended && name.eq_ignore_ascii_case("Recommended")) {
            return Err(format!("unknown subkey `{prefix}\\{name}` (known: Recommended, audit_log)"));
        }
    }
    Ok(obj)
}

/// Maps `HKLM\Software\Policies\Latchkey` to the JSON shape `{"managed": {…}, "recommended": {…}}`.
/// `env` resolves `%VAR%` in `REG_EXPAND_SZ` values.
pub fn registry_to_policy_json(root: &RegKey, env: &dyn Fn(&str) -> Option<String>) -> Result<Value, String> {
    let managed = map_tier(REGISTRY_KEY_DISPLAY, root, true, env)?;
    let mut out = Map::new();
    out.insert("managed".into(), Value::Object(managed));
    if let Some((name, rec)) = root.subkeys.iter().find(|(n, _)| n.eq_ignore_ascii_case("Recommended")) {
        let recommended = map_tier(&format!("{REGISTRY_KEY_DISPLAY}\\{name}"), rec, false, env)?;
        out.insert("recommended".into(), Value::Object(recommended));
    }
    Ok(Value::Object(out))
}

/// The fallback policy file under the `ProgramData` known folder, as `known_program_data` resolves it
/// (`FOLDERID_ProgramData` on Windows), never from the `%ProgramData%` environment variable the user controls.
pub fn program_data_file(known_program_data: impl Fn() -> Option<std::path::PathBuf>) -> Option<std::path::PathBuf> {
    known_program_data().map(|dir| dir.join(PROGRAM_DATA_FILE))
}

/// How `%VAR%` in a `REG_EXPAND_SZ` value resolves: `%ProgramData%` from the known folder like the policy file,
/// anything else from the environment (per-user values such as `%LOCALAPPDATA%`).
pub fn expansion(
    known_program_data: impl Fn() -> Option<std::path::PathBuf>,
    env: impl Fn(&str) -> Option<String>,
) -> impl Fn(&str) -> Option<String> {
    move |name| {
        if name.eq_ignore_ascii_case("ProgramData") {
            known_program_data().map(|dir| dir.display().to_string())
        } else {
            env(name)
        }
    }
}

/// Reads the policy from the registry, or from `<ProgramData>\Latchkey\policy.json` when the key is absent; that
/// file counts only if administrators alone own and may write it and its folder (the installers create the folder so).
#[cfg(windows)]
pub fn load() -> super::Policy {
    use super::windows_acl::{known_program_data, WindowsInspect};
    use super::{parse_policy_value, read_trusted, trust::Rule, Policy, PolicyError};
    let env = expansion(known_program_data, |k: &str| std::env::var(k).ok());
    let file = program_data_file(known_program_data);
    match read_registry() {
        Ok(Some(root)) => {
            let err = |problem: String| PolicyError { origin: REGISTRY_KEY_DISPLAY.into(), problem };
            let parsed = registry_to_policy_json(&root, &env).and_then(|v| parse_policy_value(&v)).map_err(err);
            let mut policy = match parsed {
                Ok((managed, recommended)) => {
                    Policy { origin: REGISTRY_KEY_DISPLAY.into(), present: true, managed, recommended, ..Default::default() }
                }
                Err(e) => Policy { origin: REGISTRY_KEY_DISPLAY.into(), present: true, error: Some(e), ..Default::default() },
            };
            if let Some(f) = file.filter(|f| f.exists()) {
                policy.warnings.push(format!("{} is not read because {REGISTRY_KEY_DISPLAY} exists", f.display()));
            }
            policy
        }
        Ok(None) => match file {
            Some(f) => read_trusted(&f, Rule::Machine, &WindowsInspect),
            None => Policy {
                origin: REGISTRY_KEY_DISPLAY.into(),
                present: false,
                warnings: vec!["the ProgramData known folder could not be resolved; only the registry was checked".into()],
                ..Default::default()
            },
        },
        Err(e) => Policy {
            origin: REGISTRY_KEY_DISPLAY.into(),
            present: true,
            error: Some(PolicyError { origin: REGISTRY_KEY_DISPLAY.into(), problem: format!("cannot be read ({e})") }),
            ..Default::default()
        },
    }
}

#[cfg(windows)]
fn read_registry() -> std::io::Result<Option<RegKey>> {
    use winreg::enums::{HKEY_LOCAL_MACHINE, KEY_READ, KEY_WOW64_64KEY};
    let hklm = winreg::RegKey::predef(HKEY_LOCAL_MACHINE);
    match hklm.open_subkey_with_flags(REGISTRY_PATH, KEY_READ | KEY_WOW64_64KEY) {
        Ok(key) => read_key(&key).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(windows)]
fn read_key(key: &winreg::RegKey) -> std::io::Result<RegKey> {
    use winreg::enums::RegType;
    use winreg::types::FromRegValue;
    let mut out = RegKey::default();
    for item in key.enum_values() {
        let (name, raw) = item?;
        let value = match raw.vtype {
            RegType::REG_SZ => RegValue::Sz(String::from_reg_value(&raw)?),
            RegType::REG_EXPAND_SZ => RegValue::ExpandSz(String::from_reg_value(&raw)?),
            RegType::REG_MULTI_SZ => RegValue::MultiSz(Vec::<String>::from_reg_value(&raw)?),
            RegType::REG_DWORD => RegValue::Dword(u32::from_reg_value(&raw)?),
            RegType::REG_QWORD => RegValue::Qword(u64::from_reg_value(&raw)?),
            ref other => RegValue::Other(format!("{other:?}")),
        };
        out.values.push((name, value));
    }
    for name in key.enum_keys() {
        let name = name?;
        let sub = key.open_subkey_with_flags(&name, winreg::enums::KEY_READ)?;
        out.subkeys.push((name.clone(), read_key(&sub)?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{parse_policy_value, SessionPersistence, SignInMethod};
    use std::time::Duration;

    /// An absolute root on the host running the test (the path checks are the host's).
    const ROOT: &str = if cfg!(windows) { r"C:\ProgramData" } else { "/ProgramData" };

    fn env(k: &str) -> Option<String> {
        (k == "ProgramData").then(|| ROOT.to_string())
    }

    fn key(values: &[(&str, RegValue)], subkeys: Vec<(&str, RegKey)>) -> RegKey {
        RegKey {
            values: values.iter().map(|(n, v)| (n.to_string(), v.clone())).collect(),
            subkeys: subkeys.into_iter().map(|(n, k)| (n.to_string(), k)).collect(),
        }
    }

    #[test]
    fn maps_every_registry_type_to_the_schema() {
        let audit = key(
            &[("enabled", RegValue::Dword(1)), ("path", RegValue::ExpandSz(r"%ProgramData%\Latchkey\audit".into())), ("retention", RegValue::Sz("90d".into()))],
            vec![],
        );
        let recommended = key(&[("idle_timeout", RegValue::Sz("30m".into())), ("Notifications", RegValue::Dword(0))], vec![]);
        let root = key(
            &[
                ("supabase_url", RegValue::Sz("https://corp.supabase.co".into())),
                ("anon_key", RegValue::Sz("anon".into())),
                ("Max_Session_Age", RegValue::Sz("8h".into())),
                ("allowed_sign_in_methods", RegValue::MultiSz(vec!["password".into(), "oauth:azure".into(), "sso".into()])),
                ("SSO_Domain", RegValue::Sz("Corp.Example.com".into())),
                ("allow_sign_up", RegValue::Dword(0)),
                ("require_mfa", RegValue::Dword(1)),
                ("allowed_mfa_factors", RegValue::MultiSz(vec!["totp".into()])),
                ("session_persistence", RegValue::Sz("memory_only".into())),
                ("allow_insecure_storage_fallback", RegValue::Dword(0)),
                ("proxy", RegValue::Sz("http://proxy.corp:3128".into())),
                ("run_in_background", RegValue::Dword(1)),
                ("launch_at_login", RegValue::Dword(1)),
            ],
            vec![("audit_log", audit), ("Recommended", recommended)],
        );
        let json = registry_to_policy_json(&root, &env).unwrap();
        assert_eq!(json["managed"]["audit_log"]["path"], format!(r"{ROOT}\Latchkey\audit"));
        let (m, r) = parse_policy_value(&json).unwrap();
        assert_eq!(m.max_session_age, Some(Duration::from_secs(8 * 3600)));
        assert_eq!(m.allowed_sign_in_methods, Some(vec![SignInMethod::Password, SignInMethod::OAuth("azure".into()), SignInMethod::Sso]));
        assert_eq!(m.sso_domain.as_deref(), Some("corp.example.com"));
        assert_eq!(m.allow_sign_up, Some(false));
        assert_eq!((m.require_mfa, m.allowed_mfa_factors), (Some(true), Some(vec![crate::assurance::FactorType::Totp])));
        assert_eq!(m.session_persistence, Some(SessionPersistence::MemoryOnly));
        assert_eq!(m.audit_log_enabled, Some(true));
        assert_eq!(m.audit_log_retention, Some(Duration::from_secs(90 * 86_400)));
        assert_eq!((m.run_in_background, m.launch_at_login, r.notifications), (Some(true), Some(true), Some(false)));
        assert_eq!(r.idle_timeout, Some(Some(Duration::from_secs(1800))));
    }

    #[test]
    fn wrong_registry_types_are_named_errors() {
        let cases = [
            ("max_session_age", RegValue::Dword(3600), "must be REG_SZ"),
            ("allow_sign_up", RegValue::Sz("true".into()), "REG_DWORD 0 or 1"),
            ("allow_sign_up", RegValue::Dword(2), "REG_DWORD 0 or 1, found 2"),
            ("allowed_sign_in_methods", RegValue::Sz("password".into()), "REG_MULTI_SZ"),
            ("sso_provider_id", RegValue::Dword(1), "must be REG_SZ"),
            ("require_mfa", RegValue::Sz("1".into()), "REG_DWORD 0 or 1"),
            ("allowed_mfa_factors", RegValue::Sz("totp".into()), "REG_MULTI_SZ"),
            ("proxy", RegValue::Other("REG_BINARY".into()), "found REG_BINARY"),
            ("no_such_key", RegValue::Sz("x".into()), "unknown value"),
            ("", RegValue::Sz("x".into()), "default value"),
        ];
        for (name, value, expected) in cases {
            let err = registry_to_policy_json(&key(&[(name, value)], vec![]), &env).unwrap_err();
            assert!(err.contains(expected), "{name}: {err}");
        }
        let err = registry_to_policy_json(&key(&[], vec![("Other", RegKey::default())]), &env).unwrap_err();
        assert!(err.contains("unknown subkey"), "{err}");
        let err = registry_to_policy_json(&key(&[("proxy", RegValue::ExpandSz("%NOPE%".into()))], vec![]), &env).unwrap_err();
        assert!(err.contains("%NOPE%"), "{err}");
    }

    #[test]
    fn schema_checks_apply_after_mapping() {
        let root = key(&[("max_session_age", RegValue::Sz("48h".into()))], vec![]);
        let err = parse_policy_value(&registry_to_policy_json(&root, &env).unwrap()).unwrap_err();
        assert!(err.contains("longer than the maximum"), "{err}");
    }

    #[test]
    fn the_program_data_folder_comes_from_the_known_folder_never_the_environment() {
        let known = || Some(std::path::PathBuf::from(ROOT));
        let users = |k: &str| match k {
            "ProgramData" | "PROGRAMDATA" => Some("/home/mallory/fake-programdata".to_string()),
            "LOCALAPPDATA" => Some("/home/alice/AppData/Local".to_string()),
            _ => None,
        };
        let file = program_data_file(known).unwrap();
        assert_eq!(file, std::path::PathBuf::from(ROOT).join(PROGRAM_DATA_FILE));
        assert_eq!(program_data_file(|| None), None, "no known folder: no file, and no fallback to the variable");
        let env = expansion(known, users);
        assert_eq!(expand(r"%ProgramData%\Latchkey\audit", &env).unwrap(), format!(r"{ROOT}\Latchkey\audit"));
        assert_eq!(expand(r"%programdata%\x", &env).unwrap(), format!(r"{ROOT}\x"));
        assert_eq!(expand(r"%LOCALAPPDATA%\x", &env).unwrap(), r"/home/alice/AppData/Local\x", "per-user values still come from the environment");
    }

    #[test]
    fn expands_environment_variables() {
        assert_eq!(expand(r"%ProgramData%\x", &env).unwrap(), format!(r"{ROOT}\x"));
        assert_eq!(expand("100%%", &env).unwrap(), "100%");
        assert!(expand("%ProgramData", &env).is_err());
    }
}
