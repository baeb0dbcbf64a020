//! The core against the real Supabase Auth server (the local stack) and the real keychain: sign in, restore, sign out, errors.

use crate::support;

use latchkey_core::api::{AuthApi, GoTrue};
use latchkey_core::vault::{FILE, KEY_ACCOUNT};
use latchkey_core::api::LogoutScope;
use latchkey_core::{EventKind, SessionHandle, SessionStore, EngineRules, StateView, SystemClock};
use std::io::{Read, Write};
use latchkey_core::testing::Observed;
use support::env;

fn gotrue() -> GoTrue {
    GoTrue::new(&format!("{}/auth/v1", env("LATCHKEY_SUPABASE_URL")), &env("LATCHKEY_SUPABASE_ANON_KEY"), &latchkey_core::net::Network::default()).unwrap()
}

fn demo() -> (String, String) {
    (env("LATCHKEY_DEMO_EMAIL"), env("LATCHKEY_DEMO_PASSWORD"))
}

async fn boot<A: AuthApi>(api: A, test: &str) -> SessionHandle {
    let (handle, task) = latchkey_core::start(api, support::vault(test, &support::data_dir(test)), SystemClock, EngineRules::default());
    tokio::spawn(task);
    handle.initialized().await;
    handle
}

#[tokio::test]
async fn password_sign_in_is_sealed_in_the_vault_and_restored_by_a_fresh_core() {
    let (email, password) = demo();
    let dir = support::data_dir("restart");
    let (first, task) = latchkey_core::start(gotrue(), support::vault("restart", &dir), SystemClock, EngineRules::default());
    let running = tokio::spawn(task);
    first.initialized().await;
    let mut events = first.subscribe();
    first.sign_in_with_password(email.clone(), password).await.unwrap();
    assert_eq!(events.recv().await.unwrap().event, EventKind::SignedIn);
    drop((first, events));
    running.await.unwrap(); // the quit: the task ends with its last handle and releases the vault lock
    let saved = support::vault("restart", &dir).load().unwrap().expect("session saved");
    assert_eq!(saved.user.email, email);
    let leaks = support::files_containing(&dir, &[saved.access_token.expose(), saved.refresh_token.expose()]);
    assert!(leaks.is_empty(), "tokens in clear under the data dir: {leaks:?}");

    // The restart: a new core over the same vault, counting every request.
    let api = Observed::new(gotrue());
    let (second, task) = latchkey_core::start(api.clone(), support::vault("restart", &dir), SystemClock, EngineRules::default());
    api.engine.set(second.watch()).unwrap();
    let mut events = second.subscribe();
    tokio::spawn(task);
    let initial = events.recv().await.unwrap();
    assert_eq!((initial.seq, initial.event), (1, EventKind::InitialSession));
    assert!(matches!(&initial.state, StateView::SignedIn { user, .. } if user.email == email), "{:?}", initial.state);
    api.requested.notified().await; // the revocation check (GET /user) that follows INITIAL_SESSION
    let seqs = api.seq_at_request.lock().unwrap().clone();
    assert!(seqs.iter().all(|&seq| seq >= 1), "a request came before INITIAL_SESSION: {seqs:?}");
    second.sign_out(LogoutScope::Local).await.unwrap();
}

#[tokio::test]
async fn sign_out_removes_the_key_and_the_file_and_revokes_the_server_session() {
    let (email, password) = demo();
    let dir = support::data_dir("signout");
    let (core, task) = latchkey_core::start(gotrue(), support::vault("signout", &dir), SystemClock, EngineRules::default());
    tokio::spawn(task);
    core.initialized().await;
    core.sign_in_with_password(email, password).await.unwrap();
    let saved = latchkey_core::Vault::new(&dir, support::keyring("signout"), SystemClock, None).load().unwrap().unwrap();

    core.sign_out(LogoutScope::Local).await.unwrap();
    assert_eq!(support::secret_tool_lookup(&support::service("signout"), KEY_ACCOUNT), None, "keychain entry removed");
    assert!(!dir.join(FILE).exists(), "vault file removed");
    assert_eq!(
        serde_json::to_value(core.snapshot().state).unwrap(),
        serde_json::json!({"status":"signed_out","reason":"user"})
    );
    let err = gotrue().refresh_grant(&saved.refresh_token).await.unwrap_err();
    // GoTrue answers either code for a refresh token whose session /logout deleted (supabase-auth-server.md §1c).
    assert!(["refresh_token_not_found", "session_not_found"].contains(&err.code()), "not revoked: {err:?}");
}

