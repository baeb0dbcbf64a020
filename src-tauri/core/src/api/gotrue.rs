//! The client that speaks GoTrue over HTTPS (or loopback HTTP): the `apikey` header on every request, non-2xx replies
//! turned into `AuthError::Server`, and no answer at all turned into a named network error.

use super::replies::{parse_grant, parse_retry_after, parse_settings, parse_sso_url, parse_user, server_error, server_time};
use super::calls::{AuthApi, Grant, LogoutScope, OtpKind, ServerSettings, SignUp};
use crate::browser_sign_in::SsoTarget;
use super::factors::{Challenge, Enrolment, NewFactor, UserChange};
use crate::error::AuthError;
use crate::jwt::KeySource;
use crate::net::{self, Network};
use crate::pkce::AuthCode;
use crate::secret::{AccessToken, RefreshToken};
use crate::session::User;
use serde_json::json;

/// GoTrue over HTTPS (or loopback HTTP), at `<project>/auth/v1`.
#[derive(Clone)]
pub struct GoTrue {
    http: reqwest::Client,
    auth_url: String,
    anon_key: String,
    /// The configured proxy (password hidden), named when it cannot be reached.
    proxy: Option<String>,
}

impl GoTrue {
    /// The client trusts the OS store plus `network`'s extra CAs and uses its proxy (see [`crate::net`]).
    pub fn new(auth_url: &str, anon_key: &str, network: &Network) -> Result<Self, AuthError> {
        Ok(GoTrue {
            http: net::client(network)?,
            auth_url: auth_url.trim_end_matches('/').into(),
            anon_key: anon_key.into(),
            proxy: network.proxy.as_ref().filter(|p| !p.is_direct()).map(ToString::to_string),
        })
    }

    async fn token(&self, grant_type: &str, body: serde_json::Value) -> Result<Grant, AuthError> {
        let url = format!("{}/token?grant_type={grant_type}", self.auth_url);
        let reply = self.send(self.http.post(&url).json(&body)).await?;
        let server_time = server_time(&reply);
        let grant = parse_grant(&reply.bytes().await.map_err(|e| self.unreachable(e))?)?;
        Ok(Grant { server_time, ..grant })
    }

