//! The audit log: one JSON line per auth state change, never a token and never a session id (only its SHA-256);
//! any process may append, files rotate by size and by UTC day, and whole files past the retention are deleted.
//!
//! Layout of the directory (the per-user log directory, or `audit_log.path`): `audit.jsonl` is written to;
//! rotated files are `audit-<UTC time>-<pid>.jsonl`, so their names sort in time order. A failed write never
//! breaks auth: it is logged once and the session carries on.

use crate::events::{AuthEvent, EventKind, PendingSignOut, ServerOutcome, ServerSignOut, Subject};
use crate::session::{IdentityProvider, StateView};
use crate::config::Config;
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The file being written.
pub const FILE: &str = "audit.jsonl";
/// The current file is rotated before a line would take it past this size.
pub const ROTATE_BYTES: u64 = 1024 * 1024;
/// At most this many rotated files are kept, whatever the retention (20 MiB at most on disk).
pub const MAX_ROTATED: usize = 20;
const ROTATED_PREFIX: &str = "audit-";
const ROTATED_SUFFIX: &str = ".jsonl";

/// One line of the audit log (docs/cli.md, "audit export").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// RFC 3339, UTC, milliseconds: `2025-06-01T09:30:00.123Z`.
    pub time: String,
    /// The event kind, as on `auth://state`: `SIGNED_IN`, `SIGNED_OUT`, …
    pub event: String,
    /// Why (on SIGNED_OUT: `user`, `timeout`, `revoked`, `reset`, …).
    pub reason: Option<String>,
    pub user_id: Option<String>,
    /// SHA-256 of the server's session id, hex ([`crate::events::hash_session_id`]).
    pub session_hash: Option<String>,
    /// Only when policy sets `audit_log.include_email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Retry cause and next attempt, time left before the deadline, a server sign-out's outcome, or (on SIGNED_IN)
    /// the identity provider the user came through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub app_version: String,
}

