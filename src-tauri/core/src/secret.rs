//! Token and TOTP-secret newtypes: their Debug is redacted, they have no Serialize, and their memory is zeroized on drop.

use secrecy::{ExposeSecret, SecretString};

macro_rules! secret_newtype {
    ($name:ident) => {
        /// A bearer secret. Read it only with `expose`, at the point of use.
        #[derive(Clone)]
        pub struct $name(SecretString);

        impl $name {
            pub fn new(value: String) -> Self {
                Self(SecretString::from(value))
            }
            pub fn expose(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret_newtype!(AccessToken);
secret_newtype!(RefreshToken);
// The identity provider's own tokens from an OAuth sign-in (GoTrue's `provider_token`, `provider_refresh_token`).
secret_newtype!(ProviderToken);
secret_newtype!(ProviderRefreshToken);
// A TOTP factor's shared secret (base32) or its `otpauth://` URI: shown once, on the enrolment screen, never stored.
secret_newtype!(TotpSecret);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_contains_the_token() {
        let rt = RefreshToken::new("rt-super-secret-value".into());
        let at = AccessToken::new("eyJ.secret.sig".into());
        let pt = ProviderToken::new("provider-super-secret".into());
        let prt = ProviderRefreshToken::new("provider-refresh-super-secret".into());
        let shown = format!("{rt:?} {at:?} {:#?}", (&rt, &at, &pt, &prt));
        assert!(!shown.contains("super-secret"), "{shown}");
        assert!(shown.contains("ProviderToken([redacted])") && shown.contains("ProviderRefreshToken([redacted])"), "{shown}");
        assert!(!shown.contains("eyJ"), "{shown}");
        assert!(shown.contains("[redacted]"));
    }
}
