//! `latchkey`, the command line for people, scripts and admins: a binary without GTK or WebKit that never prints a
//! token. Without a subcommand (or with `open`, or a `latchkey://` link) it starts the window's binary, which raises
//! the running window if there is one.

mod audit;
mod browser;
mod doctor;
mod reset;
mod session;
mod status;

use clap::{Parser, Subcommand};
use latchkey_core::{AuthError, Config};

/// Exit codes every subcommand shares (documented in docs/cli.md).
pub mod exit {
    pub const OK: i32 = 0;
    /// The command ran and found a problem (or the server refused it).
    pub const FAILED: i32 = 1;
    /// Bad arguments or an unreadable configuration.
    pub const USAGE: i32 = 2;
    /// Signed out here, but a `global` or `others` sign-out did not reach the server: the other sessions are still
    /// signed in; the next Latchkey process that holds the vault (the app, `watch`, `sign-out` again) retries it.
    pub const SIGN_OUT_PENDING: i32 = 3;
    /// Another Latchkey process holds the vault (EX_TEMPFAIL): try again when it has finished.
    pub const BUSY: i32 = 75;
}

/// The window's binary, installed beside this one.
const WINDOW_BINARY: &str = if cfg!(windows) { "latchkey-desktop.exe" } else { "latchkey-desktop" };

