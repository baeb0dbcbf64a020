//! The audit log's fields, rotation by size and by day, retention, reading across files, and that no token or
//! session id is ever written.

use super::*;
use crate::events::{hash_session_id, EventKind, Retry};
use crate::session::{SignOutReason, StateView};
use crate::testing::session as sample;

const T: i64 = 1_780_000_000_000; // 2026-05-28T20:26:40Z, in ms
const DAY: i64 = 86_400_000;

fn temp_dir(name: &str) -> PathBuf {
    crate::testing::temp_dir(&format!("audit-{name}"))
}

fn event(kind: EventKind, reason: Option<SignOutReason>) -> AuthEvent {
    let session = sample(T / 1000);
    AuthEvent { seq: 1, reason, subject: Some(Subject::of(&session)), ..AuthEvent::new(kind, StateView::SignedOut { reason }) }
}

/// Every byte the log directory holds.
fn all_bytes(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap().flatten() {
        out.extend(fs::read(e.path()).unwrap());
    }
    out
}

#[test]
fn a_line_has_time_event_reason_user_hashed_session_and_version_but_no_email_by_default() {
    let dir = temp_dir("fields");
    let log = AuditLog::new(dir.clone(), false, Duration::from_secs(30 * 86_400));
    log.record(&event(EventKind::SignedOut, Some(SignOutReason::IdleTimeout)), T + 123);
    let text = fs::read_to_string(dir.join(FILE)).unwrap();
    assert_eq!(text.lines().count(), 1);
    let v: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
    assert_eq!(v["time"], "2026-05-28T20:26:40.123Z");
    assert_eq!(v["event"], "SIGNED_OUT");
    assert_eq!(v["reason"], "idle_timeout");
    assert_eq!(v["user_id"], "u1");
    let hash = v["session_hash"].as_str().unwrap();
    assert_eq!(hash, hash_session_id("sid"));
    assert_eq!(hash, "34b36454cab2e7842c389f7d88ecb7df279e3918cbac07970d4cde496e70f4c8", "SHA-256 of \"sid\" (printf sid | sha256sum)");
    assert_eq!(v["app_version"], env!("CARGO_PKG_VERSION"));
    assert!(v.get("email").is_none(), "no email unless policy allows: {text}");
    assert_eq!(parse_time(v["time"].as_str().unwrap()), Ok(T + 123));

    let with_email = AuditLog::new(temp_dir("fields-email"), true, Duration::from_secs(86_400));
    with_email.record(&event(EventKind::SignedIn, None), T);
    let line = &read(with_email.dir()).unwrap().lines[0];
    assert_eq!((line.email.as_deref(), line.reason.as_deref()), (Some("a@b.c"), None));
}

#[test]
fn no_line_ever_holds_a_token_or_the_session_id() {
    let dir = temp_dir("secrets");
    let log = AuditLog::new(dir.clone(), true, Duration::from_secs(86_400));
    let mut retrying = event(EventKind::RefreshRetrying, None);
    retrying.retry = Some(Retry { attempt: 2, next_at: T / 1000 + 5, cause: "network".into() });
    let mut expiring = event(EventKind::SessionExpiring, None);
    expiring.remaining = Some(600);
    let kinds = [EventKind::InitialSession, EventKind::SignedIn, EventKind::TokenRefreshed, EventKind::UserUpdated, EventKind::PasswordRecovery];
    for e in kinds.map(|k| event(k, None)).into_iter().chain([retrying, expiring, event(EventKind::SignedOut, Some(SignOutReason::Revoked))]) {
        log.record(&e, T);
    }
    let bytes = String::from_utf8(all_bytes(&dir)).unwrap();
    assert_eq!(bytes.lines().count(), 7, "all but INITIAL_SESSION, which found no session here");
    let session = sample(T / 1000);
    for secret in [session.access_token.expose(), session.refresh_token.expose(), "\"sid\""] {
        assert!(!bytes.contains(secret), "{secret} written: {bytes}");
    }
    assert!(bytes.contains("attempt 2 failed (network)") && bytes.contains("600 s left"), "{bytes}");
}

