//! The only code that speaks GoTrue's HTTP protocol; every reply is either a typed value or a typed `AuthError`.

use crate::config::Config;
use crate::error::AuthError;
use crate::flows::{OtpKind, SignUp};
use crate::net::{self, Network};
use crate::pkce::AuthCode;
use crate::secret::{AccessToken, RefreshToken};
use crate::session::{Session, User};
use serde::Deserialize;
use std::future::Future;

/// Which sessions `/logout` ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoutScope {
    Local,
    Global,
    Others,
}

/// A successful token grant, before it becomes a `Session`.
#[derive(Debug)]
pub struct Grant {
    pub access_token: AccessToken,
    pub refresh_token: RefreshToken,
    pub expires_in: i64,
    pub session_id: Option<String>,
    pub user: User,
    /// The server's clock when it answered (`Date`), if it said: `exp` is checked against it, not the local clock.
    pub server_time: Option<i64>,
}

impl Grant {
    /// Expiry is local receipt time + `expires_in`, so a skewed local clock cannot shorten or stretch it.
    pub fn into_session(self, now: i64, signed_in_at: i64) -> Session {
        Session {
            access_token: self.access_token,
            refresh_token: self.refresh_token,
            access_expires_at: now + self.expires_in,
            session_id: self.session_id,
            user: self.user,
            signed_in_at,
            last_refresh_at: (now != signed_in_at).then_some(now),
        }
    }
}

/// The Supabase Auth API, injected so tests can count or fake requests.
pub trait AuthApi: Send + Sync + 'static {
    fn password_grant(&self, email: &str, password: &str) -> impl Future<Output = Result<Grant, AuthError>> + Send;
    fn refresh_grant(&self, token: &RefreshToken) -> impl Future<Output = Result<Grant, AuthError>> + Send;
    fn logout(&self, token: &AccessToken, scope: LogoutScope) -> impl Future<Output = Result<(), AuthError>> + Send;
    /// `GET /user`: who the token belongs to; fails once the session was ended elsewhere.
    fn fetch_user(&self, token: &AccessToken) -> impl Future<Output = Result<User, AuthError>> + Send;

    // The flows below have defaults so that test doubles need only the four calls above.

    /// Where `/authorize` lives, for OAuth URLs.
    fn auth_url(&self) -> &str {
        ""
    }
    fn sign_up(&self, _email: &str, _password: &str, _redirect_to: &str) -> impl Future<Output = Result<SignUp, AuthError>> + Send {
        async { Err(unsupported()) }
    }
    /// E-mails a code and a PKCE magic link.
    fn send_email_code(&self, _email: &str, _create_user: bool, _redirect_to: &str, _challenge: &str) -> impl Future<Output = Result<(), AuthError>> + Send {
        async { Err(unsupported()) }
    }
    fn verify_email_code(&self, _email: &str, _code: &str) -> impl Future<Output = Result<Grant, AuthError>> + Send {
        async { Err(unsupported()) }
    }
    fn exchange_code(&self, _code: AuthCode) -> impl Future<Output = Result<Grant, AuthError>> + Send {
        async { Err(unsupported()) }
    }
    fn recover(&self, _email: &str, _redirect_to: &str, _challenge: &str) -> impl Future<Output = Result<(), AuthError>> + Send {
        async { Err(unsupported()) }
    }
    fn update_password(&self, _token: &AccessToken, _password: &str) -> impl Future<Output = Result<User, AuthError>> + Send {
        async { Err(unsupported()) }
    }
}

fn unsupported() -> AuthError {
    AuthError::Unsupported
}

/// GoTrue over HTTPS (or loopback HTTP), at `<project>/auth/v1`.
#[derive(Clone)]
pub struct GoTrue {
    pub(crate) http: reqwest::Client,
    pub(crate) auth_url: String,
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
            proxy: network.proxy.as_deref().map(net::redact_proxy),
        })
    }

    /// The project, trust and proxy of the effective configuration.
    pub fn from_config(config: &Config) -> Result<Self, AuthError> {
        GoTrue::new(&config.auth_url, &config.anon_key, &Network::from_config(config))
    }

    pub(crate) async fn token(&self, grant_type: &str, body: serde_json::Value) -> Result<Grant, AuthError> {
        let url = format!("{}/token?grant_type={grant_type}", self.auth_url);
        let reply = self.send(self.http.post(&url).json(&body)).await?;
        let server_time = server_time(&reply);
        let grant = parse_grant(&reply.bytes().await.map_err(|e| self.unreachable(e))?)?;
        Ok(Grant { server_time, ..grant })
    }

    /// Sends with the `apikey` header; non-2xx replies become `AuthError::Server`.
    pub(crate) async fn send(&self, req: reqwest::RequestBuilder) -> Result<reqwest::Response, AuthError> {
        let reply = req.header("apikey", &self.anon_key).send().await.map_err(|e| self.unreachable(e))?;
        if reply.status().is_success() {
            return Ok(reply);
        }
        let status = reply.status().as_u16();
        if status == 429 {
            let retry_after_secs = reply.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(parse_retry_after);
            return Err(AuthError::RateLimited { retry_after_secs, message: "the sign-in server asks Latchkey to slow down".into() });
        }
        let header_code = reply.headers().get("x-sb-error-code").and_then(|v| v.to_str().ok()).map(str::to_string);
        let body = reply.bytes().await.unwrap_or_default();
        Err(server_error(status, header_code, &body))
    }

    /// No usable answer: a refused certificate, an unreachable proxy, or an unreachable server, each named.
    pub(crate) fn unreachable(&self, e: reqwest::Error) -> AuthError {
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

    async fn recover(&self, email: &str, redirect_to: &str, challenge: &str) -> Result<(), AuthError> {
        GoTrue::recover(self, email, Some(redirect_to), Some(challenge)).await
    }

    async fn update_password(&self, token: &AccessToken, password: &str) -> Result<User, AuthError> {
        GoTrue::update_password(self, token, password).await
    }
}

