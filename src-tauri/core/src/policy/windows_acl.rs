//! Windows only, a thin shell around the tested decision in [`super::trust`]: the `ProgramData` known folder, and a
//! file's owner and DACL read from its security descriptor. Never compiled nor run on the Linux machines that build
//! and test Latchkey (docs/security.md says so); everything it decides is decided by `trust::windows_facts`.

use super::trust::{windows_facts, Ace, Facts, Inspect, WINDOWS_WRITE_RIGHTS};
use std::ffi::c_void;
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use windows_sys::Win32::Foundation::{CloseHandle, LocalFree, ERROR_SUCCESS, HANDLE};
use windows_sys::Win32::Security::Authorization::{ConvertSidToStringSidW, GetNamedSecurityInfoW, SE_FILE_OBJECT};
use windows_sys::Win32::Security::{
    GetAce, GetTokenInformation, TokenUser, ACCESS_ALLOWED_ACE, ACE_HEADER, ACL, DACL_SECURITY_INFORMATION, INHERIT_ONLY_ACE,
    OWNER_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, PSID, TOKEN_QUERY, TOKEN_USER,
};
use windows_sys::Win32::System::SystemServices::{ACCESS_ALLOWED_ACE_TYPE, ACCESS_DENIED_ACE_TYPE};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

/// `FOLDERID_ProgramData` (normally `C:\ProgramData`), from the shell, never from `%ProgramData%`.
pub fn known_program_data() -> Option<PathBuf> {
    dirs_sys::known_folder(windows_sys::Win32::UI::Shell::FOLDERID_ProgramData)
}

/// The owner and DACL of a file or folder (`GetNamedSecurityInfoW`, which follows links).
pub struct WindowsInspect;

impl Inspect for WindowsInspect {
    fn facts(&self, path: &Path) -> io::Result<Facts> {
        let wide: Vec<u16> = path.as_os_str().encode_wide().chain(Some(0)).collect();
        let mut owner: PSID = std::ptr::null_mut();
        let mut dacl: *mut ACL = std::ptr::null_mut();
        let mut descriptor: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
        // SAFETY: `wide` is NUL-terminated; the out-pointers are valid, and point into `descriptor`, freed below.
        let status = unsafe {
            GetNamedSecurityInfoW(
                wide.as_ptr(),
                SE_FILE_OBJECT,
                OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                &mut owner,
                std::ptr::null_mut(),
                &mut dacl,
                std::ptr::null_mut(),
                &mut descriptor,
            )
        };
        if status != ERROR_SUCCESS {
            return Err(io::Error::from_raw_os_error(status as i32));
        }
        // SAFETY: `owner` and `dacl` point into `descriptor`, alive until the LocalFree after this call.
        let facts = unsafe { read(owner, dacl) };
        // SAFETY: `descriptor` was allocated by GetNamedSecurityInfoW for us to free.
        unsafe { LocalFree(descriptor as *mut c_void) };
        facts
    }
}

/// SAFETY: `owner` is a valid SID and `dacl` a valid ACL or null.
unsafe fn read(owner: PSID, dacl: *const ACL) -> io::Result<Facts> {
    let owner = sid_string(owner)?;
    let aces = if dacl.is_null() { None } else { Some(aces(dacl)?) };
    Ok(windows_facts(&owner, aces.as_deref(), current_user().as_deref()))
}

/// Every entry of a DACL. An allowing entry of a type other than ACCESS_ALLOWED is counted as a writer nobody vetted.
/// SAFETY: `dacl` is a valid ACL.
unsafe fn aces(dacl: *const ACL) -> io::Result<Vec<Ace>> {
    let mut out = Vec::new();
    for i in 0..u32::from((*dacl).AceCount) {
        let mut ace: *mut c_void = std::ptr::null_mut();
        if GetAce(dacl, i, &mut ace) == 0 {
            return Err(io::Error::last_os_error());
        }
        let header = *(ace as *const ACE_HEADER);
        let inherit_only = u32::from(header.AceFlags) & INHERIT_ONLY_ACE != 0;
        match u32::from(header.AceType) {
            ACCESS_ALLOWED_ACE_TYPE => {
                let allowed = ace as *const ACCESS_ALLOWED_ACE;
                let sid = std::ptr::addr_of!((*allowed).SidStart) as PSID;
                out.push(Ace { sid: sid_string(sid)?, allows: true, inherit_only, mask: (*allowed).Mask });
            }
            ACCESS_DENIED_ACE_TYPE | 6 | 10 | 12 => {} // deny entries (plain, object, callback, callback object)
            other => out.push(Ace { sid: format!("an access entry of type {other}"), allows: true, inherit_only, mask: WINDOWS_WRITE_RIGHTS }),
        }
    }
    Ok(out)
}

/// `S-1-5-…`. SAFETY: `sid` is a valid SID.
unsafe fn sid_string(sid: PSID) -> io::Result<String> {
    let mut text: *mut u16 = std::ptr::null_mut();
    if ConvertSidToStringSidW(sid, &mut text) == 0 {
        return Err(io::Error::last_os_error());
    }
    let mut len = 0;
    while *text.add(len) != 0 {
        len += 1;
    }
    let s = String::from_utf16_lossy(std::slice::from_raw_parts(text, len));
    LocalFree(text as *mut c_void);
    Ok(s)
}

/// The SID of the user this process runs as (the debug override may be theirs).
fn current_user() -> Option<String> {
    // SAFETY: the token handle is closed before returning; the buffer is sized by the first call.
    unsafe {
        let mut token: HANDLE = std::ptr::null_mut();
        if OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) == 0 {
            return None;
        }
        let mut len = 0u32;
        GetTokenInformation(token, TokenUser, std::ptr::null_mut(), 0, &mut len);
        let mut buf = vec![0u64; (len as usize).div_ceil(8)]; // 8-aligned for TOKEN_USER
        let ok = GetTokenInformation(token, TokenUser, buf.as_mut_ptr() as *mut c_void, len, &mut len) != 0;
        let sid = ok.then(|| (*(buf.as_ptr() as *const TOKEN_USER)).User.Sid);
        let user = sid.and_then(|sid| sid_string(sid).ok());
        CloseHandle(token);
        user
    }
}
