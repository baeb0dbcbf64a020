//! `latchkey status`: reads the vault without writing it (so it works while the app runs), never prints a token.

use latchkey_core::{Clock, Config, StateView, SystemClock};
use serde_json::json;

pub async fn run(config: &Config, as_json: bool) -> i32 {
    let (handle, task) = crate::build_core(config, None);
    tokio::spawn(task);
    let snapshot = handle.initialized().await;
    if as_json {
        let out = json!({ "version": env!("CARGO_PKG_VERSION"), "seq": snapshot.seq, "state": snapshot.state, "config": config });
        println!("{}", serde_json::to_string_pretty(&out).expect("status serializes"));
    } else {
        println!("Session:  {}", describe(&snapshot.state, SystemClock.now_unix()));
        println!("Project:  {} ({:?})", config.supabase_url, config.project_source);
        println!("Data:     {}", config.data_dir.display());
    }
    super::exit::OK
}

pub(super) fn describe(state: &StateView, now: i64) -> String {
    match state {
        StateView::Initializing => "starting".into(),
        StateView::SignedIn { user, access_expires_at, .. } => {
            let left = access_expires_at - now;
            let access = if left > 0 { format!("access token valid for {}m{}s", left / 60, left % 60) } else { "access token expired".into() };
            format!("signed in as {} ({access})", user.email)
        }
        StateView::SignedOut { reason: Some(r) } => format!("signed out ({})", serde_json::to_value(r).unwrap_or_default().as_str().unwrap_or("?")),
        StateView::SignedOut { reason: None } => "signed out".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_core::Persistence;

    #[test]
    fn status_text_names_the_user_but_no_token() {
        let state = StateView::SignedIn {
            user: latchkey_core::session::User { id: "u".into(), email: "a@b.c".into() },
            access_expires_at: 1_000 + 125,
            signed_in_at: 1_000,
            persistence: Persistence::Keychain,
        };
        assert_eq!(describe(&state, 1_000), "signed in as a@b.c (access token valid for 2m5s)");
    }
}
