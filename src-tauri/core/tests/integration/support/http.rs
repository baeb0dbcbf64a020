//! Raw HTTP against the real local GoTrue (scripts/stack), nothing of Latchkey's own: each reply is kept whole
//! (status, headers, JSON body) so the tests can name exactly what the server said.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run through scripts/test, which starts the local stack"))
}

/// One answer from GoTrue.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The body, after checking the status (the message names the call and shows the whole body otherwise).
    #[track_caller]
    pub fn ok(self, status: u16, what: &str) -> Value {
        assert_eq!(self.status, status, "{what}: {}", self.body);
        self.body
    }

    /// Asserts an error answer: HTTP status, `error_code` in the body and the `x-sb-error-code` header. Returns `msg`.
    #[track_caller]
    pub fn error(&self, status: u16, code: &str, what: &str) -> String {
        assert_eq!((self.status, self.body["error_code"].as_str()), (status, Some(code)), "{what}: {}", self.body);
        assert_eq!(self.header("x-sb-error-code"), Some(code), "{what}: the error-code header");
        self.body["msg"].as_str().unwrap_or_default().to_string()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// `METHOD $LATCHKEY_SUPABASE_URL/auth/v1{path}` with the anon key, an optional bearer token, JSON body and headers.
pub async fn call(method: Method, path: &str, token: Option<&str>, body: Option<Value>, headers: &[(&str, &str)]) -> Reply {
    // A client per call: a client (and its pooled connections) must not outlive the test's own runtime.
    let mut request = reqwest::Client::new()
        .request(method, format!("{}/auth/v1{path}", env("LATCHKEY_SUPABASE_URL")))
        .header("apikey", env("LATCHKEY_SUPABASE_ANON_KEY"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let reply = request.send().await.expect("the stack answers");
    let (status, headers) = (reply.status().as_u16(), reply.headers().clone());
    let bytes = reply.bytes().await.unwrap();
    let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).expect("GoTrue answers JSON") };
    Reply { status, headers, body }
}

pub async fn post(path: &str, token: Option<&str>, body: Value) -> Reply {
    call(Method::POST, path, token, Some(body), &[]).await
}

pub async fn get(path: &str, token: &str) -> Reply {
    call(Method::GET, path, Some(token), None, &[]).await
}

pub async fn put(path: &str, token: &str, body: Value) -> Reply {
    call(Method::PUT, path, Some(token), Some(body), &[]).await
}

pub async fn delete(path: &str, token: &str) -> Reply {
    call(Method::DELETE, path, Some(token), None, &[]).await
}

/// Different on every call, in this process and across runs.
pub fn unique() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{}-{nanos}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst))
}

/// A fictional number of its own (+1 555 then 8 digits: the time's microseconds and this process), so no two tests
/// or runs share a phone, its user or its SMS lines.
pub fn unique_phone() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let micros = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros() % 100_000;
    let process = (std::process::id() + COUNTER.fetch_add(1, Ordering::SeqCst)) % 1000;
    format!("+1555{micros:05}{process:03}")
}

/// A confirmed e-mail user made with the admin API: (id, email, password).
pub async fn new_user(tag: &str) -> (String, String, String) {
    let email = format!("mfa-{tag}-{}@example.com", unique());
    let password = format!("mfa-{tag}-Pa55word");
    let admin = env("LATCHKEY_STACK_SERVICE_ROLE_KEY");
    let user = post("/admin/users", Some(&admin), json!({ "email": email, "password": password, "email_confirm": true }))
        .await
        .ok(200, "admin create user");
    (user["id"].as_str().unwrap().to_string(), email, password)
}

/// `POST /token?grant_type=password`: the whole token response.
pub async fn sign_in(email: &str, password: &str) -> Value {
    post("/token?grant_type=password", None, json!({ "email": email, "password": password })).await.ok(200, "password sign-in")
}

pub async fn refresh(refresh_token: &str) -> Reply {
    post("/token?grant_type=refresh_token", None, json!({ "refresh_token": refresh_token })).await
}

pub fn access(session: &Value) -> &str {
    session["access_token"].as_str().expect("an access_token")
}

pub fn refresh_token(session: &Value) -> &str {
    session["refresh_token"].as_str().expect("a refresh_token")
}

