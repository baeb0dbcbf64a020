//! The policy parser never panics: any file is a pair of setting tiers or an error that says what is wrong.
//!
//! The first byte picks what the rest is: 0 a policy file (`/etc/latchkey/policy.json`: `serde_json` then
//! `policy::parse_policy_value`, exactly as `read_policy_file` reads it), 1 the user's settings file
//! (`parse_settings`, user strictness), 2 a duration or idle timeout, 3 a server or proxy URL.
#![no_main]

use latchkey_core::policy::{self, durations, Tier, Strictness};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode % 4 {
        0 => {
            let Ok(value) = serde_json::from_slice::<Value>(rest) else { return };
            match policy::parse_policy_value(&value) {
                Ok((managed, recommended)) => [managed, recommended].into_iter().for_each(tier),
                Err(problem) => assert!(!problem.is_empty()),
            }
        }
        1 => {
            let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(rest) else { return };
            match policy::parse_settings(&obj, Strictness::UserFile) {
                Ok(settings) => tier(settings),
                Err(problem) => assert!(!problem.is_empty()),
            }
        }
        2 => {
            let Ok(text) = std::str::from_utf8(rest) else { return };
            if let Ok(d) = durations::parse(text) {
                assert_eq!(durations::parse(&durations::format(d)), Ok(d), "format then parse gives {d:?} back");
                let _ = policy::check_max_session_age(d);
            }
            let _ = policy::parse_idle_timeout(text);
        }
        _ => {
            let Ok(text) = std::str::from_utf8(rest) else { return };
            let _ = (policy::check_http_url(text), policy::check_proxy_url(text));
        }
    }
});

/// A parsed tier reports its keys, and loses exactly the admin-only ones when stripped.
fn tier(mut settings: Tier) {
    let before = settings.keys_set();
    let stripped = settings.strip_admin_only();
    let after = settings.keys_set();
    assert_eq!(before.len(), after.len() + stripped.len());
    assert!(stripped.iter().all(|k| policy::ADMIN_ONLY_KEYS.contains(k) && !after.contains(k)));
}
