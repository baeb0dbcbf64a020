//! The client that speaks GoTrue over HTTPS (or loopback HTTP): each route's body and reply, over one [`Transport`]
//! (the `apikey` header, server errors, redirects refused, unreachable servers named).

use super::calls::{AuthApi, Challenge, Enrolment, Grant, LogoutScope, NewFactor, OtpKind, ServerSettings, SignUp, UserChange};
use super::factors;
use super::replies::{parse_grant, parse_settings, parse_sso_url, parse_user};
use super::transport::Transport;
use crate::browser_sign_in::SsoTarget;
use crate::error::AuthError;
use crate::jwt::KeySource;
use crate::net::Network;
use crate::pkce::AuthCode;
use crate::secret::{AccessToken, RefreshToken};
use crate::session::User;
use serde_json::json;

/// GoTrue over HTTPS (or loopback HTTP), at `<project>/auth/v1`.
#[derive(Clone)]
pub struct GoTrue {
    t: Transport,
}

impl GoTrue {
    /// The client trusts the OS store plus `network`'s extra CAs and uses its proxy (see [`crate::net`]).
    pub fn new(auth_url: &str, anon_key: &str, network: &Network) -> Result<Self, AuthError> {
        Ok(GoTrue { t: Transport::new(auth_url, anon_key, network)? })
    }

    /// `POST /signup` with e-mail and password.
    pub async fn sign_up(&self, email: &str, password: &str, redirect_to: Option<&str>) -> Result<SignUp, AuthError> {
        let req = self.t.http().post(self.t.url_with_redirect("/signup", redirect_to)).json(&json!({ "email": email, "password": password }));
        let body = self.t.body(self.t.send(req).await?).await?;
        let value: serde_json::Value =
            serde_json::from_slice(&body).map_err(|_| AuthError::MalformedResponse("sign-up reply: not JSON".into()))?;
        if value.get("access_token").is_some() {
            parse_grant(&body).map(|grant| SignUp::Session(Box::new(grant)))
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
        self.t.send(self.t.http().post(self.t.url_with_redirect("/otp", redirect_to)).json(&body)).await.map(drop)
    }

    /// `POST /verify` with an e-mail OTP code: signs in.
    pub async fn verify_email_otp(&self, email: &str, code: &str, kind: OtpKind) -> Result<Grant, AuthError> {
        let body = json!({ "type": kind.as_str(), "token": code, "email": email });
        let reply = self.t.send(self.t.http().post(format!("{}/verify", self.t.auth_url())).json(&body)).await?;
        parse_grant(&self.t.body(reply).await?)
    }

    /// `POST /token?grant_type=pkce`: exchanges a validated callback's code (single use on both sides).
    pub async fn exchange_pkce(&self, code: AuthCode) -> Result<Grant, AuthError> {
        self.t.token("pkce", json!({ "auth_code": code.code(), "code_verifier": code.verifier() })).await
    }

    /// `POST /sso` with `skip_http_redirect`: the identity provider's SAML sign-in URL for `target`, returning to
    /// `redirect_to` with a PKCE code. An unknown domain or provider is `sso_provider_not_found` (404).
    pub async fn sso(&self, target: &SsoTarget, redirect_to: &str, pkce_challenge: &str) -> Result<String, AuthError> {
        let mut body = json!({ "redirect_to": redirect_to, "skip_http_redirect": true });
        match target {
            SsoTarget::Domain(domain) => body["domain"] = json!(domain),
            SsoTarget::ProviderId(id) => body["provider_id"] = json!(id),
        }
        add_challenge(&mut body, Some(pkce_challenge));
        let reply = self.t.send(self.t.http().post(format!("{}/sso", self.t.auth_url())).json(&body)).await?;
        parse_sso_url(&self.t.body(reply).await?)
    }

    /// `POST /recover`: e-mails a password-recovery link (the server answers the same for unknown e-mails).
    pub async fn recover(&self, email: &str, redirect_to: Option<&str>, pkce_challenge: Option<&str>) -> Result<(), AuthError> {
        let mut body = json!({ "email": email });
        add_challenge(&mut body, pkce_challenge);
        self.t.send(self.t.http().post(self.t.url_with_redirect("/recover", redirect_to)).json(&body)).await.map(drop)
    }

    /// `GET /user`: the server's view of the token's user (fails once the session is gone).
    pub async fn get_user(&self, access_token: &AccessToken) -> Result<User, AuthError> {
        let reply = self.t.send(self.t.http().get(format!("{}/user", self.t.auth_url())).bearer_auth(access_token.expose())).await?;
        parse_user(&self.t.body(reply).await?)
    }

    /// `GET /settings`: which sign-in methods are on.
    pub async fn settings(&self) -> Result<ServerSettings, AuthError> {
        let reply = self.t.get("/settings").await?;
        parse_settings(&self.t.body(reply).await?)
    }

    /// `GET <path>` (e.g. `/health`), for what needs no sign-in.
    pub(super) async fn get(&self, path: &str) -> Result<reqwest::Response, AuthError> {
        self.t.get(path).await
    }

    /// `GET /.well-known/jwks.json`: the raw `keys` array.
    pub async fn jwks(&self) -> Result<Vec<serde_json::Value>, AuthError> {
        let body: serde_json::Value =
            self.t.get("/.well-known/jwks.json").await?.json().await.map_err(|_| AuthError::MalformedResponse("JWKS: not JSON".into()))?;
        match body.get("keys").and_then(|k| k.as_array()) {
            Some(keys) => Ok(keys.clone()),
            None => Err(AuthError::MalformedResponse("JWKS: no `keys` array".into())),
        }
    }
}

fn add_challenge(body: &mut serde_json::Value, challenge: Option<&str>) {
    if let Some(c) = challenge {
        body["code_challenge"] = json!(c);
        body["code_challenge_method"] = json!("s256");
    }
}

impl AuthApi for GoTrue {
    async fn password_grant(&self, email: &str, password: &str) -> Result<Grant, AuthError> {
        self.t.token("password", serde_json::json!({ "email": email, "password": password })).await
    }

