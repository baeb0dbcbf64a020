//! PKCE flows: RFC 7636 verifiers and challenges, the state checked before anything else, secrets never printed.

use super::*;

const NOW: i64 = 1_800_000_000;
const TTL: i64 = 300;

fn flow() -> PkceFlow {
    PkceFlow::start(FlowKind::MagicLink, NOW, TTL)
}

/// The callback GoTrue would send back: the flow's redirect_to plus `code` (as `prepPKCERedirectURL` does).
fn callback(flow: &PkceFlow, extra: &str) -> String {
    format!("{}{extra}", flow.redirect_to())
}

fn state_of(flow: &PkceFlow) -> String {
    Url::parse(&flow.redirect_to()).unwrap().query_pairs().find(|(k, _)| k == STATE_PARAM).unwrap().1.into_owned()
}

fn code(e: AuthError) -> String {
    e.code().to_string()
}

#[test]
fn verifier_and_challenge_follow_rfc_7636() {
    let f = flow();
    let verifier = f.verifier.lock().unwrap().as_ref().unwrap().expose_secret().to_string();
    assert!((43..=128).contains(&verifier.len()), "{}", verifier.len());
    assert!(verifier.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)));
    assert_eq!(f.challenge(), s256(&verifier));
    assert_eq!(f.challenge().len(), 43);
    // RFC 7636 appendix B.
    assert_eq!(s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    let other = flow();
    assert_ne!(state_of(&f), state_of(&other));
    assert_ne!(f.challenge(), other.challenge());
}

#[test]
fn debug_shows_neither_verifier_nor_state() {
    let f = flow();
    let verifier = f.verifier.lock().unwrap().as_ref().unwrap().expose_secret().to_string();
    let state = state_of(&f);
    let code = f.validate_callback(&callback(&f, "&code=the-auth-code"), NOW).unwrap();
    let shown = format!("{f:?} {code:?}");
    assert!(!shown.contains(&verifier) && !shown.contains(&state) && !shown.contains("the-auth-code"), "{shown}");
}

#[test]
fn authorize_url_carries_the_challenge_and_a_stateful_redirect() {
    let f = PkceFlow::start(FlowKind::OAuth, NOW, TTL);
    let options = crate::browser_sign_in::OAuthOptions::new(Some("read:user repo"), vec![("prompt".into(), "login".into())]).unwrap();
    let url = Url::parse(&f.authorize_url("http://127.0.0.1:54321/auth/v1/", "github", &options).unwrap()).unwrap();
    assert_eq!(url.path(), "/auth/v1/authorize");
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["provider"], "github");
    assert_eq!(q["code_challenge"], f.challenge());
    assert_eq!(q["code_challenge_method"], "s256");
    assert_eq!(q["scopes"], "read:user repo");
    assert_eq!(q["prompt"], "login");
    assert_eq!(q["redirect_to"], f.redirect_to());
    assert!(q["redirect_to"].starts_with("latchkey://auth/callback?lk_state="));
}

#[test]
fn a_good_callback_yields_the_code_with_its_verifier_once() {
    let f = flow();
    let verifier = f.verifier.lock().unwrap().as_ref().unwrap().expose_secret().to_string();
    let got = f.validate_callback(&callback(&f, "&code=c0de"), NOW + TTL - 1).unwrap();
    assert_eq!((got.code(), got.verifier(), got.kind), ("c0de", verifier.as_str(), FlowKind::MagicLink));
    assert!(f.is_used());
    let replay = f.validate_callback(&callback(&f, "&code=c0de"), NOW + 1).unwrap_err();
    assert_eq!(code(replay), "flow_already_used");
}

#[test]
fn a_wrong_or_missing_state_is_rejected_and_does_not_burn_the_flow() {
    let f = flow();
    let forged = "latchkey://auth/callback?lk_state=attacker&code=attacker-code";
    assert_eq!(code(f.validate_callback(forged, NOW).unwrap_err()), "invalid_state");
    assert_eq!(code(f.validate_callback("latchkey://auth/callback?code=x", NOW).unwrap_err()), "invalid_state");
    let s = state_of(&f);
    let truncated = format!("latchkey://auth/callback?lk_state={}&code=x", &s[..s.len() - 1]);
    assert_eq!(code(f.validate_callback(&truncated, NOW).unwrap_err()), "invalid_state");
    assert!(!f.is_used());
    assert!(f.validate_callback(&callback(&f, "&code=real"), NOW).is_ok(), "the real callback still works");
}

#[test]
fn an_expired_flow_is_rejected() {
    let f = flow();
    assert_eq!(code(f.validate_callback(&callback(&f, "&code=c"), NOW + TTL).unwrap_err()), "flow_expired");
    let f = flow();
    assert_eq!(code(f.validate_callback(&callback(&f, "&code=c"), NOW + TTL + 1).unwrap_err()), "flow_expired");
    assert!(f.is_used(), "an expired flow is over");
}

#[test]
fn a_missing_or_empty_code_is_rejected() {
    let f = flow();
    assert_eq!(code(f.validate_callback(&callback(&f, ""), NOW).unwrap_err()), "invalid_callback");
    let f = flow();
    assert_eq!(code(f.validate_callback(&callback(&f, "&code="), NOW).unwrap_err()), "invalid_callback");
}

