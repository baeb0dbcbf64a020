//! Unverified factors: what is left behind by a cancelled enrolment, friendly names, the factor limit and GoTrue's
//! sweep of old unverified factors.

use crate::support::http::*;
use serde_json::json;

fn id(factor: &serde_json::Value) -> &str {
    factor["id"].as_str().unwrap()
}

async fn names(token: &str) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = factors(token)
        .await
        .iter()
        .map(|f| (f["friendly_name"].as_str().unwrap_or_default().into(), f["status"].as_str().unwrap().into()))
        .collect();
    all.sort();
    all
}

#[tokio::test]
async fn a_left_behind_unverified_factor_can_still_be_verified_or_removed_at_aal1() {
    let (_, email, password) = new_user("leftover").await;
    let s = sign_in(&email, &password).await;
    let first = enrol_totp(access(&s), "First").await;
    let second = enrol_totp(access(&s), "Second").await;
    let third = enrol_totp(access(&s), "Third").await;
    let phone = json!({ "factor_type": "phone", "friendly_name": "Phone", "phone": unique_phone() });
    post("/factors", Some(access(&s)), phone).await.ok(200, "enrol a phone factor");

    // An unverified factor is removed at aal1, even with no challenge ever made.
    delete(&format!("/factors/{}", id(&third)), access(&s)).await.ok(200, "remove an unverified factor at aal1");
    // A later try can reuse a left-behind factor: its secret still verifies.
    let aal2 = step_up(&s, id(&second), second["totp"]["secret"].as_str().unwrap()).await;
    // Verifying removes the user's other unverified factors of the same type, not those of other types.
    let left = names(access(&aal2)).await;
    assert_eq!(left, [("Phone".into(), "unverified".into()), ("Second".into(), "verified".into())], "{left:?}");
    // The removed factor is gone for good.
    challenge(access(&aal2), id(&first)).await.error(404, "mfa_factor_not_found", "a challenge of the swept factor");
}

#[tokio::test]
async fn a_second_enrolment_with_the_same_friendly_name_is_refused_and_no_name_counts_as_the_name_empty() {
    let (_, email, password) = new_user("names").await;
    let s = sign_in(&email, &password).await;
    enrol_totp(access(&s), "Phone app").await;
    let msg = post("/factors", Some(access(&s)), json!({ "factor_type": "totp", "friendly_name": "Phone app" }))
        .await
        .error(422, "mfa_factor_name_conflict", "the same name again");
    assert_eq!(msg, r#"A factor with the friendly name "Phone app" for this user already exists"#);

    let unnamed = post("/factors", Some(access(&s)), json!({ "factor_type": "totp" })).await.ok(200, "no name");
    assert_eq!(unnamed["friendly_name"], "");
    post("/factors", Some(access(&s)), json!({ "factor_type": "totp" }))
        .await
        .error(422, "mfa_factor_name_conflict", "no name again");
    post("/factors", Some(access(&s)), json!({ "factor_type": "sms" }))
        .await
        .error(400, "validation_failed", "an unknown factor type");
}

#[tokio::test]
async fn ten_factors_at_most_and_old_unchallenged_unverified_ones_are_swept_at_the_next_enrolment() {
    let (user, email, password) = new_user("limit").await;
    let s = sign_in(&email, &password).await;
    let mut enrolled = Vec::new();
    for n in 0..10 {
        enrolled.push(enrol_totp(access(&s), &format!("f{n}")).await);
    }
    let msg = post("/factors", Some(access(&s)), json!({ "factor_type": "totp", "friendly_name": "f10" }))
        .await
        .error(422, "too_many_enrolled_mfa_factors", "an eleventh factor");
    assert_eq!(msg, "Maximum number of verified factors reached, unenroll to continue");

    // Unverified factors older than GOTRUE_MFA_FACTOR_EXPIRY_DURATION (300 s, also the minimum) and never
    // challenged are deleted by the next enrolment of any user; a challenged one stays.
    challenge(access(&s), id(&enrolled[0])).await.ok(200, "challenge f0");
    sql("update auth.mfa_factors set created_at = created_at - interval '301 seconds' where user_id = :'user'", &[("user", &user)]);
    enrol_totp(access(&s), "f10").await;
    assert_eq!(names(access(&s)).await, [("f0".into(), "unverified".into()), ("f10".into(), "unverified".into())]);
}
