//! Phone on the real GoTrue, with no SMS leaving the machine: phone factors (codes arrive through the Send SMS hook
//! receiver), phone OTP sign-in (the fixed test phone and its test OTP, and a real number through the hook), and
//! the receiver's signature check.

use crate::support::http::*;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

async fn enrol_phone(token: &str, name: &str, phone: &str) -> Value {
    post("/factors", Some(token), json!({ "factor_type": "phone", "friendly_name": name, "phone": phone }))
        .await
        .ok(200, "enrol a phone factor")
}

/// The code of the last message the hook receiver recorded for `phone` (and `user`, when known), checked to be of
/// `kind` ("mfa" for a challenge, "" for a sign-in code).
fn last_code(phone: &str, user: Option<&str>, kind: &str) -> String {
    let texts = texts_to(phone);
    let last = texts.iter().rev().find(|m| user.is_none_or(|u| m["user_id"] == u));
    let last = last.unwrap_or_else(|| panic!("no message for {phone}"));
    assert_eq!(last["sms_type"], kind, "{last}");
    let code = last["otp"].as_str().unwrap().to_string();
    assert!(code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()), "{code}");
    code
}

#[tokio::test]
async fn a_phone_factor_gets_its_code_through_the_hook_and_verifies_to_aal2() {
    let (user, email, password) = new_user("phone").await;
    let s = sign_in(&email, &password).await;
    let phone = unique_phone();
    let factor = enrol_phone(access(&s), "My phone", &phone).await;
    let id = factor["id"].as_str().unwrap();
    assert_eq!(factor, json!({ "id": id, "type": "phone", "friendly_name": "My phone", "phone": phone }));

    let c = challenge(access(&s), id).await.ok(200, "challenge the phone factor");
    assert_eq!(c["type"], "phone");
    let code = last_code(&phone, Some(&user), "mfa");
    let cid = c["id"].as_str().unwrap();
    let msg = verify(access(&s), id, cid, "000000").await.error(422, "mfa_verification_failed", "a wrong phone code");
    assert_eq!(msg, "Invalid MFA Phone code entered");
    let aal2 = verify(access(&s), id, cid, &code).await.ok(200, "verify the texted code");
    assert_eq!((claims(&aal2)["aal"].as_str(), amr_methods(&aal2)), (Some("aal2"), vec!["mfa/phone".into(), "password".into()]));
    let listed = factors(access(&aal2)).await;
    assert_eq!((listed[0]["status"].as_str(), listed[0]["phone"].as_str()), (Some("verified"), Some(phone.trim_start_matches('+'))));

    // One code a minute per phone factor (GOTRUE_MFA_PHONE_MAX_FREQUENCY), always on; the wait is only in the text.
    let again = challenge(access(&aal2), id).await;
    let msg = again.error(429, "over_sms_send_rate_limit", "a second challenge within a minute");
    assert!(msg.starts_with("For security purposes, you can only request this after ") && msg.ends_with(" seconds."), "{msg}");
    assert_eq!(again.header("retry-after"), None);
    assert_eq!(texts_to(&phone).len(), 1, "the refused challenge sent nothing");

    let body = json!({ "factor_type": "phone", "friendly_name": "Again", "phone": phone });
    let msg = post("/factors", Some(access(&aal2)), body).await.error(422, "mfa_verified_factor_exists", "the same number again");
    assert_eq!(msg, "A verified phone factor already exists, unenroll the existing factor to continue");
}

#[tokio::test]
async fn test_otps_do_not_verify_phone_factors_and_an_unverified_number_is_replaced_on_re_enrolment() {
    let (user, email, password) = new_user("testphone").await;
    let s = sign_in(&email, &password).await;
    let test_phone = env("LATCHKEY_STACK_TEST_PHONE");
    enrol_phone(access(&s), "First try", &test_phone).await;
    let factor = enrol_phone(access(&s), "Second try", &test_phone).await;
    let listed: Vec<String> = factors(access(&s)).await.iter().map(|f| f["friendly_name"].as_str().unwrap().into()).collect();
    assert_eq!(listed, ["Second try"], "enrolling the same number replaced the unverified factor");

    let id = factor["id"].as_str().unwrap();
    let c = challenge(access(&s), id).await.ok(200, "challenge a factor on the test phone");
    let code = last_code(&test_phone, Some(&user), "mfa");
    let cid = c["id"].as_str().unwrap();
    // (A generated code equal to the test OTP, one chance in a million, would verify: that proves nothing either way.)
    if code != env("LATCHKEY_STACK_TEST_OTP") {
        verify(access(&s), id, cid, &env("LATCHKEY_STACK_TEST_OTP")).await.error(422, "mfa_verification_failed", "the test OTP");
    }
    verify(access(&s), id, cid, &code).await.ok(200, "the code the hook received");
}