#[test]
fn error_callbacks_in_query_or_fragment_end_the_flow_with_the_server_text_as_detail_only() {
    let f = flow();
    // GoTrue's PKCE error redirect (`prepErrorRedirectURL`): query and fragment.
    let url = callback(&f, "&error=access_denied&error_code=otp_expired&error_description=Email+link+is+invalid+or+has+expired#error=access_denied&error_code=otp_expired&error_description=Email+link+is+invalid+or+has+expired&sb=");
    let err = f.validate_callback(&url, NOW).unwrap_err();
    assert_eq!(err.code(), "otp_expired");
    assert_eq!(err.to_string(), "the sign-in was refused by the server or the identity provider", "our own words");
    assert_eq!(serde_json::to_value(&err).unwrap()["detail"], "Email link is invalid or has expired", "theirs, apart");
    assert!(f.is_used(), "the server ended this flow");

    let f = flow();
    let err = f.validate_callback(&callback(&f, "#error=server_error&error_description=Boom&sb="), NOW).unwrap_err();
    assert_eq!((err.code(), serde_json::to_value(&err).unwrap()["detail"].as_str()), ("server_error", Some("Boom")));
    let f = flow();
    let err = f.validate_callback(&callback(&f, "&code=c&error_description=Denied"), NOW).unwrap_err();
    assert_eq!(err.code(), "callback_error", "an error wins over a code");
    let f = flow();
    let odd = format!("&error_code=%3Cscript%3E&error_description={}%1B%5B2J", "x".repeat(400));
    let json = serde_json::to_value(f.validate_callback(&callback(&f, &odd), NOW).unwrap_err()).unwrap();
    assert_eq!(json["code"], "callback_error", "a code that is not a plain word is not passed on");
    assert!(json["detail"].as_str().unwrap().chars().count() <= 201 && !json["detail"].as_str().unwrap().contains('\u{1b}'), "{json}");
}

#[test]
fn an_error_callback_with_another_state_or_none_is_ignored() {
    let f = flow();
    let attacker = "error=access_denied&error_code=attacker_code&error_description=Call+0800+to+restore+your+account";
    for url in [
        format!("latchkey://auth/callback?lk_state=forged&{attacker}"),
        format!("latchkey://auth/callback?{attacker}"),
        format!("latchkey://auth/callback?lk_state=forged#{attacker}"),
    ] {
        let err = f.validate_callback(&url, NOW).unwrap_err();
        assert_eq!(err.code(), "invalid_state", "{url}");
        let shown = serde_json::to_string(&err).unwrap();
        assert!(!shown.contains("0800") && !shown.contains("attacker_code"), "the stranger's text is shown: {shown}");
    }
    assert!(!f.is_used(), "the pending sign-in goes on");
    assert!(f.validate_callback(&callback(&f, "&code=c"), NOW).is_ok());
}

#[test]
fn another_scheme_host_or_path_is_rejected() {
    let f = flow();
    let s = state_of(&f);
    for url in [
        format!("https://auth/callback?lk_state={s}&code=c"),
        format!("latchkey://evil/callback?lk_state={s}&code=c"),
        format!("latchkey://auth/other?lk_state={s}&code=c"),
        format!("latchkey://auth/callback/x?lk_state={s}&code=c"),
        "not a url".to_string(),
    ] {
        assert_eq!(code(f.validate_callback(&url, NOW).unwrap_err()), "invalid_callback", "{url}");
    }
    assert!(!f.is_used());

    let loopback = PkceFlow::start_with_callback(FlowKind::OAuth, "http://127.0.0.1:4567/cb", NOW, TTL).unwrap();
    let wrong_port = loopback.redirect_to().replace(":4567", ":4568") + "&code=c";
    assert_eq!(code(loopback.validate_callback(&wrong_port, NOW).unwrap_err()), "invalid_callback");
    assert!(loopback.validate_callback(&(loopback.redirect_to() + "&code=c"), NOW).is_ok());
}

#[test]
fn implicit_flow_tokens_are_rejected() {
    let f = flow();
    let url = callback(&f, "#access_token=eyJ.x.y&expires_in=3600&refresh_token=r&token_type=bearer&type=magiclink&sb=");
    let err = f.validate_callback(&url, NOW).unwrap_err();
    assert_eq!(err.code(), "invalid_callback");
    assert!(err.to_string().contains("implicit"), "{err}");
    let err = f.validate_callback(&callback(&f, "&access_token=eyJ.x.y&code=c"), NOW).unwrap_err();
    assert_eq!(err.code(), "invalid_callback");
}

#[test]
fn a_callback_base_with_its_own_state_or_code_is_refused() {
    for bad in ["latchkey://auth/callback?lk_state=x", "latchkey://auth/callback?code=x", "latchkey://auth/callback#f", "::"] {
        assert_eq!(code(PkceFlow::start_with_callback(FlowKind::OAuth, bad, NOW, TTL).unwrap_err()), "invalid_callback", "{bad}");
    }
}
