//! GoTrue's reply bodies: a success becomes a typed value, an error reply becomes `AuthError::Server` with its code,
//! and a body in no known shape becomes a named `malformed_response`, never a panic and never the body itself.

use super::calls::{Grant, ServerSettings};
use crate::assurance::{Factor, FactorStatus, FactorType};
use crate::error::AuthError;
use crate::secret::{AccessToken, ProviderRefreshToken, ProviderToken, RefreshToken};
use crate::session::{ProviderTokens, User};
use serde::Deserialize;

/// `Retry-After` is either seconds or an HTTP date.
pub(super) fn parse_retry_after(value: &str) -> Option<u64> {
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
    #[serde(default)]
    provider_token: Option<String>,
    #[serde(default)]
    provider_refresh_token: Option<String>,
}

#[derive(Deserialize)]
struct UserReply {
    id: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    new_email: Option<String>,
    /// Absent when the user has none.
    #[serde(default)]
    factors: Option<Vec<FactorReply>>,
}

#[derive(Deserialize)]
struct FactorReply {
    id: String,
    #[serde(default)]
    friendly_name: Option<String>,
    factor_type: String,
    status: String,
    #[serde(default)]
    phone: Option<String>,
}

impl UserReply {
    /// The user as the session keeps it; a factor of a kind Latchkey does not know (a newer server's) is left out.
    fn into_user(self) -> User {
        let non_empty = |s: Option<String>| s.filter(|s| !s.is_empty());
        let factors = self.factors.unwrap_or_default().into_iter().filter_map(|f| {
            let status = match f.status.as_str() {
                "verified" => FactorStatus::Verified,
                "unverified" => FactorStatus::Unverified,
                _ => return None,
            };
            let factor_type = FactorType::parse(&f.factor_type).ok()?;
            Some(Factor { id: f.id, friendly_name: f.friendly_name.unwrap_or_default(), factor_type, status, phone: non_empty(f.phone) })
        });
        User {
            id: self.id,
            email: self.email.unwrap_or_default(),
            phone: non_empty(self.phone),
            new_email: non_empty(self.new_email),
            factors: factors.collect(),
        }
    }
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
    let given = |t: Option<String>| t.filter(|t| !t.is_empty());
    let provider_tokens = given(reply.provider_token).map(|access| ProviderTokens {
        access: ProviderToken::new(access),
        refresh: given(reply.provider_refresh_token).map(ProviderRefreshToken::new),
    });
    Ok(Grant {
        access_token: AccessToken::new(reply.access_token),
        refresh_token: RefreshToken::new(reply.refresh_token),
        expires_in: reply.expires_in,
        session_id: claims.claims.session_id,
        user: reply.user.into_user(),
        server_time: None,
        provider_tokens,
        identity: None,
        claims: None,
    })
}

#[derive(Deserialize)]
struct SsoReply {
    url: String,
}

/// Parses a `POST /sso` body (`skip_http_redirect`): the identity provider's http(s) sign-in URL.
pub(super) fn parse_sso_url(body: &[u8]) -> Result<String, AuthError> {
    let reply: SsoReply =
        serde_json::from_slice(body).map_err(|_| AuthError::MalformedResponse("SSO reply: no `url`".into()))?;
    match url::Url::parse(&reply.url) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(reply.url),
        _ => Err(AuthError::MalformedResponse("SSO reply: `url` is not an http(s) URL".into())),
    }
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

/// Parses a `/user` success body.
pub(super) fn parse_user(body: &[u8]) -> Result<User, AuthError> {
    let u: UserReply =
        serde_json::from_slice(body).map_err(|_| AuthError::MalformedResponse("user reply: missing or wrong fields".into()))?;
    Ok(u.into_user())
}

#[derive(Deserialize)]
struct SettingsReply {
    #[serde(default)]
    external: std::collections::BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    disable_signup: bool,
    #[serde(default)]
    mailer_autoconfirm: bool,
    #[serde(default)]
    saml_enabled: bool,
}

