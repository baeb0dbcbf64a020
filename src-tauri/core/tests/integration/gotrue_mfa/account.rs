//! Changing the password and the e-mail address (`PUT /user`) under the stack's settings: the current password is
//! required (GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_CURRENT_PASSWORD), a verified factor demands aal2, and the
//! e-mail change is confirmed by a link (read from the user's row: the stack has no SMTP).

use crate::support::http::*;
use serde_json::json;

#[tokio::test]
async fn a_password_change_needs_the_right_current_password_and_ends_the_other_sessions() {
    let (_, email, password) = new_user("password").await;
    let s = sign_in(&email, &password).await;
    let elsewhere = sign_in(&email, &password).await;
    let new = "mfa-changed-Pa55word";

    let msg = put("/user", access(&s), json!({ "password": new })).await.error(400, "current_password_required", "no current password");
    assert_eq!(msg, "Current password required when setting new password.");
    put("/user", access(&s), json!({ "password": new, "current_password": "not-it-123" }))
        .await
        .error(400, "current_password_invalid", "a wrong current password");
    put("/user", access(&s), json!({ "password": password, "current_password": password }))
        .await
        .error(422, "same_password", "the same password");
    let weak = put("/user", access(&s), json!({ "password": "123", "current_password": password })).await;
    weak.error(422, "weak_password", "a too short password");
    assert_eq!(weak.body["weak_password"], json!({ "reasons": ["length"] }));

    let user = put("/user", access(&s), json!({ "password": new, "current_password": password })).await.ok(200, "change");
    assert_eq!(user["email"], email.as_str(), "the answer is the user object");
    get("/user", access(&elsewhere)).await.error(403, "session_not_found", "the user's other session");
    refresh(refresh_token(&s)).await.ok(200, "this session lives on");
    post("/token?grant_type=password", None, json!({ "email": email, "password": password }))
        .await
        .error(400, "invalid_credentials", "the old password");
    sign_in(&email, new).await;
}

#[tokio::test]
async fn with_a_verified_factor_changing_the_email_or_password_needs_aal2() {
    let (email, password, _, _, aal2) = user_with_totp("aal").await;
    let aal1 = sign_in(&email, &password).await;
    let new = "mfa-changed-Pa55word";
    for body in [json!({ "password": new, "current_password": password }), json!({ "email": format!("x{email}") })] {
        let msg = put("/user", access(&aal1), body).await.error(401, "insufficient_aal", "a change at aal1");
        assert_eq!(msg, "AAL2 session is required to update email or password when MFA is enabled.");
    }
    put("/user", access(&aal2), json!({ "password": new, "current_password": password })).await.ok(200, "at aal2");
}

#[tokio::test]
async fn an_email_change_waits_for_a_link_and_either_link_confirms_it_under_mailer_autoconfirm() {
    let (user, email, password) = new_user("email").await;
    let s = sign_in(&email, &password).await;
    put("/user", access(&s), json!({ "email": "demo@latchkey.local" }))
        .await
        .error(422, "email_exists", "an address that is taken");

    let new = format!("new-{email}");
    let pending = put("/user", access(&s), json!({ "email": new })).await.ok(200, "ask for the change");
    assert_eq!((pending["email"].as_str(), pending["new_email"].as_str()), (Some(email.as_str()), Some(new.as_str())));
    assert!(pending["email_change_sent_at"].is_string(), "{pending}");
    // Secure e-mail change (GoTrue's default): a link for the current address and one for the new address.
    let row = sql(
        "select email_change_token_current <> '', email_change_token_new <> '', email_change_confirm_status from auth.users where id = :'id'",
        &[("id", &user)],
    );
    assert_eq!(row, "t|t|0");

    // GoTrue asks for both links only when MAILER_AUTOCONFIRM is off; the stack has it on, so one link is enough.
    let current = sql("select email_change_token_current from auth.users where id = :'id'", &[("id", &user)]);
    let other = sql("select email_change_token_new from auth.users where id = :'id'", &[("id", &user)]);
    let confirmed = post("/verify", None, json!({ "type": "email_change", "token_hash": current })).await.ok(200, "the link");
    assert_eq!((confirmed["user"]["email"].as_str(), amr_methods(&confirmed)), (Some(new.as_str()), vec!["otp".to_string()]));
    assert_ne!(claims(&confirmed)["session_id"], claims(&s)["session_id"], "the link opens a new session");
    let msg = post("/verify", None, json!({ "type": "email_change", "token_hash": other }))
        .await
        .error(403, "otp_expired", "the other link after the change");
    assert_eq!(msg, "Email link is invalid or has expired");

    let now = get("/user", access(&s)).await.ok(200, "GET /user in the session that asked");
    assert_eq!((now["email"].as_str(), now.get("new_email")), (Some(new.as_str()), None));
}
