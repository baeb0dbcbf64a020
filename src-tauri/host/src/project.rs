//! The Supabase project: whether one is configured (a release build ships none), and checking one a user enters on
//! the first-run screen: an https URL (http only for this computer) whose `/auth/v1/settings` answers as GoTrue does,
//! through the configured trust and proxy, before anything is saved.

use latchkey_core::api::GoTrue;
use latchkey_core::config::Source;
use latchkey_core::policy::check_http_url;
use latchkey_core::{AuthError, Config};
use serde::Serialize;

/// The answer of `get_project` (docs/ipc.md).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ProjectState {
    /// Whether a project is configured; when false the window shows the first-run screen.
    pub configured: bool,
    /// The project URL, when configured.
    pub url: Option<String>,
    /// Where it came from (`managed`, `environment`, `user`, …; `default` when none).
    pub source: Source,
}

pub fn project_state(config: &Config) -> ProjectState {
    ProjectState { configured: config.has_project(), url: config.has_project().then(|| config.supabase_url.clone()), source: config.project_source }
}

/// A project a user entered, checked: the normalized URL and the anon key, once `<url>/auth/v1/settings` answered.
pub async fn check_project(config: &Config, url: &str, anon_key: &str) -> Result<(String, String), AuthError> {
    if config.is_locked("supabase_url") {
        return Err(AuthError::Policy(latchkey_core::error::Refusal::Locked("supabase_url".into())));
    }
    let url = check_http_url(url.trim()).map_err(|e| AuthError::InvalidSetting(format!("project URL: {e}")))?;
    let anon_key = anon_key.trim();
    if anon_key.is_empty() {
        return Err(AuthError::InvalidSetting("anon key: enter the project's anon (publishable) key".into()));
    }
    let api = GoTrue::new(&format!("{url}/auth/v1"), anon_key, &config.network())?;
    api.settings().await?;
    Ok((url, anon_key.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        latchkey_core::testing::config("project", None, None, &[(latchkey_core::config::NO_DEFAULT_PROJECT_ENV, "1")]).unwrap()
    }

    #[test]
    fn with_no_project_the_state_says_so() {
        let state = project_state(&config());
        assert_eq!((state.configured, state.url, state.source), (false, None, Source::Default));
    }

    #[tokio::test]
    async fn an_address_that_is_not_a_project_is_refused_before_anything_is_saved() {
        let config = config();
        for (url, code) in [("http://auth.corp.example", "invalid_setting"), ("not a url", "invalid_setting"), ("http://127.0.0.1:1", "server_unreachable")] {
            assert_eq!(check_project(&config, url, "anon").await.unwrap_err().code(), code, "{url}");
        }
        assert_eq!(check_project(&config, "https://p.supabase.co", " ").await.unwrap_err().code(), "invalid_setting");
        let locked = latchkey_core::testing::config("project-locked", Some(r#"{"managed":{"supabase_url":"https://corp.supabase.co","anon_key":"k"}}"#), None, &[]).unwrap();
        assert_eq!(check_project(&locked, "https://p.supabase.co", "k").await.unwrap_err().code(), "policy");
        assert!(project_state(&locked).configured);
    }
}