#[tokio::test]
async fn a_wrong_password_is_invalid_credentials() {
    let (email, _) = demo();
    let core = boot(gotrue(), "wrongpw").await;
    let err = core.sign_in_with_password(email, "not-the-password".into()).await.unwrap_err();
    assert_eq!(err.code(), "invalid_credentials");
    assert_eq!(support::secret_tool_lookup(&support::service("wrongpw"), KEY_ACCOUNT), None);
}

#[tokio::test]
async fn an_unreachable_server_is_server_unreachable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port(); // closed once dropped
    let core = boot(GoTrue::new(&format!("http://127.0.0.1:{port}/auth/v1"), "k", &latchkey_core::net::Network::default()).unwrap(), "unreachable").await;
    let err = core.sign_in_with_password("a@b.c".into(), "pw".into()).await.unwrap_err();
    assert_eq!(err.code(), "server_unreachable");
    assert!(err.to_string().contains(&port.to_string()), "{err}");
}

#[tokio::test]
async fn a_malformed_reply_is_malformed_response_and_nothing_is_saved() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut buf = [0u8; 4096];
        let _ = conn.read(&mut buf);
        let body = "<html>captive portal</html>";
        let _ = write!(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    });
    let dir = support::data_dir("malformed");
    let (core, task) = latchkey_core::start(GoTrue::new(&format!("http://127.0.0.1:{port}/auth/v1"), "k", &latchkey_core::net::Network::default()).unwrap(), support::vault("malformed", &dir), SystemClock, EngineRules::default());
    tokio::spawn(task);
    core.initialized().await;
    let err = core.sign_in_with_password("a@b.c".into(), "pw".into()).await.unwrap_err();
    assert_eq!(err.code(), "malformed_response");
    assert!(!dir.join(FILE).exists());
    assert_eq!(support::secret_tool_lookup(&support::service("malformed"), KEY_ACCOUNT), None);
}

/// Serves canned replies on loopback: `/token` answers `token_body`, the JWKS is the real stack's.
fn canned_server(token_body: String, jwks_body: String) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten().take(8) {
            let mut conn = conn;
            let mut buf = vec![0u8; 16384];
            let n = conn.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).to_string();
            let body = if head.contains("jwks.json") { &jwks_body } else { &token_body };
            let _ = write!(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        }
    });
    port
}

#[tokio::test]
async fn a_token_whose_signature_does_not_verify_is_refused_and_nothing_is_stored() {
    let (email, password) = demo();
    let base = env("LATCHKEY_SUPABASE_URL");
    let http = reqwest::Client::new();
    let real: serde_json::Value = http
        .post(format!("{base}/auth/v1/token?grant_type=password"))
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send().await.unwrap().json().await.unwrap();
    let jwks = http.get(format!("{base}/auth/v1/.well-known/jwks.json")).send().await.unwrap().text().await.unwrap();
    let mut forged = real.clone();
    let token = real["access_token"].as_str().unwrap();
    let (head, sig) = token.rsplit_once('.').unwrap();
    let flipped = match sig.strip_prefix('A') {
        Some(rest) => format!("B{rest}"),
        None => format!("A{}", &sig[1..]),
    };
    forged["access_token"] = format!("{head}.{flipped}").into();
    let port = canned_server(forged.to_string(), jwks);

    let dir = support::data_dir("forged");
    let api = latchkey_core::verified::Verified::new(GoTrue::new(&format!("http://127.0.0.1:{port}/auth/v1"), "k", &latchkey_core::net::Network::default()).unwrap());
    let (core, task) = latchkey_core::start(api, support::vault("forged", &dir), SystemClock, EngineRules::default());
    tokio::spawn(task);
    core.initialized().await;
    let err = core.sign_in_with_password(email, password).await.unwrap_err();
    assert_eq!(err.code(), "malformed_response");
    assert!(err.to_string().contains("did not verify"), "{err}");
    assert!(!dir.join(FILE).exists(), "nothing stored");
    assert!(matches!(core.snapshot().state, StateView::SignedOut { .. }));
}
