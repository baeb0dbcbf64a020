//! The one HTTP client every request goes through: the OS verifier plus the policy's extra CA certificates, the
//! configured proxy (or the standard proxy variables), and TLS or proxy failures turned into named errors.
//!
//! Trust: rustls-platform-verifier. On Windows and macOS it asks the OS to verify (enterprise roots pushed by
//! GPO or MDM, Windows root auto-update, revocation, distrust); on Linux it is webpki over the system roots
//! (rustls-native-certs, i.e. /etc/ssl/certs). `extra_ca_certificates` are added as trust anchors on every OS.
//!
//! Proxy precedence: the effective `proxy` setting (managed policy, `LATCHKEY_PROXY`, the user's settings,
//! recommended policy) carries every request, and `NO_PROXY` does not apply to it; without it, the standard
//! `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` / `NO_PROXY` variables apply (and, on Windows and macOS, the
//! system proxy settings); otherwise requests go direct.

use crate::error::AuthError;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{CertificateError, RootCertStore};
use std::error::Error as StdError;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// What the HTTP client needs from the configuration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Network {
    /// PEM files (one certificate or a bundle each) trusted in addition to the OS trust store.
    pub extra_ca_certificates: Vec<PathBuf>,
    /// `http://`, `https://`, `socks5://` or `socks5h://`; `None`: the standard proxy variables.
    pub proxy: Option<ProxyUrl>,
}

/// A proxy URL as configured. Only the HTTP client reads it whole ([`ProxyUrl::expose`]); `Debug`, `Display` and
/// `Serialize` show it with its password hidden (`http://user:***@host:port/`).
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl(String);

impl ProxyUrl {
    /// The `proxy` value that means no proxy at all: the standard proxy variables are ignored too.
    pub const DIRECT: &'static str = "direct";

    pub fn new(url: impl Into<String>) -> Self {
        ProxyUrl(url.into())
    }

    pub fn is_direct(&self) -> bool {
        self.0 == Self::DIRECT
    }

    /// The URL with its password, for the HTTP client only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact_proxy(&self.0))
    }
}

impl std::fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ProxyUrl({:?})", redact_proxy(&self.0))
    }
}

impl serde::Serialize for ProxyUrl {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&redact_proxy(&self.0))
    }
}

/// What `doctor` shows about trust and proxy, without connecting anywhere.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NetworkReport {
    pub trust_store: &'static str,
    pub extra_ca_certificates: Vec<CaFileReport>,
    /// The proxy in use (password hidden), or `None`: direct (or the OS proxy settings on Windows and macOS).
    pub proxy: Option<String>,
    /// Where the proxy comes from: `setting (<source>)`, `environment variable <NAME>`, or `none`.
    pub proxy_from: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct CaFileReport {
    pub path: PathBuf,
    /// Certificates the file holds, when it can be used.
    pub certificates: Option<usize>,
    pub error: Option<String>,
}

/// The standard proxy variables reqwest reads when no `proxy` is set, in the order it prefers them for HTTPS.
const PROXY_VARIABLES: &[&str] = &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy"];

/// The trust and proxy `network` gives; `proxy_source` says where its `proxy` setting came from (e.g. `managed`).
pub fn report(network: &Network, proxy_source: &str, env: impl Fn(&str) -> Option<String>) -> NetworkReport {
    let extra_ca_certificates = network
        .extra_ca_certificates
        .iter()
        .map(|path| match read_certificates(path) {
            Ok(certs) => CaFileReport { path: path.clone(), certificates: Some(certs.len()), error: None },
            Err(e) => CaFileReport { path: path.clone(), certificates: None, error: Some(e.to_string()) },
        })
        .collect();
    let (proxy, proxy_from) = match &network.proxy {
        Some(p) if p.is_direct() => (None, format!("setting ({proxy_source}): direct, the proxy variables are ignored")),
        Some(p) => (Some(p.to_string()), format!("setting ({proxy_source})")),
        None => match PROXY_VARIABLES.iter().find_map(|v| env(v).filter(|x| !x.is_empty()).map(|x| (*v, x))) {
            Some((var, value)) => (Some(redact_proxy(&value)), format!("environment variable {var}")),
            None => (None, "none".into()),
        },
    };
    NetworkReport { trust_store: "os (rustls-platform-verifier) + extra_ca_certificates", extra_ca_certificates, proxy, proxy_from }
}

