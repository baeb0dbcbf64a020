//! Sign-in callback URLs never panic: a `latchkey://auth/callback` link or a loopback redirect either yields the
//! pending flow's code (right address, right state, in time, once) or a named refusal.
//!
//! `links.rs` hands every `latchkey://` URL, and the loopback listener every `GET /auth/callback` rebuilt on its own
//! address, to `PkceFlow::validate_callback`; this target feeds it directly. The first byte picks the flow: bits 0-1
//! its kind, bit 2 deep link or loopback, bit 3 whether the flow has expired, bit 4 the rest is instead the callback
//! a flow starts with (`start_with_callback`). In the URL, `{state}` is replaced by the flow's secret state, so the
//! fuzzer gets past the state check.
#![no_main]

use latchkey_core::pkce::{s256, FlowKind, PkceFlow, DEFAULT_CALLBACK, STATE_PARAM};
use libfuzzer_sys::fuzz_target;

const KINDS: [FlowKind; 4] = [FlowKind::OAuth, FlowKind::MagicLink, FlowKind::Recovery, FlowKind::SignUp];
const LOOPBACK: &str = "http://127.0.0.1:53682/auth/callback";
const NOW: i64 = latchkey_fuzz::NOW;
const TTL: i64 = 600;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let kind = KINDS[usize::from(mode & 3)];
    if mode & 16 != 0 {
        return started_at(kind, text);
    }
    let callback = if mode & 4 == 0 { DEFAULT_CALLBACK } else { LOOPBACK };
    let flow = PkceFlow::start_with_callback(kind, callback, NOW, TTL).expect("the app's callbacks are valid");
    let url = text.replace("{state}", &state_of(&flow));
    let now = if mode & 8 == 0 { NOW + 1 } else { NOW + TTL };
    let _ = checked(&flow, &url, now);
});

/// A flow started at a callback of the app's shape (`latchkey://…` or `http(s)://…`, no query of its own; the app's
/// are `latchkey://auth/callback` and `http://127.0.0.1:<port>/auth/callback`) takes its own redirect back, with a
/// code. Other shapes are only checked for panics: a callback whose query carries `error=` refuses every return, and
/// the url crate does not round-trip some `file:` URLs (`file://l2\\p:/…`); the app starts a flow at neither.
fn started_at(kind: FlowKind, callback: &str) {
    let Ok(flow) = PkceFlow::start_with_callback(kind, callback, NOW, TTL) else { return };
    let app_shape = url::Url::parse(callback)
        .is_ok_and(|u| matches!(u.scheme(), "latchkey" | "http" | "https") && u.has_host() && u.query().is_none());
    if !app_shape {
        return;
    }
    let url = format!("{}&code=fuzz-code", flow.redirect_to());
    assert!(checked(&flow, &url, NOW + 1), "a flow refused its own redirect: {url}");
}

/// Validates once; a code comes only with the flow's verifier, in time, and never twice. True if a code came.
fn checked(flow: &PkceFlow, url: &str, now: i64) -> bool {
    match flow.validate_callback(url, now) {
        Ok(code) => {
            assert!(!code.code().is_empty() && code.kind == flow.kind() && now < flow.expires_at());
            assert_eq!(s256(code.verifier()), flow.challenge(), "the code comes with this flow's verifier");
            assert!(flow.is_used() && flow.validate_callback(url, now).is_err(), "a flow gives out one code");
            true
        }
        Err(e) => {
            assert!(!e.to_string().is_empty() || e.code() != "invalid_callback");
            false
        }
    }
}

fn state_of(flow: &PkceFlow) -> String {
    let redirect = url::Url::parse(&flow.redirect_to()).expect("the redirect is a URL");
    let state = redirect.query_pairs().find(|(k, _)| k == STATE_PARAM).map(|(_, v)| v.into_owned());
    state.expect("the redirect carries the state")
}
