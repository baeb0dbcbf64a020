//! Reading the policy from the machine: the platform location, or the debug-only override; a file anyone but an
//! administrator (or, for the override, the user) could have written, or one that does not parse, is an invalid
//! [`Policy`] that names where it came from, never a partly applied one.

use super::{parse_policy_value, trust, Tier, POLICY_PATH_ENV};
#[cfg(not(any(windows, target_os = "macos")))]
use super::LINUX_POLICY_PATH;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Reads a policy file in the JSON format. `Ok(None)`: no file (no policy). A file that exists but cannot be
/// read, or is not valid, is an error naming the file.
pub fn read_policy_file(path: &Path) -> Result<Option<(Tier, Tier)>, PolicyError> {
    let err = |problem: String| PolicyError { origin: path.display().to_string(), problem };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(err(format!("cannot be read ({e})"))),
    };
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| err(format!("is not valid JSON ({e})")))?;
    parse_policy_value(&value).map(Some).map_err(err)
}

/// An invalid policy: where it came from and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy {origin}: {problem}")]
pub struct PolicyError {
    /// The file path or registry key.
    pub origin: String,
    pub problem: String,
}

/// The policy as read from the machine.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Where it was looked for (file path or registry key), shown as `file` in the report.
    pub origin: String,
    /// Whether a policy was found there.
    pub present: bool,
    pub managed: Tier,
    pub recommended: Tier,
    /// Set when the policy exists but is invalid; then `managed` and `recommended` are empty and the
    /// configuration fails closed.
    pub error: Option<PolicyError>,
    /// Things that were not applied, said out loud (e.g. an override refused by a release build).
    pub warnings: Vec<String>,
}

impl Policy {
    /// No policy at `origin`.
    pub fn absent(origin: impl Into<String>) -> Self {
        Policy { origin: origin.into(), ..Default::default() }
    }
    fn from_result(origin: String, r: Result<Option<(Tier, Tier)>, PolicyError>) -> Self {
        match r {
            Ok(None) => Policy::absent(origin),
            Ok(Some((managed, recommended))) => Policy { origin, present: true, managed, recommended, ..Default::default() },
            Err(e) => Policy { origin, present: true, error: Some(e), ..Default::default() },
        }
    }
}

/// Decides whether `LATCHKEY_POLICY_PATH` is honoured. Only debug builds pass `allow_override = true`
/// (`cfg!(debug_assertions)`), so a user cannot point a release build at a policy of their own.
/// Returns the override path, or `Err(warning)` when one was given and refused.
pub fn policy_path_override(value: Option<String>, allow_override: bool) -> Result<Option<PathBuf>, String> {
    match value {
        None => Ok(None),
        Some(_) if !allow_override => {
            Err(format!("{POLICY_PATH_ENV} is ignored: only debug builds honour it (the machine policy applies)"))
        }
        Some(p) => Ok(Some(PathBuf::from(p))),
    }
}

/// Loads the policy: from `override_path` if given (JSON format; it may be the user's own file, but nobody else may
/// write it), otherwise from the platform location.
pub fn load(override_path: Option<&Path>) -> Policy {
    match override_path {
        Some(path) => read_trusted(path, trust::Rule::Override, &os_inspect()),
        None => load_platform(),
    }
}

/// Reads a JSON policy file that passes [`trust::check`]: one someone else could have written is an invalid policy.
pub fn read_trusted(path: &Path, rule: trust::Rule, inspect: &dyn trust::Inspect) -> Policy {
    let origin = path.display().to_string();
    if !path.exists() {
        return Policy::absent(origin);
    }
    let trusted = trust::check(inspect, path, rule).map_err(|problem| PolicyError { origin: origin.clone(), problem });
    Policy::from_result(origin, trusted.and_then(|()| read_policy_file(path)))
}

/// How this OS says who owns and may write a file.
fn os_inspect() -> impl trust::Inspect {
    #[cfg(unix)]
    {
        trust::UnixInspect
    }
    #[cfg(windows)]
    {
        super::windows_acl::WindowsInspect
    }
}

/// The platform's policy location, as shown in the report.
pub fn platform_origin() -> String {
    #[cfg(windows)]
    {
        super::windows::REGISTRY_KEY_DISPLAY.to_string()
    }
    #[cfg(target_os = "macos")]
    {
        super::macos::MANAGED_PREFERENCES_PATH.to_string()
    }
    #[cfg(not(any(windows, target_os = "macos")))]
    {
        LINUX_POLICY_PATH.to_string()
    }
}

#[cfg(not(any(windows, target_os = "macos")))]
fn load_platform() -> Policy {
    read_trusted(Path::new(LINUX_POLICY_PATH), trust::Rule::Machine, &os_inspect())
}

#[cfg(windows)]
fn load_platform() -> Policy {
    super::windows::load()
}

#[cfg(target_os = "macos")]
fn load_platform() -> Policy {
    super::macos::load()
}

#[cfg(test)]
mod tests;
