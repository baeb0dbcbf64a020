//! One GoTrue endpoint's HTTP: the `apikey` header on every request, non-2xx replies turned into `AuthError::Server`
//! (redirects refused, 429 with its `Retry-After`), and no answer at all turned into a named network error.

use super::calls::Grant;
use super::replies::{parse_grant, parse_retry_after, server_error, server_time};
use crate::error::AuthError;
use crate::net::{self, Network};

/// The HTTP client for `<project>/auth/v1`, its key and the proxy it goes through.
#[derive(Clone)]
pub(super) struct Transport {
    http: reqwest::Client,
    auth_url: String,
    anon_key: String,
    /// The configured proxy (password hidden), named when it cannot be reached.
    proxy: Option<String>,
}

impl Transport {
    /// The client trusts the OS store plus `network`'s extra CAs and uses its proxy (see [`crate::net`]).
    pub(super) fn new(auth_url: &str, anon_key: &str, network: &Network) -> Result<Self, AuthError> {
        Ok(Transport {
            http: net::client(network)?,
            auth_url: auth_url.trim_end_matches('/').into(),
            anon_key: anon_key.into(),
            proxy: network.proxy.as_ref().filter(|p| !p.is_direct()).map(ToString::to_string),
        })
    }

    pub(super) fn auth_url(&self) -> &str {
        &self.auth_url
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

    /// `POST /token?grant_type=…`: a session, with the server's time.
    pub(super) async fn token(&self, grant_type: &str, body: serde_json::Value) -> Result<Grant, AuthError> {
        let url = format!("{}/token?grant_type={grant_type}", self.auth_url);
        let reply = self.send(self.http.post(&url).json(&body)).await?;
        let server_time = server_time(&reply);
        let grant = parse_grant(&reply.bytes().await.map_err(|e| self.unreachable(e))?)?;
        Ok(Grant { server_time, ..grant })
    }

    /// A request answered with a session, with the server's time.
    pub(super) async fn grant_from(&self, request: reqwest::RequestBuilder) -> Result<Grant, AuthError> {
        let reply = self.send(request).await?;
        let server_time = server_time(&reply);
        Ok(Grant { server_time, ..parse_grant(&self.body(reply).await?)? })
    }
    pub(super) fn url_with_redirect(&self, path: &str, redirect_to: Option<&str>) -> String {
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

}
