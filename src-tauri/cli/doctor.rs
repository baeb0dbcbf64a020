//! `latchkey doctor`: every self-test an admin needs, read-only, each problem said in words; exit 1 if any.

use latchkey_core::{keychain, net, Clock, Config, KeyringStore, StateView, SystemClock, VaultLock, APP_ID};
use serde_json::json;
use std::time::Duration;

/// Clock skew beyond this is reported: the server allows no leeway on `exp`.
const SKEW_LIMIT_SECS: i64 = 30;

pub async fn run(config: &Config, as_json: bool) -> i32 {
    let keys = KeyringStore::new(APP_ID);
    let keychain = tokio::task::spawn_blocking(move || keychain::self_test(&keys)).await.expect("self-test task");
    let inspected = latchkey_host::vault(config, None);
    let vault = tokio::task::spawn_blocking(move || inspected.inspect()).await.expect("inspect task");
    let lock_free = VaultLock::acquire(&config.data_dir, Duration::ZERO).is_ok();
    let network = net::report(&config.network(), config.source_name("proxy"), |k| std::env::var(k).ok());
    let mut problems = Vec::new();
    let (state, server) = match latchkey_host::gotrue(config) {
        Ok(api) => {
            let (handle, task) = latchkey_host::build_with(api.clone(), config, None);
            tokio::spawn(task);
            (Some(handle.initialized().await.state), Some(latchkey_core::api::probe(&api, SystemClock.now_unix()).await))
        }
        Err(e) => {
            problems.push(e.to_string());
            (None, None)
        }
    };

    if let Some(e) = &config.policy_error {
        problems.push(format!("policy: {e}"));
    }
    problems.extend(config.warnings.iter().map(|w| format!("policy: {w}")));
    if keychain.canary != "ok" {
        problems.push(format!("the keychain self-test failed ({}): {}", keychain.canary, keychain.detail.clone().unwrap_or_default()));
    }
    if let Some(file) = &vault.insecure_key_file {
        let why = if config.allow_insecure_storage_fallback { "insecure fallback allowed by policy" } else { "left from when the policy allowed it" };
        problems.push(format!(
            "storage: the vault key is kept in a file ({}), not the keychain ({why}); once the keychain works, the next sign-in or launch moves it back",
            file.display()
        ));
    }
    if !vault.quarantined.is_empty() {
        problems.push(format!("{} damaged session file(s) were set aside: {:?}", vault.quarantined.len(), vault.quarantined));
    }
    if let Some(StateView::SignedOut { reason: Some(reason) }) = &state {
        let reason = serde_json::to_value(reason).unwrap_or_default();
        if reason.as_str().is_some_and(|r| r.starts_with("storage")) {
            problems.push(format!("the saved session cannot be used ({reason}); signing in again creates a new one"));
        }
    }
    if let Some(server) = server.as_ref().filter(|s| !s.reachable) {
        let error = server.error.clone().unwrap_or_default();
        problems.push(match server.error_code.as_deref() {
            Some("tls_untrusted") => format!("TLS: {error}"),
            Some("proxy_unreachable") => format!("proxy: {error}"),
            _ => format!("the auth server at {} is not reachable: {error}", server.auth_url),
        });
    }
    if let Some(skew) = server.as_ref().and_then(|s| s.clock_skew_secs).filter(|s| s.abs() > SKEW_LIMIT_SECS) {
        problems.push(format!("this computer's clock differs from the server's by {skew} s; fix the system time"));
    }

    if as_json {
        let out = json!({
            "version": env!("CARGO_PKG_VERSION"),
            "ok": problems.is_empty(),
            "problems": problems,
            "keychain": keychain,
            "vault": vault,
            "vault_lock": if lock_free { "free" } else { "held by another Latchkey process" },
            "project_configured": config.has_project(),
            "state": state,
            "server": server,
            "network": network,
            "config": config,
        });
        println!("{}", serde_json::to_string_pretty(&out).expect("doctor serializes"));
    } else {
        println!("Keychain: {} via {} — canary {} ({:.1} ms)", keychain.backend, keychain.provider.as_deref().unwrap_or("unknown provider"), keychain.canary, keychain.canary_ms);
        println!("Vault:    {} ({})", vault.file.display(), if vault.file_present { "present" } else { "absent" });
        if let Some(state) = &state {
            println!("Session:  {}", super::status::describe(state, SystemClock.now_unix()));
        }
        let reachable = server.as_ref().is_some_and(|s| s.reachable);
        match config.has_project() {
            true => println!("Server:   {} — {}", config.auth_url, if reachable { "reachable" } else { "NOT reachable" }),
            false => println!("Server:   none — no Supabase project is configured"),
        }
        println!("Network:  trust {}, {} extra CA file(s); proxy {} ({})", network.trust_store, network.extra_ca_certificates.len(), network.proxy.as_deref().unwrap_or("none"), network.proxy_from);
        for p in &problems {
            println!("Problem:  {p}");
        }
        if problems.is_empty() {
            println!("No problems found.");
        }
    }
    if problems.is_empty() { super::exit::OK } else { super::exit::FAILED }
}
