//! Policy parsing, tiers and precedence, fail-closed behaviour and the report, and that the published schema and
//! docs match the code (the override guard is tested with the loader, in load/tests.rs).

use super::*;
use crate::config::{policy_report, Config, ConfigError, Source};
use serde_json::json;
use std::path::Path;

fn temp_dir(name: &str) -> PathBuf {
    crate::testing::temp_dir(&format!("policy-{name}"))
}

const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

/// The configuration with `policy` (if any), the user's `settings` (if any) and `vars` as the whole environment.
fn setup(name: &str, policy: Option<&str>, settings: Option<&str>, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    crate::testing::config(&format!("policy-{name}"), policy, settings, vars)
}

fn err_of(policy: &str) -> String {
    let v: Value = match serde_json::from_str(policy) {
        Ok(v) => v,
        Err(e) => return e.to_string(),
    };
    parse_policy_value(&v).unwrap_err()
}

// ---- parsing ----

#[test]
fn every_key_parses() {
    let dir = temp_dir("everykey");
    let ca = dir.join("corp-ca.pem");
    std::fs::write(&ca, PEM).unwrap();
    let v = json!({
        "$schema": "https://latchkey.dev/policy.schema.json",
        "managed": {
            "supabase_url": "https://corp.supabase.co/",
            "anon_key": "anon",
            "auth_url": "https://auth.corp.example/auth/v1",
            "max_session_age": "8h",
            "idle_timeout": "15m",
            "allowed_sign_in_methods": ["password", "email_otp", "magic_link", "phone", "oauth:azure", "oauth:*", "sso"],
            "sso_domain": "Corp.Example.com",
            "sso_provider_id": "0D8F4E36-1A3C-4E4B-9A7E-2F6C1D9B8A70",
            "allow_sign_up": false,
            "require_mfa": true,
            "allowed_mfa_factors": ["totp"],
            "session_persistence": "memory_only",
            "allow_insecure_storage_fallback": false,
            "extra_ca_certificates": [ca.display().to_string()],
            "proxy": "http://proxy.corp:3128",
            "audit_log": {"enabled": true, "path": "/var/log/latchkey", "retention": "90d", "include_email": true},
            "log_level": "debug",
            "sign_in_redirect": "loopback",
            "directories_from_environment": false,
            "run_in_background": false,
            "launch_at_login": true,
            "notifications": false
        },
        "recommended": {"idle_timeout": "off"}
    });
    let (m, r) = parse_policy_value(&v).unwrap();
    assert_eq!(m.supabase_url.as_deref(), Some("https://corp.supabase.co"));
    assert_eq!(m.max_session_age, Some(Duration::from_secs(8 * 3600)));
    assert_eq!(m.idle_timeout, Some(Some(Duration::from_secs(900))));
    assert_eq!(m.allowed_sign_in_methods.as_ref().unwrap().len(), 7);
    assert_eq!(m.sso_domain.as_deref(), Some("corp.example.com"));
    assert_eq!(m.sso_provider_id.as_deref(), Some("0d8f4e36-1a3c-4e4b-9a7e-2f6c1d9b8a70"));
    assert_eq!((m.require_mfa, m.allowed_mfa_factors.clone()), (Some(true), Some(vec![crate::assurance::FactorType::Totp])));
    assert_eq!(m.session_persistence, Some(SessionPersistence::MemoryOnly));
    assert_eq!(m.extra_ca_certificates, Some(vec![ca]));
    assert_eq!(m.audit_log_retention, Some(Duration::from_secs(90 * 86_400)));
    assert_eq!((m.audit_log_include_email, m.log_level), (Some(true), Some(LogLevel::Debug)));
    assert_eq!((m.run_in_background, m.launch_at_login, m.notifications), (Some(false), Some(true), Some(false)));
    assert_eq!(m.keys_set().len(), KEYS.len());
    assert_eq!(r.idle_timeout, Some(None));
}

