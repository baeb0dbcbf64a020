//! Who may write the policy: real files chowned and chmodded, and Windows owners and access lists as data.

use super::*;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

/// A policy file in a folder of its own, both root's and 0644 / 0755, as an admin would install them.
fn installed(name: &str) -> PathBuf {
    let dir = crate::testing::temp_dir(&format!("trust-{name}")).join("latchkey");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let file = dir.join("policy.json");
    std::fs::write(&file, "{}").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::os::unix::fs::chown(&file, Some(0), Some(0)).expect("these checks create root-owned files: run as root");
    file
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn chown(path: &Path, uid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(uid)).expect("chown needs root");
}

fn machine(file: &Path) -> Result<(), String> {
    check(&UnixInspect, file, Rule::Machine)
}

#[test]
fn a_root_owned_policy_in_a_root_owned_folder_is_trusted() {
    machine(&installed("ok")).unwrap();
}

#[test]
fn a_policy_file_others_may_write_or_own_is_refused() {
    for (mode, owner, expected) in [
        (0o664, 0, "is writable by its group (gid 0)"),
        (0o666, 0, "is writable by its group (gid 0), everyone"),
        (0o646, 0, "is writable by everyone"),
        (0o644, 65534, "belongs to uid 65534"),
    ] {
        let file = installed(&format!("file-{mode:o}-{owner}"));
        chmod(&file, mode);
        chown(&file, owner);
        let e = machine(&file).unwrap_err();
        assert!(e.starts_with("the file ") && e.contains(expected), "{mode:o} {owner}: {e}");
        assert!(e.ends_with("only an administrator may own or write it"), "{e}");
    }
}

#[test]
fn its_own_folder_counts_too_but_not_the_folders_above() {
    let file = installed("folder-mode");
    chmod(file.parent().unwrap(), 0o777);
    let e = machine(&file).unwrap_err();
    assert!(e.starts_with(&format!("its folder {} ", file.parent().unwrap().display())) && e.contains("everyone"), "{e}");

    let file = installed("folder-owner");
    chown(file.parent().unwrap(), 65534);
    assert!(machine(&file).unwrap_err().contains("its folder"));

    let file = installed("grandparent");
    chmod(file.parent().unwrap().parent().unwrap(), 0o777);
    machine(&file).expect("the folders above the policy's own are not checked");
}

#[test]
fn the_override_may_be_the_users_own_but_never_writable_by_others() {
    let file = installed("override");
    chown(&file, unsafe { libc::geteuid() });
    chmod(file.parent().unwrap(), 0o777); // the override's folder is not checked
    check(&UnixInspect, &file, Rule::Override).unwrap();
    for mode in [0o664, 0o666] {
        chmod(&file, mode);
        let e = check(&UnixInspect, &file, Rule::Override).unwrap_err();
        assert!(e.contains("is writable by"), "{mode:o}: {e}");
    }
    chmod(&file, 0o644);
    chown(&file, 65534);
    assert!(check(&UnixInspect, &file, Rule::Override).unwrap_err().contains("belongs to uid 65534"));
}

/// The Windows decision, from a security descriptor as `windows_acl` reads it.
mod windows {
    use super::*;

    const ADMINS: &str = "S-1-5-32-544";
    const SYSTEM: &str = "S-1-5-18";
    const USERS: &str = "S-1-5-32-545";
    const ALICE: &str = "S-1-5-21-1-2-3-1001";

    fn allow(sid: &str, mask: u32) -> Ace {
        Ace { sid: sid.into(), allows: true, inherit_only: false, mask }
    }

    fn decide(owner: &str, dacl: Option<&[Ace]>, rule: Rule) -> Result<(), String> {
        judge(&windows_facts(owner, dacl, Some(ALICE)), rule)
    }

    /// What the MSI and NSIS hooks leave on `%ProgramData%\Latchkey`: full control for Administrators and SYSTEM,
    /// read and execute (0x1200a9) for Users.
    fn installed() -> Vec<Ace> {
        vec![allow(ADMINS, 0x1f01ff), allow(SYSTEM, 0x1f01ff), allow(USERS, 0x1200a9)]
    }

    #[test]
    fn the_installers_folder_and_an_admins_file_are_trusted() {
        decide(ADMINS, Some(&installed()), Rule::Machine).unwrap();
        decide(SYSTEM, Some(&installed()), Rule::Machine).unwrap();
    }

    #[test]
    fn a_standard_users_folder_or_a_writable_file_is_refused() {
        // C:\ProgramData lets standard users create folders: one they made is theirs.
        assert_eq!(decide(ALICE, Some(&installed()), Rule::Machine).unwrap_err(), "belongs to the user running Latchkey");
        assert!(decide("S-1-5-21-9-9-9-500", Some(&installed()), Rule::Machine).unwrap_err().contains("belongs to S-1-5-21-9-9-9-500"));
        for mask in [0x2, 0x4, 0x40, 0x1_0000, 0x4_0000, 0x8_0000, 0x1000_0000, 0x4000_0000] {
            let mut aces = installed();
            aces.push(allow(USERS, mask));
            let e = decide(ADMINS, Some(&aces), Rule::Machine).unwrap_err();
            assert_eq!(e, format!("is writable by {USERS}"), "{mask:#x}");
        }
        assert!(decide(ADMINS, None, Rule::Machine).unwrap_err().contains("no access list"));
    }

    #[test]
    fn deny_and_inherit_only_entries_grant_nothing_here() {
        let mut aces = installed();
        aces.push(Ace { sid: USERS.into(), allows: false, inherit_only: false, mask: 0x1f01ff });
        aces.push(Ace { sid: "S-1-3-0".into(), allows: true, inherit_only: true, mask: 0x1f01ff }); // CREATOR OWNER
        decide(ADMINS, Some(&aces), Rule::Machine).unwrap();
    }

    #[test]
    fn owner_rights_stand_for_the_owner() {
        let mut aces = installed();
        aces.push(allow("S-1-3-4", 0x1f01ff));
        decide(ADMINS, Some(&aces), Rule::Machine).unwrap();
        assert!(decide(ALICE, Some(&aces), Rule::Override).is_ok(), "the override may be the user's own");
    }
}
