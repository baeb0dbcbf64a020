//! A test's configuration over a private directory: the environment is only what the test names, so neither the
//! machine's policy nor its variables leak in.

use crate::config::{Config, ConfigError, SETTINGS_FILE};
use crate::policy::{self, POLICY_PATH_ENV};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A new empty directory for one test, unique in this process (and across processes, by pid).
pub fn temp_dir(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("latchkey-test-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// [`config_in`] a new [`temp_dir`].
pub fn config(name: &str, policy: Option<&str>, settings: Option<&str>, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    config_in(&temp_dir(name), policy, settings, vars)
}

/// The configuration a debug build loads with `vars` as its whole environment, `policy` (if any) as the machine
/// policy and `settings` (if any) as the user's settings file. Data goes to `dir/data` and logs to `dir/logs`
/// unless `vars` name other places.
pub fn config_in(dir: &Path, policy: Option<&str>, settings: Option<&str>, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let mut env: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let mut default = |key: &str, path: PathBuf| env.entry(key.into()).or_insert_with(|| path.display().to_string()).clone();
    let data = PathBuf::from(default("LATCHKEY_DATA_DIR", dir.join("data")));
    default("LATCHKEY_LOG_DIR", dir.join("logs"));
    let policy_path = PathBuf::from(default(POLICY_PATH_ENV, dir.join("policy.json")));
    if let Some(p) = policy {
        std::fs::write(&policy_path, p).unwrap();
    }
    if let Some(s) = settings {
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(data.join(SETTINGS_FILE), s).unwrap();
    }
    Config::from_parts(|k| env.get(k).cloned(), true, policy::load)
}
