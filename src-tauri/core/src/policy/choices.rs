//! The schema's enumerated values (session persistence, log level, sign-in redirect, sign-in methods): each parses from exactly the
//! strings docs/policy.md lists and prints back the same string.

use serde::Serialize;

/// Where the session is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionPersistence {
    /// In the OS keychain; survives restarts (default).
    Keychain,
    /// Only in memory; the user signs in at every launch and nothing is written to disk or the keychain.
    MemoryOnly,
}

impl SessionPersistence {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keychain => "keychain",
            Self::MemoryOnly => "memory_only",
        }
    }
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "keychain" => Ok(Self::Keychain),
            "memory_only" => Ok(Self::MemoryOnly),
            _ => Err(format!("{s:?} is not a session persistence (use \"keychain\" or \"memory_only\")")),
        }
    }
}

/// How much the app logs (its own modules; other crates stay at `warn`, see docs/admin-guide.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warn => "warn",
            Self::Info => "info",
            Self::Debug => "debug",
            Self::Trace => "trace",
        }
    }
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "error" => Ok(Self::Error),
            "warn" => Ok(Self::Warn),
            "info" => Ok(Self::Info),
            "debug" => Ok(Self::Debug),
            "trace" => Ok(Self::Trace),
            _ => Err(format!("{s:?} is not a log level (use \"error\", \"warn\", \"info\", \"debug\" or \"trace\")")),
        }
    }
}

/// Where e-mailed links and browser sign-ins come back (docs/security.md, "Sign-in links").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SignInRedirect {
    /// `latchkey://`, unless registering the scheme fails: then loopback.
    #[serde(rename = "auto")]
    Auto,
    #[serde(rename = "deep-link")]
    DeepLink,
    #[serde(rename = "loopback")]
    Loopback,
}

impl SignInRedirect {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::DeepLink => "deep-link",
            Self::Loopback => "loopback",
        }
    }
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Self::Auto),
            "deep-link" => Ok(Self::DeepLink),
            "loopback" => Ok(Self::Loopback),
            _ => Err(format!("{s:?} is not a sign-in redirect (use \"auto\", \"deep-link\" or \"loopback\")")),
        }
    }
}

/// A way of signing in. `"oauth:*"` allows any OAuth provider.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SignInMethod {
    Password,
    EmailOtp,
    MagicLink,
    /// A code texted to the phone.
    Phone,
    /// `oauth:<provider>` (lowercase GoTrue provider name such as `google`, `azure`), or `oauth:*`.
    OAuth(String),
    /// SAML single sign-on through the organization's identity provider (GoTrue's `POST /sso`).
    Sso,
}

impl SignInMethod {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "password" => Ok(Self::Password),
            "email_otp" => Ok(Self::EmailOtp),
            "magic_link" => Ok(Self::MagicLink),
            "sso" => Ok(Self::Sso),
            "phone" => Ok(Self::Phone),
            _ => match s.strip_prefix("oauth:") {
                Some(p)
                    if p == "*"
                        || (!p.is_empty()
                            && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')) =>
                {
                    Ok(Self::OAuth(p.to_string()))
                }
                _ => Err(format!(
                    "{s:?} is not a sign-in method (use \"password\", \"email_otp\", \"magic_link\", \"phone\", \"sso\" or \"oauth:<provider>\")"
                )),
            },
        }
    }
    pub fn as_string(&self) -> String {
        match self {
            Self::Password => "password".into(),
            Self::EmailOtp => "email_otp".into(),
            Self::MagicLink => "magic_link".into(),
            Self::Phone => "phone".into(),
            Self::OAuth(p) => format!("oauth:{p}"),
            Self::Sso => "sso".into(),
        }
    }
    /// The built-in default: every method.
    pub fn all() -> Vec<Self> {
        vec![Self::Password, Self::EmailOtp, Self::MagicLink, Self::Phone, Self::OAuth("*".into()), Self::Sso]
    }
    /// Whether `wanted` is allowed by `list` (`oauth:*` covers every provider).
    pub fn allowed(list: &[Self], wanted: &Self) -> bool {
        list.iter().any(|m| m == wanted || (matches!(m, Self::OAuth(p) if p == "*") && matches!(wanted, Self::OAuth(_))))
    }
}

/// As serialized: the policy's own strings (`password`, `email_otp`, `magic_link`, `sso`, `oauth:<provider>`).
impl ts_rs::TS for SignInMethod {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;

    fn name(_: &ts_rs::Config) -> String {
        "SignInMethod".into()
    }

    fn inline(_: &ts_rs::Config) -> String {
        "\"password\" | \"email_otp\" | \"magic_link\" | \"phone\" | \"sso\" | `oauth:${string}`".into()
    }

    fn decl(cfg: &ts_rs::Config) -> String {
        format!("type SignInMethod = {};", Self::inline(cfg))
    }

    fn decl_concrete(cfg: &ts_rs::Config) -> String {
        Self::decl(cfg)
    }
}
