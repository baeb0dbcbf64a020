//! `latchkey status`: reads the vault without writing it (so it works while the app runs), never prints a token.

use latchkey_core::assurance::{Aal, Claims};
use latchkey_core::session::{IdentityProvider, SecondStep};
use latchkey_core::{Clock, Config, Persistence, Snapshot, StateView, SystemClock};
use serde_json::{json, Value};
use std::time::{Duration, UNIX_EPOCH};

pub async fn run(config: &Config, as_json: bool) -> i32 {
    let (handle, task) = match latchkey_host::build(config, None) {
        Ok(core) => core,
        Err(e) => return super::fail(&e),
    };
    tokio::spawn(task);
    let snapshot = handle.initialized().await;
    if as_json {
        let mut out = describe_json(&snapshot);
        out["version"] = json!(env!("CARGO_PKG_VERSION"));
        out["config"] = json!(config);
        println!("{}", serde_json::to_string_pretty(&out).expect("status serializes"));
    } else {
        println!("Session:  {}", describe(&snapshot.state, SystemClock.now_unix()));
        if let Some(others) = other_sessions(&snapshot) {
            println!("Others:   {others}");
        }
        if let StateView::SignedIn { persistence, .. } | StateView::Expired { persistence, .. } | StateView::NeedsSecondFactor { persistence, .. } = &snapshot.state {
            println!("Storage:  {}", storage(persistence));
        }
        if let Some(assurance) = assurance_text(&snapshot.state) {
            println!("Level:    {assurance}");
        }
        println!("Project:  {} ({:?})", config.supabase_url, config.project_source);
        println!("Data:     {}", config.data_dir.display());
    }
    super::exit::OK
}

pub(super) fn rfc3339(unix: i64) -> Value {
    json!(humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(unix.max(0) as u64)).to_string())
}

/// How a persistence is said to people: the insecure fallback is named as weaker.
pub fn storage(persistence: &Persistence) -> &'static str {
    match persistence {
        Persistence::Keychain => "keychain",
        Persistence::MemoryOnly => "memory only (lost when Latchkey quits)",
        Persistence::InsecureFile => "file (insecure fallback allowed by policy: the vault key is in a file, not the keychain)",
    }
}

/// The stable status object (docs/cli.md): `state` is `signed_in` | `expired` | `needs_second_factor` | `signed_out` |
/// `initializing`; in a session, `aal`, `next_aal`, `amr` and `claims` come from the verified access token.
pub fn describe_json(snapshot: &Snapshot) -> Value {
    let base = json!({ "seq": snapshot.seq, "user": null, "reason": null });
    let extra = match &snapshot.state {
        StateView::Initializing => json!({ "state": "initializing" }),
        StateView::SignedIn { user, identity_provider, access_expires_at, signed_in_at, persistence, freshness, deadline_at, next_refresh_at, .. } => json!({
            "state": "signed_in", "user": user, "identity_provider": identity_provider, "persistence": persistence, "storage": storage(persistence), "freshness": freshness,
            "signed_in_at": rfc3339(*signed_in_at), "access_expires_at": rfc3339(*access_expires_at),
            "next_refresh_at": rfc3339(*next_refresh_at), "deadline_at": rfc3339(*deadline_at),
        }),
        StateView::Expired { user, identity_provider, signed_in_at, persistence, deadline_at, next_retry_at, .. } => json!({
            "state": "expired", "user": user, "identity_provider": identity_provider, "persistence": persistence, "storage": storage(persistence), "signed_in_at": rfc3339(*signed_in_at),
            "next_retry_at": rfc3339(*next_retry_at), "deadline_at": rfc3339(*deadline_at),
        }),
        StateView::NeedsSecondFactor { user, signed_in_at, persistence, deadline_at, step, allowed_factors, .. } => json!({
            "state": "needs_second_factor", "user": user, "persistence": persistence, "storage": storage(persistence),
            "signed_in_at": rfc3339(*signed_in_at), "deadline_at": rfc3339(*deadline_at), "step": step, "allowed_factors": allowed_factors,
        }),
        StateView::SignedOut { reason } => json!({ "state": "signed_out", "reason": reason }),
    };
    let mut out = base;
    out.as_object_mut().expect("object").extend(extra.as_object().expect("object").clone());
    if let Some((claims, next_aal)) = assurance(&snapshot.state) {
        let aal = claims.map_or(Aal::Aal1, |c| c.aal);
        let amr = claims.map_or(json!([]), |c| json!(c.amr));
        out.as_object_mut().expect("object").extend([
            ("aal".into(), json!(aal)),
            ("next_aal".into(), json!(next_aal)),
            ("amr".into(), amr),
            ("claims".into(), json!(claims)),
        ]);
    }
    if let Some(p) = &snapshot.pending_sign_out {
        out["pending_sign_out"] = json!({ "scope": p.scope, "until": rfc3339(p.until), "attempt": p.attempt, "cause": p.cause,
            "other_sessions": "still signed in: the sign-out has not reached the server" });
    }
    out
}

