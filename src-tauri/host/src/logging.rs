//! Logging setup: one subscriber per process, at the level policy or the environment chooses, and no secret is
//! ever formatted into a log line (token types redact their Debug; third-party crates stay at `warn`).

use latchkey_core::config::Source;
use latchkey_core::Config;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter};

/// Daily files `latchkey.<date>.log` in the log directory; this many are kept.
pub const LOG_FILES_KEPT: usize = 7;

/// Where log lines go.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Sink {
    /// stderr only (the CLI: its output is for the person or script that ran it).
    Stderr,
    /// stderr and a rotating file in the log directory (the window).
    StderrAndFile,
}

/// The filter, by precedence (docs/policy.md, "Log level"): managed `log_level`, then `LATCHKEY_LOG`, then
/// `RUST_LOG` (full directives), then `log_level` from the user's settings or the recommended policy, then `info`.
pub fn filter_directives(config: &Config, rust_log: Option<&str>) -> String {
    // rustls-platform-verifier logs every refused certificate at ERROR; Latchkey reports it once as tls_untrusted.
    let own = |level: &str| format!("warn,rustls_platform_verifier=off,latchkey={level},latchkey_app={level},latchkey_core={level}");
    match (config.source_of("log_level"), rust_log) {
        (Some(Source::Managed | Source::Environment), _) | (_, None) => own(config.log_level.as_str()),
        (_, Some(directives)) => directives.to_string(),
    }
}

/// Sets up logging once per process; a log file that cannot be opened leaves stderr only, and says so.
pub fn init_logging(config: &Config, sink: Sink) {
    let rust_log = std::env::var("RUST_LOG").ok().filter(|v| !v.trim().is_empty());
    let directives = filter_directives(config, rust_log.as_deref());
    let (filter, bad_rust_log) = match EnvFilter::try_new(&directives) {
        Ok(f) => (f, None),
        Err(e) => (EnvFilter::new(filter_directives(config, None)), Some(e)),
    };
    let file = match sink {
        Sink::StderrAndFile => Some(log_file(config)),
        Sink::Stderr => None,
    };
    let (file_layer, file_error) = match file {
        Some(Ok(appender)) => (Some(fmt::layer().with_ansi(false).with_writer(appender)), None),
        Some(Err(e)) => (None, Some(e)),
        None => (None, None),
    };
    let stderr = fmt::layer().with_writer(std::io::stderr);
    if tracing_subscriber::registry().with(filter).with(stderr).with(file_layer).try_init().is_err() {
        return; // already set up in this process
    }
    if let Some(e) = bad_rust_log {
        tracing::warn!(error = %e, "RUST_LOG is not a valid filter; using the configured level");
    }
    if let Some(e) = file_error {
        tracing::warn!(dir = %config.log_dir.display(), error = %e, "cannot write the log file; logging to stderr only");
    }
    // The configuration was read before logging existed: say its warnings now.
    for w in &config.warnings {
        tracing::warn!("{w}");
    }
    if let Some(e) = &config.policy_error {
        tracing::error!("{e}");
    }
}

fn log_file(config: &Config) -> Result<RollingFileAppender, String> {
    // The log directory holds user ids (and maybe emails): only its owner may enter it.
    latchkey_core::vault::private_dir(&config.log_dir).map_err(|e| format!("{}: {e}", config.log_dir.display()))?;
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("latchkey")
        .filename_suffix("log")
        .max_log_files(LOG_FILES_KEPT)
        .build(&config.log_dir)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(name: &str, vars: &[(&str, &str)], policy: Option<&str>) -> Config {
        latchkey_core::testing::config(&format!("logging-{name}"), policy, None, vars).unwrap()
    }

    #[test]
    fn the_level_follows_managed_then_latchkey_log_then_rust_log_then_settings() {
        let own = |l: &str| format!("warn,rustls_platform_verifier=off,latchkey={l},latchkey_app={l},latchkey_core={l}");
        assert_eq!(filter_directives(&config("none", &[], None), None), own("info"));
        assert_eq!(filter_directives(&config("none", &[], None), Some("hyper=trace")), "hyper=trace");
        assert_eq!(filter_directives(&config("env", &[("LATCHKEY_LOG", "debug")], None), Some("hyper=trace")), own("debug"));
        let recommended = config("recommended", &[], Some(r#"{"recommended": {"log_level": "error"}}"#));
        assert_eq!(filter_directives(&recommended, None), own("error"));
        assert_eq!(filter_directives(&recommended, Some("trace")), "trace", "RUST_LOG ranks above recommended");
        let managed = config("managed", &[("LATCHKEY_LOG", "trace")], Some(r#"{"managed": {"log_level": "warn"}}"#));
        assert_eq!(filter_directives(&managed, Some("trace")), own("warn"), "managed beats the environment");
    }
}
