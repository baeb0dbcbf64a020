//! The e-mail, PKCE, recovery, user and JWT-verification flows against the real local Supabase Auth stack (no fakes).

use latchkey_core::api::{AuthApi, GoTrue, Grant, LogoutScope, OtpKind, SignUp, UserChange};
use latchkey_core::jwt::{JwtVerifier, VerifiedBy, VerifyOptions};
use latchkey_core::pkce::{FlowKind, PkceFlow};
use latchkey_core::secret::AccessToken;
use latchkey_core::testing::Observed;
use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run through scripts/test, which starts the local stack"))
}

fn auth_url() -> String {
    format!("{}/auth/v1", env("LATCHKEY_SUPABASE_URL"))
}

fn gotrue() -> GoTrue {
    GoTrue::new(&auth_url(), &env("LATCHKEY_SUPABASE_ANON_KEY"), &latchkey_core::net::Network::default()).unwrap()
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A fresh address per test and run, so reruns never collide.
fn email(test: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos();
    format!("flows-{test}-{}-{nanos}@example.com", std::process::id())
}

const PASSWORD: &str = "flows-Pa55word!";

/// `POST /admin/generate_link` with the service-role key: the e-mail GoTrue would have sent (it sends none).
async fn generate_link(kind: &str, email: &str) -> Value {
    let reply = reqwest::Client::new()
        .post(format!("{}/admin/generate_link", auth_url()))
        .bearer_auth(env("LATCHKEY_STACK_SERVICE_ROLE_KEY"))
        .header("apikey", env("LATCHKEY_SUPABASE_ANON_KEY"))
        .json(&json!({ "type": kind, "email": email }))
        .send()
        .await
        .unwrap();
    assert!(reply.status().is_success(), "generate_link {kind}: {}", reply.status());
    reply.json().await.unwrap()
}

/// The `pkce_…` token hash of the magic link `/otp` e-mailed: the stack has no SMTP, so this reads the mailbox's
/// source of truth, the user's row. (`generate_link` can't make PKCE links: it takes no code challenge.)
fn mailed_magic_link_token(email: &str) -> String {
    use std::io::Write;
    let mut psql = std::process::Command::new("psql")
        .args([&env("LATCHKEY_STACK_DATABASE_URL"), "-Atq", "-v", &format!("email={email}")])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("psql (the stack's PostgreSQL client) runs");
    psql.stdin.take().unwrap().write_all(b"select recovery_token from auth.users where email = :'email';\n").unwrap();
    let out = psql.wait_with_output().unwrap();
    assert!(out.status.success(), "psql failed");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

async fn signed_up(test: &str) -> (String, Grant) {
    let email = email(test);
    match gotrue().sign_up(&email, PASSWORD, None).await.unwrap() {
        SignUp::Session(grant) => (email, *grant),
        SignUp::ConfirmationSent => panic!("the stack autoconfirms sign-ups"),
    }
}

fn verifier() -> JwtVerifier<GoTrue> {
    JwtVerifier::new(gotrue(), VerifyOptions { audience: "authenticated".into(), issuer: Some(auth_url()) })
}

#[tokio::test]
async fn sign_up_returns_a_session_then_password_sign_in_works() {
    let (email, grant) = signed_up("signup").await;
    assert_eq!(grant.user.email, email);
    assert!(grant.session_id.is_some());
    let again = gotrue().password_grant(&email, PASSWORD).await.unwrap();
    assert_eq!(again.user.id, grant.user.id);
    let dup = gotrue().sign_up(&email, PASSWORD, None).await.unwrap_err();
    assert_eq!(dup.code(), "user_already_exists");
}

#[tokio::test]
async fn a_real_access_token_verifies_against_the_real_jwks_and_a_flipped_byte_does_not() {
    let (email, grant) = signed_up("jwt").await;
    let v = verifier();
    let got = v.verify_detailed(&grant.access_token, now()).await.unwrap();
    assert!(matches!(got.by, VerifiedBy::Jwks { .. }), "{:?}", got.by);
    assert_eq!((got.claims.sub.as_str(), got.claims.email.as_deref()), (grant.user.id.as_str(), Some(email.as_str())));
    assert_eq!(Some(got.claims.session_id.clone()), grant.session_id);
    assert_eq!(got.claims.role.as_deref(), Some("authenticated"));

    let raw = grant.access_token.expose();
    let (head, sig) = raw.rsplit_once('.').unwrap();
    let mut sig = sig.as_bytes().to_vec();
    sig[5] = if sig[5] == b'A' { b'B' } else { b'A' };
    let flipped = AccessToken::new(format!("{head}.{}", String::from_utf8(sig).unwrap()));
    assert_eq!(v.verify(&flipped, now()).await.unwrap_err().code(), "invalid_jwt");
    assert_eq!(v.jwks_fetches().await, 1, "the JWKS is cached");
    assert_eq!(v.verify(&grant.access_token, got.claims.exp).await.unwrap_err().code(), "jwt_expired");

    let wrong_iss = JwtVerifier::new(gotrue(), VerifyOptions { audience: "authenticated".into(), issuer: Some("https://elsewhere/auth/v1".into()) });
    assert_eq!(wrong_iss.verify(&grant.access_token, now()).await.unwrap_err().code(), "invalid_jwt");
}

#[tokio::test]
async fn email_otp_signs_in() {
    let (email, first) = signed_up("otp").await;
    gotrue().send_email_otp(&email, false, None, None).await.unwrap();
    let link = generate_link("magiclink", &email).await;
    let code = link["email_otp"].as_str().expect("email_otp");
    let grant = gotrue().verify_email_otp(&email, code, OtpKind::Email).await.unwrap();
    assert_eq!(grant.user.id, first.user.id);
    assert_ne!(grant.session_id, first.session_id, "a new session");
    let again = gotrue().verify_email_otp(&email, code, OtpKind::Email).await.unwrap_err();
    assert_eq!(again.code(), "otp_expired", "an OTP is single-use");
}

#[tokio::test]
async fn unknown_users_get_no_otp_when_create_user_is_false() {
    let err = gotrue().send_email_otp(&email("nouser"), false, None, None).await.unwrap_err();
    assert_eq!(err.code(), "otp_disabled");
}

#[tokio::test]
async fn a_pkce_magic_link_signs_in_end_to_end() {
    let (email, first) = signed_up("pkce").await;
    let flow = PkceFlow::start(FlowKind::MagicLink, now(), 300);
    gotrue().send_email_otp(&email, true, Some(&flow.redirect_to()), Some(flow.challenge())).await.unwrap();
    let token = mailed_magic_link_token(&email);
    assert!(token.starts_with("pkce_"), "a PKCE magic link");

    // The user clicks the link: GoTrue answers 303 to redirect_to?code=…
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let reply = browser
        .get(format!("{}/verify", auth_url()))
        .query(&[("token", token.as_str()), ("type", "magiclink"), ("redirect_to", &flow.redirect_to())])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 303);
    let location = reply.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("latchkey://auth/callback?"), "GoTrue kept our redirect_to");

    let forged = location.replace("lk_state=", "lk_state=x");
    assert_eq!(flow.validate_callback(&forged, now()).unwrap_err().code(), "invalid_state");
    let code = flow.validate_callback(&location, now()).unwrap();
    assert_eq!(flow.validate_callback(&location, now()).unwrap_err().code(), "flow_already_used");
    let grant = gotrue().exchange_pkce(code).await.unwrap();
    assert_eq!(grant.user.id, first.user.id);
    verifier().verify(&grant.access_token, now()).await.unwrap();
}