    async fn refresh_grant(&self, token: &RefreshToken) -> Result<Grant, AuthError> {
        self.t.token("refresh_token", serde_json::json!({ "refresh_token": token.expose() })).await
    }

    async fn logout(&self, token: &AccessToken, scope: LogoutScope) -> Result<(), AuthError> {
        let scope = match scope {
            LogoutScope::Local => "local",
            LogoutScope::Global => "global",
            LogoutScope::Others => "others",
        };
        let url = format!("{}/logout?scope={scope}", self.t.auth_url());
        self.t.send(self.t.http().post(&url).bearer_auth(token.expose())).await.map(drop)
    }

    async fn fetch_user(&self, token: &AccessToken) -> Result<User, AuthError> {
        self.get_user(token).await
    }

    fn auth_url(&self) -> &str {
        self.t.auth_url()
    }

    async fn sign_up(&self, email: &str, password: &str, redirect_to: &str) -> Result<SignUp, AuthError> {
        GoTrue::sign_up(self, email, password, Some(redirect_to)).await
    }

    async fn send_email_code(&self, email: &str, create_user: bool, redirect_to: &str, challenge: &str) -> Result<(), AuthError> {
        self.send_email_otp(email, create_user, Some(redirect_to), Some(challenge)).await
    }

    async fn verify_email_code(&self, email: &str, code: &str) -> Result<Grant, AuthError> {
        self.verify_email_otp(email, code, OtpKind::Email).await
    }

    async fn exchange_code(&self, code: AuthCode) -> Result<Grant, AuthError> {
        self.exchange_pkce(code).await
    }

    async fn start_sso(&self, target: &SsoTarget, redirect_to: &str, challenge: &str) -> Result<String, AuthError> {
        self.sso(target, redirect_to, challenge).await
    }

