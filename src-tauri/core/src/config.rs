//! Which Supabase project the app talks to and where its data lives: environment, then the user's settings file, then the local stack.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// URL of the local Supabase Auth stack (`scripts/stack up`), the built-in default.
pub const LOCAL_STACK_URL: &str = "http://127.0.0.1:54321";
/// GoTrue ignores `apikey`; the local stack needs no real anon key.
pub const LOCAL_STACK_ANON_KEY: &str = "local-stack";
/// The user's settings file (written by tauri-plugin-store), inside the data directory.
pub const SETTINGS_FILE: &str = "settings.json";

/// Where a configured value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Environment,
    UserSettings,
    Default,
}

/// The effective configuration.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    pub supabase_url: String,
    #[serde(skip)]
    pub anon_key: String,
    pub auth_url: String,
    pub project_source: Source,
    pub data_dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the settings file {path} is not valid JSON ({detail}); fix or remove it")]
    BadSettingsFile { path: PathBuf, detail: String },
    #[error("no data directory: set LATCHKEY_DATA_DIR or HOME")]
    NoDataDir,
}

#[derive(Deserialize, Default)]
struct UserSettings {
    supabase_url: Option<String>,
    anon_key: Option<String>,
    auth_url: Option<String>,
}

impl Config {
    /// Reads the process environment and the user's settings file.
    pub fn load() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    /// Same as `load`, with the environment supplied by the caller (for tests).
    pub fn from_lookup(env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let data_dir = match env("LATCHKEY_DATA_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => dirs::data_dir().ok_or(ConfigError::NoDataDir)?.join(crate::APP_ID),
        };
        let settings = read_settings(&data_dir.join(SETTINGS_FILE))?;
        let (url, key, auth, source) = match (env("LATCHKEY_SUPABASE_URL"), env("LATCHKEY_SUPABASE_ANON_KEY")) {
            (Some(url), key) => (url, key.unwrap_or_default(), env("LATCHKEY_AUTH_URL"), Source::Environment),
            (None, _) => match settings.supabase_url {
                Some(url) => (url, settings.anon_key.unwrap_or_default(), settings.auth_url, Source::UserSettings),
                None => (LOCAL_STACK_URL.into(), LOCAL_STACK_ANON_KEY.into(), None, Source::Default),
            },
        };
        let supabase_url = url.trim_end_matches('/').to_string();
        let auth_url = auth.unwrap_or_else(|| format!("{supabase_url}/auth/v1"));
        Ok(Config { supabase_url, anon_key: key, auth_url, project_source: source, data_dir })
    }
}

fn read_settings(path: &Path) -> Result<UserSettings, ConfigError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| ConfigError::BadSettingsFile { path: path.into(), detail: e.to_string() }),
        Err(_) => Ok(UserSettings::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("latchkey-config-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_to_the_local_stack() {
        let dir = temp_dir("default");
        let c = load(&[("LATCHKEY_DATA_DIR", dir.to_str().unwrap())]).unwrap();
        assert_eq!(c.auth_url, "http://127.0.0.1:54321/auth/v1");
        assert_eq!(c.project_source, Source::Default);
    }

    #[test]
    fn environment_beats_settings_file() {
        let dir = temp_dir("env");
        std::fs::write(dir.join(SETTINGS_FILE), r#"{"supabase_url":"https://file.supabase.co","anon_key":"f"}"#).unwrap();
        let c = load(&[
            ("LATCHKEY_DATA_DIR", dir.to_str().unwrap()),
            ("LATCHKEY_SUPABASE_URL", "https://env.supabase.co/"),
            ("LATCHKEY_SUPABASE_ANON_KEY", "e"),
        ])
        .unwrap();
        assert_eq!(c.auth_url, "https://env.supabase.co/auth/v1");
        assert_eq!(c.anon_key, "e");
        assert_eq!(c.project_source, Source::Environment);
    }

    #[test]
    fn settings_file_is_used_without_environment() {
        let dir = temp_dir("file");
        std::fs::write(dir.join(SETTINGS_FILE), r#"{"supabase_url":"https://file.supabase.co","anon_key":"f"}"#).unwrap();
        let c = load(&[("LATCHKEY_DATA_DIR", dir.to_str().unwrap())]).unwrap();
        assert_eq!(c.auth_url, "https://file.supabase.co/auth/v1");
        assert_eq!(c.project_source, Source::UserSettings);
    }

    #[test]
    fn a_broken_settings_file_is_a_named_error() {
        let dir = temp_dir("broken");
        std::fs::write(dir.join(SETTINGS_FILE), "{not json").unwrap();
        let err = load(&[("LATCHKEY_DATA_DIR", dir.to_str().unwrap())]).unwrap_err();
        assert!(err.to_string().contains("settings.json"), "{err}");
    }
}