#[tokio::test]
async fn a_pkce_exchange_with_the_wrong_verifier_is_refused_by_the_server() {
    let (email, _) = signed_up("badverifier").await;
    let flow = PkceFlow::start(FlowKind::MagicLink, now(), 300);
    let other = PkceFlow::start(FlowKind::MagicLink, now(), 300);
    gotrue().send_email_otp(&email, true, Some(&flow.redirect_to()), Some(other.challenge())).await.unwrap();
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let reply = browser
        .get(format!("{}/verify", auth_url()))
        .query(&[("token", mailed_magic_link_token(&email).as_str()), ("type", "magiclink"), ("redirect_to", &flow.redirect_to())])
        .send()
        .await
        .unwrap();
    let location = reply.headers()["location"].to_str().unwrap().to_string();
    let code = flow.validate_callback(&location, now()).unwrap();
    assert_eq!(gotrue().exchange_pkce(code).await.unwrap_err().code(), "bad_code_verifier");
}

#[tokio::test]
async fn recovery_then_update_password_then_sign_in_with_the_new_one() {
    let (email, _) = signed_up("recover").await;
    gotrue().recover(&email, Some("latchkey://auth/callback"), None).await.unwrap();
    let link = generate_link("recovery", &email).await;
    let grant = gotrue().verify_email_otp(&email, link["email_otp"].as_str().unwrap(), OtpKind::Recovery).await.unwrap();
    let change = UserChange::Password { password: "flows-N3w-password!".into(), current: None }; // a recovery session needs no current password
    let user = gotrue().update_user(&grant.access_token, &change).await.unwrap();
    assert_eq!(user.email, email);
    assert_eq!(gotrue().password_grant(&email, PASSWORD).await.unwrap_err().code(), "invalid_credentials");
    gotrue().password_grant(&email, "flows-N3w-password!").await.unwrap();
}

#[tokio::test]
async fn get_user_works_until_a_global_logout() {
    let (email, grant) = signed_up("getuser").await;
    let user = gotrue().get_user(&grant.access_token).await.unwrap();
    assert_eq!((user.id.as_str(), user.email.as_str()), (grant.user.id.as_str(), email.as_str()));
    gotrue().logout(&grant.access_token, LogoutScope::Global).await.unwrap();
    let err = gotrue().get_user(&grant.access_token).await.unwrap_err();
    assert_eq!(err.code(), "session_not_found", "{err:?}");
}