    async fn recover(&self, email: &str, redirect_to: &str, challenge: &str) -> Result<(), AuthError> {
        GoTrue::recover(self, email, Some(redirect_to), Some(challenge)).await
    }

    async fn update_user(&self, token: &AccessToken, change: &UserChange) -> Result<User, AuthError> {
        factors::update_user(&self.t, token, change).await
    }

    async fn enrol_factor(&self, token: &AccessToken, factor: &NewFactor) -> Result<Enrolment, AuthError> {
        factors::enrol(&self.t, token, factor).await
    }

    async fn challenge_factor(&self, token: &AccessToken, factor_id: &str) -> Result<Challenge, AuthError> {
        factors::challenge(&self.t, token, factor_id).await
    }

    async fn verify_factor(&self, token: &AccessToken, factor_id: &str, challenge_id: &str, code: &str) -> Result<Grant, AuthError> {
        factors::verify(&self.t, token, factor_id, challenge_id, code).await
    }

    async fn unenrol_factor(&self, token: &AccessToken, factor_id: &str) -> Result<(), AuthError> {
        factors::unenrol(&self.t, token, factor_id).await
    }

    async fn send_phone_code(&self, phone: &str, create_user: bool) -> Result<(), AuthError> {
        factors::send_phone_otp(&self.t, phone, create_user).await
    }

    async fn verify_phone_code(&self, phone: &str, code: &str) -> Result<Grant, AuthError> {
        factors::verify_phone_otp(&self.t, phone, code).await
    }
}

impl KeySource for GoTrue {
    async fn fetch_jwks(&self) -> Result<Vec<serde_json::Value>, AuthError> {
        self.jwks().await
    }

    async fn check_with_server(&self, token: &AccessToken) -> Result<(), AuthError> {
        self.get_user(token).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    type Heard = Arc<std::sync::Mutex<Option<String>>>;

    /// Answers one request on a local port with `reply`, after noting what it heard in `heard`.
    async fn one_reply(listener: tokio::net::TcpListener, reply: String, heard: Heard) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(&seen).contains("\r\n\r\n") {
            let n = socket.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
        }
        *heard.lock().unwrap() = Some(String::from_utf8_lossy(&seen).into_owned());
        socket.write_all(reply.as_bytes()).await.unwrap();
    }

    #[tokio::test]
    async fn a_redirect_is_never_followed_and_names_its_location() {
        let elsewhere = tokio::net::TcpListener::bind("127.0.0.2:0").await.unwrap();
        let location = format!("http://127.0.0.2:{}/steal", elsewhere.local_addr().unwrap().port());
        let other_host_heard = Heard::default();
        tokio::spawn(one_reply(elsewhere, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n".into(), other_host_heard.clone()));
        let server = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = server.local_addr().unwrap().port();
        let redirect = format!("HTTP/1.1 307 Temporary Redirect\r\nlocation: {location}\r\ncontent-length: 0\r\n\r\n");
        tokio::spawn(one_reply(server, redirect, Heard::default()));
        let g = GoTrue::new(&format!("http://127.0.0.1:{port}/auth/v1"), "anon", &Network::default()).unwrap();
        let result = g.password_grant("a@b.c", "the-password").await;
        // A followed redirect would have been answered (so heard) before the call returned.
        assert_eq!(*other_host_heard.lock().unwrap(), None, "the request was resent to another host");
        let e = result.unwrap_err();
        assert_eq!(e.code(), "malformed_response", "{e}");
        assert!(e.to_string().contains(&location), "the message names where it pointed: {e}");
    }

    #[test]
    fn redirects_are_query_encoded() {
        let g = GoTrue::new("http://127.0.0.1:1/auth/v1/", "anon", &Network::default()).unwrap();
        assert_eq!(
            g.t.url_with_redirect("/otp", Some("latchkey://auth/callback?lk_state=a&b")),
            "http://127.0.0.1:1/auth/v1/otp?redirect_to=latchkey%3A%2F%2Fauth%2Fcallback%3Flk_state%3Da%26b"
        );
    }
}