/// What `doctor` learns from the server without signing in.
#[derive(Debug, serde::Serialize)]
pub struct ServerReport {
    pub auth_url: String,
    pub reachable: bool,
    pub latency_ms: Option<f64>,
    /// GoTrue's version string from `/health`.
    pub version: Option<String>,
    /// Server clock minus local clock, in seconds, from the `Date` header (±1 s resolution).
    pub clock_skew_secs: Option<i64>,
    /// Public keys served at `/.well-known/jwks.json` (0 means an HS256-only project).
    pub jwks_keys: Option<usize>,
    pub error: Option<String>,
    /// The error's stable code, e.g. `tls_untrusted`, `proxy_unreachable`, `server_unreachable`.
    pub error_code: Option<String>,
}

impl GoTrue {
    /// Checks `/health` and the JWKS, and estimates clock skew from the `Date` header.
    pub async fn probe(&self, local_now: i64) -> ServerReport {
        let mut report = ServerReport {
            auth_url: self.auth_url.clone(),
            reachable: false,
            latency_ms: None,
            version: None,
            clock_skew_secs: None,
            jwks_keys: None,
            error: None,
            error_code: None,
        };
        let started = std::time::Instant::now();
        match self.send(self.http.get(format!("{}/health", self.auth_url))).await {
            Ok(reply) => {
                report.reachable = true;
                report.latency_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
                report.clock_skew_secs = server_time(&reply).map(|t| t - local_now);
                let body: serde_json::Value = reply.json().await.unwrap_or_default();
                report.version = body["version"].as_str().map(str::to_string);
            }
            Err(e) => {
                report.error = Some(format!("{} ({})", e, e.code()));
                report.error_code = Some(e.code().to_string());
            }
        }
        if report.reachable {
            if let Ok(reply) = self.send(self.http.get(format!("{}/.well-known/jwks.json", self.auth_url))).await {
                let body: serde_json::Value = reply.json().await.unwrap_or_default();
                report.jwks_keys = body["keys"].as_array().map(Vec::len);
            }
        }
        report
    }
}

/// `Retry-After` is either seconds or an HTTP date.
fn parse_retry_after(value: &str) -> Option<u64> {
    value.trim().parse().ok().or_else(|| {
        let at = httpdate::parse_http_date(value).ok()?;
        Some(at.duration_since(std::time::SystemTime::now()).map(|d| d.as_secs()).unwrap_or(0))
    })
}

/// The server's clock, from the `Date` response header, in unix seconds.
pub fn server_time(reply: &reqwest::Response) -> Option<i64> {
    let date = reply.headers().get(reqwest::header::DATE)?.to_str().ok()?;
    let t = httpdate::parse_http_date(date).ok()?;
    t.duration_since(std::time::UNIX_EPOCH).ok().map(|d| d.as_secs() as i64)
}

/// The longest token lifetime a reply may claim (ten years): beyond it `expires_in` is not a lifetime, and the
/// session's expiry (`now + expires_in`, then milliseconds) would overflow.
pub const MAX_EXPIRES_IN_SECS: i64 = 10 * 365 * 86_400;

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
    refresh_token: String,
    expires_in: i64,
    user: UserReply,
}

#[derive(Deserialize)]
pub(crate) struct UserReply {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) email: Option<String>,
}

#[derive(Deserialize)]
struct Claims {
    session_id: Option<String>,
}

