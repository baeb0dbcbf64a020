//! The admin CLI against the real stack and keychain: the audit log (fields, `--since`, policy turning it off or
//! moving it, never a token) and `latchkey reset` (wipes vault and keychain entry, ends the server session, keeps
//! the audit log; refuses without a terminal or `--yes`; waits its turn behind another process, then exits 75).
//! Shares the app's keychain service, so its tests run one at a time (tests/nextest.toml).

use crate::support;

use support::{data_dir, demo, json, latchkey, log_dir, run, vault_session};
use latchkey_core::vault::{FILE, KEY_ACCOUNT};
use latchkey_core::{KeyStore, KeyringStore, Session, VaultLock, APP_ID};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// `latchkey sign-in` with the password on standard input; the command may be given extra environment first.
fn sign_in_with(mut cmd: Command) -> Output {
    let (email, password) = demo();
    cmd.args(["sign-in", "--email", &email, "--password-stdin"]);
    let out = support::sign_in_with(cmd, &password);
    assert_eq!(out.status.code(), Some(0), "sign-in: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn sign_in(dir: &Path) -> Session {
    sign_in_with(latchkey(dir, &[]));
    vault_session(dir).expect("the vault holds the session")
}

/// The audit lines `latchkey audit export --json [extra]` prints.
fn export(dir: &Path, extra: &[&str]) -> Vec<Value> {
    let out = run(latchkey(dir, &[&["audit", "export", "--json"], extra].concat()));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).expect("one JSON object per line")).collect()
}

/// SHA-256 hex by coreutils, independent of the app's own hashing.
fn sha256(text: &str) -> String {
    let mut child = Command::new("sha256sum").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap().split_whitespace().next().unwrap().to_string()
}

/// Every byte in the files of a directory tree.
fn bytes_under(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(bytes_under(&path));
        } else {
            out.extend(std::fs::read(&path).unwrap());
        }
    }
    out
}

fn assert_no_secret(haystack: &[u8], session: &Session, what: &str) {
    let text = String::from_utf8_lossy(haystack);
    let session_id = session.session_id.as_deref().expect("GoTrue grants carry a session id");
    for (name, secret) in [("access token", session.access_token.expose()), ("refresh token", session.refresh_token.expose()), ("session id", session_id)] {
        assert!(!text.contains(secret), "{what} holds the {name}");
    }
    assert!(!text.contains("eyJ"), "{what} holds something JWT-like: {text}");
}

fn keychain_key_present() -> bool {
    KeyringStore::new(APP_ID).get(KEY_ACCOUNT).expect("the keychain answers").is_some()
}

#[test]
fn sign_in_and_out_are_audited_with_user_id_and_hashed_session_and_never_a_token() {
    let dir = data_dir("audit-fields");
    let mut traced = latchkey(&dir, &[]);
    traced.env("RUST_LOG", "trace"); // every crate at its most verbose
    let signed_in = sign_in_with(traced);
    let session = vault_session(&dir).expect("saved");
    assert_eq!(run(latchkey(&dir, &["sign-out"])).status.code(), Some(0));

    let lines = export(&dir, &[]);
    let events: Vec<&str> = lines.iter().map(|l| l["event"].as_str().unwrap()).collect();
    // sign-out is a new process: it loads the saved session (INITIAL_SESSION), ends it, then records what the server
    // said (SERVER_SIGN_OUT, detail "local: ended").
    assert_eq!(events, ["SIGNED_IN", "INITIAL_SESSION", "SIGNED_OUT", "SERVER_SIGN_OUT"], "{lines:#?}");
    assert_eq!(lines[3]["detail"], "local: ended");
    let expected_hash = sha256(session.session_id.as_deref().unwrap());
    for line in &lines {
        assert_eq!(line["user_id"], session.user.id.as_str());
        assert_eq!(line["session_hash"], expected_hash.as_str());
        assert_eq!(line["app_version"], env!("CARGO_PKG_VERSION"));
        assert!(line.get("email").is_none(), "no email unless policy allows it");
        assert!(line["time"].as_str().unwrap().ends_with('Z'), "UTC: {line}");
    }
    assert_eq!((lines[0]["reason"].clone(), lines[2]["reason"].as_str()), (Value::Null, Some("user")));

    let text = run(latchkey(&dir, &["audit", "export"]));
    assert!(String::from_utf8_lossy(&text.stdout).contains(&expected_hash[..12]));
    assert_no_secret(&bytes_under(&log_dir(&dir)), &session, "the log directory");
    assert_no_secret(&text.stdout, &session, "the text export");
    assert!(String::from_utf8_lossy(&signed_in.stderr).contains("TRACE"), "trace logging was on");
    assert_no_secret(&signed_in.stderr, &session, "sign-in's trace-level log");
}