#[test]
fn the_file_rotates_before_it_would_pass_the_size_limit_and_reads_back_in_order() {
    let dir = temp_dir("size");
    let mut log = AuditLog::new(dir.clone(), false, Duration::from_secs(86_400));
    log.rotate_bytes = 1_000;
    for i in 0..20 {
        log.record(&event(EventKind::TokenRefreshed, None), T + i * 1000);
    }
    let rotated = rotated_files(&dir);
    assert!(rotated.len() >= 3, "{rotated:?}");
    for file in rotated.iter().chain([&dir.join(FILE)]) {
        let size = fs::metadata(file).unwrap().len();
        assert!(size <= 1_000, "{} is {size} bytes", file.display());
    }
    let export = read(&dir).unwrap();
    assert_eq!((export.lines.len(), export.damaged), (20, 0));
    let times: Vec<i64> = export.lines.iter().map(|l| l.unix_ms().unwrap()).collect();
    assert_eq!(times, (0..20).map(|i| T + i * 1000).collect::<Vec<_>>());
    let newest = recent(&dir, 5).unwrap();
    assert_eq!(newest.iter().map(|l| l.unix_ms().unwrap()).collect::<Vec<_>>(), (15..20).rev().map(|i| T + i * 1000).collect::<Vec<_>>());
}

#[test]
fn a_new_utc_day_starts_a_new_file() {
    let dir = temp_dir("day");
    let log = AuditLog::new(dir.clone(), false, Duration::from_secs(30 * 86_400));
    log.record(&event(EventKind::SignedIn, None), T);
    log.record(&event(EventKind::TokenRefreshed, None), T + 60_000);
    assert!(rotated_files(&dir).is_empty(), "same day, same file");
    log.record(&event(EventKind::TokenRefreshed, None), T + DAY);
    assert_eq!(rotated_files(&dir).len(), 1);
    assert_eq!(fs::read_to_string(dir.join(FILE)).unwrap().lines().count(), 1);
}

#[test]
fn rotated_files_past_the_retention_are_deleted_and_at_most_twenty_are_kept() {
    let dir = temp_dir("retention");
    fs::create_dir_all(&dir).unwrap();
    let age = |name: &str, days_old: i64| {
        let path = dir.join(name);
        fs::write(&path, b"{}\n").unwrap();
        let when = UNIX_EPOCH + Duration::from_millis((T - days_old * DAY) as u64);
        File::options().write(true).open(&path).unwrap().set_modified(when).unwrap();
        path
    };
    let old = age("audit-20260420T000000000Z-1.jsonl", 40);
    let recent_file = age("audit-20260520T000000000Z-1.jsonl", 8);
    for i in 0..25 {
        age(&format!("audit-20260527T0000{i:02}000Z-1.jsonl"), 1);
    }
    let log = AuditLog::new(dir.clone(), false, Duration::from_secs(30 * 86_400));
    log.record(&event(EventKind::SignedIn, None), T);
    assert!(!old.exists(), "older than 30 days");
    let kept = rotated_files(&dir);
    assert_eq!(kept.len(), MAX_ROTATED);
    assert!(!kept.contains(&recent_file), "within the retention, but the oldest beyond the cap of {MAX_ROTATED}");
    assert!(dir.join(FILE).exists(), "the current file is never pruned");
}

#[test]
fn damaged_lines_are_skipped_and_counted() {
    let dir = temp_dir("damaged");
    let log = AuditLog::new(dir.clone(), false, Duration::from_secs(86_400));
    log.record(&event(EventKind::SignedIn, None), T);
    OpenOptions::new().append(true).open(dir.join(FILE)).unwrap().write_all(b"{\"time\":\"2026-05-28T20:2").unwrap();
    let export = read(&dir).unwrap();
    assert_eq!((export.lines.len(), export.damaged), (1, 1));
    assert_eq!(read(&dir.join("missing")).unwrap().lines.len(), 0, "no log yet is an empty log");
}

