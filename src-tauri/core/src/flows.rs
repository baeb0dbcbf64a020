//! GoTrue's sign-up, e-mail OTP/magic-link, PKCE exchange, recovery, user and settings endpoints: typed replies or typed `AuthError`s, never a logged token.

use crate::api::{parse_grant, GoTrue, Grant, UserReply};
use crate::error::AuthError;
use crate::pkce::AuthCode;
use crate::secret::AccessToken;
use crate::session::User;
use serde::Deserialize;
use serde_json::json;

/// What `/signup` gave back.
#[derive(Debug)]
pub enum SignUp {
    /// Autoconfirm (or an already-confirmed user): signed in.
    Session(Grant),
    /// A confirmation e-mail is on its way; no session yet.
    ConfirmationSent,
}

/// The `type` of an e-mail OTP for `POST /verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtpKind {
    /// Either a sign-up or a magic-link code (GoTrue checks both).
    Email,
    MagicLink,
    Signup,
    Recovery,
    Invite,
    EmailChange,
}

impl OtpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OtpKind::Email => "email",
            OtpKind::MagicLink => "magiclink",
            OtpKind::Signup => "signup",
            OtpKind::Recovery => "recovery",
            OtpKind::Invite => "invite",
            OtpKind::EmailChange => "email_change",
        }
    }
}

/// The sign-in methods a project offers (`GET /settings`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Settings {
    pub email_enabled: bool,
    pub phone_enabled: bool,
    pub anonymous_enabled: bool,
    /// Enabled external OAuth providers (`google`, `github`, …), sorted.
    pub oauth_providers: Vec<String>,
    pub signup_disabled: bool,
    pub mailer_autoconfirm: bool,
}

#[derive(Deserialize)]
struct SettingsReply {
    #[serde(default)]
    external: std::collections::BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    disable_signup: bool,
    #[serde(default)]
    mailer_autoconfirm: bool,
}

impl GoTrue {
    /// `POST /signup` with e-mail and password.
    pub async fn sign_up(&self, email: &str, password: &str, redirect_to: Option<&str>) -> Result<SignUp, AuthError> {
        let req = self.http.post(self.url_with_redirect("/signup", redirect_to)).json(&json!({ "email": email, "password": password }));
        let body = self.body(self.send(req).await?).await?;
        let value: serde_json::Value =
            serde_json::from_slice(&body).map_err(|_| AuthError::MalformedResponse("sign-up reply: not JSON".into()))?;
        if value.get("access_token").is_some() {
            parse_grant(&body).map(SignUp::Session)
        } else if value.get("id").is_some() {
            Ok(SignUp::ConfirmationSent)
        } else {
            Err(AuthError::MalformedResponse("sign-up reply: neither a session nor a user".into()))
        }
    }

    /// `POST /otp`: e-mails a one-time code and a magic link. With `pkce_challenge`, the link returns `?code=`.
    pub async fn send_email_otp(
        &self,
        email: &str,
        create_user: bool,
        redirect_to: Option<&str>,
        pkce_challenge: Option<&str>,
    ) -> Result<(), AuthError> {
        let mut body = json!({ "email": email, "create_user": create_user });
        add_challenge(&mut body, pkce_challenge);
        self.send(self.http.post(self.url_with_redirect("/otp", redirect_to)).json(&body)).await.map(drop)
    }

    /// `POST /verify` with an e-mail OTP code: signs in.
    pub async fn verify_email_otp(&self, email: &str, code: &str, kind: OtpKind) -> Result<Grant, AuthError> {
        let body = json!({ "type": kind.as_str(), "token": code, "email": email });
        let reply = self.send(self.http.post(format!("{}/verify", self.auth_url)).json(&body)).await?;
        parse_grant(&self.body(reply).await?)
    }

    /// `POST /token?grant_type=pkce`: exchanges a validated callback's code (single use on both sides).
    pub async fn exchange_pkce(&self, code: AuthCode) -> Result<Grant, AuthError> {
        self.token("pkce", json!({ "auth_code": code.code(), "code_verifier": code.verifier() })).await
    }