#[tokio::test]
async fn settings_show_email_enabled() {
    let s = gotrue().settings().await.unwrap();
    assert!(s.email_enabled && s.mailer_autoconfirm && !s.signup_disabled, "{s:?}");
    // scripts/stack enables GoTrue's keycloak provider with --with-idp (and exports its name), none without.
    let configured: Vec<String> = std::env::var("LATCHKEY_IDP_OAUTH_PROVIDER").into_iter().collect();
    assert_eq!(s.oauth_providers, configured, "the OAuth providers the stack enabled: {s:?}");
}

/// The session engine over the real stack, with sign-in links coming back to a loopback listener.
/// `recorded` sees the `redirect_to` of each e-mailed link (the link in the e-mail, which the stack cannot send) and
/// how many code exchanges were attempted.
fn loopback_core(recorded: &Observed<GoTrue>) -> latchkey_core::SessionHandle {
    let settings = latchkey_core::EngineRules { redirect: latchkey_core::engine::Redirect::Loopback, ..Default::default() };
    let store = latchkey_core::vault::MemoryStore::default();
    let (core, task) = latchkey_core::start(recorded.clone(), store, latchkey_core::SystemClock, settings);
    tokio::spawn(task);
    core
}

/// What the e-mailed magic link leads to: GoTrue's `/verify` answers 303 to the flow's redirect with `code=…`.
async fn follow_magic_link(email: &str, redirect_to: &str) -> String {
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let reply = browser
        .get(format!("{}/verify", auth_url()))
        .query(&[("token", mailed_magic_link_token(email).as_str()), ("type", "magiclink"), ("redirect_to", redirect_to)])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 303);
    reply.headers()["location"].to_str().unwrap().to_string()
}

/// The browser arriving at the loopback listener; answers the status and the page, or the connection error.
async fn browser_get(url: &str) -> Result<(u16, String), reqwest::Error> {
    let reply = reqwest::Client::builder().no_proxy().build().unwrap().get(url).send().await?;
    Ok((reply.status().as_u16(), reply.text().await?))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_magic_link_returning_to_the_loopback_listener_signs_in_once_and_a_forged_one_is_refused_first() {
    let (email, first) = signed_up("loopback").await;
    let recorded = Observed::new(gotrue());
    let core = loopback_core(&recorded);
    core.initialized().await;
    let mut refusals = core.flow_errors();
    core.flow(|reply| latchkey_core::engine::Flow::SendEmailCode { email: email.clone(), reply }).await.unwrap();
    let redirect = recorded.redirects.lock().unwrap()[0].clone();
    assert!(redirect.starts_with("http://127.0.0.1:") && redirect.contains("/auth/callback?lk_state="), "{redirect}");
    let location = follow_magic_link(&email, &redirect).await;
    let listener = &redirect[..redirect.find('?').unwrap()];
    assert!(location.starts_with(listener) && location.contains("code="), "GoTrue kept our loopback redirect_to: {location}");

    // A callback with another state reaches the listener: refused with a clear page, no exchange, still pending.
    let forged = location.replace("lk_state=", "lk_state=x");
    let (status, page) = browser_get(&forged).await.unwrap();
    assert_eq!(status, 400);
    assert!(page.contains("does not belong to the sign-in Latchkey started"), "{page}");
    assert_eq!(refusals.recv().await.unwrap().code(), "invalid_state");
    assert_eq!(recorded.exchanges.load(std::sync::atomic::Ordering::SeqCst), 0, "no exchange for a forged callback");
    assert!(matches!(core.snapshot().state, latchkey_core::StateView::SignedOut { .. }));

    let started = std::time::Instant::now();
    let (status, page) = browser_get(&location).await.unwrap();
    let took = started.elapsed();
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("You can close this tab and return to Latchkey"), "{page}");
    match core.snapshot().state {
        latchkey_core::StateView::SignedIn { user, .. } => assert_eq!(user.id, first.user.id),
        other => panic!("not signed in: {other:?}"),
    }
    eprintln!("loopback callback to signed in: {} ms", took.as_millis());

    // Single use: the flow is over, so its listener is closed.
    let again = browser_get(&location).await.unwrap_err();
    assert!(again.is_connect(), "the listener still answers: {again:?}");
    assert_eq!(recorded.exchanges.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_flow_closes_the_previous_flows_loopback_listener() {
    let (email, _) = signed_up("loopback2").await;
    let recorded = Observed::new(gotrue());
    let core = loopback_core(&recorded);
    core.initialized().await;
    for _ in 0..2 {
        core.flow(|reply| latchkey_core::engine::Flow::SendEmailCode { email: email.clone(), reply }).await.unwrap();
    }
    let redirects = recorded.redirects.lock().unwrap().clone();
    assert_ne!(redirects[0], redirects[1], "one listener (and state) per flow");
    let old = browser_get(&redirects[0].replace("lk_state=", "code=c&lk_state=")).await.unwrap_err();
    assert!(old.is_connect(), "the first flow's listener still answers: {old:?}");
    let (status, page) = browser_get(&format!("{}&code=unknown", redirects[1])).await.unwrap();
    assert_eq!(status, 400, "the pending flow's listener answers: {page}");
}
