//! Configuration: which layer wins (environment, settings file, policy), and every bad value a named error.

use super::*;

fn temp_dir(name: &str) -> PathBuf {
    crate::testing::temp_dir(&format!("config-{name}"))
}

/// Loads with `vars` as the whole environment and no policy, so the machine's own never leaks into tests.
fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    crate::testing::config_in(&temp_dir("load"), None, None, vars)
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
    assert_eq!(c.proxy.as_ref().map(ProxyUrl::expose), Some("http://proxy.local:3128"));
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

#[test]
fn the_report_lists_every_key_with_source_and_lock() {
    let c = crate::testing::config("config-report", Some(r#"{"managed": {"max_session_age": "8h"}}"#), None, &[("LATCHKEY_IDLE_TIMEOUT", "30m")]).unwrap();
    let r = policy_report(&c);
    assert!(r["file"].as_str().unwrap().ends_with("policy.json"));
    assert_eq!(r["present"], true);
    assert_eq!(r["error"], Value::Null);
    assert_eq!(r["values"]["max_session_age"], json!({"value": "8h", "source": "managed", "locked": true}));
    assert_eq!(r["values"]["idle_timeout"], json!({"value": "30m", "source": "environment", "locked": false}));
    assert_eq!(r["values"]["session_persistence"], json!({"value": "keychain", "source": "default", "locked": false}));
    assert_eq!(r["values"]["anon_key"]["value"], "local-…");
    let keys: Vec<&str> = r["values"].as_object().unwrap().keys().map(String::as_str).collect();
    let mut expected = policy::KEYS.to_vec();
    expected.sort();
    let mut keys_sorted = keys.clone();
    keys_sorted.sort();
    assert_eq!(keys_sorted, expected);
    let text = policy_report_text(&c);
    assert!(text.contains("max_session_age") && text.contains("managed by your organization"), "{text}");
}

#[test]
fn no_form_of_the_configuration_shows_the_proxy_password() {
    let proxy = "http://alice:pr0xy-s3cret@proxy.corp:3128";
    let policy = format!(r#"{{"recommended": {{"proxy": "{proxy}"}}}}"#);
    let dir = temp_dir("proxy-password");
    let c = crate::testing::config_in(&dir, Some(&policy), None, &[("LATCHKEY_PROXY", proxy)]).unwrap();
    let network = c.network();
    let shown = [
        format!("{c:?}"),
        format!("{c:#?}"),
        format!("{network:?}"),
        serde_json::to_string(&c).unwrap(),
        serde_json::to_string(&policy_report(&c)).unwrap(),
        policy_report_text(&c),
        format!("{:?}", crate::policy::load(Some(&dir.join("policy.json")))),
    ];
    for text in shown {
        assert!(!text.contains("pr0xy-s3cret"), "the proxy password shows in {text}");
    }
    assert!(format!("{c:?}").contains("alice:***@proxy.corp"), "the proxy is still named");
    let bad = crate::policy::check_proxy_url("ftp://alice:pr0xy-s3cret@proxy.corp").unwrap_err();
    assert!(!bad.contains("pr0xy-s3cret"), "{bad}");
}

#[test]
fn a_release_build_has_no_project_until_one_is_named() {
    let dir = temp_dir("release-project");
    let env = |vars: Vec<(&'static str, String)>| move |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
    let data = ("LATCHKEY_DATA_DIR", dir.display().to_string());
    let absent = |_: Option<&Path>| Policy::absent("none");
    let c = Config::from_parts(env(vec![data.clone()]), false, absent).unwrap();
    assert!(!c.has_project(), "a release build talks to {} by default", c.auth_url);
    assert_eq!((c.supabase_url.as_str(), c.auth_url.as_str(), c.anon_key.as_str()), ("", "", ""));
    assert_eq!(policy_report(&c)["values"]["supabase_url"]["value"], Value::Null);
    let named = Config::from_parts(env(vec![data.clone(), ("LATCHKEY_SUPABASE_URL", "https://p.supabase.co".into())]), false, absent).unwrap();
    assert_eq!((named.has_project(), named.auth_url.as_str()), (true, "https://p.supabase.co/auth/v1"));
    let stack = Config::from_parts(env(vec![data.clone()]), true, absent).unwrap();
    assert_eq!(stack.supabase_url, LOCAL_STACK_URL, "debug builds keep the local stack");
    let like_release = Config::from_parts(env(vec![data, (NO_DEFAULT_PROJECT_ENV, "1".into())]), true, absent).unwrap();
    assert!(!like_release.has_project());
}

#[test]
fn plain_http_is_refused_except_for_this_computer_from_every_place() {
    for ok in ["http://127.0.0.1:54321", "http://[::1]:9999/", "http://localhost:8000", "https://p.supabase.co"] {
        crate::policy::check_http_url(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    for bad in ["http://p.supabase.co", "http://10.0.0.7:54321", "http://127.0.0.2", "ftp://p.supabase.co", "https://"] {
        assert!(crate::policy::check_http_url(bad).is_err(), "{bad} is accepted");
    }
    let e = load(&[("LATCHKEY_SUPABASE_URL", "http://auth.corp.example")]).unwrap_err();
    assert!(e.to_string().contains("LATCHKEY_SUPABASE_URL") && e.to_string().contains("https://"), "{e}");
    let settings = crate::testing::config("http-settings", None, Some(r#"{"supabase_url":"http://auth.corp.example"}"#), &[]);
    assert!(settings.unwrap_err().to_string().contains("plain http://"));
    let policy = crate::testing::config("http-policy", Some(r#"{"managed":{"supabase_url":"http://auth.corp.example"}}"#), None, &[]).unwrap();
    assert!(policy.policy_error.unwrap().contains("plain http://"));
}

#[test]
fn a_managed_policy_locks_what_the_environment_could_weaken_and_says_so() {
    let dir = temp_dir("env-locks");
    let moved = dir.join("moved").display().to_string();
    let vars = [
        ("HTTPS_PROXY", "http://evil.example:3128"),
        ("SSL_CERT_FILE", "/tmp/evil-ca.pem"),
        ("RUST_LOG", "trace"),
        ("LATCHKEY_SIGN_IN_REDIRECT", "loopback"),
        ("LATCHKEY_PROXY", "http://also-evil.example:3128"),
        ("LATCHKEY_DATA_DIR", moved.as_str()),
        ("LATCHKEY_LOG_DIR", moved.as_str()),
    ];
    let open = crate::testing::config_in(&dir, None, None, &vars).unwrap();
    assert_eq!((open.data_dir.display().to_string(), open.sign_in_redirect), (moved.clone(), SignInRedirect::Loopback));
    assert!(open.environment_ignored.is_empty(), "{:?}", open.environment_ignored);

    let policy = r#"{"managed": {"proxy": "direct", "extra_ca_certificates": [], "log_level": "warn",
        "sign_in_redirect": "deep-link", "directories_from_environment": false}}"#;
    let locked = crate::testing::config_in(&dir, Some(policy), None, &vars).unwrap();
    assert_ne!(locked.data_dir.display().to_string(), moved, "LATCHKEY_DATA_DIR moved the data folder");
    assert_ne!(locked.log_dir.display().to_string(), moved);
    assert_eq!(locked.sign_in_redirect, SignInRedirect::DeepLink);
    assert!(locked.proxy.as_ref().is_some_and(ProxyUrl::is_direct));
    let network = crate::net::report(&locked.network(), "managed", |k| vars.iter().find(|v| v.0 == k).map(|v| v.1.to_string()));
    assert_eq!(network.proxy, None, "the proxy variables are ignored: {}", network.proxy_from);
    let ignored: Vec<(&str, &str)> = locked.environment_ignored.iter().map(|i| (i.variable, i.key)).collect();
    for expected in [
        ("HTTPS_PROXY", "proxy"),
        ("LATCHKEY_PROXY", "proxy"),
        ("SSL_CERT_FILE", "extra_ca_certificates"),
        ("RUST_LOG", "log_level"),
        ("LATCHKEY_SIGN_IN_REDIRECT", "sign_in_redirect"),
        ("LATCHKEY_DATA_DIR", "directories_from_environment"),
        ("LATCHKEY_LOG_DIR", "directories_from_environment"),
    ] {
        assert!(ignored.contains(&expected), "{expected:?} is not reported ignored: {ignored:?}");
    }
    assert_eq!(policy_report(&locked)["environment_ignored"][0]["variable"], "LATCHKEY_PROXY");
}

#[test]
fn sso_keys_follow_the_tiers_and_show_in_the_report() {
    let policy = r#"{"managed": {"allowed_sign_in_methods": ["sso"], "sso_domain": "corp.example"}}"#;
    let c = crate::testing::config("sso", Some(policy), Some(r#"{"sso_domain": "mine.example"}"#), &[]).unwrap();
    assert_eq!((c.sso_domain.as_deref(), c.sso_provider_id.as_deref()), (Some("corp.example"), None));
    assert!(c.sign_in_allowed(&SignInMethod::Sso) && !c.sign_in_allowed(&SignInMethod::Password));
    let report = crate::config::policy_report(&c);
    assert_eq!(report["values"]["sso_domain"], serde_json::json!({"value": "corp.example", "source": "managed", "locked": true}));
    assert_eq!(report["values"]["sso_provider_id"], serde_json::json!({"value": null, "source": "default", "locked": false}));
    assert_eq!(report["values"]["allowed_sign_in_methods"]["value"], serde_json::json!(["sso"]));
    let c = crate::testing::config("sso-user", None, Some(r#"{"sso_domain": "Mine.Example"}"#), &[]).unwrap();
    assert_eq!((c.sso_domain.as_deref(), c.source_of("sso_domain")), (Some("mine.example"), Some(Source::UserSettings)));
}
