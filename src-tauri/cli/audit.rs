//! `latchkey audit export`: prints the audit log across its rotated files in time order; read-only, and the log
//! never holds a token, so neither does the output.

use super::exit;
use latchkey_core::audit::{self, Line};
use latchkey_core::{Clock, Config, SystemClock};
use std::io::Write;

pub fn export(config: &Config, since: Option<&str>, as_json: bool) -> i32 {
    let since_ms = match since.map(|s| audit::parse_since(s, SystemClock.now_ms())).transpose() {
        Ok(ms) => ms,
        Err(e) => {
            eprintln!("latchkey: --since: {e}");
            return exit::USAGE;
        }
    };
    let dir = audit::dir_of(config);
    if !config.audit_log.enabled {
        eprintln!("latchkey: the audit log is turned off (audit_log.enabled = false); showing what {} still holds", dir.display());
    }
    let log = match audit::read(&dir) {
        Ok(log) => log,
        Err(e) => {
            eprintln!("latchkey: cannot read the audit log in {}: {e}", dir.display());
            return exit::FAILED;
        }
    };
    if log.damaged > 0 {
        eprintln!("latchkey: skipped {} damaged line(s) in {} (e.g. cut short by a crash)", log.damaged, dir.display());
    }
    let mut out = std::io::stdout().lock();
    for line in log.lines.iter().filter(|l| since_ms.is_none_or(|s| l.unix_ms().is_some_and(|t| t >= s))) {
        let written = if as_json { serde_json::to_writer(&mut out, line).map_err(std::io::Error::other) } else { write!(out, "{}", text(line)) };
        // A closed pipe (`| head`) ends the export quietly.
        if written.and_then(|()| writeln!(out)).is_err() {
            break;
        }
    }
    exit::OK
}

/// One line for people: time, event, user (and email), the start of the session hash, reason, detail. The log is
/// writable by the user, so every field is printed with control and bidi-override characters escaped.
fn text(line: &Line) -> String {
    let mut parts = vec![line.time.clone(), format!("{:<16}", line.event), format!("user {}", line.user_id.as_deref().unwrap_or("-"))];
    if let Some(email) = &line.email {
        parts.push(format!("<{email}>"));
    }
    if let Some(hash) = &line.session_hash {
        parts.push(format!("session {}…", hash.chars().take(12).collect::<String>()));
    }
    if let Some(reason) = &line.reason {
        parts.push(format!("reason {reason}"));
    }
    parts.extend(line.detail.clone());
    visible(&parts.join("  "))
}

/// `text` with every character that could move the cursor, clear the screen or reorder what follows escaped.
fn visible(text: &str) -> String {
    let hidden = |c: char| c.is_control() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    text.chars().map(|c| if hidden(c) { c.escape_default().to_string() } else { c.to_string() }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_form_names_event_reason_user_and_a_short_session_hash() {
        let mut line = Line::new("SIGNED_OUT", Some("reset".into()), None, false, 1_780_000_000_000);
        line.user_id = Some("u1".into());
        line.session_hash = Some("34b36454cab2e7842c389f7d88ecb7df279e3918cbac07970d4cde496e70f4c8".into());
        assert_eq!(text(&line), "2026-05-28T20:26:40.000Z  SIGNED_OUT        user u1  session 34b36454cab2…  reason reset");
    }

    /// The log is the user's to write: a line with a multi-byte session hash and terminal escapes in its fields
    /// prints as one line of visible text, and nothing panics.
    #[test]
    fn a_hand_written_line_prints_escaped_and_never_panics() {
        let mut line = Line::new("SIGNED_IN\u{1b}[2J", Some("user\nforged".into()), None, false, 1_780_000_000_000);
        line.user_id = Some("u1\u{7}\u{202e}".into());
        line.session_hash = Some(format!("a{}", "é".repeat(15))); // byte 12 falls inside a character
        line.detail = Some("\r\t".into());
        let shown = text(&line);
        assert!(!shown.chars().any(|c| c.is_control() || c == '\u{202e}'), "printed raw: {shown:?}");
        let hash = format!("a{}", "é".repeat(11));
        assert_eq!(
            shown,
            format!("2026-05-28T20:26:40.000Z  SIGNED_IN\\u{{1b}}[2J     user u1\\u{{7}}\\u{{202e}}  session {hash}…  reason user\\nforged  \\r\\t")
        );
    }
}