/// Parses a `/token` success body. Messages name what was wrong, never the body itself.
pub fn parse_grant(body: &[u8]) -> Result<Grant, AuthError> {
    let reply: TokenReply = serde_json::from_slice(body)
        .map_err(|e| AuthError::MalformedResponse(format!("token reply: {}", describe_json_error(&e))))?;
    if reply.access_token.is_empty() || reply.refresh_token.is_empty() || !(1..=MAX_EXPIRES_IN_SECS).contains(&reply.expires_in) {
        return Err(AuthError::MalformedResponse("token reply: empty token, or expires_in not between 1 s and ten years".into()));
    }
    let claims = jsonwebtoken::dangerous::insecure_decode::<Claims>(&reply.access_token)
        .map_err(|_| AuthError::MalformedResponse("access token is not a JWT".into()))?;
    Ok(Grant {
        access_token: AccessToken::new(reply.access_token),
        refresh_token: RefreshToken::new(reply.refresh_token),
        expires_in: reply.expires_in,
        session_id: claims.claims.session_id,
        user: User { id: reply.user.id, email: reply.user.email.unwrap_or_default() },
        server_time: None,
    })
}

fn describe_json_error(e: &serde_json::Error) -> String {
    match e.classify() {
        serde_json::error::Category::Data => "missing or wrong fields".into(),
        serde_json::error::Category::Eof => "truncated".into(),
        _ => "not JSON".into(),
    }
}

#[derive(Deserialize, Default)]
struct ErrorReply {
    error_code: Option<String>,
    // 2024-01-01 API format puts the string code in `code`.
    code: Option<serde_json::Value>,
    msg: Option<String>,
    message: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Maps a GoTrue error reply (either body format, or none) to `AuthError::Server`.
pub fn server_error(status: u16, header_code: Option<String>, body: &[u8]) -> AuthError {
    let reply: ErrorReply = serde_json::from_slice(body).unwrap_or_default();
    let body_code = reply.code.as_ref().and_then(|c| c.as_str().map(str::to_string));
    let code = header_code.or(reply.error_code).or(body_code).or(reply.error).unwrap_or_else(|| "unknown".into());
    let message = reply
        .msg
        .or(reply.message)
        .or(reply.error_description)
        .unwrap_or_else(|| format!("the sign-in server answered HTTP {status}"));
    AuthError::Server { status, code, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    // header {"alg":"ES256"} . {"session_id":"s-1"} . sig
    const JWT: &str = "eyJhbGciOiJFUzI1NiJ9.eyJzZXNzaW9uX2lkIjoicy0xIn0.c2ln";

    #[test]
    fn parses_a_grant_and_reads_the_session_id() {
        let body = format!(r#"{{"access_token":"{JWT}","refresh_token":"r","expires_in":60,"expires_at":1,"token_type":"bearer","user":{{"id":"u","email":"e@x"}}}}"#);
        let g = parse_grant(body.as_bytes()).unwrap();
        assert_eq!(g.session_id.as_deref(), Some("s-1"));
        assert_eq!(g.into_session(100, 50).access_expires_at, 160);
    }

    #[test]
    fn malformed_grants_are_named_errors() {
        for body in [&b"<html>502</html>"[..], b"{}", b"{\"access_token\":", br#"{"access_token":"x","refresh_token":"r","expires_in":60,"user":{"id":"u"}}"#] {
            let e = parse_grant(body).unwrap_err();
            assert_eq!(e.code(), "malformed_response", "{body:?}");
        }
    }

    /// Found by fuzzing (tests/fuzz, token_response): `expires_in` near i64::MAX overflowed `now + expires_in`.
    #[test]
    fn an_absurd_expires_in_is_a_named_error_not_an_overflow() {
        for expires_in in [i64::MAX, MAX_EXPIRES_IN_SECS + 1] {
            let body = format!(r#"{{"access_token":"{JWT}","refresh_token":"r","expires_in":{expires_in},"user":{{"id":"u"}}}}"#);
            assert_eq!(parse_grant(body.as_bytes()).unwrap_err().code(), "malformed_response", "{expires_in}");
        }
        let body = format!(r#"{{"access_token":"{JWT}","refresh_token":"r","expires_in":{MAX_EXPIRES_IN_SECS},"user":{{"id":"u"}}}}"#);
        let g = parse_grant(body.as_bytes()).unwrap();
        assert_eq!(g.into_session(i64::from(u32::MAX), 0).access_expires_at, i64::from(u32::MAX) + MAX_EXPIRES_IN_SECS);
    }

    #[test]
    fn error_codes_come_from_header_or_either_body_format() {
        let e = server_error(400, None, br#"{"code":400,"error_code":"invalid_credentials","msg":"Invalid login credentials"}"#);
        assert_eq!((e.code(), e.to_string().as_str()), ("invalid_credentials", "Invalid login credentials"));
        let e = server_error(400, None, br#"{"code":"refresh_token_not_found","message":"gone"}"#);
        assert_eq!(e.code(), "refresh_token_not_found");
        let e = server_error(429, Some("over_request_rate_limit".into()), b"");
        assert_eq!(e.code(), "over_request_rate_limit");
        let e = server_error(502, None, b"<html>bad gateway</html>");
        assert_eq!(e.code(), "server_error");
    }
}