/// The verified claims and the reachable level of a state in a session.
fn assurance(state: &StateView) -> Option<(Option<&Claims>, Aal)> {
    match state {
        StateView::SignedIn { claims, next_aal, .. } | StateView::Expired { claims, next_aal, .. } | StateView::NeedsSecondFactor { claims, next_aal, .. } => {
            Some((claims.as_ref(), *next_aal))
        }
        StateView::Initializing | StateView::SignedOut { .. } => None,
    }
}

/// "two-factor on, aal2 (password, totp)"
fn assurance_text(state: &StateView) -> Option<String> {
    let (claims, next_aal) = assurance(state)?;
    let two_factor = if next_aal == Aal::Aal2 { "on" } else { "off" };
    let aal = serde_json::to_value(claims.map_or(Aal::Aal1, |c| c.aal)).ok()?;
    let methods: Vec<&str> = claims.map(|c| c.amr.iter().map(|m| m.method.as_str()).collect()).unwrap_or_default();
    Some(format!("two-factor {two_factor}, {} ({})", aal.as_str()?, methods.join(", ")))
}

/// The other sessions, in words, while a sign-out of them waits for the server.
fn other_sessions(snapshot: &Snapshot) -> Option<String> {
    let p = snapshot.pending_sign_out.as_ref()?;
    let until = rfc3339(p.until);
    Some(format!(
        "still signed in: a {} sign-out has not reached the server ({}); Latchkey retries until {}",
        p.scope.as_str(),
        p.cause,
        until.as_str().unwrap_or("")
    ))
}

pub(super) fn describe(state: &StateView, now: i64) -> String {
    match state {
        StateView::Initializing => "starting".into(),
        StateView::SignedIn { user, identity_provider, access_expires_at, .. } => {
            let left = access_expires_at - now;
            let access = if left > 0 { format!("access token valid for {}m{}s", left / 60, left % 60) } else { "access token expired".into() };
            format!("signed in as {}{} ({access})", user.email, via(identity_provider.as_ref()))
        }
        StateView::Expired { user, .. } => format!("signed in as {}, access token expired, renewing", user.email),
        StateView::NeedsSecondFactor { user, step: SecondStep::Verify, .. } => {
            format!("signed in as {} with one factor; a second factor is needed (latchkey sign-in asks for its code)", user.email)
        }
        StateView::NeedsSecondFactor { user, step: SecondStep::Enrol, .. } => {
            format!("signed in as {} with one factor; your organization requires a second factor: set one up in the Latchkey window", user.email)
        }
        StateView::SignedOut { reason: Some(r) } => format!("signed out ({})", serde_json::to_value(r).unwrap_or_default().as_str().unwrap_or("?")),
        StateView::SignedOut { reason: None } => "signed out".into(),
    }
}

/// " with keycloak", " with single sign-on (corp.example)", or nothing.
fn via(provider: Option<&IdentityProvider>) -> String {
    match provider {
        Some(IdentityProvider::OAuth { provider }) => format!(" with {provider}"),
        Some(IdentityProvider::Sso { domain: Some(domain) }) => format!(" with single sign-on ({domain})"),
        Some(IdentityProvider::Sso { domain: None }) => " with single sign-on".into(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_core::session::{Freshness, User};

    fn signed_in() -> StateView {
        StateView::SignedIn {
            user: User { id: "u".into(), email: "a@b.c".into(), ..User::default() },
            identity_provider: None,
            access_expires_at: 1_000 + 125,
            signed_in_at: 1_000,
            persistence: Persistence::Keychain,
            freshness: Freshness::Fresh,
            deadline_at: 1_000 + 86_400,
            next_refresh_at: 1_060,
            claims: None,
            next_aal: Aal::Aal1,
        }
    }

    #[test]
    fn status_text_names_the_user_but_no_token() {
        assert_eq!(describe(&signed_in(), 1_000), "signed in as a@b.c (access token valid for 2m5s)");
        let mut state = signed_in();
        if let StateView::SignedIn { identity_provider, .. } = &mut state {
            *identity_provider = Some(IdentityProvider::Sso { domain: Some("corp.example".into()) });
        }
        assert_eq!(describe(&state, 1_000), "signed in as a@b.c with single sign-on (corp.example) (access token valid for 2m5s)");
        assert_eq!(describe_json(&Snapshot { seq: 1, state, pending_sign_out: None })["identity_provider"], serde_json::json!({"kind": "sso", "domain": "corp.example"}));
    }

    #[test]
    fn the_json_shape_is_stable() {
        let out = describe_json(&Snapshot::of(3, signed_in()));
        assert_eq!(out["state"], "signed_in");
        assert_eq!(out["user"]["email"], "a@b.c");
        assert_eq!(out["deadline_at"], "1970-01-02T00:16:40Z");
        assert_eq!(out["reason"], Value::Null);
        let out = describe_json(&Snapshot::of(4, StateView::SignedOut { reason: Some(latchkey_core::SignOutReason::Timeout) }));
        assert_eq!((out["state"].as_str(), out["reason"].as_str(), out["user"].is_null()), (Some("signed_out"), Some("timeout"), true));
    }
}
