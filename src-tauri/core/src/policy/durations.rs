//! Duration strings used by the policy schema: one or more `<integer><unit>` parts, units `d`, `h`, `m`, `s`
//! (for example `"24h"`, `"15m"`, `"90s"`, `"1h30m"`, `"30d"`).

use std::time::Duration;

/// Parses `"24h"`, `"15m"`, `"90s"`, `"1h30m"`, `"30d"`. Each unit at most once, largest first; no spaces,
/// no signs, no fractions. `"0s"` parses to zero: callers that need a positive duration check it.
pub fn parse(text: &str) -> Result<Duration, String> {
    let bad = || format!("{text:?} is not a duration (use e.g. \"24h\", \"15m\", \"90s\" or \"1h30m\")");
    if text.is_empty() {
        return Err(bad());
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut last_rank = usize::MAX;
    for ch in text.chars() {
        if ch.is_ascii_digit() {
            digits.push(ch);
            continue;
        }
        let (rank, unit) = match ch {
            'd' => (3, 86_400),
            'h' => (2, 3_600),
            'm' => (1, 60),
            's' => (0, 1),
            _ => return Err(bad()),
        };
        if digits.is_empty() || rank >= last_rank {
            return Err(bad());
        }
        let n: u64 = digits.parse().map_err(|_| bad())?;
        total = n.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(bad)?;
        digits.clear();
        last_rank = rank;
    }
    if !digits.is_empty() {
        return Err(bad());
    }
    Ok(Duration::from_secs(total))
}

/// The canonical string for a duration: `"24h"`, `"48h"`, `"15m"`, `"1m30s"`, `"30d"` (days from a week up).
pub fn format(d: Duration) -> String {
    let secs = d.as_secs();
    if secs == 0 {
        return "0s".into();
    }
    if secs >= 7 * 86_400 && secs.is_multiple_of(86_400) {
        return format!("{}d", secs / 86_400);
    }
    let (h, m, s) = (secs / 3_600, secs % 3_600 / 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 {
        out.push_str(&format!("{s}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_single_and_combined_units() {
        assert_eq!(parse("24h").unwrap(), Duration::from_secs(86_400));
        assert_eq!(parse("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse("1h30m").unwrap(), Duration::from_secs(5_400));
        assert_eq!(parse("30d").unwrap(), Duration::from_secs(30 * 86_400));
        assert_eq!(parse("0s").unwrap(), Duration::ZERO);
    }

    #[test]
    fn rejects_malformed_strings() {
        for bad in ["", "24", "h", "1.5h", "-5m", "5 m", "1m1h", "1h1h", "10x", "99999999999999999999d", "1H"] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn formats_canonically() {
        assert_eq!(format(Duration::from_secs(86_400)), "24h");
        assert_eq!(format(Duration::from_secs(90)), "1m30s");
        assert_eq!(format(Duration::from_secs(900)), "15m");
        assert_eq!(format(Duration::from_secs(30 * 86_400)), "30d");
        assert_eq!(format(Duration::from_secs(2 * 86_400)), "48h");
        assert_eq!(format(Duration::ZERO), "0s");
        for s in ["24h", "15m", "1h30m", "30d", "45s"] {
            assert_eq!(format(parse(s).unwrap()), s);
        }
    }
}