/// Parses a `/settings` body: which sign-in methods are on.
pub(super) fn parse_settings(body: &[u8]) -> Result<ServerSettings, AuthError> {
    let s: SettingsReply =
        serde_json::from_slice(body).map_err(|_| AuthError::MalformedResponse("settings reply: missing or wrong fields".into()))?;
    let on = |name: &str| s.external.get(name).and_then(|v| v.as_bool()).unwrap_or(false);
    let oauth_providers = s
        .external
        .iter()
        .filter(|(name, v)| !matches!(name.as_str(), "email" | "phone" | "anonymous_users") && v.as_bool() == Some(true))
        .map(|(name, _)| name.clone())
        .collect();
    Ok(ServerSettings {
        email_enabled: on("email"),
        phone_enabled: on("phone"),
        anonymous_enabled: on("anonymous_users"),
        oauth_providers,
        signup_disabled: s.disable_signup,
        mailer_autoconfirm: s.mailer_autoconfirm,
        saml_enabled: s.saml_enabled,
    })
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
    fn provider_tokens_are_read_as_secrets_and_empty_ones_are_none() {
        let body = format!(r#"{{"access_token":"{JWT}","refresh_token":"r","expires_in":60,"user":{{"id":"u"}},"provider_token":"pt-secret","provider_refresh_token":"prt-secret"}}"#);
        let tokens = parse_grant(body.as_bytes()).unwrap().provider_tokens.expect("provider tokens");
        assert_eq!((tokens.access.expose(), tokens.refresh.as_ref().map(|r| r.expose())), ("pt-secret", Some("prt-secret")));
        assert!(!format!("{tokens:?}").contains("secret"));
        let body = format!(r#"{{"access_token":"{JWT}","refresh_token":"r","expires_in":60,"user":{{"id":"u"}},"provider_token":"","provider_refresh_token":null}}"#);
        assert!(parse_grant(body.as_bytes()).unwrap().provider_tokens.is_none());
    }

    #[test]
    fn an_sso_reply_must_carry_an_http_url() {
        assert_eq!(parse_sso_url(br#"{"url":"https://idp.example/saml?SAMLRequest=x"}"#).unwrap(), "https://idp.example/saml?SAMLRequest=x");
        for body in [&br#"{"url":"javascript:alert(1)"}"#[..], br#"{"url":"latchkey://x"}"#, b"{}", b"<html>"] {
            assert_eq!(parse_sso_url(body).unwrap_err().code(), "malformed_response", "{body:?}");
        }
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

    #[test]
    fn user_and_otp_kinds_parse() {
        use crate::api::OtpKind;
        let u = parse_user(br#"{"id":"u1","email":"a@b.c","aud":"authenticated"}"#).unwrap();
        assert_eq!(u, User { id: "u1".into(), email: "a@b.c".into(), ..User::default() });
        assert_eq!(parse_user(b"<html>").unwrap_err().code(), "malformed_response");
        assert_eq!(OtpKind::MagicLink.as_str(), "magiclink");
    }

    #[test]
    fn the_users_factors_phone_and_pending_email_are_read_and_unknown_factor_kinds_left_out() {
        let u = parse_user(br#"{"id":"u1","email":"a@b.c","phone":"","new_email":"n@b.c","factors":[
            {"id":"f1","friendly_name":"App","factor_type":"totp","status":"verified","phone":""},
            {"id":"f2","friendly_name":"Work","factor_type":"phone","status":"unverified","phone":"15550100001"},
            {"id":"f3","factor_type":"webauthn","status":"verified"}]}"#).unwrap();
        assert_eq!((u.phone, u.new_email.as_deref()), (None, Some("n@b.c")));
        let kinds: Vec<_> = u.factors.iter().map(|f| (f.id.as_str(), f.factor_type, f.verified(), f.phone.as_deref())).collect();
        assert_eq!(kinds, [("f1", FactorType::Totp, true, None), ("f2", FactorType::Phone, false, Some("15550100001"))]);
        assert!(parse_user(br#"{"id":"u1"}"#).unwrap().factors.is_empty(), "no `factors` key: none");
    }
}