    /// `POST /recover`: e-mails a password-recovery link (the server answers the same for unknown e-mails).
    pub async fn recover(&self, email: &str, redirect_to: Option<&str>, pkce_challenge: Option<&str>) -> Result<(), AuthError> {
        let mut body = json!({ "email": email });
        add_challenge(&mut body, pkce_challenge);
        self.send(self.http.post(self.url_with_redirect("/recover", redirect_to)).json(&body)).await.map(drop)
    }

    /// `PUT /user {password}`. The server ends every other session of the user.
    pub async fn update_password(&self, access_token: &AccessToken, new_password: &str) -> Result<User, AuthError> {
        let req = self.http.put(format!("{}/user", self.auth_url)).bearer_auth(access_token.expose()).json(&json!({ "password": new_password }));
        let reply = self.send(req).await?;
        parse_user(&self.body(reply).await?)
    }

    /// `GET /user`: the server's view of the token's user (fails once the session is gone).
    pub async fn get_user(&self, access_token: &AccessToken) -> Result<User, AuthError> {
        let reply = self.send(self.http.get(format!("{}/user", self.auth_url)).bearer_auth(access_token.expose())).await?;
        parse_user(&self.body(reply).await?)
    }

    /// `GET /settings`: which sign-in methods are on.
    pub async fn settings(&self) -> Result<Settings, AuthError> {
        let reply = self.send(self.http.get(format!("{}/settings", self.auth_url))).await?;
        let body = self.body(reply).await?;
        let s: SettingsReply =
            serde_json::from_slice(&body).map_err(|_| AuthError::MalformedResponse("settings reply: missing or wrong fields".into()))?;
        let on = |name: &str| s.external.get(name).and_then(|v| v.as_bool()).unwrap_or(false);
        let oauth_providers = s
            .external
            .iter()
            .filter(|(name, v)| !matches!(name.as_str(), "email" | "phone" | "anonymous_users") && v.as_bool() == Some(true))
            .map(|(name, _)| name.clone())
            .collect();
        Ok(Settings {
            email_enabled: on("email"),
            phone_enabled: on("phone"),
            anonymous_enabled: on("anonymous_users"),
            oauth_providers,
            signup_disabled: s.disable_signup,
            mailer_autoconfirm: s.mailer_autoconfirm,
        })
    }

    fn url_with_redirect(&self, path: &str, redirect_to: Option<&str>) -> String {
        let mut url = format!("{}{path}", self.auth_url);
        if let Some(r) = redirect_to {
            url.push_str("?redirect_to=");
            url.extend(url::form_urlencoded::byte_serialize(r.as_bytes()));
        }
        url
    }

    async fn body(&self, reply: reqwest::Response) -> Result<Vec<u8>, AuthError> {
        reply.bytes().await.map(|b| b.to_vec()).map_err(|e| AuthError::Unreachable {
            url: self.auth_url.clone(),
            detail: if e.is_timeout() { "timed out".into() } else { "the reply was cut off".into() },
        })
    }
}

fn add_challenge(body: &mut serde_json::Value, challenge: Option<&str>) {
    if let Some(c) = challenge {
        body["code_challenge"] = json!(c);
        body["code_challenge_method"] = json!("s256");
    }
}

fn parse_user(body: &[u8]) -> Result<User, AuthError> {
    let u: UserReply =
        serde_json::from_slice(body).map_err(|_| AuthError::MalformedResponse("user reply: missing or wrong fields".into()))?;
    Ok(User { id: u.id, email: u.email.unwrap_or_default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_and_otp_kinds_parse() {
        let u = parse_user(br#"{"id":"u1","email":"a@b.c","aud":"authenticated"}"#).unwrap();
        assert_eq!(u, User { id: "u1".into(), email: "a@b.c".into() });
        assert_eq!(parse_user(b"<html>").unwrap_err().code(), "malformed_response");
        assert_eq!(OtpKind::MagicLink.as_str(), "magiclink");
    }

    #[test]
    fn redirects_are_query_encoded() {
        let g = GoTrue::new("http://127.0.0.1:1/auth/v1/", "anon", &crate::net::Network::default()).unwrap();
        assert_eq!(
            g.url_with_redirect("/otp", Some("latchkey://auth/callback?lk_state=a&b")),
            "http://127.0.0.1:1/auth/v1/otp?redirect_to=latchkey%3A%2F%2Fauth%2Fcallback%3Flk_state%3Da%26b"
        );
    }
}