#[test]
fn a_write_failure_is_reported_once_and_never_panics() {
    let blocker = temp_dir("blocked").join("blocker");
    fs::write(&blocker, b"a file where the directory should be").unwrap();
    let log = AuditLog::new(blocker.join("logs"), false, Duration::from_secs(86_400));
    assert!(log.write(&Line::new("SIGNED_IN", None, None, false, T), T).is_err());
    log.record(&event(EventKind::SignedIn, None), T);
    log.record(&event(EventKind::SignedOut, Some(SignOutReason::User)), T);
    assert!(log.failed());
}

#[test]
fn since_takes_a_time_with_any_offset_or_a_duration_back_from_now() {
    assert_eq!(parse_since("2026-05-28T20:26:40Z", 0), Ok(T));
    assert_eq!(parse_since("2026-05-28T22:26:40+02:00", 0), Ok(T));
    assert_eq!(parse_since("24h", T), Ok(T - DAY));
    assert_eq!(parse_since("1h30m", T), Ok(T - 5_400_000));
    let err = parse_since("yesterday", T).unwrap_err();
    assert!(err.contains("RFC 3339") && err.contains("duration"), "{err}");
}

#[test]
fn a_launch_without_a_session_writes_nothing_but_a_launch_that_ends_one_says_why() {
    let dir = temp_dir("initial");
    let log = AuditLog::new(dir.clone(), false, Duration::from_secs(86_400));
    let mut nothing = event(EventKind::InitialSession, None);
    nothing.subject = None;
    log.record(&nothing, T);
    assert!(!dir.join(FILE).exists());
    let mut timed_out = event(EventKind::InitialSession, None);
    timed_out.state = StateView::SignedOut { reason: Some(SignOutReason::Timeout) };
    log.record(&timed_out, T);
    let line = &read(&dir).unwrap().lines[0];
    assert_eq!((line.event.as_str(), line.reason.as_deref(), line.user_id.as_deref()), ("INITIAL_SESSION", Some("timeout"), Some("u1")));
}

#[test]
fn a_sign_in_through_an_identity_provider_names_it() {
    let log = AuditLog::new(temp_dir("provider"), false, Duration::from_secs(86_400));
    let at = |provider| {
        let live = crate::session::Session { provider, ..sample(T / 1000) };
        let state = StateView::SignedIn {
            user: live.user.clone(),
            identity_provider: live.provider.as_ref().map(|p| p.identity.clone()),
            access_expires_at: T / 1000 + 3600,
            signed_in_at: T / 1000,
            persistence: crate::session::Persistence::Keychain,
            freshness: crate::session::Freshness::Fresh,
            deadline_at: T / 1000 + 86_400,
            next_refresh_at: T / 1000 + 1800,
            claims: None,
            next_aal: crate::assurance::Aal::Aal1,
        };
        AuthEvent { subject: Some(Subject::of(&live)), ..AuthEvent::new(EventKind::SignedIn, state) }
    };
    log.record(&at(crate::testing::oauth_session(T / 1000).provider), T);
    let sso = crate::session::IdentityProvider::Sso { domain: Some("corp.example".into()) };
    log.record(&at(Some(crate::session::ProviderSignIn { identity: sso, tokens: None })), T);
    log.record(&at(None), T);
    let details: Vec<Option<String>> = read(log.dir()).unwrap().lines.into_iter().map(|l| l.detail).collect();
    assert_eq!(details, [Some("with oauth keycloak".into()), Some("with sso corp.example".into()), None]);
    assert!(!all_bytes(log.dir()).windows(6).any(|w| w == b"secret"), "never the provider's tokens");
}
