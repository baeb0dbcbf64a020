//! The override guard: only a debug build honours `LATCHKEY_POLICY_PATH`, a release build reads the machine policy,
//! and a policy file others may write is invalid and fails closed.

use super::*;
use crate::config::{Config, Source};
use crate::policy::LINUX_POLICY_PATH;
use std::collections::HashMap;
use std::time::Duration;

fn temp_dir(name: &str) -> PathBuf {
    crate::testing::temp_dir(&format!("policy-{name}"))
}

#[test]
fn the_policy_path_override_is_for_debug_builds_only() {
    assert_eq!(policy_path_override(None, false), Ok(None));
    assert_eq!(policy_path_override(None, true), Ok(None));
    assert_eq!(policy_path_override(Some("/tmp/p.json".into()), true), Ok(Some(PathBuf::from("/tmp/p.json"))));
    let refused = policy_path_override(Some("/tmp/p.json".into()), false).unwrap_err();
    assert!(refused.contains(POLICY_PATH_ENV) && refused.contains("debug builds"), "{refused}");
}

#[test]
fn a_release_build_reads_the_machine_policy_even_when_the_override_is_set() {
    let dir = temp_dir("release");
    let user_policy = dir.join("mine.json");
    std::fs::write(&user_policy, r#"{"managed": {"max_session_age": "24h"}}"#).unwrap();
    let env: HashMap<&str, String> =
        [("LATCHKEY_DATA_DIR", dir.display().to_string()), (POLICY_PATH_ENV, user_policy.display().to_string())].into();
    let mut asked = None;
    let machine = |p: Option<&Path>| {
        asked = Some(p.map(Path::to_path_buf));
        Policy {
            origin: LINUX_POLICY_PATH.into(),
            present: true,
            managed: Tier { max_session_age: Some(Duration::from_secs(600)), ..Default::default() },
            ..Default::default()
        }
    };
    let c = Config::from_parts(|k| env.get(k).cloned(), false, machine).unwrap();
    assert_eq!(asked, Some(None), "the loader must be asked for the platform location, not the override");
    assert_eq!(c.max_session_age, Duration::from_secs(600));
    assert_eq!(c.policy_file, LINUX_POLICY_PATH);
    assert!(c.warnings.iter().any(|w| w.contains(POLICY_PATH_ENV)), "refusing the override is said out loud");

    // The same environment in a debug build uses the override.
    let c = Config::from_parts(|k| env.get(k).cloned(), true, load).unwrap();
    assert_eq!(c.policy_file, user_policy.display().to_string());
    assert_eq!(c.max_session_age, Duration::from_secs(86_400));
}

#[test]
fn this_build_only_honours_the_override_when_it_is_a_debug_build() {
    // `Config::from_lookup` passes cfg!(debug_assertions); tests run unoptimised with debug assertions on.
    let dir = temp_dir("fromlookup");
    let p = dir.join("p.json");
    std::fs::write(&p, r#"{"managed": {"idle_timeout": "5m"}}"#).unwrap();
    let env: HashMap<&str, String> = [("LATCHKEY_DATA_DIR", dir.display().to_string()), (POLICY_PATH_ENV, p.display().to_string())].into();
    let c = Config::from_lookup(|k| env.get(k).cloned()).unwrap();
    if cfg!(debug_assertions) {
        assert_eq!(c.idle_timeout, Some(Duration::from_secs(300)));
        assert_eq!(c.source_of("idle_timeout"), Some(Source::Managed));
    } else {
        assert_ne!(c.policy_file, p.display().to_string());
    }
}

#[test]
fn a_policy_file_others_may_write_is_invalid_and_fails_closed() {
    use std::os::unix::fs::PermissionsExt;
    for (mode, expected) in [(0o664, "writable by its group"), (0o666, "writable by its group (gid 0), everyone")] {
        let dir = temp_dir(&format!("writable-{mode:o}"));
        let path = dir.join("policy.json");
        let c = crate::testing::config_in(&dir, Some(r#"{"managed": {"max_session_age": "24h"}}"#), None, &[]);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let c = c.and_then(|_| crate::testing::config_in(&dir, None, None, &[])).unwrap();
        let error = c.policy_error.as_deref().unwrap_or_else(|| panic!("{mode:o}: a policy anyone in the group can write was applied"));
        assert!(error.contains(&path.display().to_string()) && error.contains(expected), "{error}");
        assert_eq!((c.max_session_age, c.source_of("max_session_age")), (Duration::ZERO, Some(Source::FailClosed)));
    }
}
