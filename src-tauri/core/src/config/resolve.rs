//! Combining the tiers into one effective configuration: managed, environment, user, recommended, default, per key,
//! with the project taken from one tier as a unit and the security keys failing closed under an invalid policy.

use super::*;
use strum::VariantArray;

fn pick<T: Clone>(layers: &[(Source, &Tier)], get: impl Fn(&Tier) -> Option<T>) -> Option<(T, Source)> {
    layers.iter().find_map(|(source, s)| get(s).map(|v| (v, *source)))
}

/// Combines the tiers. Pure: every input is given.
pub(crate) fn resolve(
    (data_dir, log_dir): (PathBuf, PathBuf),
    policy: &Policy,
    mut environment: Tier,
    mut user: Tier,
    settings_path: &Path,
    default_project: bool,
) -> Config {
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
    let empty = Tier::default();
    let (managed, recommended) = if failed { (&empty, &empty) } else { (&policy.managed, &policy.recommended) };
    let layers = [
        (Source::Managed, managed),
        (Source::Environment, &environment),
        (Source::UserSettings, &user),
        (Source::Recommended, recommended),
    ];

    // The project, as one unit; none at all in a release build until someone names one.
    let (supabase_url, anon_key, auth, project_source) = match layers.iter().find(|(_, s)| s.supabase_url.is_some()) {
        Some((source, s)) => (s.supabase_url.clone().unwrap(), s.anon_key.clone().unwrap_or_default(), s.auth_url.clone(), *source),
        None if default_project => (LOCAL_STACK_URL.to_string(), LOCAL_STACK_ANON_KEY.to_string(), None, Source::Default),
        None => (String::new(), String::new(), Some(String::new()), Source::Default),
    };
    let supabase_url = supabase_url.trim_end_matches('/').to_string();
    let auth_url = auth.unwrap_or_else(|| format!("{supabase_url}/auth/v1"));
    let or_none = |v: &str| if v.is_empty() { Value::Null } else { json!(v) };


    let max_session_age =
        fail_closed(failed, or_default(pick(&layers, |s| s.max_session_age), policy::DEFAULT_MAX_SESSION_AGE), Duration::ZERO);
    let idle_timeout = or_default(pick(&layers, |s| s.idle_timeout), None);
    let methods = fail_closed(failed, or_default(pick(&layers, |s| s.allowed_sign_in_methods.clone()), SignInMethod::all()), Vec::new());
    let sso_domain = or_default(pick(&layers, |s| s.sso_domain.clone().map(Some)), None);
    let sso_provider_id = or_default(pick(&layers, |s| s.sso_provider_id.clone().map(Some)), None);
    let allow_sign_up = fail_closed(failed, or_default(pick(&layers, |s| s.allow_sign_up), true), false);
    let require_mfa = fail_closed(failed, or_default(pick(&layers, |s| s.require_mfa), false), true);
    let mfa_factors = or_default(pick(&layers, |s| s.allowed_mfa_factors.clone()), FactorType::VARIANTS.to_vec());
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
    let redirect = or_default(pick(&layers, |s| s.sign_in_redirect), SignInRedirect::Auto);
    let directories = or_default(pick(&admin, |s| s.directories_from_environment), true);
    let background = or_default(pick(&layers, |s| s.run_in_background), true);
    let at_login = or_default(pick(&layers, |s| s.launch_at_login), false);
    let notifications = or_default(pick(&layers, |s| s.notifications), true);

    let paths = |v: &[PathBuf]| json!(v.iter().map(|p| p.display().to_string()).collect::<Vec<_>>());
    let values = vec![
        EffectiveValue { key: "supabase_url", value: or_none(&supabase_url), source: project_source },
        EffectiveValue { key: "anon_key", value: or_none(&redact(&anon_key)), source: project_source },
        EffectiveValue { key: "auth_url", value: or_none(&auth_url), source: project_source },
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
        EffectiveValue { key: "sso_domain", value: json!(sso_domain.0), source: sso_domain.1 },
        EffectiveValue { key: "sso_provider_id", value: json!(sso_provider_id.0), source: sso_provider_id.1 },
        EffectiveValue { key: "allow_sign_up", value: json!(allow_sign_up.0), source: allow_sign_up.1 },
        EffectiveValue { key: "require_mfa", value: json!(require_mfa.0), source: require_mfa.1 },
        EffectiveValue { key: "allowed_mfa_factors", value: json!(mfa_factors.0), source: mfa_factors.1 },
        EffectiveValue { key: "session_persistence", value: json!(persistence.0.as_str()), source: persistence.1 },
        EffectiveValue { key: "allow_insecure_storage_fallback", value: json!(insecure.0), source: insecure.1 },
        EffectiveValue { key: "extra_ca_certificates", value: paths(&cas.0), source: cas.1 },
        EffectiveValue { key: "proxy", value: json!(proxy.0), source: proxy.1 },
        EffectiveValue { key: "audit_log.enabled", value: json!(audit_enabled.0), source: audit_enabled.1 },
        EffectiveValue {
            key: "audit_log.path",
            value: json!(audit_path.0.as_ref().map(|p| p.display().to_string())),
            source: audit_path.1,
        },
        EffectiveValue { key: "audit_log.retention", value: json!(durations::format(audit_retention.0)), source: audit_retention.1 },
        EffectiveValue { key: "audit_log.include_email", value: json!(audit_email.0), source: audit_email.1 },
        EffectiveValue { key: "log_level", value: json!(log_level.0.as_str()), source: log_level.1 },
        EffectiveValue { key: "sign_in_redirect", value: json!(redirect.0.as_str()), source: redirect.1 },
        EffectiveValue { key: "directories_from_environment", value: json!(directories.0), source: directories.1 },
        EffectiveValue { key: "run_in_background", value: json!(background.0), source: background.1 },
        EffectiveValue { key: "launch_at_login", value: json!(at_login.0), source: at_login.1 },
        EffectiveValue { key: "notifications", value: json!(notifications.0), source: notifications.1 },
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
        sign_in_redirect: redirect.0,
        environment_ignored: Vec::new(),
        max_session_age: max_session_age.0,
        idle_timeout: idle_timeout.0,
        session_persistence: persistence.0,
        allow_insecure_storage_fallback: insecure.0,
        allowed_sign_in_methods: methods.0,
        sso_domain: sso_domain.0,
        sso_provider_id: sso_provider_id.0,
        allow_sign_up: allow_sign_up.0,
        require_mfa: require_mfa.0,
        allowed_mfa_factors: mfa_factors.0,
        extra_ca_certificates: cas.0,
        proxy: proxy.0,
        audit_log: AuditLogConfig {
            enabled: audit_enabled.0,
            path: audit_path.0,
            retention: audit_retention.0,
            include_email: audit_email.0,
        },
        run_in_background: background.0,
        launch_at_login: at_login.0,
        notifications: notifications.0,
        policy_file: policy.origin.clone(),
        policy_present: policy.present,
        policy_error: policy.error.as_ref().map(|e| format!("{e}; the app stays locked until it is fixed")),
        warnings,
        values,
    }
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
