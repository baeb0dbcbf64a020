//! Rate limits on MFA challenge and verify. GoTrue's per-client limiters (GOTRUE_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY,
//! default 15 a minute with a burst of 30, one bucket for challenges and one for verifies) only count requests that
//! carry GOTRUE_RATE_LIMIT_HEADER (or Sb-Forwarded-For when that is enabled). The stack names an opt-in header, so
//! requests without it are never limited; with it, the real limiter answers.

use crate::support::http::*;
use reqwest::Method;
use serde_json::json;

/// A user with an unverified TOTP factor and an open challenge: (aal1 token, factor id, secret, challenge id).
async fn open_challenge(tag: &str) -> (String, String, String, String) {
    let (_, email, password) = new_user(tag).await;
    let s = sign_in(&email, &password).await;
    let f = enrol_totp(access(&s), "A").await;
    let (id, secret) = (f["id"].as_str().unwrap().to_string(), f["totp"]["secret"].as_str().unwrap().to_string());
    let c = challenge(access(&s), &id).await.ok(200, "challenge");
    (access(&s).to_string(), id, secret, c["id"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn without_the_rate_limit_header_forty_wrong_codes_and_forty_challenges_are_not_limited() {
    let (token, id, secret, cid) = open_challenge("nolimit").await;
    for attempt in 0..40 {
        verify(&token, &id, &cid, "000000").await.error(422, "mfa_verification_failed", &format!("wrong code {attempt}"));
    }
    for attempt in 0..40 {
        challenge(&token, &id).await.ok(200, &format!("challenge {attempt}"));
    }
    // No lockout either: the right code still verifies the first challenge.
    verify(&token, &id, &cid, &totp_code(&secret)).await.ok(200, "the right code after 40 wrong ones");
}

#[tokio::test]
async fn with_the_rate_limit_header_verify_gets_429_over_request_rate_limit_without_retry_after() {
    let (token, id, secret, cid) = open_challenge("limit").await;
    let key = format!("client-{}", unique());
    let limited = [(env("LATCHKEY_STACK_RATE_LIMIT_HEADER"), key)];
    let limited: Vec<(&str, &str)> = limited.iter().map(|(h, k)| (h.as_str(), k.as_str())).collect();
    let path = format!("/factors/{id}/verify");
    let wrong = json!({ "challenge_id": cid, "code": "000000" });

    // A burst of 30 passes; the bucket refills one request per 4 s, so a 429 comes within the next few.
    let mut answered = Vec::new();
    let refused = loop {
        let reply = call(Method::POST, &path, Some(&token), Some(wrong.clone()), &limited).await;
        if reply.status == 429 || answered.len() == 60 {
            break reply;
        }
        answered.push(reply.status);
    };
    assert!(answered.len() >= 30 && answered.iter().all(|s| *s == 422), "before the 429: {answered:?}");
    assert_eq!(refused.error(429, "over_request_rate_limit", "the limited verify"), "Request rate limit reached");
    assert_eq!(refused.header("retry-after"), None, "GoTrue says nothing about when to retry");

    // The same client's challenges have their own bucket; a request without the header is not limited at all.
    let path = format!("/factors/{id}/challenge");
    call(Method::POST, &path, Some(&token), Some(json!({})), &limited).await.ok(200, "a challenge from the limited client");
    verify(&token, &id, &cid, &totp_code(&secret)).await.ok(200, "the right code without the header");
}
