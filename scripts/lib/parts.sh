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

# The agent's other-user test becomes `nobody` with setpriv (util-linux), which needs root.
check_root() {
  command -v setpriv >/dev/null || { part_missing root "setpriv is not installed (package util-linux)"; return; }
  [ "$(id -u)" = 0 ] || part_missing root "changing to another user (setpriv --reuid=nobody) needs root; this runs as $(id -un)"
}

check_webdriver() {
  command -v WebKitWebDriver >/dev/null || { part_missing webkitwebdriver "WebKitWebDriver is not installed (package webkit2gtk-driver)"; return; }
  command -v tauri-driver >/dev/null || part_missing tauri-driver "tauri-driver is not installed (scripts/setup builds it with cargo install)"
}

# The desktop around the window (scripts/lib/with-desktop): a tray host (status-notifier-watcher and the drawn
# gtk-sni-tray, driven with xdotool) and a notification daemon (dunst), each started for real and awaited on D-Bus.
check_desktop() {
  local log=$LOGS/desktop-probe.log
  command -v status-notifier-watcher >/dev/null && command -v gtk-sni-tray-standalone >/dev/null && command -v xdotool >/dev/null ||
    part_missing tray-host "status-notifier-watcher, gtk-sni-tray-standalone or xdotool is not installed (packages haskell-status-notifier-item-utils, haskell-gtk-sni-tray-utils, xdotool)"
  command -v dunst >/dev/null && command -v dunstctl >/dev/null || part_missing notifications "dunst is not installed (package dunst)"
  [ -z "${MISSING[tray-host]:-}${MISSING[notifications]:-}${MISSING[xvfb]:-}" ] || return
  timeout 60 scripts/lib/isolated -- scripts/lib/with-xvfb scripts/lib/with-desktop -- true >"$log" 2>&1 && return
  if grep -q '^with-desktop: dunst' "$log"; then
    part_missing notifications "dunst did not answer on the session bus (log: $log)"
  else
    part_missing tray-host "the tray host did not come up (log: $log)"
  fi
}

# GoTrue over PostgreSQL, and Keycloak behind it (scripts/stack up --with-idp, kept for the whole run by
# LATCHKEY_STACK_WITH_IDP=1): started in the background (they need no build), looked at by check_stack.
start_stack() {
  export LATCHKEY_STACK_WITH_IDP=1
  (scripts/stack up >"$LOGS/stack-up.log" 2>&1; echo $? >"$LOGS/stack-up.rc") &
  STACK_UP_PID=$!
}

check_stack() {
  local rc
  wait "$STACK_UP_PID"
  rc=$(cat "$LOGS/stack-up.rc")
  grep -v '^dbus-daemon' "$LOGS/stack-up.log" | tail -n 12
  if [ "$rc" = 5 ] || [ "$rc" = 6 ]; then # no Java 17+, or no Keycloak distribution: the rest can still run
    part_missing idp "Keycloak could not be started (scripts/stack up --with-idp exit $rc; log: $LOGS/stack-up.log)"
    export LATCHKEY_STACK_WITH_IDP=0
    scripts/stack up >>"$LOGS/stack-up.log" 2>&1
    rc=$?
  fi
  case $rc in
    0) eval "$(scripts/stack env)" ;;
    3) part_missing gotrue "GoTrue is unavailable (scripts/stack up exit 3; log: $LOGS/stack-up.log; set LATCHKEY_GOTRUE_SRC)" ;;
    *) part_missing gotrue "the local stack failed to start (scripts/stack up exit $rc; log: $LOGS/stack-up.log)" ;;
  esac
  [ "$rc" = 0 ] || part_missing idp "it needs GoTrue"
}

# The system browser of the sign-in tests: Debian's Chromium, driven by chromedriver.
check_browser() {
  command -v chromium >/dev/null && command -v chromedriver >/dev/null ||
    part_missing browser "chromium and chromedriver are not installed (packages chromium, chromium-driver)"
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
