//! `latchkey status`: reads the vault without writing it (so it works while the app runs), never prints a token.

pub use latchkey_host::status::{describe_json, rfc3339, storage};
use latchkey_core::assurance::Aal;
use latchkey_core::session::{IdentityProvider, SecondStep};
use latchkey_core::{Clock, Config, Snapshot, StateView, SystemClock};
use latchkey_host::status::assurance;
use serde_json::json;

pub async fn run(config: &Config, as_json: bool) -> i32 {
    if !config.has_project() {
        return no_project(config, as_json);
    }
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

/// A release build before anyone named a project: said plainly, exit 1.
fn no_project(config: &Config, as_json: bool) -> i32 {
    let message = latchkey_core::AuthError::NoProject.to_string();
    if as_json {
        let out = json!({ "state": "no_project", "project": null, "message": message, "version": env!("CARGO_PKG_VERSION"), "config": config });
        println!("{}", serde_json::to_string_pretty(&out).expect("status serializes"));
    } else {
        println!("Session:  none");
        println!("Project:  none configured ({message})");
        println!("Data:     {}", config.data_dir.display());
    }
    super::exit::FAILED
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
    use latchkey_core::testing::signed_in_view;

    #[test]
    fn status_text_names_the_user_but_no_token() {
        assert_eq!(describe(&signed_in_view(1_000), 1_000), "signed in as a@b.c (access token valid for 2m5s)");
        let mut state = signed_in_view(1_000);
        if let StateView::SignedIn { identity_provider, .. } = &mut state {
            *identity_provider = Some(IdentityProvider::Sso { domain: Some("corp.example".into()) });
        }
        assert_eq!(describe(&state, 1_000), "signed in as a@b.c with single sign-on (corp.example) (access token valid for 2m5s)");
        assert_eq!(describe_json(&Snapshot { seq: 1, state, pending_sign_out: None })["identity_provider"], serde_json::json!({"kind": "sso", "domain": "corp.example"}));
    }
}