    pub(super) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub(super) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.auth_url)
    }

    /// Sends with the `apikey` header; non-2xx replies become `AuthError::Server`.
    pub(super) async fn send(&self, req: reqwest::RequestBuilder) -> Result<reqwest::Response, AuthError> {
        let reply = req.header("apikey", &self.anon_key).send().await.map_err(|e| self.unreachable(e))?;
        if reply.status().is_success() {
            return Ok(reply);
        }
        let status = reply.status().as_u16();
        if reply.status().is_redirection() {
            let location = reply.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("nowhere");
            return Err(AuthError::MalformedResponse(format!(
                "it answered {status}, redirecting to {location}; Latchkey does not follow redirects (they would resend what it sent), so check the project URL"
            )));
        }
        let header_code = reply.headers().get("x-sb-error-code").and_then(|v| v.to_str().ok()).map(str::to_string);
        if status == 429 && header_code.as_deref().is_none_or(|c| c == "over_request_rate_limit") {
            let retry_after_secs = reply.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(parse_retry_after);
            return Err(AuthError::RateLimited { retry_after_secs, message: "the sign-in server asks Latchkey to slow down".into() });
        }
        let body = reply.bytes().await.unwrap_or_default();
        Err(server_error(status, header_code, &body))
    }

    /// No usable answer: a refused certificate, an unreachable proxy, or an unreachable server, each named.
    fn unreachable(&self, e: reqwest::Error) -> AuthError {
        let url = self.auth_url.clone();
        if let Some(detail) = net::certificate_problem(&e) {
            return AuthError::TlsUntrusted { url, detail };
        }
        let detail = if e.is_timeout() { "timed out".to_string() } else { net::root_cause(&e) };
        match &self.proxy {
            Some(proxy) if net::no_connection(&e) => AuthError::ProxyUnreachable { proxy: proxy.clone(), url, detail },
            Some(proxy) if detail.starts_with("tunnel error") => {
                AuthError::Unreachable { url, detail: format!("the proxy {proxy} could not open a connection to it ({detail})") }
            }
            _ => AuthError::Unreachable { url, detail },
        }
    }

    /// `POST /signup` with e-mail and password.
    pub async fn sign_up(&self, email: &str, password: &str, redirect_to: Option<&str>) -> Result<SignUp, AuthError> {
        let req = self.http.post(self.url_with_redirect("/signup", redirect_to)).json(&json!({ "email": email, "password": password }));
        let body = self.body(self.send(req).await?).await?;
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

    /// `POST /sso` with `skip_http_redirect`: the identity provider's SAML sign-in URL for `target`, returning to
    /// `redirect_to` with a PKCE code. An unknown domain or provider is `sso_provider_not_found` (404).
    pub async fn sso(&self, target: &SsoTarget, redirect_to: &str, pkce_challenge: &str) -> Result<String, AuthError> {
        let mut body = json!({ "redirect_to": redirect_to, "skip_http_redirect": true });
        match target {
            SsoTarget::Domain(domain) => body["domain"] = json!(domain),
            SsoTarget::ProviderId(id) => body["provider_id"] = json!(id),
        }
        add_challenge(&mut body, Some(pkce_challenge));
        let reply = self.send(self.http.post(format!("{}/sso", self.auth_url)).json(&body)).await?;
        parse_sso_url(&self.body(reply).await?)
    }

    /// `POST /recover`: e-mails a password-recovery link (the server answers the same for unknown e-mails).
    pub async fn recover(&self, email: &str, redirect_to: Option<&str>, pkce_challenge: Option<&str>) -> Result<(), AuthError> {
        let mut body = json!({ "email": email });
        add_challenge(&mut body, pkce_challenge);
        self.send(self.http.post(self.url_with_redirect("/recover", redirect_to)).json(&body)).await.map(drop)
    }

    /// `GET /user`: the server's view of the token's user (fails once the session is gone).
    pub async fn get_user(&self, access_token: &AccessToken) -> Result<User, AuthError> {
        let reply = self.send(self.http.get(format!("{}/user", self.auth_url)).bearer_auth(access_token.expose())).await?;
        parse_user(&self.body(reply).await?)
    }

    /// `GET /settings`: which sign-in methods are on.
    pub async fn settings(&self) -> Result<ServerSettings, AuthError> {
        let reply = self.get("/settings").await?;
        parse_settings(&self.body(reply).await?)
    }

    fn url_with_redirect(&self, path: &str, redirect_to: Option<&str>) -> String {
        let mut url = format!("{}{path}", self.auth_url);
        if let Some(r) = redirect_to {
            url.push_str("?redirect_to=");
            url.extend(url::form_urlencoded::byte_serialize(r.as_bytes()));
        }
        url
    }

    pub(super) async fn body(&self, reply: reqwest::Response) -> Result<Vec<u8>, AuthError> {
        reply.bytes().await.map(|b| b.to_vec()).map_err(|e| AuthError::Unreachable {
            url: self.auth_url.clone(),
            detail: if e.is_timeout() { "timed out".into() } else { "the reply was cut off".into() },
        })
    }

    /// `GET <path>` (e.g. `/health`), for what needs no sign-in.
    pub(super) async fn get(&self, path: &str) -> Result<reqwest::Response, AuthError> {
        self.send(self.http.get(format!("{}{path}", self.auth_url))).await
    }

    /// `GET /.well-known/jwks.json`: the raw `keys` array.
    pub async fn jwks(&self) -> Result<Vec<serde_json::Value>, AuthError> {
        let body: serde_json::Value =
            self.get("/.well-known/jwks.json").await?.json().await.map_err(|_| AuthError::MalformedResponse("JWKS: not JSON".into()))?;
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
        self.token("password", serde_json::json!({ "email": email, "password": password })).await
    }

    async fn refresh_grant(&self, token: &RefreshToken) -> Result<Grant, AuthError> {
        self.token("refresh_token", serde_json::json!({ "refresh_token": token.expose() })).await
    }

    async fn logout(&self, token: &AccessToken, scope: LogoutScope) -> Result<(), AuthError> {
        let scope = match scope {
            LogoutScope::Local => "local",
            LogoutScope::Global => "global",
            LogoutScope::Others => "others",
        };
        let url = format!("{}/logout?scope={scope}", self.auth_url);
        self.send(self.http.post(&url).bearer_auth(token.expose())).await.map(drop)
    }

    async fn fetch_user(&self, token: &AccessToken) -> Result<User, AuthError> {
        self.get_user(token).await
    }

    fn auth_url(&self) -> &str {
        &self.auth_url
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
        GoTrue::update_user(self, token, change).await
    }

    async fn enrol_factor(&self, token: &AccessToken, factor: &NewFactor) -> Result<Enrolment, AuthError> {
        GoTrue::enrol_factor(self, token, factor).await
    }

    async fn challenge_factor(&self, token: &AccessToken, factor_id: &str) -> Result<Challenge, AuthError> {
        GoTrue::challenge_factor(self, token, factor_id).await
    }

    async fn verify_factor(&self, token: &AccessToken, factor_id: &str, challenge_id: &str, code: &str) -> Result<Grant, AuthError> {
        GoTrue::verify_factor(self, token, factor_id, challenge_id, code).await
    }

    async fn unenrol_factor(&self, token: &AccessToken, factor_id: &str) -> Result<(), AuthError> {
        GoTrue::unenrol_factor(self, token, factor_id).await
    }

    async fn send_phone_code(&self, phone: &str, create_user: bool) -> Result<(), AuthError> {
        self.send_phone_otp(phone, create_user).await
    }

    async fn verify_phone_code(&self, phone: &str, code: &str) -> Result<Grant, AuthError> {
        self.verify_phone_otp(phone, code).await
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
            g.url_with_redirect("/otp", Some("latchkey://auth/callback?lk_state=a&b")),
            "http://127.0.0.1:1/auth/v1/otp?redirect_to=latchkey%3A%2F%2Fauth%2Fcallback%3Flk_state%3Da%26b"
        );
    }
}