impl Line {
    /// A line about `subject` (if known), written at `now_ms`.
    pub fn new(event: &str, reason: Option<String>, subject: Option<&Subject>, include_email: bool, now_ms: i64) -> Line {
        Line {
            time: format_time(now_ms),
            event: event.to_string(),
            reason,
            user_id: subject.map(|s| s.user_id.clone()),
            session_hash: subject.and_then(|s| s.session_hash.clone()),
            email: subject.filter(|_| include_email).map(|s| s.email.clone()),
            detail: None,
            app_version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    /// The line for an engine event (an INITIAL_SESSION that is signed out carries its state's reason).
    pub fn from_event(e: &AuthEvent, include_email: bool, now_ms: i64) -> Line {
        let reason = match (&e.reason, &e.state) {
            (Some(r), _) | (None, StateView::SignedOut { reason: Some(r) }) => Some(serde_name(r)),
            _ => None,
        };
        let mut line = Line::new(&serde_name(&e.event), reason, e.subject.as_ref(), include_email, now_ms);
        line.detail = match (&e.retry, e.remaining, &e.server_sign_out) {
            (Some(r), _, _) => Some(format!("attempt {} failed ({}); next at {}", r.attempt, r.cause, format_time(r.next_at * 1000))),
            (None, Some(left), _) => Some(format!("{left} s left")),
            (None, None, Some(s)) => Some(server_detail(s, e.pending_sign_out.as_ref())),
            _ if e.event == EventKind::SignedIn => signed_in_with(&e.state),
            _ => None,
        };
        line
    }

    /// Unix milliseconds of `time` (None if it does not parse).
    pub fn unix_ms(&self) -> Option<i64> {
        parse_time(&self.time).ok()
    }
}

/// A sign-out's server part in words: `global: pending (server_unreachable); other sessions still signed in, retried until …`.
/// `with oauth keycloak`, `with sso corp.example`: how a SIGNED_IN came about, when an identity provider did it.
fn signed_in_with(state: &StateView) -> Option<String> {
    let StateView::SignedIn { identity_provider: Some(provider), .. } = state else { return None };
    Some(match provider {
        IdentityProvider::OAuth { provider } => format!("with oauth {provider}"),
        IdentityProvider::Sso { domain: Some(domain) } => format!("with sso {domain}"),
        IdentityProvider::Sso { domain: None } => "with sso".into(),
    })
}

fn server_detail(s: &ServerSignOut, pending: Option<&PendingSignOut>) -> String {
    let mut text = format!("{}: {}", s.scope.as_str(), serde_name(&s.outcome));
    if let Some(cause) = &s.cause {
        text.push_str(&format!(" ({cause})"));
    }
    if let Some(p) = pending.filter(|_| s.outcome == ServerOutcome::Pending) {
        text.push_str(&format!("; other sessions still signed in, retried until {}", format_time(p.until * 1000)));
    }
    text
}

/// The serde name of a unit-like enum value (`SIGNED_IN`, `idle_timeout`).
fn serde_name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

/// RFC 3339 UTC with milliseconds, fixed width (so lines sort as text).
pub fn format_time(unix_ms: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(unix_ms as i128 * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    t.format(time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"))
        .unwrap_or_default()
}

/// Parses an RFC 3339 time (any offset) to Unix milliseconds.
pub fn parse_time(s: &str) -> Result<i64, String> {
    let t = OffsetDateTime::parse(s, &Rfc3339).map_err(|e| format!("{s:?} is not an RFC 3339 time ({e})"))?;
    Ok((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// `--since`: an RFC 3339 time (`2025-06-01T00:00:00Z`, `2025-06-01T02:00:00+02:00`) or a duration back from
/// now (`24h`, `7d`, `1h30m`). Returns Unix milliseconds.
pub fn parse_since(s: &str, now_ms: i64) -> Result<i64, String> {
    if let Ok(d) = crate::policy::durations::parse(s) {
        return Ok(now_ms - d.as_millis() as i64);
    }
    parse_time(s).map_err(|_| format!("{s:?} is neither an RFC 3339 time (2025-06-01T00:00:00Z) nor a duration (24h, 7d)"))
}

/// The directory the audit log is in: `audit_log.path`, else the per-user log directory.
pub fn dir_of(config: &Config) -> PathBuf {
    config.audit_log.path.clone().unwrap_or_else(|| config.log_dir.clone())
}

/// Appends lines; cheap to share (`Arc`) between tasks.
#[derive(Debug)]
pub struct AuditLog {
    dir: PathBuf,
    include_email: bool,
    retention: Duration,
    rotate_bytes: u64,
    pruned: AtomicBool,
    warned: AtomicBool,
    /// The per-user log directory, kept 0700 (narrowed back if opened up); an admin's `audit_log.path` is only created.
    per_user_dir: bool,
}

impl AuditLog {
    pub fn new(dir: PathBuf, include_email: bool, retention: Duration) -> Self {
        AuditLog {
            dir,
            include_email,
            retention,
            rotate_bytes: ROTATE_BYTES,
            pruned: AtomicBool::new(false),
            warned: AtomicBool::new(false),
            per_user_dir: false,
        }
    }

    /// The log the configuration asks for; `None` when policy turns it off (`audit_log.enabled: false`).
    pub fn from_config(config: &Config) -> Option<Self> {
        let a = &config.audit_log;
        a.enabled.then(|| AuditLog { per_user_dir: a.path.is_none(), ..AuditLog::new(dir_of(config), a.include_email, a.retention) })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Records an engine event, except a launch that found no session (nothing changed). Never fails: a
    /// write error is logged once and auth carries on.
    pub fn record(&self, event: &AuthEvent, now_ms: i64) {
        if event.event == EventKind::InitialSession && event.state == (StateView::SignedOut { reason: None }) {
            return;
        }
        self.write_or_warn(&Line::from_event(event, self.include_email, now_ms), now_ms);
    }

    /// Records a line made by the caller (e.g. `latchkey reset`), with the same guarantee as [`record`](Self::record).
    pub fn write_or_warn(&self, line: &Line, now_ms: i64) {
        if let Err(e) = self.write(line, now_ms) {
            if !self.warned.swap(true, Ordering::Relaxed) {
                tracing::warn!(dir = %self.dir.display(), error = %e, "could not write the audit log; auth carries on without it");
            }
        }
    }

    /// Whether a write has failed in this process.
    pub fn failed(&self) -> bool {
        self.warned.load(Ordering::Relaxed)
    }

    /// Appends one line, rotating first when the file is full or from an earlier UTC day.
    pub fn write(&self, line: &Line, now_ms: i64) -> io::Result<()> {
        let mut bytes = serde_json::to_vec(line).map_err(io::Error::other)?;
        bytes.push(b'\n');
        if self.per_user_dir {
            crate::vault::private_dir(&self.dir)?;
        } else {
            create_private_dir(&self.dir)?;
        }
        let current = self.dir.join(FILE);
        let rotated = match fs::metadata(&current) {
            Ok(m) if m.len() > 0 && (m.len() + bytes.len() as u64 > self.rotate_bytes || first_day(&current).as_deref() != line.time.get(..10)) => {
                rotate(&current, now_ms)?
            }
            _ => false,
        };
        if rotated || !self.pruned.swap(true, Ordering::Relaxed) {
            prune(&self.dir, self.retention, now_ms);
        }
        let mut file = open_append(&current)?;
        file.write_all(&bytes)
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)
}

fn open_append(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// The `YYYY-MM-DD` of the file's first line, if it has one.
fn first_day(path: &Path) -> Option<String> {
    let mut first = String::new();
    BufReader::new(File::open(path).ok()?.take(4096)).read_line(&mut first).ok()?;
    let line: Line = serde_json::from_str(first.trim_end()).ok()?;
    line.time.get(..10).map(String::from)
}

/// Moves the current file aside under a name that sorts by time. Another process may have done it first.
fn rotate(current: &Path, now_ms: i64) -> io::Result<bool> {
    let stamp = format_time(now_ms).replace([':', '-', '.'], "");
    let target = current.with_file_name(format!("{ROTATED_PREFIX}{stamp}-{}{ROTATED_SUFFIX}", std::process::id()));
    match fs::rename(current, target) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Rotated files, oldest first.
pub fn rotated_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    name.starts_with(ROTATED_PREFIX) && name.ends_with(ROTATED_SUFFIX)
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Deletes rotated files whose newest line (their last write) is older than `retention`, then the oldest
/// beyond [`MAX_ROTATED`]. Best effort.
fn prune(dir: &Path, retention: Duration, now_ms: i64) {
    let cutoff = UNIX_EPOCH + Duration::from_millis((now_ms - retention.as_millis() as i64).max(0) as u64);
    let mut kept = Vec::new();
    for file in rotated_files(dir) {
        let modified = fs::metadata(&file).and_then(|m| m.modified()).unwrap_or(SystemTime::now());
        if modified < cutoff {
            let _ = fs::remove_file(&file);
        } else {
            kept.push(file);
        }
    }
    let excess = kept.len().saturating_sub(MAX_ROTATED);
    for file in &kept[..excess] {
        let _ = fs::remove_file(file);
    }
}

/// Every line in `dir`, across rotated files, in time order.
#[derive(Debug, Default)]
pub struct Export {
    pub lines: Vec<Line>,
    /// Lines that are not valid (e.g. cut short by a crash); skipped.
    pub damaged: usize,
}

/// Reads the whole log. A missing directory is an empty log; an unreadable file is an error.
pub fn read(dir: &Path) -> io::Result<Export> {
    let mut out = Export::default();
    let mut files = rotated_files(dir);
    files.push(dir.join(FILE));
    for file in files {
        read_file(&file, &mut out)?;
    }
    out.lines.sort_by(|a, b| a.time.cmp(&b.time));
    Ok(out)
}

fn read_file(path: &Path, out: &mut Export) -> io::Result<()> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
    };
    for raw in BufReader::new(file).split(b'\n') {
        let raw = raw?;
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Line>(&raw) {
            Ok(line) if line.unix_ms().is_some() => out.lines.push(line),
            _ => out.damaged += 1,
        }
    }
    Ok(())
}

/// The newest `limit` lines, newest first, reading only the newest files it needs.
pub fn recent(dir: &Path, limit: usize) -> io::Result<Vec<Line>> {
    let mut files = rotated_files(dir);
    files.push(dir.join(FILE));
    let mut newest = Vec::new();
    for file in files.iter().rev() {
        let mut part = Export::default();
        read_file(file, &mut part)?;
        part.lines.sort_by(|a, b| a.time.cmp(&b.time));
        newest.extend(part.lines.into_iter().rev());
        if newest.len() >= limit {
            break;
        }
    }
    newest.sort_by(|a, b| b.time.cmp(&a.time));
    newest.truncate(limit);
    Ok(newest)
}

#[cfg(test)]
mod tests;
