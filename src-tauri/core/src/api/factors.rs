//! GoTrue's second-factor and account routes (`/factors`, `PUT /user`, phone codes) over the [`Transport`]. The TOTP
//! secret of an enrolment is a `TotpSecret` from the moment it is parsed.

use super::calls::{Challenge, Enrolment, Grant, NewFactor, TotpKey, UserChange};
use super::replies::parse_user;
use super::transport::Transport;
use crate::assurance::FactorType;
use crate::error::AuthError;
use crate::secret::{AccessToken, TotpSecret};
use crate::session::User;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
struct EnrolReply {
    id: String,
    #[serde(rename = "type")]
    factor_type: String,
    #[serde(default)]
    totp: Option<TotpReply>,
}

#[derive(Deserialize)]
struct TotpReply {
    secret: String,
    uri: String,
}

#[derive(Deserialize)]
struct ChallengeReply {
    id: String,
    expires_at: i64,
}

fn malformed(what: &str) -> AuthError {
    AuthError::MalformedResponse(format!("{what} reply: missing or wrong fields"))
}

/// `POST /factors`.
pub(super) async fn enrol(t: &Transport, token: &AccessToken, factor: &NewFactor) -> Result<Enrolment, AuthError> {
    let body = match factor {
        NewFactor::Totp { friendly_name, issuer } => json!({ "factor_type": "totp", "friendly_name": friendly_name, "issuer": issuer }),
        NewFactor::Phone { friendly_name, phone } => json!({ "factor_type": "phone", "friendly_name": friendly_name, "phone": phone }),
    };
    let reply = t.send(t.http().post(t.url("/factors")).bearer_auth(token.expose()).json(&body)).await?;
    let r: EnrolReply = serde_json::from_slice(&t.body(reply).await?).map_err(|_| malformed("enrolment"))?;
    let factor_type = FactorType::parse(&r.factor_type).map_err(|_| malformed("enrolment"))?;
    if factor_type != factor.factor_type() || (factor_type == FactorType::Totp) != r.totp.is_some() {
        return Err(malformed("enrolment"));
    }
    let totp = r.totp.map(|t| TotpKey { secret: TotpSecret::new(t.secret), uri: TotpSecret::new(t.uri) });
    Ok(Enrolment { id: r.id, factor_type, totp })
}

/// `POST /factors/{id}/challenge` (a phone factor's code is texted now).
pub(super) async fn challenge(t: &Transport, token: &AccessToken, factor_id: &str) -> Result<Challenge, AuthError> {
    let url = t.url(&format!("/factors/{}/challenge", segment(factor_id)));
    let reply = t.send(t.http().post(url).bearer_auth(token.expose()).json(&json!({}))).await?;
    let r: ChallengeReply = serde_json::from_slice(&t.body(reply).await?).map_err(|_| malformed("challenge"))?;
    Ok(Challenge { id: r.id, expires_at: r.expires_at })
}

/// `POST /factors/{id}/verify`: the same session, now at aal2, with a new refresh token.
pub(super) async fn verify(t: &Transport, token: &AccessToken, factor_id: &str, challenge_id: &str, code: &str) -> Result<Grant, AuthError> {
    let url = t.url(&format!("/factors/{}/verify", segment(factor_id)));
    let body = json!({ "challenge_id": challenge_id, "code": code });
    t.grant_from(t.http().post(url).bearer_auth(token.expose()).json(&body)).await
}

/// `DELETE /factors/{id}`.
pub(super) async fn unenrol(t: &Transport, token: &AccessToken, factor_id: &str) -> Result<(), AuthError> {
    let url = t.url(&format!("/factors/{}", segment(factor_id)));
    t.send(t.http().delete(url).bearer_auth(token.expose())).await.map(drop)
}

/// `PUT /user`: the user as the server now has it.
pub(super) async fn update_user(t: &Transport, token: &AccessToken, change: &UserChange) -> Result<User, AuthError> {
    let body = match change {
        UserChange::Email(email) => json!({ "email": email }),
        UserChange::Password { password, current: Some(current) } => json!({ "password": password, "current_password": current }),
        UserChange::Password { password, current: None } => json!({ "password": password }),
    };
    let reply = t.send(t.http().put(t.url("/user")).bearer_auth(token.expose()).json(&body)).await?;
    parse_user(&t.body(reply).await?)
}

/// `POST /otp {phone}`: texts a sign-in code.
pub(super) async fn send_phone_otp(t: &Transport, phone: &str, create_user: bool) -> Result<(), AuthError> {
    let body = json!({ "phone": phone, "create_user": create_user });
    t.send(t.http().post(t.url("/otp")).json(&body)).await.map(drop)
}

/// `POST /verify {type: sms}`: signs in with a texted code.
pub(super) async fn verify_phone_otp(t: &Transport, phone: &str, code: &str) -> Result<Grant, AuthError> {
    let body = json!({ "type": "sms", "phone": phone, "token": code });
    t.grant_from(t.http().post(t.url("/verify")).json(&body)).await
}


/// A factor id as one path segment: whatever it holds, it cannot reach another route.
fn segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_factor_id_stays_one_path_segment() {
        assert_eq!(segment("0b1c-2d"), "0b1c-2d");
        assert_eq!(segment("../user?x=1"), "..%2Fuser%3Fx%3D1");
    }

    #[test]
    fn an_enrolment_never_prints_its_secret() {
        let key = TotpKey { secret: TotpSecret::new("JBSWY3DPEHPK3PXP".into()), uri: TotpSecret::new("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP".into()) };
        let e = Enrolment { id: "f".into(), factor_type: FactorType::Totp, totp: Some(key) };
        assert!(!format!("{e:?} {e:#?}").contains("JBSWY3DPEHPK3PXP"));
    }
}