#[test]
fn invalid_policies_say_what_is_wrong() {
    let cases: &[(&str, &str)] = &[
        (r#"{"managed": {"max_session_age": "48h"}}"#, "longer than the maximum of 24h"),
        (r#"{"managed": {"max_session_age": "24h1s"}}"#, "longer than the maximum"),
        (r#"{"managed": {"max_session_age": "0s"}}"#, "longer than 0s"),
        (r#"{"managed": {"max_session_age": "eight hours"}}"#, "not a duration"),
        (r#"{"managed": {"max_session_age": 3600}}"#, "expected a string, found a number"),
        (r#"{"managed": {"idle_timeout": "never"}}"#, "\"off\""),
        (r#"{"managed": {"unknown": 1}}"#, "unknown key `unknown`"),
        (r#"{"managed": {"allow_sign_up": "yes"}}"#, "key `allow_sign_up`: expected true or false"),
        (r#"{"managed": {"session_persistence": "disk"}}"#, "not a session persistence"),
        (r#"{"managed": {"allowed_sign_in_methods": []}}"#, "at least one method"),
        (r#"{"managed": {"allowed_sign_in_methods": ["sms"]}}"#, "not a sign-in method"),
        (r#"{"managed": {"allowed_sign_in_methods": ["oauth:"]}}"#, "not a sign-in method"),
        (r#"{"managed": {"sso_domain": "alice@corp.example"}}"#, "key `sso_domain`: \"alice@corp.example\" is not an e-mail domain"),
        (r#"{"managed": {"sso_domain": "localhost"}}"#, "not an e-mail domain"),
        (r#"{"managed": {"sso_domain": "-corp.example"}}"#, "not an e-mail domain"),
        (r#"{"managed": {"sso_provider_id": "corp"}}"#, "key `sso_provider_id`: \"corp\" is not an SSO provider id"),
        (r#"{"managed": {"sso_provider_id": "0d8f4e36-1a3c-4e4b-9a7e-2f6c1d9b8a7g"}}"#, "not an SSO provider id"),
        (r#"{"managed": {"require_mfa": "yes"}}"#, "key `require_mfa`: expected true or false"),
        (r#"{"managed": {"allowed_mfa_factors": []}}"#, "at least one type"),
        (r#"{"managed": {"allowed_mfa_factors": ["sms"]}}"#, "not a second-factor type"),
        (r#"{"managed": {"extra_ca_certificates": ["certs/ca.pem"]}}"#, "absolute path"),
        (r#"{"managed": {"extra_ca_certificates": ["/nonexistent/latchkey/ca.pem"]}}"#, "cannot be read"),
        (r#"{"managed": {"extra_ca_certificates": "/etc/ca.pem"}}"#, "array of strings"),
        (r#"{"managed": {"proxy": "proxy.corp:3128"}}"#, "proxy"),
        (r#"{"managed": {"supabase_url": "not a url"}}"#, "not a URL"),
        (r#"{"managed": {"anon_key": "k"}}"#, "need `supabase_url` in the same tier"),
        (r#"{"managed": {"audit_log": {"enabled": true, "rotate": 1}}}"#, "unknown key `audit_log.rotate`"),
        (r#"{"managed": {"audit_log": {"path": "logs"}}}"#, "absolute path"),
        (r#"{"managed": {"audit_log": true}}"#, "expected an object"),
        (r#"{"managed": {"audit_log": {"include_email": "yes"}}}"#, "key `audit_log.include_email`: expected true or false"),
        (r#"{"managed": {"log_level": "verbose"}}"#, "not a log level"),
        (r#"{"managed": {"run_in_background": "no"}}"#, "key `run_in_background`: expected true or false"),
        (r#"{"recommended": {"launch_at_login": 1}}"#, "recommended: key `launch_at_login`: expected true or false"),
        (r#"{"managed": {"notifications": null}}"#, "key `notifications`: expected true or false"),
        (r#"{"managed": {"proxy": null}}"#, "found null"),
        (r#"{"recommended": {"max_session_age": "2d"}}"#, "recommended: key `max_session_age`"),
        (r#"{"max_session_age": "8h"}"#, "settings go inside \"managed\""),
        (r#"{"managed": []}"#, "must be an object"),
        (r#"[]"#, "expected an object"),
    ];
    for (policy, expected) in cases {
        let err = err_of(policy);
        assert!(err.contains(expected), "{policy}: got {err:?}, expected {expected:?}");
    }
}

#[test]
fn a_ca_file_must_hold_a_certificate() {
    let dir = temp_dir("notpem");
    let f = dir.join("ca.pem");
    std::fs::write(&f, "hello").unwrap();
    let err = err_of(&json!({"managed": {"extra_ca_certificates": [f]}}).to_string());
    assert!(err.contains("not a PEM file"), "{err}");
}

#[test]
fn reading_the_file_names_it() {
    let dir = temp_dir("readfile");
    assert_eq!(read_policy_file(&dir.join("absent.json")).unwrap(), None);
    let bad = dir.join("policy.json");
    std::fs::write(&bad, "{\"managed\": ").unwrap();
    let e = read_policy_file(&bad).unwrap_err();
    assert_eq!(e.origin, bad.display().to_string());
    assert!(e.to_string().contains("policy.json") && e.to_string().contains("not valid JSON"), "{e}");
    // A directory where the file should be cannot be read: an error, never "no policy".
    let e = read_policy_file(&dir).unwrap_err();
    assert!(e.problem.contains("cannot be read"), "{e}");
}

// ---- precedence ----

#[test]
fn managed_beats_environment_user_and_recommended() {
    let c = setup(
        "managed",
        Some(r#"{"managed": {"max_session_age": "1h", "session_persistence": "memory_only"}, "recommended": {"max_session_age": "2h"}}"#),
        Some(r#"{"max_session_age": "3h", "session_persistence": "keychain"}"#),
        &[("LATCHKEY_MAX_SESSION_AGE", "4h"), ("LATCHKEY_SESSION_PERSISTENCE", "keychain")],
    )
    .unwrap();
    assert_eq!(c.max_session_age, Duration::from_secs(3600));
    assert_eq!(c.source_of("max_session_age"), Some(Source::Managed));
    assert!(c.is_locked("max_session_age"));
    assert_eq!(c.session_persistence, SessionPersistence::MemoryOnly);
    assert!(c.is_locked("session_persistence"));
    assert!(c.policy_present && c.policy_error.is_none());
}

#[test]
fn environment_beats_user_which_beats_recommended_which_beats_default() {
    let policy = r#"{"recommended": {"max_session_age": "2h", "idle_timeout": "10m", "allow_sign_up": false}}"#;
    let user = r#"{"max_session_age": "3h", "idle_timeout": "20m"}"#;
    let c = setup("tiers", Some(policy), Some(user), &[("LATCHKEY_MAX_SESSION_AGE", "90s")]).unwrap();
    assert_eq!((c.max_session_age, c.source_of("max_session_age")), (Duration::from_secs(90), Some(Source::Environment)));
    assert_eq!((c.idle_timeout, c.source_of("idle_timeout")), (Some(Duration::from_secs(1200)), Some(Source::UserSettings)));
    assert_eq!((c.allow_sign_up, c.source_of("allow_sign_up")), (false, Some(Source::Recommended)));
    assert_eq!(c.source_of("proxy"), Some(Source::Default));
    assert!(!c.is_locked("allow_sign_up"), "recommended values are the user's to change");
}

#[test]
fn the_desktop_agent_switches_follow_the_tiers() {
    let defaults = setup("agent-defaults", None, None, &[]).unwrap();
    assert_eq!((defaults.run_in_background, defaults.launch_at_login, defaults.notifications), (true, false, true));
    let policy = r#"{"managed": {"launch_at_login": true}, "recommended": {"run_in_background": false, "notifications": false}}"#;
    let user = r#"{"launch_at_login": false, "notifications": true}"#;
    let c = setup("agent", Some(policy), Some(user), &[]).unwrap();
    assert_eq!((c.launch_at_login, c.source_of("launch_at_login")), (true, Some(Source::Managed)), "managed wins over the user");
    assert!(c.is_locked("launch_at_login"));
    assert_eq!((c.notifications, c.source_of("notifications")), (true, Some(Source::UserSettings)), "the user wins over recommended");
    assert_eq!((c.run_in_background, c.source_of("run_in_background")), (false, Some(Source::Recommended)));
    assert!(!c.is_locked("run_in_background"));
}

#[test]
fn the_project_comes_from_one_tier() {
    let policy = r#"{"managed": {"supabase_url": "https://corp.supabase.co", "anon_key": "corp"}}"#;
    let c = setup(
        "project",
        Some(policy),
        Some(r#"{"supabase_url": "https://mine.supabase.co", "anon_key": "mine"}"#),
        &[("LATCHKEY_SUPABASE_URL", "https://env.supabase.co"), ("LATCHKEY_AUTH_URL", "https://env-auth.example/auth/v1")],
    )
    .unwrap();
    assert_eq!(c.supabase_url, "https://corp.supabase.co");
    assert_eq!(c.anon_key, "corp");
    assert_eq!(c.auth_url, "https://corp.supabase.co/auth/v1", "the environment's auth URL must not mix in");
    assert_eq!(c.project_source, Source::Managed);
    assert!(c.is_locked("supabase_url") && c.is_locked("anon_key") && c.is_locked("auth_url"));

    let c = setup("project-rec", Some(r#"{"recommended": {"supabase_url": "https://rec.supabase.co", "anon_key": "rec"}}"#), None, &[]).unwrap();
    assert_eq!((c.supabase_url.as_str(), c.project_source), ("https://rec.supabase.co", Source::Recommended));
}

#[test]
fn admin_only_keys_cannot_come_from_the_user() {
    let dir = temp_dir("adminonly-ca");
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, PEM).unwrap();
    let user = json!({"allow_insecure_storage_fallback": true, "extra_ca_certificates": [ca]}).to_string();
    let c = setup("adminonly", None, Some(&user), &[]).unwrap();
    assert!(!c.allow_insecure_storage_fallback);
    assert!(c.extra_ca_certificates.is_empty());
    assert_eq!(c.source_of("allow_insecure_storage_fallback"), Some(Source::Default));
    assert!(c.warnings.iter().any(|w| w.contains("allow_insecure_storage_fallback") && w.contains("only the policy")), "{:?}", c.warnings);
    assert!(c.warnings.iter().any(|w| w.contains("extra_ca_certificates")), "{:?}", c.warnings);

    // The policy may set them, in either tier.
    let policy = json!({"recommended": {"allow_insecure_storage_fallback": true, "extra_ca_certificates": [ca]}}).to_string();
    let c = setup("adminonly-policy", Some(&policy), None, &[]).unwrap();
    assert!(c.allow_insecure_storage_fallback);
    assert_eq!(c.extra_ca_certificates, vec![ca]);
    assert_eq!(c.source_of("extra_ca_certificates"), Some(Source::Recommended));
}

#[test]
fn sign_in_methods_and_audit_log_resolve() {
    let policy = r#"{"managed": {"allowed_sign_in_methods": ["password", "oauth:*"], "audit_log": {"enabled": false}},
                    "recommended": {"audit_log": {"retention": "7d"}}}"#;
    let c = setup("methods", Some(policy), Some(r#"{"audit_log": {"enabled": true, "path": "/tmp/mine"}}"#), &[]).unwrap();
    assert!(c.sign_in_allowed(&SignInMethod::Password));
    assert!(c.sign_in_allowed(&SignInMethod::OAuth("github".into())));
    assert!(!c.sign_in_allowed(&SignInMethod::MagicLink));
    assert!(!c.audit_log.enabled);
    assert_eq!(c.source_of("audit_log.enabled"), Some(Source::Managed));
    assert_eq!(c.audit_log.path.as_deref(), Some(Path::new("/tmp/mine")));
    assert_eq!(c.audit_log.retention, Duration::from_secs(7 * 86_400));
    assert_eq!(c.source_of("audit_log.retention"), Some(Source::Recommended));
    assert!(!c.audit_log.include_email, "off unless a tier turns it on");
    assert_eq!(c.source_of("audit_log.include_email"), Some(Source::Default));
}

#[test]
fn mfa_keys_resolve_and_fail_closed() {
    let c = setup("mfa", Some(r#"{"recommended": {"require_mfa": true, "allowed_mfa_factors": ["totp"]}}"#), None, &[]).unwrap();
    assert_eq!((c.require_mfa, c.allowed_mfa_factors.clone()), (true, vec![crate::assurance::FactorType::Totp]));
    assert_eq!((c.source_of("require_mfa"), c.source_of("allowed_mfa_factors")), (Some(Source::Recommended), Some(Source::Recommended)));
    let c = setup("mfa-default", None, None, &[]).unwrap();
    assert_eq!((c.require_mfa, c.allowed_mfa_factors.len(), c.source_of("require_mfa")), (false, 2, Some(Source::Default)));
    let c = setup("mfa-broken", Some(r#"{"managed": {"require_mfa": 1}}"#), None, &[]).unwrap();
    assert_eq!((c.require_mfa, c.source_of("require_mfa")), (true, Some(Source::FailClosed)));
}

#[test]
fn log_level_follows_the_tiers_and_managed_wins_over_the_environment() {
    let c = setup("loglevel", Some(r#"{"recommended": {"log_level": "warn"}}"#), Some(r#"{"log_level": "debug"}"#), &[]).unwrap();
    assert_eq!((c.log_level, c.source_of("log_level")), (LogLevel::Debug, Some(Source::UserSettings)));
    let c = setup("loglevel-env", Some(r#"{"recommended": {"log_level": "warn"}}"#), None, &[("LATCHKEY_LOG", "trace")]).unwrap();
    assert_eq!((c.log_level, c.source_of("log_level")), (LogLevel::Trace, Some(Source::Environment)));
    let c = setup("loglevel-managed", Some(r#"{"managed": {"log_level": "error"}}"#), None, &[("LATCHKEY_LOG", "trace")]).unwrap();
    assert_eq!((c.log_level, c.source_of("log_level")), (LogLevel::Error, Some(Source::Managed)));
    let err = setup("loglevel-bad", None, None, &[("LATCHKEY_LOG", "loud")]).unwrap_err().to_string();
    assert!(err.contains("LATCHKEY_LOG") && err.contains("not a log level"), "{err}");
}

// ---- fail closed ----

#[test]
fn an_invalid_policy_fails_closed_and_names_the_file() {
    let c = setup(
        "failclosed",
        Some(r#"{"managed": {"max_session_age": "48h"}}"#),
        Some(r#"{"max_session_age": "20h", "session_persistence": "keychain"}"#),
        &[("LATCHKEY_MAX_SESSION_AGE", "23h")],
    )
    .unwrap();
    let err = c.policy_error.clone().expect("policy error");
    assert!(err.contains("policy.json") && err.contains("max_session_age") && err.contains("48h"), "{err}");
    assert_eq!(c.max_session_age, Duration::ZERO, "never a longer session than the broken policy meant");
    assert_eq!(c.session_persistence, SessionPersistence::MemoryOnly);
    assert!(!c.allow_insecure_storage_fallback && !c.allow_sign_up);
    assert!(c.allowed_sign_in_methods.is_empty() && !c.sign_in_allowed(&SignInMethod::Password));
    assert!(c.audit_log.enabled);
    for key in ["max_session_age", "session_persistence", "allow_insecure_storage_fallback", "allowed_sign_in_methods", "allow_sign_up"] {
        assert_eq!(c.source_of(key), Some(Source::FailClosed), "{key}");
        assert!(c.is_locked(key), "{key}");
    }
    let report = policy_report(&c);
    assert_eq!(report["error"], json!(err));
    assert_eq!(report["values"]["max_session_age"], json!({"value": "0s", "source": "fail_closed", "locked": true}));
}

#[test]
fn bad_json_and_wrong_types_also_fail_closed() {
    for (name, policy) in [("badjson", "{oops"), ("wrongtype", r#"{"managed": {"allow_insecure_storage_fallback": "true"}}"#)] {
        let c = setup(name, Some(policy), None, &[]).unwrap();
        assert!(c.policy_error.as_deref().unwrap().contains("policy.json"), "{name}");
        assert!(!c.allow_insecure_storage_fallback);
        assert_eq!(c.max_session_age, Duration::ZERO);
    }
}

// ---- the published schema and docs ----

fn repo_file(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn the_json_schema_matches_the_code() {
    let schema: Value = serde_json::from_str(&repo_file("docs/policy.schema.json")).unwrap();
    let settings = &schema["$defs"]["settings"]["properties"];
    let mut in_schema: Vec<String> = Vec::new();
    for (k, v) in settings.as_object().expect("$defs.settings.properties") {
        if k == "audit_log" {
            for sub in v["properties"].as_object().unwrap().keys() {
                in_schema.push(format!("audit_log.{sub}"));
            }
        } else {
            in_schema.push(k.clone());
        }
    }
    in_schema.sort();
    let mut keys: Vec<String> = KEYS.iter().map(|k| k.to_string()).collect();
    keys.sort();
    assert_eq!(in_schema, keys, "docs/policy.schema.json and policy::KEYS differ");
    assert_eq!(schema["$defs"]["settings"]["additionalProperties"], false);
    let top: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
    assert_eq!(top, ["$schema", "managed", "recommended"]);
}

#[test]
fn the_docs_cover_every_key_and_their_example_is_valid() {
    let doc = repo_file("docs/policy.md");
    for key in KEYS {
        assert!(doc.contains(&format!("`{key}`")), "docs/policy.md does not document `{key}`");
    }
    for var in crate::config::ENV_VARS {
        assert!(doc.contains(var.0), "docs/policy.md does not mention {}", var.0);
    }
    // The first ```json block of the policy reference is a complete example and must be valid.
    let start = doc.find("```json\n").expect("an example") + "```json\n".len();
    let end = start + doc[start..].find("```").unwrap();
    let example: Value = serde_json::from_str(&doc[start..end]).expect("the example is JSON");
    parse_policy_value(&example).expect("the example in docs/policy.md is a valid policy");
}