/// The access token's claims, read without checking the signature (the server under test issued it; the app
/// verifies tokens, these tests only look at what the server put in them).
pub fn claims(session: &Value) -> Value {
    let payload = access(session).split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// The `amr` methods, sorted by name. GoTrue sorts `amr` by timestamp in whole seconds, newest first, with no
/// stable order for entries of the same second (a password and a TOTP within one second come either way).
pub fn amr_methods(session: &Value) -> Vec<String> {
    let mut methods: Vec<String> =
        claims(session)["amr"].as_array().unwrap().iter().map(|e| e["method"].as_str().unwrap().to_string()).collect();
    methods.sort();
    methods
}

/// The current code of a TOTP secret (base32, as `POST /factors` returns it), computed with totp-rs.
pub fn totp_code(secret: &str) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret).expect("a base32 secret");
    totp_rs::Builder::new().with_secret(secret).build().expect("a TOTP").generate_current().to_string()
}

/// The user's `factors` from `GET /user` (GoTrue leaves the key out when there are none).
pub async fn factors(token: &str) -> Vec<Value> {
    let user = get("/user", token).await.ok(200, "GET /user");
    user["factors"].as_array().cloned().unwrap_or_default()
}

/// `POST /factors` for a TOTP factor: the enrolment answer.
pub async fn enrol_totp(token: &str, name: &str) -> Value {
    post("/factors", Some(token), json!({ "factor_type": "totp", "friendly_name": name, "issuer": "Latchkey" }))
        .await
        .ok(200, "enrol a TOTP factor")
}

pub async fn challenge(token: &str, factor_id: &str) -> Reply {
    post(&format!("/factors/{factor_id}/challenge"), Some(token), json!({})).await
}

pub async fn verify(token: &str, factor_id: &str, challenge_id: &str, code: &str) -> Reply {
    post(&format!("/factors/{factor_id}/verify"), Some(token), json!({ "challenge_id": challenge_id, "code": code })).await
}

/// A user with a verified TOTP factor: (email, password, factor id, TOTP secret, the aal2 session).
pub async fn user_with_totp(tag: &str) -> (String, String, String, String, Value) {
    let (_, email, password) = new_user(tag).await;
    let session = sign_in(&email, &password).await;
    let factor = enrol_totp(access(&session), "Authenticator").await;
    let (id, secret) = (factor["id"].as_str().unwrap().to_string(), factor["totp"]["secret"].as_str().unwrap().to_string());
    let aal2 = step_up(&session, &id, &secret).await;
    (email, password, id, secret, aal2)
}

/// Challenge + verify with the current code: the aal2 token response.
pub async fn step_up(session: &Value, factor_id: &str, secret: &str) -> Value {
    let c = challenge(access(session), factor_id).await.ok(200, "challenge");
    verify(access(session), factor_id, c["id"].as_str().unwrap(), &totp_code(secret)).await.ok(200, "verify")
}

/// Runs SQL on the stack's database as GoTrue's own role; `vars` become psql variables (`:'name'` in the query).
pub fn sql(query: &str, vars: &[(&str, &str)]) -> String {
    let mut args = vec![env("LATCHKEY_STACK_DATABASE_URL"), "-Atq".into(), "-v".into(), "ON_ERROR_STOP=1".into()];
    for (name, value) in vars {
        args.extend(["-v".into(), format!("{name}={value}")]);
    }
    let mut psql = Command::new("psql")
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("psql (the stack's PostgreSQL client) runs");
    psql.stdin.take().unwrap().write_all(format!("{query};\n").as_bytes()).unwrap();
    let out = psql.wait_with_output().unwrap();
    assert!(out.status.success(), "psql failed on: {query}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Every message the stack's Send SMS hook receiver recorded for `phone` (E.164 with or without '+'), oldest first.
/// The receiver writes before it answers GoTrue, so a message is here once the call that sent it has returned.
pub fn texts_to(phone: &str) -> Vec<Value> {
    let digits = phone.trim_start_matches('+');
    let file = env("LATCHKEY_STACK_SMS_FILE");
    let all = match std::fs::read_to_string(&file) {
        Ok(all) => all,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(), // nothing was ever texted
        Err(e) => panic!("could not read {file}: {e}"),
    };
    all.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()).filter(|m| m["phone"] == digits).collect()
}
