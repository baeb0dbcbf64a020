//! What `doctor` learns from the server without signing in: reachability, version, clock skew and the JWKS.

use super::calls::AuthApi;
use super::gotrue::GoTrue;
use super::replies::server_time;

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

/// Checks `/health` and the JWKS, and estimates clock skew from the `Date` header.
pub async fn probe(api: &GoTrue, local_now: i64) -> ServerReport {
    let mut report = ServerReport {
        auth_url: api.auth_url().to_string(),
        reachable: false,
        latency_ms: None,
        version: None,
        clock_skew_secs: None,
        jwks_keys: None,
        error: None,
        error_code: None,
    };
    let started = std::time::Instant::now();
    match api.get("/health").await {
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
        report.jwks_keys = api.jwks().await.ok().map(|keys| keys.len());
    }
    report
}
