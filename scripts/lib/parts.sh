# shellcheck shell=bash
# The real parts scripts/test needs, each looked at for real before any suite runs. Sourced by scripts/test after
# scripts/lib/steps.sh; a part that doesn't work is reported with part_missing and the reason.

# The Secret Service: a private D-Bus session with gnome-keyring must store and find an item.
check_keychain() {
  local got log=$LOGS/keychain-probe.log
  got=$(timeout 30 scripts/lib/isolated -- bash -c \
    'printf probe | secret-tool store --label=latchkey-probe service latchkey.probe username probe &&
     secret-tool lookup service latchkey.probe username probe' 2>"$log")
  [ "$got" = probe ] ||
    part_missing keychain "gnome-keyring in a private D-Bus session did not store and find an item (found '${got}'; log: $log)"
}

# A private Xvfb display must come up and answer.
check_xvfb() {
  command -v Xvfb >/dev/null || { part_missing xvfb "Xvfb is not installed (package xvfb)"; return; }
  timeout 30 scripts/lib/with-xvfb xdpyinfo >/dev/null 2>&1 || part_missing xvfb "a private Xvfb display did not answer xdpyinfo"
}

check_webdriver() {
  command -v WebKitWebDriver >/dev/null || { part_missing webkitwebdriver "WebKitWebDriver is not installed (package webkit2gtk-driver)"; return; }
  command -v tauri-driver >/dev/null || part_missing tauri-driver "tauri-driver is not installed (scripts/setup builds it with cargo install)"
}

# GoTrue over PostgreSQL: `scripts/stack up` (it builds GoTrue into the cache when needed; see scripts/stack).
check_gotrue() {
  local rc
  scripts/stack up
  rc=$?
  case $rc in
    0) eval "$(scripts/stack env)" ;;
    3) part_missing gotrue "GoTrue is unavailable (scripts/stack up exit 3, see above; set LATCHKEY_GOTRUE_SRC)" ;;
    *) part_missing gotrue "the local stack failed to start (scripts/stack up exit $rc, see above)" ;;
  esac
}

# Restarts GoTrue with other per-run settings (e.g. LATCHKEY_STACK_JWT_EXP=6); a failure makes gotrue missing.
restart_gotrue() {
  [ -n "${MISSING[gotrue]:-}" ] && return
  if scripts/stack up >"$LOGS/stack-restart.log" 2>&1; then
    eval "$(scripts/stack env)"
  else
    part_missing gotrue "GoTrue did not restart with $* (log: $LOGS/stack-restart.log)"
  fi
}
