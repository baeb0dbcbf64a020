//! Logging setup: one subscriber per process, and no secret is ever formatted into a log line.

/// Logs go to stderr; `RUST_LOG` tunes them. No secret is ever formatted into a log line.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