#[derive(Parser)]
#[command(name = "latchkey", version, about = "Keeps you signed in to Supabase. Without a subcommand, opens the window.")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Starts the window, or brings the running one forward (the same as no subcommand).
    Open {
        /// Passed to the window (a `latchkey://` link, for instance).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// The session state, the project and the keychain backend.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Self-tests: keychain canary, vault, server reachability, JWKS, clock skew.
    Doctor {
        #[arg(long)]
        json: bool,
    },
    /// Signs in and saves the session: with e-mail and password (read from standard input; when the account has a
    /// second factor, its code is the next line, asked for on standard error), or in the system browser with an OAuth
    /// provider (--provider) or single sign-on (--sso), waiting for it to come back (docs/cli.md).
    SignIn {
        #[arg(long, requires = "password_stdin", required_unless_present_any = ["provider", "sso"], conflicts_with_all = ["provider", "sso"])]
        email: Option<String>,
        /// Read the password from standard input (required with --email: passwords never go in arguments); on a
        /// terminal it is asked for at a prompt and not echoed.
        #[arg(long, requires = "email")]
        password_stdin: bool,
        /// An OAuth provider as the project names it (keycloak, azure, google, …).
        #[arg(long, conflicts_with = "sso")]
        provider: Option<String>,
        /// Scopes to ask the provider for, besides the project's (space- or comma-separated).
        #[arg(long, requires = "provider", conflicts_with = "sso")]
        scopes: Option<String>,
        /// An extra query parameter for the provider, NAME=VALUE (e.g. prompt=login); repeatable.
        #[arg(long = "param", value_name = "NAME=VALUE", requires = "provider", conflicts_with = "sso", value_parser = name_value)]
        params: Vec<(String, String)>,
        /// SAML single sign-on for a work e-mail or its domain; without a value, the provider or domain policy names.
        #[arg(long, value_name = "EMAIL_OR_DOMAIN", num_args = 0..=1, default_missing_value = "")]
        sso: Option<String>,
    },
    /// Completes a saved session that waits for its second factor: the code is read from standard input.
    SecondFactor,
    /// Signs out: clears the vault, then ends the server session(s).
    SignOut {
        /// local (this device), global (everywhere) or others (other devices).
        #[arg(long, default_value = "local")]
        scope: String,
    },
    /// Runs the session engine headless and prints every auth event as one JSON line.
    Watch {
        /// JSON lines (the only format).
        #[arg(long)]
        json: bool,
    },
    /// Every effective setting with its source (managed policy, environment, user, recommended, default).
    Policy {
        #[arg(long)]
        json: bool,
    },
    /// The audit log of auth state changes (never a token).
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// For shared machines: wipes this user's session, vault key, settings and caches; keeps the audit log.
    Reset {
        /// Do not ask for confirmation (required without a terminal).
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Prints the audit log, oldest first, across rotated files.
    Export {
        /// Only lines at or after this time: RFC 3339 (2025-06-01T00:00:00Z) or a duration back from now (24h, 7d).
        #[arg(long)]
        since: Option<String>,
        /// One JSON object per line, as stored.
        #[arg(long)]
        json: bool,
    },
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    restore_default_sigpipe();
    std::process::exit(match parse(&args) {
        None => open_window(&args),
        Some(parsed) => run(parsed),
    })
}

/// The window's own flags: a start hidden in the tray (`--background`), by the autostart entry (`--login`).
const WINDOW_FLAGS: [&str; 2] = ["--background", "--login"];

/// `None` means: open the window (no arguments, a `latchkey://` link handed over by the OS, or only the window's own
/// flags: a start hidden in the tray).
fn parse(args: &[String]) -> Option<Result<Cli, clap::Error>> {
    let first = args.first()?;
    (!first.contains("://") && !args.iter().all(|a| WINDOW_FLAGS.contains(&a.as_str()))).then(|| Cli::try_parse_from(std::iter::once("latchkey".to_string()).chain(args.iter().cloned())))
}

/// Runs a parsed command line and returns the process exit code.
fn run(parsed: Result<Cli, clap::Error>) -> i32 {
    let cli = match parsed {
        Ok(Cli { command: Command::Open { args } }) => return open_window(&args),
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { exit::USAGE } else { exit::OK };
        }
    };
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("latchkey: {e}");
            return exit::USAGE;
        }
    };
    latchkey_host::init_logging(&config, latchkey_host::Sink::Stderr);
    latchkey_core::config::apply_environment_locks(&config); // before any other thread (no TLS client exists yet)
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    runtime.block_on(async {
        match cli.command {
            Command::Open { .. } => unreachable!("handled above"),
            Command::Status { json } => status::run(&config, json).await,
            Command::Doctor { json } => doctor::run(&config, json).await,
            Command::SignIn { email: Some(email), .. } => session::sign_in(&config, email).await,
            Command::SignIn { provider: Some(provider), scopes, params, .. } => {
                browser::oauth(&config, provider, scopes.as_deref(), params).await
            }
            Command::SignIn { sso, .. } => browser::sso(&config, sso.as_deref().unwrap_or_default()).await,
            Command::SecondFactor => session::complete(&config).await,
            Command::SignOut { scope } => session::sign_out(&config, Some(scope)).await,
            Command::Watch { .. } => session::watch(&config).await,
            Command::Policy { json } => policy(&config, json),
            Command::Audit { command: AuditCommand::Export { since, json } } => audit::export(&config, since.as_deref(), json),
            Command::Reset { yes, json } => reset::run(&config, yes, json).await,
        }
    })
}

/// Starts the window's binary (beside this one; else the one on `PATH`) with `args`: the running window, if any, is
/// raised and gets them. On Unix this process becomes the window.
fn open_window(args: &[String]) -> i32 {
    let beside = std::env::current_exe().ok().and_then(|exe| Some(exe.parent()?.join(WINDOW_BINARY)));
    let binary = beside.filter(|path| path.exists()).unwrap_or_else(|| WINDOW_BINARY.into());
    let mut window = std::process::Command::new(&binary);
    window.args(args);
    #[cfg(unix)]
    let error = std::os::unix::process::CommandExt::exec(&mut window);
    #[cfg(not(unix))]
    let error = match window.spawn() {
        Ok(_) => return exit::OK,
        Err(e) => e,
    };
    eprintln!("latchkey: could not start the window ({}): {error}", binary.display());
    exit::FAILED
}

/// `latchkey status | head` must end quietly when the reader goes away, as command-line tools do, instead of
/// panicking in `println!` (Rust ignores SIGPIPE by default).
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called once, before any other thread exists; SIG_DFL is a valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// `NAME=VALUE`, split at the first `=`.
fn name_value(arg: &str) -> Result<(String, String), String> {
    match arg.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(format!("{arg:?} is not NAME=VALUE")),
    }
}