#[test]
fn since_keeps_only_the_lines_at_or_after_a_time_or_within_a_duration() {
    let dir = data_dir("audit-since");
    sign_in(&dir);
    assert_eq!(run(latchkey(&dir, &["sign-out"])).status.code(), Some(0));
    let all = export(&dir, &[]);
    assert_eq!(all.len(), 4, "SIGNED_IN, then sign-out's INITIAL_SESSION, SIGNED_OUT and SERVER_SIGN_OUT");
    let sign_out_time = all[2]["time"].as_str().unwrap();
    assert!(all[0]["time"].as_str().unwrap() < sign_out_time);
    let later = export(&dir, &["--since", sign_out_time]);
    assert_eq!(later.last().unwrap()["event"], "SERVER_SIGN_OUT");
    assert!(later.iter().all(|l| l["event"] != "SIGNED_IN"), "{later:#?}");
    assert_eq!(export(&dir, &["--since", "1h"]).len(), 4);
    assert!(export(&dir, &["--since", "2999-01-01T00:00:00+02:00"]).is_empty());
    let bad = run(latchkey(&dir, &["audit", "export", "--since", "last tuesday"]));
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("RFC 3339"));
}

#[test]
fn policy_turns_the_audit_log_off_or_moves_it_and_may_add_the_email() {
    let (email, _) = demo();
    let dir = data_dir("audit-policy");
    let policy = dir.with_extension("policy.json");
    let with_policy = |args: &[&str]| {
        let mut cmd = latchkey(&dir, args);
        cmd.env("LATCHKEY_POLICY_PATH", &policy);
        cmd
    };
    std::fs::write(&policy, r#"{"managed": {"audit_log": {"enabled": false}}}"#).unwrap();
    sign_in_with(with_policy(&[]));
    assert_eq!(run(with_policy(&["sign-out"])).status.code(), Some(0));
    assert!(!log_dir(&dir).join("audit.jsonl").exists(), "nothing written while the policy turns it off");
    let out = run(with_policy(&["audit", "export", "--json"]));
    assert_eq!((out.status.code(), out.stdout.is_empty()), (Some(0), true));
    assert!(String::from_utf8_lossy(&out.stderr).contains("turned off"));

    let moved = dir.with_extension("audit");
    let managed = serde_json::json!({"managed": {"audit_log": {"path": moved, "include_email": true}}});
    std::fs::write(&policy, managed.to_string()).unwrap();
    sign_in_with(with_policy(&[]));
    assert_eq!(run(with_policy(&["sign-out"])).status.code(), Some(0));
    let written = std::fs::read_to_string(moved.join("audit.jsonl")).expect("the policy's directory holds the log");
    assert_eq!(written.lines().count(), 4, "SIGNED_IN, INITIAL_SESSION, SIGNED_OUT, SERVER_SIGN_OUT: {written}");
    assert!(written.lines().all(|l| serde_json::from_str::<Value>(l).unwrap()["email"] == email.as_str()), "{written}");
    assert!(!log_dir(&dir).join("audit.jsonl").exists());
}

#[test]
fn reset_yes_wipes_vault_keychain_and_settings_ends_the_server_session_and_keeps_the_audit_log() {
    let dir = data_dir("reset");
    let session = sign_in(&dir);
    assert!(keychain_key_present());
    std::fs::write(dir.join("settings.json"), "{}").unwrap();
    std::fs::write(dir.join(format!("{FILE}.quarantine-1")), "damaged copy").unwrap();

    let out = run(latchkey(&dir, &["reset", "--yes", "--json"]));
    let report = json(&out);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!((report["ok"].as_bool(), report["signed_out_user"].as_str()), (Some(true), Some(session.user.id.as_str())));
    assert_eq!((report["keychain"].as_str(), report["server_session"].as_str()), (Some("cleared"), Some("ended")));
    assert_eq!(report["deleted"].as_array().unwrap().len(), 3, "{report:#}");
    for name in [FILE, "settings.json", "session.vault.quarantine-1"] {
        assert!(!dir.join(name).exists(), "{name} survived the reset");
    }
    assert!(!keychain_key_present(), "the vault key is gone from the keychain");
    let lookup = Command::new("secret-tool").args(["lookup", "service", APP_ID, "username", KEY_ACCOUNT]).output().unwrap();
    // Exit 1 with both streams empty is secret-tool's "looked, no such item"; anything else is "could not look".
    assert_eq!((lookup.status.code(), lookup.stdout.is_empty(), lookup.stderr.is_empty()), (Some(1), true, true), "{lookup:?}");
    assert_eq!(json(&run(latchkey(&dir, &["status", "--json"])))["state"], "signed_out");

    let lines = export(&dir, &[]);
    let last = lines.last().unwrap();
    assert_eq!((last["event"].as_str(), last["reason"].as_str()), (Some("SIGNED_OUT"), Some("reset")));
    assert_eq!(last["user_id"], session.user.id.as_str());
    assert_eq!(report["audit_log_kept"].as_str(), Some(log_dir(&dir).to_str().unwrap()));

    // The server no longer honours the session's refresh token.
    let url = format!("{}/auth/v1/token?grant_type=refresh_token", std::env::var("LATCHKEY_SUPABASE_URL").unwrap());
    let body = serde_json::json!({ "refresh_token": session.refresh_token.expose() }).to_string();
    let anon = format!("apikey: {}", std::env::var("LATCHKEY_SUPABASE_ANON_KEY").unwrap());
    let reply = Command::new("curl").args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", &url, "-H", "content-type: application/json", "-H", &anon, "-d", &body]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&reply.stdout), "400", "the refresh token was revoked");
}

#[test]
fn reset_without_yes_and_without_a_terminal_refuses_and_deletes_nothing() {
    let dir = data_dir("reset-refused");
    sign_in(&dir);
    let out = run(latchkey(&dir, &["reset"]));
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("--yes") && said.contains("nothing was deleted"), "{said}");
    assert!(dir.join(FILE).exists() && keychain_key_present());
    assert_eq!(json(&run(latchkey(&dir, &["status", "--json"])))["state"], "signed_in");
    assert_eq!(run(latchkey(&dir, &["sign-out"])).status.code(), Some(0));
}

#[test]
fn reset_while_another_process_holds_the_vault_exits_75_and_deletes_nothing() {
    let dir = data_dir("reset-busy");
    sign_in(&dir);
    let held = VaultLock::acquire(&dir, Duration::ZERO).expect("the lock is free");
    let out = run(latchkey(&dir, &["reset", "--yes"]));
    assert_eq!(out.status.code(), Some(75), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("storage_busy"));
    assert!(dir.join(FILE).exists() && keychain_key_present());
    drop(held);
    assert_eq!(run(latchkey(&dir, &["sign-out"])).status.code(), Some(0));
}
