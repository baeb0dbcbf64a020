; The machine policy folder, <ProgramData>\Latchkey (docs/policy.md, docs/security.md), for the NSIS installer: the same
; as src-tauri/windows/policy-folder.wxs does for the MSI. Owner BUILTIN\Administrators; full control for Administrators
; and SYSTEM, read-and-execute for Users; inheritance from ProgramData removed. SIDs, so any Windows language works.
; Hooked in by tauri.conf.json (bundle.windows.nsis.installerHooks). Never built nor run on the Linux machines Latchkey
; is developed and tested on: .github/workflows/release.yml builds it on a Windows runner.
!macro NSIS_HOOK_POSTINSTALL
  SetShellVarContext all
  CreateDirectory "$APPDATA\Latchkey"
  nsExec::ExecToLog '"$SYSDIR\icacls.exe" "$APPDATA\Latchkey" /setowner *S-1-5-32-544'
  Pop $0
  IntCmp $0 0 +2
    DetailPrint "Latchkey: could not make Administrators the owner of $APPDATA\Latchkey (icacls exit $0)"
  nsExec::ExecToLog '"$SYSDIR\icacls.exe" "$APPDATA\Latchkey" /inheritance:r /grant:r *S-1-5-32-544:(OI)(CI)F *S-1-5-18:(OI)(CI)F *S-1-5-32-545:(OI)(CI)RX'
  Pop $0
  IntCmp $0 0 +2
    DetailPrint "Latchkey: could not restrict $APPDATA\Latchkey to administrators (icacls exit $0)"
!macroend