/// A policy error is exit 1: the app refuses to run a session under a broken policy.
fn policy(config: &Config, as_json: bool) -> i32 {
    if as_json {
        let report = latchkey_core::config::policy_report(config);
        println!("{}", serde_json::to_string_pretty(&report).expect("report serializes"));
    } else {
        print!("{}", latchkey_core::config::policy_report_text(config));
    }
    if config.policy_error.is_some() { exit::FAILED } else { exit::OK }
}

/// Prints an error as `{ "code", "message" }` on stderr and maps it to an exit code.
fn fail(e: &AuthError) -> i32 {
    eprintln!("{}", serde_json::to_string(e).expect("errors serialize"));
    if matches!(e, AuthError::StorageBusy) { exit::BUSY } else { exit::FAILED }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_args(list: &[&str]) -> Option<Result<Cli, clap::Error>> {
        parse(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn no_arguments_a_link_or_open_start_the_window() {
        assert!(parse_args(&[]).is_none());
        assert!(parse_args(&["latchkey://callback?code=x"]).is_none());
        let Some(Ok(Cli { command: Command::Open { args } })) = parse_args(&["open", "--background", "x"]) else { panic!("open parses") };
        assert_eq!(args, ["--background", "x"], "open passes everything after it to the window");
    }

    #[test]
    fn subcommands_parse_and_unknown_words_are_usage_errors() {
        assert!(matches!(parse_args(&["status", "--json"]), Some(Ok(Cli { command: Command::Status { json: true } }))));
        assert!(matches!(parse_args(&["policy"]), Some(Ok(Cli { command: Command::Policy { json: false } }))));
        assert!(parse_args(&["sign-in", "--email", "a@b.c"]).unwrap().is_err(), "--password-stdin is required");
        assert!(parse_args(&["sign-in"]).unwrap().is_err(), "a way to sign in is required");
        assert!(parse_args(&["sign-in", "--email", "a@b.c", "--password-stdin", "--provider", "x"]).unwrap().is_err());
        assert!(parse_args(&["sign-in", "--provider", "x", "--sso"]).unwrap().is_err(), "one browser sign-in at a time");
        assert!(parse_args(&["sign-in", "--sso", "a@b.c", "--param", "prompt=login"]).unwrap().is_err(), "--param is for --provider");
        assert!(parse_args(&["sign-in", "--provider", "x", "--param", "=login"]).unwrap().is_err());
        let Some(Ok(Cli { command: Command::SignIn { provider, scopes, params, .. } })) =
            parse_args(&["sign-in", "--provider", "keycloak", "--scopes", "openid phone", "--param", "prompt=login", "--param", "a=b=c"])
        else {
            panic!("--provider with options parses")
        };
        assert_eq!((provider.as_deref(), scopes.as_deref()), (Some("keycloak"), Some("openid phone")));
        assert_eq!(params, [("prompt".to_string(), "login".to_string()), ("a".to_string(), "b=c".to_string())]);
        for (args, want) in [(&["sign-in", "--sso"][..], Some("")), (&["sign-in", "--sso", "alice@corp.example"][..], Some("alice@corp.example"))] {
            let Some(Ok(Cli { command: Command::SignIn { sso, .. } })) = parse_args(args) else { panic!("{args:?}") };
            assert_eq!(sso.as_deref(), want);
        }
        assert!(parse_args(&["frobnicate"]).unwrap().is_err());
        assert!(matches!(
            parse_args(&["audit", "export", "--since", "24h", "--json"]),
            Some(Ok(Cli { command: Command::Audit { command: AuditCommand::Export { json: true, .. } } }))
        ));
        assert!(parse_args(&["audit"]).unwrap().is_err(), "audit needs a subcommand");
        assert!(matches!(parse_args(&["reset", "--yes"]), Some(Ok(Cli { command: Command::Reset { yes: true, json: false } }))));
    }
}
