//! What MFA does to sessions and refresh tokens on this stack (refresh-token algorithm v1, the GoTrue default: the
//! stack sets no GOTRUE_SECURITY_REFRESH_TOKEN_ALGORITHM_VERSION): the user's other aal1 sessions, the pre-MFA
//! refresh token, and unenrolment.

use crate::support::http::*;

#[tokio::test]
async fn a_verify_deletes_the_users_other_aal1_sessions() {
    let (_, email, password) = new_user("others").await;
    let here = sign_in(&email, &password).await;
    let elsewhere = sign_in(&email, &password).await;
    let f = enrol_totp(access(&here), "A").await;
    step_up(&here, f["id"].as_str().unwrap(), f["totp"]["secret"].as_str().unwrap()).await;

    get("/user", access(&elsewhere)).await.error(403, "session_not_found", "the other aal1 session's access token");
    refresh(refresh_token(&elsewhere)).await.error(400, "refresh_token_not_found", "the other aal1 session's refresh");
}

#[tokio::test]
async fn the_pre_mfa_refresh_token_gets_the_aal2_session_until_the_next_refresh_then_reuse_revokes_it() {
    let (_, email, password) = new_user("premfa").await;
    let aal1 = sign_in(&email, &password).await;
    let pre = refresh_token(&aal1);
    assert!(pre.len() == 12 && pre.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()), "a v1 token: {pre}");
    let f = enrol_totp(access(&aal1), "A").await;
    let aal2 = step_up(&aal1, f["id"].as_str().unwrap(), f["totp"]["secret"].as_str().unwrap()).await;
    assert_ne!(refresh_token(&aal2), pre, "verify issues a new refresh token");

    // v1: the pre-MFA token is the parent of the active one, so it is "a lost response" and gets the active
    // token back (nothing new is minted), with an aal2 access token.
    let replay = refresh(pre).await.ok(200, "the pre-MFA refresh token right after verify");
    assert_eq!(refresh_token(&replay), refresh_token(&aal2));
    assert_eq!(claims(&replay)["aal"], "aal2");

    // After one real refresh it is two generations old: reuse. v1 revokes the whole family but keeps the session.
    let next = refresh(refresh_token(&aal2)).await.ok(200, "refresh with the MFA token");
    let msg = refresh(pre).await.error(400, "refresh_token_already_used", "the pre-MFA token after a refresh");
    assert_eq!(msg, "Invalid Refresh Token: Already Used");
    refresh(refresh_token(&next)).await.error(400, "refresh_token_already_used", "the newest token after the reuse");
    get("/user", access(&next)).await.ok(200, "the access token still works until it expires");
}

#[tokio::test]
async fn unenrol_needs_aal2_for_a_verified_factor_and_downgrades_the_session() {
    let (email, password, id, _, aal2) = user_with_totp("unenrol").await;
    let aal1 = sign_in(&email, &password).await;
    let msg = delete(&format!("/factors/{id}"), access(&aal1)).await.error(422, "insufficient_aal", "unenrol at aal1");
    assert_eq!(msg, "AAL2 required to unenroll verified factor");
    let body = serde_json::json!({ "factor_type": "totp", "friendly_name": "B" });
    let msg = post("/factors", Some(access(&aal1)), body).await.error(403, "insufficient_aal", "enrol at aal1");
    assert_eq!(msg, "AAL2 required to enroll a new factor");

    let gone = delete(&format!("/factors/{id}"), access(&aal2)).await.ok(200, "unenrol at aal2");
    assert_eq!(gone, serde_json::json!({ "id": id }));
    assert!(factors(access(&aal2)).await.is_empty(), "GET /user has no factors left");
    // The access token in hand still says aal2; the next refresh is aal1 and the totp entry has left amr.
    let after = refresh(refresh_token(&aal2)).await.ok(200, "refresh after unenrol");
    assert_eq!((claims(&after)["aal"].as_str(), amr_methods(&after)), (Some("aal1"), vec!["password".to_string()]));
}
