//! Managed policy keys change what the real binary does against the real stack and keychain: sign-in methods,
//! session persistence, the session age limit, and an invalid policy that fails closed without touching the vault.
//! Shares the app's keychain service, so its tests run one at a time (tests/nextest.toml).

use crate::support;

use support::{data_dir, demo, json, latchkey, run, sign_in_with, vault_session, watch_until};
use latchkey_core::vault::FILE;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// Writes `policy` (JSON text) next to the data directory and returns its path.
fn policy_file(dir: &Path, policy: &str) -> PathBuf {
    let path = dir.with_extension("policy.json");
    std::fs::write(&path, policy).unwrap();
    path
}

/// The binary over `dir` with the machine policy replaced by `policy` (a debug-build override).
fn with_policy(dir: &Path, policy: &Path, args: &[&str]) -> Command {
    let mut cmd = latchkey(dir, args);
    cmd.env("LATCHKEY_POLICY_PATH", policy);
    cmd
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_managed_method_list_without_password_refuses_password_sign_in_and_stores_nothing() {
    let (email, password) = demo();
    let dir = data_dir("policy-methods");
    let policy = policy_file(&dir, r#"{"managed": {"allowed_sign_in_methods": ["magic_link", "email_otp"]}}"#);
    let out = sign_in_with(with_policy(&dir, &policy, &["sign-in", "--email", &email, "--password-stdin"]), &password);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("does not allow signing in with a password"), "{}", stderr(&out));
    assert!(!dir.join(FILE).exists(), "nothing was saved");
}

#[test]
fn memory_only_persistence_leaves_no_session_behind_after_the_process_ends() {
    let (email, password) = demo();
    let dir = data_dir("policy-memory");
    let policy = policy_file(&dir, r#"{"managed": {"session_persistence": "memory_only"}}"#);
    let out = sign_in_with(with_policy(&dir, &policy, &["sign-in", "--email", &email, "--password-stdin"]), &password);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json(&out)["persistence"], "memory_only", "the sign-in says where the session is kept");
    assert!(!dir.join(FILE).exists(), "no vault file");
    assert!(vault_session(&dir).is_none(), "nothing to restore");
    let status = json(&run(with_policy(&dir, &policy, &["status", "--json"])));
    assert_eq!(status["state"], "signed_out");
    assert_eq!(status["config"]["session_persistence"], "memory_only");
}

#[test]
fn a_managed_session_age_signs_out_at_the_deadline_and_wipes_the_vault() {
    let (email, password) = demo();
    let dir = data_dir("policy-age");
    let policy = policy_file(&dir, r#"{"managed": {"max_session_age": "4s"}}"#);
    let out = sign_in_with(with_policy(&dir, &policy, &["sign-in", "--email", &email, "--password-stdin"]), &password);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(vault_session(&dir).is_some(), "saved");

    let event = watch_until(with_policy(&dir, &policy, &["watch", "--json"]), Duration::from_secs(20), |e| e["event"] == "SIGNED_OUT");
    assert_eq!(event["reason"], "timeout", "{event}");
    assert!(!dir.join(FILE).exists(), "the vault is wiped at the deadline");
}

#[test]
fn an_invalid_policy_refuses_sign_in_and_leaves_a_saved_session_untouched() {
    let (email, password) = demo();
    let dir = data_dir("policy-invalid");
    let good = policy_file(&dir, r#"{"managed": {}}"#);
    let out = sign_in_with(with_policy(&dir, &good, &["sign-in", "--email", &email, "--password-stdin"]), &password);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let before = std::fs::read(dir.join(FILE)).unwrap();

    let bad = policy_file(&dir, r#"{"managed": {"max_session_age": "48h"}}"#);
    let report = json(&run(with_policy(&dir, &bad, &["policy", "--json"])));
    assert!(report["error"].as_str().unwrap().contains("48h"), "{report:#}");
    let doctor = run(with_policy(&dir, &bad, &["doctor", "--json"]));
    assert_eq!(doctor.status.code(), Some(1), "doctor reports the policy as a problem");
    let problems = json(&doctor)["problems"].to_string();
    assert!(problems.contains("policy:") && problems.contains("48h"), "{problems}");
    let status = json(&run(with_policy(&dir, &bad, &["status", "--json"])));
    assert_eq!((status["state"].as_str(), status["reason"].as_str()), (Some("signed_out"), Some("policy")), "{status:#}");
    let out = sign_in_with(with_policy(&dir, &bad, &["sign-in", "--email", &email, "--password-stdin"]), &password);
    assert_ne!(out.status.code(), Some(0), "no sign-in under an invalid policy");
    assert!(stderr(&out).contains("48h"), "the error names the problem: {}", stderr(&out));
    assert_eq!(std::fs::read(dir.join(FILE)).unwrap(), before, "the saved session is untouched");

    let fixed = policy_file(&dir, &json!({ "managed": {} }).to_string());
    assert_eq!(json(&run(with_policy(&dir, &fixed, &["status", "--json"])))["state"], "signed_in", "fixing the policy restores it");
    assert_eq!(run(with_policy(&dir, &fixed, &["sign-out"])).status.code(), Some(0));
}

#[test]
fn output_into_a_closed_pipe_ends_quietly_instead_of_panicking() {
    let dir = data_dir("policy-pipe");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader); // like `latchkey policy | head` once head has gone
    let out = latchkey(&dir, &["policy"]).stdout(writer).stderr(Stdio::piped()).output().unwrap();
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(13), "ended by SIGPIPE, as command-line tools are: {:?}", out.status);
}
