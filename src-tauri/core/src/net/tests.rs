//! TLS trust and proxies: extra CAs and each proxy kind build a client, refusals say what to do, passwords never show.

use super::*;

/// Two self-signed test CAs (P-256, valid for 100 years), made with `openssl req -x509`.
const CA_ONE: &str = "-----BEGIN CERTIFICATE-----\nMIIBljCCAT2gAwIBAgIUGew2jxQUmLQPFA5tE10OoydkidYwCgYIKoZIzj0EAwIw\nIDEeMBwGA1UEAwwVTGF0Y2hrZXkgdW5pdC10ZXN0IENBMCAXDTI2MTEyODA0NTk1\nN1oYDzIxMjYxMTA0MDQ1OTU3WjAgMR4wHAYDVQQDDBVMYXRjaGtleSB1bml0LXRl\nc3QgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQnn/GQeVjZtbqzLmdtKb1A\n+8j8vW3QvX2+G5Sk6c/7Buz0aN3JDaU9ukT5JXm6aHp1TisRRKBNjpv2nYCD5dDk\no1MwUTAdBgNVHQ4EFgQUGy+f6DtcpODx9FR7Ha9myJDpU4AwHwYDVR0jBBgwFoAU\nGy+f6DtcpODx9FR7Ha9myJDpU4AwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQD\nAgNHADBEAiA6rh2lUKLnSGU9kC9nVGbjRcrbjZx3kQoA8gF2Th8YDgIgG3yM4ChC\n52XNrPUAabjBw7khvs4DykKsMzZAsGcDW+0=\n-----END CERTIFICATE-----\n";
const CA_TWO: &str = "-----BEGIN CERTIFICATE-----\nMIIBmzCCAUGgAwIBAgIUF9KoGlnMWaif3t4WiaRPWT80wz8wCgYIKoZIzj0EAwIw\nIjEgMB4GA1UEAwwXTGF0Y2hrZXkgdW5pdC10ZXN0IENBIDIwIBcNMjYxMTI4MDQ1\nOTU3WhgPMjEyNjExMDQwNDU5NTdaMCIxIDAeBgNVBAMMF0xhdGNoa2V5IHVuaXQt\ndGVzdCBDQSAyMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEaO8xXFPIcq15LtvO\nReRXAQls2Pis4ETcxzVfEEuCr0a0v5HnOOWWsCMgtIOf+dGXvuj7l5XE7AFrNSe9\ncskN7qNTMFEwHQYDVR0OBBYEFE7z/PU0ukNT96y8ZvWh56sbTkcRMB8GA1UdIwQY\nMBaAFE7z/PU0ukNT96y8ZvWh56sbTkcRMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZI\nzj0EAwIDSAAwRQIhAN2ftp4dDr0Wj+QgfS9Px/enraBvo7f63jIf+zbsXFODAiAn\nEYzrYrAlCRNYzc+pNCIxi6BnwZdlGII0rf1bIXo5JA==\n-----END CERTIFICATE-----\n";

fn temp_file(name: &str, contents: &str) -> PathBuf {
    let path = crate::testing::temp_dir("net").join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

#[test]
fn a_bundle_gives_every_certificate_and_bad_files_are_named() {
    let bundle = temp_file("bundle.pem", &format!("{CA_ONE}{CA_TWO}"));
    assert_eq!(read_certificates(&bundle).unwrap().len(), 2);
    let cases = [
        ("empty.pem", String::new(), "holds no certificate"),
        ("garbage.pem", "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n".to_string(), "not valid PEM"),
        ("notcert.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".to_string(), "unusable certificate"),
    ];
    for (name, text, expected) in cases {
        let path = temp_file(name, &text);
        let e = read_certificates(&path).unwrap_err();
        assert_eq!(e.code(), "network_setup");
        assert!(e.to_string().contains(name) && e.to_string().contains(expected), "{name}: {e}");
    }
    let missing = read_certificates(Path::new("/nonexistent/ca.pem")).unwrap_err();
    assert!(missing.to_string().contains("/nonexistent/ca.pem"), "{missing}");
}

#[test]
fn the_client_builds_with_extra_cas_and_each_proxy_kind() {
    let ca = temp_file("one.pem", CA_ONE);
    for proxy in [None, Some("http://127.0.0.1:3128"), Some("https://proxy.example:443"), Some("socks5h://user:pw@127.0.0.1:1080")] {
        let network = Network { extra_ca_certificates: vec![ca.clone()], proxy: proxy.map(ProxyUrl::new) };
        client(&network).unwrap_or_else(|e| panic!("{proxy:?}: {e}"));
    }
    let broken = Network { extra_ca_certificates: vec![temp_file("broken.pem", "")], proxy: None };
    assert_eq!(client(&broken).unwrap_err().code(), "network_setup");
}

#[test]
fn proxy_passwords_are_never_shown() {
    assert_eq!(redact_proxy("http://alice:s3cret@proxy.corp:3128"), "http://alice:***@proxy.corp:3128/");
    assert_eq!(redact_proxy("http://proxy.corp:3128"), "http://proxy.corp:3128");
}

/// What reqwest's chain looks like: the rustls error sits inside `io::Error`s, whose `source()` skips it.
fn wrapped(e: rustls::Error) -> Box<dyn StdError + Send + Sync> {
    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("client error (Connect)")
        }
    }
    impl StdError for Outer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }
    let tls = std::io::Error::new(std::io::ErrorKind::InvalidData, e);
    Box::new(Outer(std::io::Error::other(tls))) // as reqwest 0.12 reports it: two io::Errors deep
}

#[test]
fn certificate_refusals_are_found_in_the_chain_and_say_what_to_do() {
    let unknown = wrapped(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer));
    let text = certificate_problem(unknown.as_ref()).unwrap();
    assert!(text.contains("does not trust") && text.contains("extra_ca_certificates"), "{text}");
    let name = wrapped(rustls::Error::InvalidCertificate(CertificateError::NotValidForName));
    assert!(certificate_problem(name.as_ref()).unwrap().contains("another host name"));
    let expired = wrapped(rustls::Error::InvalidCertificate(CertificateError::Expired));
    assert!(certificate_problem(expired.as_ref()).unwrap().contains("clock"));
    let handshake = wrapped(rustls::Error::HandshakeNotComplete);
    assert_eq!(certificate_problem(handshake.as_ref()), None, "not a certificate problem");
    let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
    assert_eq!(certificate_problem(&refused), None);
}

#[test]
fn the_report_names_where_the_proxy_comes_from() {
    let mut network = Network::default();
    let env = |vars: &'static [(&'static str, &'static str)]| move |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string());
    let r = report(&network, "default", env(&[("https_proxy", "http://u:pw@env-proxy:8080")]));
    assert_eq!((r.proxy.as_deref(), r.proxy_from.as_str()), (Some("http://u:***@env-proxy:8080/"), "environment variable https_proxy"));
    assert_eq!(report(&network, "default", env(&[])).proxy_from, "none");
    network.proxy = Some(ProxyUrl::new("http://policy-proxy:3128"));
    let r = report(&network, "managed", env(&[("HTTPS_PROXY", "http://ignored:1")]));
    assert_eq!(r.proxy.as_deref(), Some("http://policy-proxy:3128"));
    assert_eq!(r.proxy_from, "setting (managed)");
}
