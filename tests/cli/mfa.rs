//! `latchkey sign-in` with a second factor and `latchkey second-factor`, the real binary against the real stack and
//! keychain: the code is the next line of standard input (codes from totp-rs), and status reports aal, next_aal, amr
//! and the claims.

use crate::support::{data_dir, json, latchkey, run};
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Output, Stdio};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} not set: run through scripts/test"))
}

/// `POST|GET <auth>/path` with the anon key and an optional bearer token: the JSON answer, which must be 200.
fn call(method: reqwest::Method, path: &str, bearer: Option<&str>, body: Value) -> Value {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut request = reqwest::Client::new()
            .request(method, format!("{}/auth/v1{path}", env("LATCHKEY_SUPABASE_URL")))
            .header("apikey", env("LATCHKEY_SUPABASE_ANON_KEY"))
            .json(&body);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        let reply = request.send().await.unwrap();
        assert_eq!(reply.status(), 200, "{path}");
        reply.json().await.unwrap()
    })
}

fn code(secret: &str) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret).unwrap();
    totp_rs::Builder::new().with_secret(secret).build().unwrap().generate_current().to_string()
}

/// A new user with a verified TOTP factor, made over plain HTTP: (email, password, secret).
fn user_with_totp() -> (String, String, String) {
    let (email, password) = (format!("cli-mfa-{}-{}@example.com", std::process::id(), rand_suffix()), "cli-mfa-Pa55word".to_string());
    let admin = env("LATCHKEY_STACK_SERVICE_ROLE_KEY");
    call(reqwest::Method::POST, "/admin/users", Some(&admin), json!({ "email": email, "password": password, "email_confirm": true }));
    let session = call(reqwest::Method::POST, "/token?grant_type=password", None, json!({ "email": email, "password": password }));
    let token = session["access_token"].as_str().unwrap();
    let factor = call(reqwest::Method::POST, "/factors", Some(token), json!({ "factor_type": "totp", "friendly_name": "CLI app", "issuer": "Latchkey" }));
    let (id, secret) = (factor["id"].as_str().unwrap(), factor["totp"]["secret"].as_str().unwrap().to_string());
    let challenge = call(reqwest::Method::POST, &format!("/factors/{id}/challenge"), Some(token), json!({}));
    call(reqwest::Method::POST, &format!("/factors/{id}/verify"), Some(token), json!({ "challenge_id": challenge["id"], "code": code(&secret) }));
    (email, password, secret)
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

/// Runs `latchkey <args>` over `dir` with `lines` on standard input.
fn with_stdin(dir: &std::path::Path, args: &[&str], lines: &[&str]) -> Output {
    let mut child = latchkey(dir, args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for line in lines {
        writeln!(stdin, "{line}").unwrap();
    }
    drop(stdin);
    child.wait_with_output().unwrap()
}

fn methods(status: &Value) -> Vec<String> {
    let mut m: Vec<String> = status["amr"].as_array().unwrap().iter().map(|e| e["method"].as_str().unwrap().to_string()).collect();
    m.sort();
    m
}

#[test]
fn sign_in_asks_for_the_code_and_a_wrong_one_leaves_the_session_for_second_factor_to_complete() {
    let dir = data_dir("mfa");
    let (email, password, secret) = user_with_totp();

    let out = with_stdin(&dir, &["sign-in", "--email", &email, "--password-stdin"], &[&password, &code(&secret)]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("enter the code from your authenticator (CLI app)"));
    let signed_in = json(&out);
    assert_eq!((signed_in["state"].as_str(), signed_in["aal"].as_str(), signed_in["next_aal"].as_str()), (Some("signed_in"), Some("aal2"), Some("aal2")));
    assert_eq!(methods(&signed_in), ["password", "totp"]);
    let status = json(&run(latchkey(&dir, &["status", "--json"])));
    assert_eq!((status["aal"].as_str(), status["claims"]["role"].as_str()), (Some("aal2"), Some("authenticated")));
    assert!(status["claims"]["session_id"].is_string() && status["claims"]["exp"].is_number(), "{status:#}");
    let shown = serde_json::to_string(&status).unwrap();
    assert!(!shown.contains("access_token") && !shown.contains("refresh_token") && !shown.contains(&secret), "{shown}");
    assert_eq!(run(latchkey(&dir, &["sign-out"])).status.code(), Some(0));

    let out = with_stdin(&dir, &["sign-in", "--email", &email, "--password-stdin"], &[&password, "000000"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mfa_verification_failed"), "{}", String::from_utf8_lossy(&out.stderr));
    let waiting = json(&run(latchkey(&dir, &["status", "--json"])));
    assert_eq!((waiting["state"].as_str(), waiting["aal"].as_str(), waiting["next_aal"].as_str()), (Some("needs_second_factor"), Some("aal1"), Some("aal2")));

    let out = with_stdin(&dir, &["second-factor"], &[&code(&secret)]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json(&out)["aal"], "aal2");
    assert_eq!(run(latchkey(&dir, &["sign-out"])).status.code(), Some(0));
}
