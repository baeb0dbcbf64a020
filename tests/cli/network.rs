//! Corporate networks, through the real binary and the real GoTrue: a TLS-terminating proxy whose certificate comes
//! from a test CA (made with the openssl CLI at test time), that CA given by policy, and a forward proxy that
//! counts what it carries. The proxies are scripts/lib/net_proxy.py (Python standard library).
//!
//! The TLS proxy forwards to GoTrue's own port and the policy sets `auth_url` to its root (a self-hosted GoTrue's
//! shape): GoTrue signs `iss` = http://127.0.0.1:54321/auth/v1, which an `…/auth/v1` URL on another origin would
//! rightly refuse. Shares the app's keychain service, so its tests run one at a time (tests/nextest.toml).

use crate::support;

use support::{data_dir, json, latchkey, run, vault_session};
use latchkey_core::vault::FILE;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

fn env(k: &str) -> String {
    std::env::var(k).unwrap_or_else(|_| panic!("{k} not set: run through scripts/test"))
}

/// One of scripts/lib/net_proxy.py's proxies, with every line it printed.
struct Proxy {
    child: Child,
    port: u16,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    fn start(args: &[&str]) -> Proxy {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/lib/net_proxy.py");
        let mut child = Command::new("python3").arg(script).args(args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("python3 runs");
        let (lines, (tx, rx)) = (Arc::new(Mutex::new(Vec::new())), mpsc::channel());
        let (sink, stdout) = (lines.clone(), child.stdout.take().unwrap());
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(port) = line.strip_prefix("listening 127.0.0.1:") {
                    let _ = tx.send(port.parse::<u16>().unwrap());
                }
                sink.lock().unwrap().push(line);
            }
        });
        let port = rx.recv_timeout(Duration::from_secs(10)).expect("the proxy says where it listens");
        Proxy { child, port, lines }
    }

    fn url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// Lines starting with `prefix`, after waiting up to 2 s for at least one (the proxy prints from its own thread).
    fn count(&self, prefix: &str) -> usize {
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            let n = self.lines.lock().unwrap().iter().filter(|l| l.starts_with(prefix)).count();
            if n > 0 || Instant::now() > deadline {
                return n;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl runs");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A test CA, a server certificate it signed for 127.0.0.1 and localhost, and a second, unrelated CA.
fn certificates(dir: &Path) -> (PathBuf, PathBuf) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    for (name, cn) in [("ca", "Latchkey test CA"), ("other-ca", "Unrelated test CA")] {
        let (key, cert, subject) = (format!("{name}.key"), format!("{name}.pem"), format!("/CN={cn}"));
        let mut args = vec!["req", "-x509", "-days", "2", "-keyout", &key, "-out", &cert, "-subj", &subject];
        args.extend(ec);
        args.extend(["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
        openssl(dir, &args);
    }
    let mut args = vec!["req", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"];
    args.extend(ec);
    openssl(dir, &args);
    std::fs::write(dir.join("ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n").unwrap();
    openssl(dir, &["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-out", "server.pem", "-extfile", "ext.cnf"]);
    // A bundle, as admins deploy them: an unrelated CA first, then the one that matters.
    let bundle = [std::fs::read_to_string(dir.join("other-ca.pem")).unwrap(), std::fs::read_to_string(dir.join("ca.pem")).unwrap()].concat();
    std::fs::write(dir.join("bundle.pem"), bundle).unwrap();
    (dir.join("server.pem"), dir.join("server.key"))
}

/// GoTrue's own port (scripts/stack: LATCHKEY_STACK_GOTRUE_PORT, default the stack port + 1).
fn gotrue_port() -> String {
    std::env::var("LATCHKEY_STACK_GOTRUE_PORT").unwrap_or_else(|_| {
        let url = env("LATCHKEY_SUPABASE_URL");
        (url.rsplit(':').next().unwrap().trim_end_matches('/').parse::<u16>().unwrap() + 1).to_string()
    })
}

/// The TLS-terminating proxy in front of GoTrue, with a certificate from the test CA; and the data dir.
fn tls_proxy(test: &str) -> (Proxy, PathBuf) {
    let dir = data_dir(test);
    let (cert, key) = certificates(&dir);
    let upstream = format!("127.0.0.1:{}", gotrue_port());
    let proxy = Proxy::start(&["tls", "--cert", cert.to_str().unwrap(), "--key", key.to_str().unwrap(), "--upstream", &upstream]);
    (proxy, dir)
}

/// `latchkey <args>` with the policy file `policy` (or none at all) and extra environment.
fn cmd(dir: &Path, policy: Option<&Value>, vars: &[(&str, &str)], args: &[&str]) -> Command {
    let mut cmd = latchkey(dir, args);
    let path = dir.join("policy.json");
    match policy {
        Some(p) => std::fs::write(&path, p.to_string()).unwrap(),
        None => {
            let _ = std::fs::remove_file(&path);
        }
    }
    cmd.env("LATCHKEY_POLICY_PATH", &path).envs(vars.iter().copied());
    cmd
}

fn sign_in(dir: &Path, policy: Option<&Value>, vars: &[(&str, &str)]) -> Output {
    let sign_in = cmd(dir, policy, vars, &["sign-in", "--email", &env("LATCHKEY_DEMO_EMAIL"), "--password-stdin"]);
    support::sign_in_with(sign_in, &env("LATCHKEY_DEMO_PASSWORD"))
}

/// The `{code, message}` a failed command prints on stderr (its last JSON line).
fn error(out: &Output) -> Value {
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!text.contains("panicked"), "{text}");
    text.lines().rev().find_map(|l| serde_json::from_str(l).ok()).unwrap_or_else(|| panic!("no error JSON on stderr: {text}"))
}

fn managed(settings: Value) -> Value {
    json!({ "managed": settings })
}

#[test]
fn without_the_ca_sign_in_fails_with_a_certificate_error_stores_nothing_and_doctor_names_it() {
    let (tls, dir) = tls_proxy("tls-noca");
    let url = tls.url("https");
    let vars = [("LATCHKEY_SUPABASE_URL", url.as_str()), ("LATCHKEY_AUTH_URL", url.as_str())];
    let out = sign_in(&dir, None, &vars);
    assert_eq!(out.status.code(), Some(1));
    let e = error(&out);
    assert_eq!(e["code"], "tls_untrusted", "{e}");
    let message = e["message"].as_str().unwrap();
    assert!(message.contains("does not trust") && message.contains("extra_ca_certificates"), "{message}");
    assert!(!dir.join(FILE).exists() && vault_session(&dir).is_none(), "nothing stored");
    assert!(tls.count("handshake-failed") >= 1, "the client refused the handshake");

    let doctor = run(cmd(&dir, None, &vars, &["doctor", "--json"]));
    let report = json(&doctor);
    assert_eq!(doctor.status.code(), Some(1));
    assert_eq!(report["server"]["error_code"], "tls_untrusted", "{report:#}");
    assert!(report["problems"].as_array().unwrap().iter().any(|p| p.as_str().unwrap().starts_with("TLS:")), "{report:#}");
}

#[test]
fn with_the_ca_bundle_in_managed_policy_sign_in_works_through_the_tls_proxy() {
    let (tls, dir) = tls_proxy("tls-ca");
    let url = tls.url("https");
    let policy = managed(json!({
        "supabase_url": url, "auth_url": url, "anon_key": env("LATCHKEY_SUPABASE_ANON_KEY"),
        "extra_ca_certificates": [dir.join("bundle.pem")],
    }));
    let started = Instant::now();
    let out = sign_in(&dir, Some(&policy), &[]);
    eprintln!("figure: sign-in through the TLS proxy (new process, handshake, token, JWKS) took {} ms", started.elapsed().as_millis());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(tls.count("tls ") >= 1);

    let status = json(&run(cmd(&dir, Some(&policy), &[], &["status", "--json"])));
    assert_eq!((status["state"].as_str(), status["persistence"].as_str()), (Some("signed_in"), Some("keychain")), "{status:#}");
    assert_eq!(status["config"]["supabase_url"], url.as_str());

    let report = json(&run(cmd(&dir, Some(&policy), &[], &["doctor", "--json"])));
    assert_eq!(report["server"]["reachable"], true, "{report:#}");
    assert_eq!(report["network"]["extra_ca_certificates"][0]["certificates"], 2, "both certificates of the bundle");
    eprintln!("figure: doctor's /health through the TLS proxy (fresh client, full handshake): {} ms", report["server"]["latency_ms"]);
    assert_eq!(run(cmd(&dir, Some(&policy), &[], &["sign-out"])).status.code(), Some(0));
}

#[test]
fn a_proxy_from_policy_carries_the_sign_in_plain_and_tunnelled() {
    let forward = Proxy::start(&["forward"]);
    let dir = data_dir("proxy");
    let plain = managed(json!({ "proxy": forward.url("http") }));
    let out = sign_in(&dir, Some(&plain), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let token = format!("POST {}/auth/v1/token?grant_type=password", env("LATCHKEY_SUPABASE_URL"));
    assert_eq!(forward.count(&token), 1, "the proxy carried the sign-in: {:?}", forward.lines.lock().unwrap());
    assert!(forward.count("GET ") >= 1, "and the JWKS used to verify the token");

    let (tls, tls_dir) = tls_proxy("proxy-tls");
    let url = tls.url("https");
    let policy = managed(json!({
        "supabase_url": url, "auth_url": url, "anon_key": env("LATCHKEY_SUPABASE_ANON_KEY"),
        "extra_ca_certificates": [tls_dir.join("ca.pem")], "proxy": forward.url("http"),
    }));
    let out = sign_in(&tls_dir, Some(&policy), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(forward.count(&format!("CONNECT 127.0.0.1:{}", tls.port)) >= 1, "HTTPS goes through a CONNECT tunnel");
    for (d, p) in [(&dir, &plain), (&tls_dir, &policy)] {
        assert_eq!(run(cmd(d, Some(p), &[], &["sign-out"])).status.code(), Some(0));
    }
}

#[test]
fn with_the_proxy_down_sign_in_fails_with_a_clear_proxy_error() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port(); // bound, then freed
    let dir = data_dir("proxy-down");
    let proxy = format!("http://alice:s3cret@127.0.0.1:{closed}");
    let out = sign_in(&dir, Some(&managed(json!({ "proxy": proxy }))), &[]);
    assert_eq!(out.status.code(), Some(1));
    let e = error(&out);
    assert_eq!(e["code"], "proxy_unreachable", "{e}");
    let message = e["message"].as_str().unwrap();
    assert!(message.contains(&format!("127.0.0.1:{closed}")) && message.contains("proxy"), "{message}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("s3cret"), "the proxy password is never shown");
    assert!(!dir.join(FILE).exists());
}

#[test]
fn ssl_cert_file_adds_trust_unless_a_managed_policy_owns_the_trust_store() {
    let (tls, dir) = tls_proxy("tls-env-ca");
    let url = tls.url("https");
    let bundle = dir.join("bundle.pem");
    let vars = [("LATCHKEY_SUPABASE_URL", url.as_str()), ("LATCHKEY_AUTH_URL", url.as_str()), ("SSL_CERT_FILE", bundle.to_str().unwrap())];
    // Without a policy, whoever sets the environment chooses what is trusted.
    let out = sign_in(&dir, None, &vars);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(run(cmd(&dir, None, &vars, &["sign-out"])).status.code(), Some(0));

    let policy = managed(json!({ "extra_ca_certificates": [] }));
    let out = sign_in(&dir, Some(&policy), &vars);
    assert_eq!((out.status.code(), error(&out)["code"].as_str()), (Some(1), Some("tls_untrusted")), "SSL_CERT_FILE was honoured");
    let report = json(&run(cmd(&dir, Some(&policy), &vars, &["policy", "--json"])));
    assert!(report["environment_ignored"].as_array().unwrap().contains(&json!({"variable": "SSL_CERT_FILE", "key": "extra_ca_certificates"})), "{report:#}");
}

#[test]
fn a_managed_direct_proxy_ignores_the_proxy_variables() {
    let forward = Proxy::start(&["forward"]);
    let dir = data_dir("proxy-direct");
    let via = forward.url("http");
    let vars = [("HTTP_PROXY", via.as_str()), ("http_proxy", via.as_str()), ("NO_PROXY", ""), ("no_proxy", "")];
    let token = format!("POST {}/auth/v1/token?grant_type=password", env("LATCHKEY_SUPABASE_URL"));
    let out = sign_in(&dir, None, &vars);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(forward.count(&token), 1, "without a policy the variable carries the sign-in");
    assert_eq!(run(cmd(&dir, None, &vars, &["sign-out"])).status.code(), Some(0));

    let direct = managed(json!({ "proxy": "direct" }));
    let out = sign_in(&dir, Some(&direct), &vars);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(forward.lines.lock().unwrap().iter().filter(|l| l.starts_with(&token)).count(), 1, "the variable was used under proxy: direct");
    let report = json(&run(cmd(&dir, Some(&direct), &vars, &["policy", "--json"])));
    assert!(report["environment_ignored"].as_array().unwrap().contains(&json!({"variable": "HTTP_PROXY", "key": "proxy"})), "{report:#}");
    assert_eq!(run(cmd(&dir, Some(&direct), &vars, &["sign-out"])).status.code(), Some(0));
}
