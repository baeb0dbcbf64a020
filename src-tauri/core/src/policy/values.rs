//! Every value check the policy tiers, the user's settings file and the environment share: one rule per key, each
//! error naming what is wrong.

use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

use super::{durations, DEFAULT_MAX_SESSION_AGE};
use crate::net::{redact_proxy, ProxyUrl};

pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub(super) fn string(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        other => Err(format!("expected a string, found {}", kind(other))),
    }
}

pub(super) fn non_empty_string(v: &Value) -> Result<String, String> {
    let s = string(v)?;
    if s.trim().is_empty() {
        return Err("must not be empty".into());
    }
    Ok(s)
}

pub(super) fn boolean(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(format!("expected true or false, found {}", kind(other))),
    }
}

pub(super) fn string_array(v: &Value) -> Result<Vec<String>, String> {
    let Value::Array(items) = v else {
        return Err(format!("expected an array of strings, found {}", kind(v)));
    };
    items
        .iter()
        .map(|i| match i {
            Value::String(s) => Ok(s.clone()),
            other => Err(format!("expected an array of strings, found an item that is {}", kind(other))),
        })
        .collect()
}

pub(super) fn duration(v: &Value) -> Result<Duration, String> {
    durations::parse(&string(v).map_err(|e| format!("{e} (durations are strings such as \"8h\")"))?)
}

/// Checks a session lifetime: positive and at most the built-in 24 h.
pub fn check_max_session_age(d: Duration) -> Result<Duration, String> {
    if d.is_zero() {
        return Err("must be longer than 0s".into());
    }
    if d > DEFAULT_MAX_SESSION_AGE {
        return Err(format!(
            "{} is longer than the maximum of {}; a policy can only shorten sessions",
            durations::format(d),
            durations::format(DEFAULT_MAX_SESSION_AGE)
        ));
    }
    Ok(d)
}

pub(super) fn max_session_age(v: &Value) -> Result<Duration, String> {
    check_max_session_age(duration(v)?)
}

/// `"off"` or a positive duration.
pub fn parse_idle_timeout(s: &str) -> Result<Option<Duration>, String> {
    if s == "off" {
        return Ok(None);
    }
    let d = durations::parse(s).map_err(|e| format!("{e}, or \"off\""))?;
    if d.is_zero() {
        return Err("must be longer than 0s (use \"off\" to disable)".into());
    }
    Ok(Some(d))
}

pub(super) fn idle_timeout(v: &Value) -> Result<Option<Duration>, String> {
    parse_idle_timeout(&string(v)?)
}

/// An absolute https URL, or http for this computer only (`127.0.0.1`, `::1`, `localhost`: a local stack, set
/// explicitly), returned without a trailing slash. Plain http to anywhere else would send passwords in clear.
pub fn check_http_url(s: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(s).map_err(|e| format!("{s:?} is not a URL ({e})"))?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "[::1]" | "localhost"));
    match url.scheme() {
        "https" if url.host_str().is_some() => {}
        "http" if loopback => {}
        "http" => return Err(format!("{s:?} uses plain http://, which is allowed only for 127.0.0.1, ::1 or localhost; use https://")),
        _ => return Err(format!("{s:?} must be an https:// URL")),
    }
    Ok(s.trim_end_matches('/').to_string())
}

pub(super) fn http_url(v: &Value) -> Result<String, String> {
    check_http_url(&string(v)?)
}

/// A proxy URL: http, https, socks5 or socks5h, with a host; or `"direct"` (no proxy, whatever the environment says).
/// Messages show it with its password hidden.
pub fn check_proxy_url(s: &str) -> Result<ProxyUrl, String> {
    if s == ProxyUrl::DIRECT {
        return Ok(ProxyUrl::new(s));
    }
    let shown = redact_proxy(s);
    let url = reqwest::Url::parse(s).map_err(|e| format!("{shown:?} is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https" | "socks5" | "socks5h") || url.host_str().is_none() {
        return Err(format!("{shown:?} must be \"direct\" or an http://, https://, socks5:// or socks5h:// URL with a host"));
    }
    Ok(ProxyUrl::new(s))
}

pub(super) fn proxy_url(v: &Value) -> Result<ProxyUrl, String> {
    check_proxy_url(&string(v)?)
}

pub(super) fn absolute_path(v: &Value) -> Result<PathBuf, String> {
    let s = non_empty_string(v)?;
    let p = PathBuf::from(&s);
    if !p.is_absolute() {
        return Err(format!("{s:?} must be an absolute path"));
    }
    Ok(p)
}

/// An extra CA certificate: an absolute path to an existing PEM file holding at least one certificate.
pub(super) fn ca_certificate(s: &str) -> Result<PathBuf, String> {
    let p = PathBuf::from(s);
    if !p.is_absolute() {
        return Err(format!("{s:?} must be an absolute path"));
    }
    let text = std::fs::read(&p).map_err(|e| format!("{s:?} cannot be read ({e})"))?;
    if !String::from_utf8_lossy(&text).contains("-----BEGIN CERTIFICATE-----") {
        return Err(format!("{s:?} is not a PEM file with a certificate (-----BEGIN CERTIFICATE-----)"));
    }
    Ok(p)
}

/// An e-mail domain (`example.com`): letters, digits and hyphens in dot-separated labels, at least two labels;
/// returned in lowercase.
pub fn check_domain(s: &str) -> Result<String, String> {
    let domain = s.trim().to_ascii_lowercase();
    let label_ok = |l: &str| {
        !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-') && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if domain.len() > 253 || domain.split('.').count() < 2 || !domain.split('.').all(label_ok) {
        return Err(format!("{s:?} is not an e-mail domain such as \"example.com\""));
    }
    Ok(domain)
}

/// A UUID (`8-4-4-4-12` hexadecimal digits, GoTrue's SSO provider ids); returned in lowercase.
pub fn check_uuid(s: &str) -> Result<String, String> {
    let id = s.trim().to_ascii_lowercase();
    let groups: Vec<&str> = id.split('-').collect();
    let shape = groups.iter().map(|g| g.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12];
    if !shape || !groups.iter().all(|g| g.chars().all(|c| c.is_ascii_hexdigit())) {
        return Err(format!("{s:?} is not an SSO provider id (a UUID such as \"0d8f4e36-1a3c-4e4b-9a7e-2f6c1d9b8a70\")"));
    }
    Ok(id)
}
