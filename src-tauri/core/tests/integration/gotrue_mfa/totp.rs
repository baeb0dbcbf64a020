//! TOTP on the real GoTrue: enrolment, step-up to aal2, what a new sign-in says, wrong/expired/reused challenges,
//! rate limits, and what happens to the other sessions and the pre-MFA refresh token.

use crate::support::http::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn enrol_challenge_verify_reaches_aal2_and_a_refresh_keeps_it() {
    let (_, email, password) = new_user("enrol").await;
    let session = sign_in(&email, &password).await;
    assert_eq!(claims(&session)["aal"], "aal1");
    assert_eq!(amr_methods(&session), ["password"]);

    let factor = enrol_totp(access(&session), "Phone app").await;
    assert_eq!((factor["type"].as_str(), factor["friendly_name"].as_str()), (Some("totp"), Some("Phone app")));
    let secret = factor["totp"]["secret"].as_str().unwrap();
    assert!(secret.len() == 32 && secret.chars().all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)), "{secret}");
    let uri = factor["totp"]["uri"].as_str().unwrap();
    assert!(uri.starts_with(&format!("otpauth://totp/Latchkey:{email}?")) && uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(factor["totp"]["qr_code"].as_str().unwrap().starts_with("<?xml"), "the QR code is an SVG document");
    let id = factor["id"].as_str().unwrap();
    let listed = factors(access(&session)).await;
    assert_eq!((listed.len(), listed[0]["status"].as_str()), (1, Some("unverified")), "{listed:?}");

    let c = challenge(access(&session), id).await.ok(200, "challenge");
    assert_eq!(c["type"], "totp");
    let created = sql("select floor(extract(epoch from created_at))::bigint from auth.mfa_challenges where id = :'id'", &[("id", c["id"].as_str().unwrap())]);
    assert_eq!(c["expires_at"].as_i64().unwrap() - created.parse::<i64>().unwrap(), 300, "a challenge lives 300 s");

    let aal2 = verify(access(&session), id, c["id"].as_str().unwrap(), &totp_code(secret)).await.ok(200, "verify");
    let keys: Vec<&String> = aal2.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["access_token", "expires_at", "expires_in", "refresh_token", "token_type", "user"]);
    assert_eq!(claims(&aal2)["aal"], "aal2");
    assert_eq!(amr_methods(&aal2), ["password", "totp"]);
    let stamps: Vec<i64> = claims(&aal2)["amr"].as_array().unwrap().iter().map(|e| e["timestamp"].as_i64().unwrap()).collect();
    assert!(stamps[0] >= stamps[1], "amr is newest first: {stamps:?}");
    assert_eq!(claims(&aal2)["session_id"], claims(&session)["session_id"], "the same session, stepped up");
    assert_eq!(factors(access(&aal2)).await[0]["status"], "verified");

    let refreshed = refresh(refresh_token(&aal2)).await.ok(200, "refresh after verify");
    assert_eq!(claims(&refreshed)["aal"], "aal2");
    assert_eq!(amr_methods(&refreshed), ["password", "totp"]);
}

#[tokio::test]
async fn a_new_sign_in_is_aal1_and_only_its_verified_factor_says_aal2_is_next() {
    let (email, password, id, secret, _) = user_with_totp("next").await;
    let session = sign_in(&email, &password).await;
    assert_eq!((claims(&session)["aal"].as_str(), amr_methods(&session)), (Some("aal1"), vec!["password".to_string()]));
    let listed = session["user"]["factors"].as_array().expect("the sign-in answer carries the user's factors");
    assert_eq!((listed[0]["status"].as_str(), listed[0]["factor_type"].as_str()), (Some("verified"), Some("totp")));

    // No low-AAL limit on this stack (GOTRUE_SESSIONS_ALLOW_LOW_AAL unset): the aal1 session refreshes, still aal1.
    let refreshed = refresh(refresh_token(&session)).await.ok(200, "aal1 refresh with a verified factor");
    assert_eq!(claims(&refreshed)["aal"], "aal1");

    let aal2 = step_up(&refreshed, &id, &secret).await;
    assert_eq!((claims(&aal2)["aal"].as_str(), amr_methods(&aal2)), (Some("aal2"), vec!["password".into(), "totp".into()]));
}

#[tokio::test]
async fn wrong_code_reused_expired_and_foreign_challenges_get_422_with_their_codes() {
    let (_, email, password) = new_user("errors").await;
    let s = sign_in(&email, &password).await;
    let f = enrol_totp(access(&s), "A").await;
    let (id, secret) = (f["id"].as_str().unwrap(), f["totp"]["secret"].as_str().unwrap());
    let c = challenge(access(&s), id).await.ok(200, "challenge");
    let cid = c["id"].as_str().unwrap();

    let msg = verify(access(&s), id, cid, "000000").await.error(422, "mfa_verification_failed", "a wrong code");
    assert_eq!(msg, "Invalid TOTP code entered");
    verify(access(&s), id, cid, "").await.error(400, "validation_failed", "an empty code");
    let body = json!({ "challenge_id": cid, "code": totp_code(secret) });
    let elsewhere = [("X-Forwarded-For", "203.0.113.7")];
    call(Method::POST, &format!("/factors/{id}/verify"), Some(access(&s)), Some(body), &elsewhere)
        .await
        .error(422, "mfa_ip_address_mismatch", "a verify from another address than the challenge");

    // The challenge survives wrong codes: the right one still works.
    let aal2 = verify(access(&s), id, cid, &totp_code(secret)).await.ok(200, "right code after wrong ones");
    let msg = verify(access(&aal2), id, cid, &totp_code(secret)).await.error(422, "mfa_ip_address_mismatch", "a used challenge");
    assert_eq!(msg, "Challenge and verify IP addresses mismatch.");
    let unknown = "00000000-0000-4000-8000-000000000000";
    verify(access(&aal2), id, unknown, "123456").await.error(422, "mfa_factor_not_found", "an unknown challenge");

    let old = challenge(access(&aal2), id).await.ok(200, "challenge");
    let old_id = old["id"].as_str().unwrap();
    sql("update auth.mfa_challenges set created_at = created_at - interval '301 seconds' where id = :'id'", &[("id", old_id)]);
    let msg = verify(access(&aal2), id, old_id, &totp_code(secret)).await.error(422, "mfa_challenge_expired", "an expired challenge");
    assert!(msg.starts_with(&format!("MFA challenge {old_id} has expired")), "{msg}");
    verify(access(&aal2), id, old_id, &totp_code(secret)).await.error(422, "mfa_factor_not_found", "an expired challenge, again");
    challenge(access(&aal2), unknown).await.error(404, "mfa_factor_not_found", "a challenge for an unknown factor");
}