#[tokio::test]
async fn phone_sign_in_with_the_test_otp_texts_nothing_and_a_real_number_gets_its_code_through_the_hook() {
    let test_phone = env("LATCHKEY_STACK_TEST_PHONE");
    let test_otp = env("LATCHKEY_STACK_TEST_OTP");
    post("/otp", None, json!({ "phone": test_phone })).await.ok(200, "POST /otp for the test phone");
    let session = post("/verify", None, json!({ "type": "sms", "phone": test_phone, "token": test_otp })).await.ok(200, "verify");
    assert_eq!((claims(&session)["aal"].as_str(), amr_methods(&session)), (Some("aal1"), vec!["otp".to_string()]));
    assert_eq!(session["user"]["phone"], test_phone.trim_start_matches('+'));
    // The test OTP is not used up, and needs no POST /otp before it.
    post("/verify", None, json!({ "type": "sms", "phone": test_phone, "token": test_otp })).await.ok(200, "the test OTP again");
    let msg = post("/verify", None, json!({ "type": "sms", "phone": test_phone, "token": "000000" }))
        .await
        .error(403, "otp_expired", "a wrong code");
    assert_eq!(msg, "Token has expired or is invalid");

    let phone = unique_phone();
    let sent = post("/otp", None, json!({ "phone": phone })).await.ok(200, "POST /otp for a new number");
    assert_eq!(sent, json!({}), "a new number is signed up; the answer is empty");
    let code = last_code(&phone, None, "");
    let session = post("/verify", None, json!({ "type": "sms", "phone": phone, "token": code })).await.ok(200, "verify");
    assert_eq!(amr_methods(&session), ["otp"]);
    post("/verify", None, json!({ "type": "sms", "phone": phone, "token": code }))
        .await
        .error(403, "otp_expired", "a used code");
    // The file exists and holds sign-in codes, so this looked: the test phone's sign-ins never reached the hook.
    assert!(texts_to(&test_phone).iter().all(|m| m["sms_type"] == "mfa"), "a sign-in code was texted to the test phone");

    post("/otp", None, json!({ "phone": unique_phone(), "create_user": false }))
        .await
        .error(422, "otp_disabled", "an unknown number without sign-up");
}

/// Standard Webhooks: "v1," + base64 HMAC-SHA256 over "<id>.<timestamp>.<body>" with the secret's key.
fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    let key = STANDARD.decode(secret.trim_start_matches("v1,whsec_")).unwrap();
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key);
    format!("v1,{}", STANDARD.encode(ring::hmac::sign(&key, format!("{id}.{timestamp}.{body}").as_bytes())))
}

#[tokio::test]
async fn the_hook_receiver_records_only_messages_signed_with_the_stacks_secret_and_fresh() {
    let phone = unique_phone();
    let body = json!({ "sms": { "otp": "123456", "phone": phone.trim_start_matches('+') }, "user": { "id": "u" } }).to_string();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let secret = env("LATCHKEY_STACK_SMS_HOOK_SECRET");
    let other_secret = format!("v1,whsec_{}", STANDARD.encode([7u8; 32]));
    let send = |headers: Vec<(&'static str, String)>| {
        let mut request = reqwest::Client::new().post(env("LATCHKEY_STACK_SMS_HOOK_URL")).body(body.clone());
        for (name, value) in headers {
            request = request.header(name, value);
        }
        async move { request.header("content-type", "application/json").send().await.unwrap().status().as_u16() }
    };
    let headers = |secret: &str, id: &str, at: i64| {
        vec![("webhook-id", id.to_string()), ("webhook-timestamp", at.to_string()), ("webhook-signature", sign(secret, id, at, &body))]
    };

    assert_eq!(send(vec![]).await, 401, "no signature");
    assert_eq!(send(headers(&other_secret, "m1", now)).await, 401, "signed with another secret");
    assert_eq!(send(headers(&secret, "m2", now - 600)).await, 401, "signed ten minutes ago");
    let mut forged = headers(&secret, "m3", now);
    forged[0].1 = "m4".into();
    assert_eq!(send(forged).await, 401, "a signature over another message id");
    assert!(texts_to(&phone).is_empty(), "nothing refused was recorded");

    assert_eq!(send(headers(&secret, "m5", now)).await, 200, "signed with the stack's secret");
    let texts = texts_to(&phone);
    assert_eq!((texts.len(), texts[0]["otp"].as_str(), texts[0]["webhook_id"].as_str()), (1, Some("123456"), Some("m5")));
}
