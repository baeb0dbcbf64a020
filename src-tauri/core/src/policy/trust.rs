//! A policy file counts only if no one but an administrator could have written it: the file and its own folder must
//! be owned by an administrator (root on Unix; Administrators, SYSTEM or TrustedInstaller on Windows) and writable by
//! nobody else. Otherwise the policy is invalid and the app fails closed, saying why. The debug-only
//! `LATCHKEY_POLICY_PATH` file may also belong to the user running Latchkey, but still not be writable by others.
//!
//! The decision ([`check`], [`windows_facts`]) is pure and tested on every platform; the OS answers through
//! [`Inspect`]: [`UnixInspect`] here, the Windows security descriptor in `windows_acl` (Windows only).

use std::io;
use std::path::Path;

/// Who owns, or may write, a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// root, or a Windows administrator account (by name or SID).
    Admin(String),
    /// The user this process runs as.
    CurrentUser,
    /// Anyone else: a user, a group, everyone.
    Other(String),
}

/// What the OS says about a path: its owner, and who besides the owner may write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub owner: Principal,
    pub writers: Vec<Principal>,
}

/// The OS's answers about a path (following symlinks to what they point at).
pub trait Inspect {
    fn facts(&self, path: &Path) -> io::Result<Facts>;
}

/// Whose policy file it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The platform's policy location: administrators only, the file and its folder.
    Machine,
    /// The debug-only override: the file may belong to the current user; nobody else may write it.
    Override,
}

/// Why `file` (and, for the machine policy, its folder) cannot be trusted, if it cannot; the caller names the file.
pub fn check(inspect: &dyn Inspect, file: &Path, rule: Rule) -> Result<(), String> {
    let mut places = vec![("the file".to_string(), file)];
    if let Some(folder) = file.parent().filter(|p| !p.as_os_str().is_empty() && rule == Rule::Machine) {
        places.push((format!("its folder {}", folder.display()), folder));
    }
    for (what, path) in places {
        let facts = inspect.facts(path).map_err(|e| format!("{what} cannot be inspected ({e})"))?;
        judge(&facts, rule).map_err(|why| format!("{what} {why}; only an administrator may own or write it"))?;
    }
    Ok(())
}

fn judge(facts: &Facts, rule: Rule) -> Result<(), String> {
    match (&facts.owner, rule) {
        (Principal::Admin(_), _) | (Principal::CurrentUser, Rule::Override) => {}
        (Principal::CurrentUser, Rule::Machine) => return Err("belongs to the user running Latchkey".into()),
        (Principal::Other(who), _) => return Err(format!("belongs to {who}")),
    }
    let others: Vec<&str> = facts
        .writers
        .iter()
        .filter_map(|w| match w {
            Principal::Admin(_) => None,
            Principal::CurrentUser if rule == Rule::Override => None,
            Principal::CurrentUser => Some("the user running Latchkey"),
            Principal::Other(who) => Some(who.as_str()),
        })
        .collect();
    if others.is_empty() {
        Ok(())
    } else {
        Err(format!("is writable by {}", others.join(", ")))
    }
}

/// Unix: the owner's uid and the group- and world-write bits.
#[cfg(unix)]
pub struct UnixInspect;

#[cfg(unix)]
impl Inspect for UnixInspect {
    fn facts(&self, path: &Path) -> io::Result<Facts> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path)?;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        let owner = match meta.uid() {
            0 => Principal::Admin("root".into()),
            uid if uid == me => Principal::CurrentUser,
            uid => Principal::Other(format!("uid {uid}")),
        };
        let mut writers = Vec::new();
        if meta.mode() & 0o020 != 0 {
            writers.push(Principal::Other(format!("its group (gid {})", meta.gid())));
        }
        if meta.mode() & 0o002 != 0 {
            writers.push(Principal::Other("everyone".into()));
        }
        Ok(Facts { owner, writers })
    }
}

/// The Windows accounts that administer the machine: BUILTIN\Administrators, SYSTEM, TrustedInstaller.
pub const WINDOWS_ADMIN_SIDS: &[&str] =
    &["S-1-5-32-544", "S-1-5-18", "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"];

/// Rights that let an ACE's holder change a file or what a folder holds.
pub const WINDOWS_WRITE_RIGHTS: u32 = 0x0000_0002 // FILE_WRITE_DATA / FILE_ADD_FILE
    | 0x0000_0004 // FILE_APPEND_DATA / FILE_ADD_SUBDIRECTORY
    | 0x0000_0040 // FILE_DELETE_CHILD
    | 0x0001_0000 // DELETE
    | 0x0004_0000 // WRITE_DAC
    | 0x0008_0000 // WRITE_OWNER
    | 0x1000_0000 // GENERIC_ALL
    | 0x4000_0000; // GENERIC_WRITE

/// One entry of a Windows DACL, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ace {
    pub sid: String,
    /// `ACCESS_ALLOWED_ACE_TYPE` (deny entries never grant anything).
    pub allows: bool,
    /// `INHERIT_ONLY_ACE`: it applies to children, not to this object.
    pub inherit_only: bool,
    pub mask: u32,
}

/// The facts of a Windows file from its owner SID and DACL (`None`: a NULL DACL, which lets everyone do anything).
/// `me` is the SID of the user this process runs as.
pub fn windows_facts(owner_sid: &str, dacl: Option<&[Ace]>, me: Option<&str>) -> Facts {
    let who = |sid: &str| {
        if WINDOWS_ADMIN_SIDS.contains(&sid) {
            Principal::Admin(sid.to_string())
        } else if me == Some(sid) {
            Principal::CurrentUser
        } else {
            Principal::Other(sid.to_string())
        }
    };
    let Some(aces) = dacl else {
        return Facts { owner: who(owner_sid), writers: vec![Principal::Other("everyone (the file has no access list)".into())] };
    };
    let writers = aces
        .iter()
        .filter(|ace| ace.allows && !ace.inherit_only && ace.mask & WINDOWS_WRITE_RIGHTS != 0)
        // OWNER RIGHTS (S-1-3-4) stands for the owner, judged as the owner.
        .map(|ace| if ace.sid == "S-1-3-4" { who(owner_sid) } else { who(&ace.sid) })
        .collect();
    Facts { owner: who(owner_sid), writers }
}

#[cfg(all(test, unix))]
mod tests;