/// Builds the client. A CA file that does not parse, or a proxy reqwest refuses, is a named error.
pub fn client(network: &Network) -> Result<reqwest::Client, AuthError> {
    let mut extra = Vec::new();
    for path in &network.extra_ca_certificates {
        extra.extend(read_certificates(path)?);
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone())
        .map_err(|e| setup(format!("the system trust store could not be loaded ({e})")))?;
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| setup(format!("TLS: {e}")))?
        .dangerous() // not a weaker check: this plugs in the OS verifier
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    let mut builder = reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        // A followed 307/308 would resend the body (a password, a refresh token) wherever it points, https→http
        // included; the caller reports a redirect instead (`malformed_response`).
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("latchkey/", env!("CARGO_PKG_VERSION")));
    if network.proxy.as_ref().is_some_and(ProxyUrl::is_direct) {
        builder = builder.no_proxy();
    } else if let Some(proxy) = &network.proxy {
        let proxy = reqwest::Proxy::all(proxy.expose()).map_err(|e| setup(format!("the proxy {proxy} is not usable ({})", redact_proxy(&e.to_string()))))?;
        builder = builder.proxy(proxy);
    }
    builder.build().map_err(|e| setup(format!("the HTTP client could not be built ({})", root_cause(&e))))
}

/// Every certificate of a PEM file, each checked to be usable as a trust anchor; errors name the file.
pub fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, AuthError> {
    let bad = |detail: String| setup(format!("the CA certificate file {} {detail}", path.display()));
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(format!("cannot be read ({e})")))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("is not valid PEM ({e})")))?;
    if certs.is_empty() {
        return Err(bad("holds no certificate".into()));
    }
    for (i, cert) in certs.iter().enumerate() {
        RootCertStore::empty().add(cert.clone()).map_err(|e| bad(format!("has an unusable certificate (#{}: {e})", i + 1)))?;
    }
    Ok(certs)
}

fn setup(detail: String) -> AuthError {
    AuthError::NetworkSetup(detail)
}

/// A proxy URL without its password (`http://user:***@host:port`), for messages and reports.
pub fn redact_proxy(proxy: &str) -> String {
    match reqwest::Url::parse(proxy) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => proxy.to_string(),
    }
}

/// Why the server's certificate was refused, in words with what to do; `None` if the failure was not a
/// certificate problem. Walks the whole error chain ([`chain`]).
pub fn certificate_problem(e: &(dyn StdError + 'static)) -> Option<String> {
    chain(e).find_map(|err| match err.downcast_ref::<rustls::Error>() {
        Some(rustls::Error::InvalidCertificate(cert)) => Some(describe(cert)),
        _ => None,
    })
}

/// Every error in a chain. An `io::Error` is looked into with `get_ref()`: its `source()` skips the error it
/// wraps, and reqwest's TLS failures are a rustls error inside two `io::Error`s.
pub fn chain<'a>(e: &'a (dyn StdError + 'static)) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(e), |&err: &&'a (dyn StdError + 'static)| match err.downcast_ref::<std::io::Error>() {
        Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
        None => err.source(),
    })
}

const ASK_FOR_CA: &str =
    "if your network inspects TLS (a corporate proxy or firewall), ask your administrator to add its CA certificate to `extra_ca_certificates` in the Latchkey policy";

fn describe(e: &CertificateError) -> String {
    match e {
        CertificateError::UnknownIssuer => format!("its certificate was issued by an authority this computer does not trust; {ASK_FOR_CA}"),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            format!("its certificate is for another host name; check the server address, or {ASK_FOR_CA}")
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "its certificate has expired, or this computer's date and time are wrong; check the clock".into()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "its certificate is not valid yet, or this computer's date and time are wrong; check the clock".into()
        }
        CertificateError::Revoked => "its certificate has been revoked; tell your administrator".into(),
        other => format!("its certificate was refused ({other:?}); {ASK_FOR_CA}"),
    }
}

/// Whether a request failed before any connection was made (refused, unroutable, timed out, name not found):
/// with a proxy configured, that first connection is the one to the proxy. A proxy that answers but cannot
/// reach the server is not this (its refusal carries no socket error).
pub fn no_connection(e: &reqwest::Error) -> bool {
    use std::io::ErrorKind::*;
    if !e.is_connect() {
        return false;
    }
    let refused = |err: &(dyn StdError + 'static)| {
        let kind = err.downcast_ref::<std::io::Error>().map(std::io::Error::kind);
        matches!(kind, Some(ConnectionRefused | TimedOut | HostUnreachable | NetworkUnreachable | AddrNotAvailable))
            || err.to_string().starts_with("dns error") // hyper-util's resolver failure
    };
    e.is_timeout() || chain(e).any(refused)
}

/// The innermost error's message.
pub fn root_cause(e: &(dyn StdError + 'static)) -> String {
    chain(e).last().map(|err| err.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests;
