//! Headless subcommands for people and admins: they never start GTK and never print a token.

use latchkey_core::{keychain, Clock, Config, KeyringStore, StateView, SystemClock, APP_ID};
use serde_json::json;

pub enum Command {
    Status { json: bool },
    Version,
    Help,
}

const USAGE: &str = "usage: latchkey [status [--json] | --version | --help]\n       latchkey            open the window";

/// `None` means: open the window.
pub fn parse(args: &[String]) -> Option<Command> {
    let json = args.iter().any(|a| a == "--json");
    match args.first().map(String::as_str) {
        Some("status") => Some(Command::Status { json }),
        Some("--version" | "-V" | "version") => Some(Command::Version),
        Some("--help" | "-h" | "help") => Some(Command::Help),
        _ => None,
    }
}

/// Runs a subcommand and returns the process exit code.
pub fn run(command: Command) -> i32 {
    match command {
        Command::Version => println!("latchkey {}", env!("CARGO_PKG_VERSION")),
        Command::Help => println!("{USAGE}"),
        Command::Status { json } => return status(json),
    }
    0
}

fn status(as_json: bool) -> i32 {
    crate::init_logging();
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("latchkey: {e}");
            return 2;
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let snapshot = runtime.block_on(async {
        let (handle, task) = crate::build_core(&config);
        tokio::spawn(task);
        handle.initialized().await
    });
    let backend = keychain::probe(&KeyringStore::new(APP_ID, keychain::SESSION_ACCOUNT));
    if as_json {
        let out = json!({ "version": env!("CARGO_PKG_VERSION"), "seq": snapshot.seq, "state": snapshot.state, "config": config, "keychain": backend });
        println!("{}", serde_json::to_string_pretty(&out).expect("status serializes"));
    } else {
        println!("Session:  {}", describe(&snapshot.state, SystemClock.now_unix()));
        println!("Project:  {} ({:?})", config.supabase_url, config.project_source);
        println!("Keychain: {} ({})", backend.backend, if backend.available { "available" } else { &backend.detail });
        println!("Data:     {}", config.data_dir.display());
    }
    0
}

fn describe(state: &StateView, now: i64) -> String {
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

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn subcommands_are_recognised_and_anything_else_opens_the_window() {
        assert!(matches!(parse(&args(&["status", "--json"])), Some(Command::Status { json: true })));
        assert!(matches!(parse(&args(&["status"])), Some(Command::Status { json: false })));
        assert!(matches!(parse(&args(&["--version"])), Some(Command::Version)));
        assert!(parse(&args(&[])).is_none());
        assert!(parse(&args(&["latchkey://callback?code=x"])).is_none());
    }

    #[test]
    fn status_text_names_the_user_but_no_token() {
        let state = StateView::SignedIn {
            user: latchkey_core::session::User { id: "u".into(), email: "a@b.c".into() },
            access_expires_at: 1_000 + 125,
            signed_in_at: 1_000,
        };
        assert_eq!(describe(&state, 1_000), "signed in as a@b.c (access token valid for 2m5s)");
    }
}
