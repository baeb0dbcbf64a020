//! The stable status object (docs/cli.md) that `latchkey status --json`, `sign-in` and `sign-out` print, whether the
//! command ran the core itself or asked the running agent: never a token.

use latchkey_core::assurance::{Aal, Claims};
use latchkey_core::{Persistence, Snapshot, StateView};
use serde_json::{json, Value};
use std::time::{Duration, UNIX_EPOCH};

/// Unix seconds as RFC 3339 (UTC, whole seconds).
pub fn rfc3339(unix: i64) -> Value {
    json!(humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(unix.max(0) as u64)).to_string())
}

/// How a persistence is said to people: the insecure fallback is named as weaker.
pub fn storage(persistence: &Persistence) -> &'static str {
    match persistence {
        Persistence::Keychain => "keychain",
        Persistence::MemoryOnly => "memory only (lost when Latchkey quits)",
        Persistence::InsecureFile => "file (insecure fallback allowed by policy: the vault key is in a file, not the keychain)",
    }
}

/// The stable status object (docs/cli.md): `state` is `signed_in` | `expired` | `needs_second_factor` | `signed_out` |
/// `initializing`; in a session, `aal`, `next_aal`, `amr` and `claims` come from the verified access token.
pub fn describe_json(snapshot: &Snapshot) -> Value {
    let base = json!({ "seq": snapshot.seq, "user": null, "reason": null });
    let extra = match &snapshot.state {
        StateView::Initializing => json!({ "state": "initializing" }),
        StateView::SignedIn { user, identity_provider, access_expires_at, signed_in_at, persistence, freshness, deadline_at, next_refresh_at, .. } => json!({
            "state": "signed_in", "user": user, "identity_provider": identity_provider, "persistence": persistence, "storage": storage(persistence), "freshness": freshness,
            "signed_in_at": rfc3339(*signed_in_at), "access_expires_at": rfc3339(*access_expires_at),
            "next_refresh_at": rfc3339(*next_refresh_at), "deadline_at": rfc3339(*deadline_at),
        }),
        StateView::Expired { user, identity_provider, signed_in_at, persistence, deadline_at, next_retry_at, .. } => json!({
            "state": "expired", "user": user, "identity_provider": identity_provider, "persistence": persistence, "storage": storage(persistence), "signed_in_at": rfc3339(*signed_in_at),
            "next_retry_at": rfc3339(*next_retry_at), "deadline_at": rfc3339(*deadline_at),
        }),
        StateView::NeedsSecondFactor { user, signed_in_at, persistence, deadline_at, step, allowed_factors, .. } => json!({
            "state": "needs_second_factor", "user": user, "persistence": persistence, "storage": storage(persistence),
            "signed_in_at": rfc3339(*signed_in_at), "deadline_at": rfc3339(*deadline_at), "step": step, "allowed_factors": allowed_factors,
        }),
        StateView::SignedOut { reason } => json!({ "state": "signed_out", "reason": reason }),
    };
    let mut out = base;
    out.as_object_mut().expect("object").extend(extra.as_object().expect("object").clone());
    if let Some((claims, next_aal)) = assurance(&snapshot.state) {
        let aal = claims.map_or(Aal::Aal1, |c| c.aal);
        let amr = claims.map_or(json!([]), |c| json!(c.amr));
        out.as_object_mut().expect("object").extend([
            ("aal".into(), json!(aal)),
            ("next_aal".into(), json!(next_aal)),
            ("amr".into(), amr),
            ("claims".into(), json!(claims)),
        ]);
    }
    if let Some(p) = &snapshot.pending_sign_out {
        out["pending_sign_out"] = json!({ "scope": p.scope, "until": rfc3339(p.until), "attempt": p.attempt, "cause": p.cause,
            "other_sessions": "still signed in: the sign-out has not reached the server" });
    }
    out
}

/// The verified claims and the reachable level of a state in a session.
pub fn assurance(state: &StateView) -> Option<(Option<&Claims>, Aal)> {
    match state {
        StateView::SignedIn { claims, next_aal, .. } | StateView::Expired { claims, next_aal, .. } | StateView::NeedsSecondFactor { claims, next_aal, .. } => {
            Some((claims.as_ref(), *next_aal))
        }
        StateView::Initializing | StateView::SignedOut { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_core::testing::signed_in_view;

    #[test]
    fn the_json_shape_is_stable() {
        let out = describe_json(&Snapshot::of(3, signed_in_view(1_000)));
        assert_eq!(out["state"], "signed_in");
        assert_eq!(out["user"]["email"], "a@b.c");
        assert_eq!(out["deadline_at"], "1970-01-02T00:16:40Z");
        assert_eq!(out["reason"], Value::Null);
        let out = describe_json(&Snapshot::of(4, StateView::SignedOut { reason: Some(latchkey_core::SignOutReason::Timeout) }));
        assert_eq!((out["state"].as_str(), out["reason"].as_str(), out["user"].is_null()), (Some("signed_out"), Some("timeout"), true));
    }
}
