#!/usr/bin/env bash
# The installer cycle, as CI runs it on a Debian machine:
#   1. build the .deb (scripts/package deb) and print the package sizes
#   2. install it with apt-get
#   2b. check the installed desktop entry declares latchkey:// (MimeType, Exec of the window binary with %u) and
#       xdg-mime names it
#   2c. both binaries: /usr/bin/latchkey (the command line, linking neither GTK nor WebKit) and
#       /usr/bin/latchkey-desktop (the window)
#   2d. check the system-wide autostart entry (/etc/xdg/autostart/Latchkey.desktop) is valid and starts a login launch
#   3. run the installed /usr/bin/latchkey --version and `latchkey doctor --json` headless (no DISPLAY); with no project
#      configured (a release build ships none) `status` and `doctor` say so
#   4. install a policy at /etc/latchkey/policy.json and check `latchkey policy --json` shows it as managed
#      (and that a release build ignores LATCHKEY_POLICY_PATH, reports an invalid policy as an error, refuses a policy
#      file or folder others may write or own, accepts an https project and refuses a plain-http one)
#   4b. a login launch (the autostart entry's command) ends at once unless the policy turns launch at login on, and
#       starts Latchkey when it does (in a private D-Bus session and Xvfb)
#   5. uninstall (apt-get remove), and nothing the package installed is left: the binary, the autostart entry
# Traps restore /etc/latchkey and uninstall the package even when a step fails.
#
# Usage: tests/installer/run.sh [--deb PATH]   (--deb: test an already built package instead of building)
# Root is used for apt-get and /etc/latchkey; as another user, sudo is used for those steps only.
# Ends with "installer: N passed, M failed"; exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/../.."

deb=""
while [ $# -gt 0 ]; do
  case "$1" in
    --deb) deb="${2:?--deb needs a path}"; shift 2 ;;
    *) echo "usage: $0 [--deb PATH]" >&2; exit 2 ;;
  esac
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
PKG=latchkey
BIN=/usr/bin/latchkey
WINDOW_BIN=/usr/bin/latchkey-desktop
POLICY_DIR=/etc/latchkey
POLICY=$POLICY_DIR/policy.json

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "  ok    $*"; }
fail() { failed=$((failed + 1)); echo "  FAIL  $*"; }

work="$(mktemp -d)"
backup="$work/policy.json.orig"
had_policy=0
had_policy_dir=0
installed=0
touched_policy=0

cleanup() {
  if [ "$touched_policy" = 1 ]; then
    if [ "$had_policy" = 1 ]; then
      $SUDO cp -p "$backup" "$POLICY"
    else
      $SUDO rm -f "$POLICY"
      [ "$had_policy_dir" = 1 ] || $SUDO rmdir "$POLICY_DIR" 2>/dev/null || true
    fi
  fi
  if [ "$installed" = 1 ] && dpkg -s "$PKG" >/dev/null 2>&1; then
    echo "installer: cleanup: removing $PKG" >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq "$PKG" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs the installed binary headless, with a clean Latchkey environment and a throwaway data directory.
headless() {
  env -u DISPLAY -u WAYLAND_DISPLAY -u LATCHKEY_SUPABASE_URL -u LATCHKEY_SUPABASE_ANON_KEY -u LATCHKEY_AUTH_URL \
    -u LATCHKEY_MAX_SESSION_AGE -u LATCHKEY_IDLE_TIMEOUT -u LATCHKEY_SESSION_PERSISTENCE -u LATCHKEY_PROXY \
    -u LATCHKEY_POLICY_PATH LATCHKEY_DATA_DIR="$work/data" "$@"
}

# json_get FILE EXPR: prints JSON.stringify(EXPR) where `j` is the parsed file; exits 1 if it is not JSON.
json_get() {
  node -e '
    const fs = require("fs");
    let j;
    try { j = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch (e) { console.error("not JSON: " + e.message); process.exit(1); }
    const v = eval(process.argv[2]);
    process.stdout.write(JSON.stringify(v === undefined ? null : v));
  ' "$1" "$2"
}

echo "installer: 1. build the .deb"
if [ -z "$deb" ]; then
  if out="$(scripts/package deb)"; then
    deb="$(echo "$out" | awk '/\.deb /{print $1}' | tail -1)"
    pass "built $deb"
  else
    fail "scripts/package deb"
  fi
fi
if [ -n "$deb" ] && [ -f "$deb" ]; then
  for f in "$deb" "$(dirname "$deb")"/../rpm/*.rpm; do
    [ -f "$f" ] || continue
    s="$(stat -c %s "$f")"
    echo "  size  $(basename "$f"): $s bytes ($(numfmt --to=iec-i --suffix=B "$s"))"
  done
  deps="$(dpkg-deb -f "$deb" Depends)"
  case "$deps" in *libdbus-1-3*) pass "Depends has libdbus-1-3 ($deps)" ;; *) fail "Depends lacks libdbus-1-3: $deps" ;; esac
  if dpkg-deb --fsys-tarfile "$deb" | tar -xO usr/share/applications/Latchkey.desktop 2>/dev/null | grep -q '^MimeType=.*x-scheme-handler/latchkey'; then
    pass "desktop entry registers latchkey://"
  else
    fail "desktop entry has no MimeType=x-scheme-handler/latchkey"
  fi
else
  fail "no .deb to test"
  echo "installer: $passed passed, $failed failed"
  exit 1
fi

echo "installer: 2. install"
if dpkg -s "$PKG" >/dev/null 2>&1; then
  echo "installer: $PKG is already installed; refusing to replace it (remove it first)" >&2
  fail "$PKG already installed"
  echo "installer: $passed passed, $failed failed"
  exit 1
fi
installed=1
if $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$(realpath "$deb")" >"$work/apt.log" 2>&1 && [ -x "$BIN" ]; then
  pass "apt-get install ./$(basename "$deb") -> $BIN"
else
  fail "apt-get install (log below)"
  sed 's/^/        /' "$work/apt.log"
fi

echo "installer: 2b. latchkey:// handler"
desktop=/usr/share/applications/Latchkey.desktop
if [ -f "$desktop" ]; then
  grep -q '^MimeType=\(.*;\)\?x-scheme-handler/latchkey;' "$desktop" && pass "installed desktop entry: $(grep '^MimeType=' "$desktop")" ||
    fail "installed desktop entry lacks MimeType=x-scheme-handler/latchkey; ($(grep '^MimeType=' "$desktop"))"
  grep -q '^Exec=latchkey-desktop %u$' "$desktop" && pass "desktop entry starts the window binary with the link: $(grep '^Exec=' "$desktop")" ||
    fail "desktop entry Exec is not 'latchkey-desktop %u': $(grep '^Exec=' "$desktop")"
  # scripts/setup installs both tools (desktop-file-utils, xdg-utils); a missing one fails, it is never skipped.
  if ! command -v desktop-file-validate >/dev/null; then
    fail "desktop-file-validate is not installed (package desktop-file-utils), so the entry could not be checked"
  else
    out="$(desktop-file-validate "$desktop" 2>&1)" && pass "desktop-file-validate: valid" || fail "desktop-file-validate: $out"
  fi
  if ! command -v xdg-mime >/dev/null; then
    fail "xdg-mime is not installed (package xdg-utils), so the handler could not be checked"
  else
    # A clean user profile, so only what the package installed answers (not a dev run's own registration).
    mkdir -p "$work/home"
    handler="$(env -u XDG_CURRENT_DESKTOP -u XDG_DATA_HOME -u XDG_CONFIG_HOME -u XDG_DATA_DIRS HOME="$work/home" \
      xdg-mime query default x-scheme-handler/latchkey 2>&1)"
    [ "$handler" = "Latchkey.desktop" ] && pass "xdg-mime query default x-scheme-handler/latchkey: $handler" ||
      fail "xdg-mime names '$handler' for x-scheme-handler/latchkey, not Latchkey.desktop (is desktop-file-utils installed?)"
  fi
else
  fail "$desktop is not installed"
fi

echo "installer: 2c. two binaries"
for b in "$BIN" "$WINDOW_BIN"; do
  [ -x "$b" ] && pass "$b installed" || fail "$b is not installed"
done
if [ -x "$BIN" ] && libs="$(ldd "$BIN" 2>&1)" && echo "$libs" | grep -q 'libc\.so'; then
  if echo "$libs" | grep -qE 'libgtk|libwebkit2gtk|libgdk|libjavascriptcore'; then
    fail "$BIN links GTK or WebKit: $(echo "$libs" | grep -E 'libgtk|libwebkit2gtk|libgdk|libjavascriptcore' | tr '\n' ' ')"
  else
    pass "$BIN links neither GTK nor WebKit ($(echo "$libs" | wc -l) libraries)"
  fi
else
  fail "ldd could not list the libraries of $BIN: ${libs:-}"
fi
if [ -x "$WINDOW_BIN" ] && ldd "$WINDOW_BIN" | grep -q libwebkit2gtk; then pass "$WINDOW_BIN links WebKitGTK (the window)"; else fail "$WINDOW_BIN: no WebKitGTK in ldd"; fi

echo "installer: 2d. system-wide autostart entry"
autostart=/etc/xdg/autostart/Latchkey.desktop
if [ -f "$autostart" ]; then
  out="$(desktop-file-validate "$autostart" 2>&1)" && pass "autostart entry: desktop-file-validate: valid" || fail "autostart entry: desktop-file-validate: $out"
  exec_line="$(grep '^Exec=' "$autostart")"
  [ "$exec_line" = "Exec=latchkey-desktop --background --login" ] && pass "autostart entry runs a login launch: $exec_line" ||
    fail "autostart entry: $exec_line, want Exec=latchkey-desktop --background --login"
else
  fail "$autostart is not installed"
fi

echo "installer: 3. run headless"
if [ -x "$BIN" ]; then
  if v="$(headless timeout 30 "$BIN" --version 2>&1)" && [ -n "$v" ]; then
    pass "latchkey --version: $v"
  else
    fail "latchkey --version: $v"
  fi
  # With no D-Bus session the keychain can't be reached: doctor must say so, name it, and exit 1.
  headless env -u DBUS_SESSION_BUS_ADDRESS timeout 120 "$BIN" doctor --json >"$work/doctor.json" 2>"$work/doctor.err"
  rc=$?
  got="$(json_get "$work/doctor.json" '[j.ok, j.version, j.keychain.canary, j.problems.some((p) => p.includes("keychain")), j.vault.file]' 2>&1)"
  want="[false,\"$(dpkg-deb -f "$deb" Version)\",\"keychain_unavailable\",true,\"$work/data/session.vault\"]"
  if [ "$rc" = 1 ] && [ "$got" = "$want" ]; then
    pass "latchkey doctor --json without a keychain: exit 1, names the keychain problem"
  else
    fail "latchkey doctor --json without a keychain (exit $rc, want 1): $got, want $want $(head -c 300 "$work/doctor.err" | tr '\n' ' ')"
  fi
  # A release build ships no project: status and doctor say so plainly (issue 13 §4).
  headless env -u DBUS_SESSION_BUS_ADDRESS timeout 30 "$BIN" status --json >"$work/status.json" 2>"$work/status.err"
  rc=$?
  got="$(json_get "$work/status.json" '[j.state, j.project, /no Supabase project is configured/.test(j.message)]' 2>&1)"
  if [ "$rc" = 1 ] && [ "$got" = '["no_project",null,true]' ]; then
    pass "latchkey status --json with no project: exit 1, state no_project"
  else
    fail "latchkey status --json with no project (exit $rc, want 1): $got $(head -c 300 "$work/status.err" | tr '\n' ' ')"
  fi
  got="$(json_get "$work/doctor.json" '[j.project_configured, j.problems.some((p) => p.startsWith("no Supabase project is configured"))]' 2>&1)"
  [ "$got" = '[false,true]' ] && pass "latchkey doctor names the missing project" || fail "doctor with no project: $got"
  # In a private D-Bus session with gnome-keyring, its keychain self-test passes.
  scripts/lib/isolated -- bash -c "$(declare -f headless); work='$work'; headless timeout 120 '$BIN' doctor --json" \
    >"$work/doctor-ok.json" 2>"$work/doctor-ok.err"
  got="$(json_get "$work/doctor-ok.json" '[j.keychain.backend, j.keychain.canary]' 2>&1)"
  if [ "$got" = '["secret_service","ok"]' ]; then
    pass "latchkey doctor --json with gnome-keyring: keychain self-test ok"
  else
    fail "latchkey doctor --json with gnome-keyring: keychain $got $(head -c 300 "$work/doctor-ok.err" | tr '\n' ' ')"
  fi
else
  fail "$BIN is not installed"
fi

echo "installer: 4. managed policy"
if [ -e "$POLICY_DIR" ]; then had_policy_dir=1; fi
if [ -e "$POLICY" ]; then had_policy=1; cp -p "$POLICY" "$backup"; fi
touched_policy=1
cat >"$work/policy.json" <<'EOF'
{"managed": {"max_session_age": "90s", "allow_sign_up": false}, "recommended": {"idle_timeout": "15m"}}
EOF
$SUDO install -D -m 644 "$work/policy.json" "$POLICY"
headless timeout 30 "$BIN" policy --json >"$work/policy.out" 2>"$work/policy.err"
rc=$?
got="$(json_get "$work/policy.out" '(({value, source, locked}) => [value, source, locked])(j.values.max_session_age)' 2>&1)"
if [ "$rc" = 0 ] && [ "$got" = '["1m30s","managed",true]' ]; then
  pass "latchkey policy --json: max_session_age $got"
else
  fail "latchkey policy --json (exit $rc): max_session_age=$got $(head -c 300 "$work/policy.err" | tr '\n' ' ')"
fi
got="$(json_get "$work/policy.out" '[j.file, j.values.idle_timeout.source]' 2>&1)"
if [ "$got" = "[\"$POLICY\",\"recommended\"]" ]; then pass "policy file and recommended tier reported: $got"; else fail "policy report: $got"; fi

# A release build must not let a user swap the policy with LATCHKEY_POLICY_PATH.
echo '{"managed": {"max_session_age": "24h"}}' >"$work/mine.json"
headless env LATCHKEY_POLICY_PATH="$work/mine.json" timeout 30 "$BIN" policy --json >"$work/override.out" 2>/dev/null
got="$(json_get "$work/override.out" '[j.file, j.values.max_session_age.value]' 2>&1)"
if [ "$got" = "[\"$POLICY\",\"1m30s\"]" ]; then pass "release build ignores LATCHKEY_POLICY_PATH"; else fail "LATCHKEY_POLICY_PATH was honoured: $got"; fi

# An invalid policy is reported as an error naming the file, and fails closed.
echo '{"managed": {"max_session_age": "48h"}}' >"$work/bad.json"
$SUDO install -m 644 "$work/bad.json" "$POLICY"
headless timeout 30 "$BIN" policy --json >"$work/bad.out" 2>/dev/null
got="$(json_get "$work/bad.out" '[typeof j.error === "string" && j.error.includes("'"$POLICY"'"), j.values.max_session_age.source]' 2>&1)"
if [ "$got" = '[true,"fail_closed"]' ]; then pass "invalid policy reported as an error, fails closed"; else fail "invalid policy: $got $(head -c 300 "$work/bad.out")"; fi

# A policy file or folder others may write, or that another user owns, is refused (issue 13 §1).
$SUDO install -m 644 "$work/policy.json" "$POLICY"
for change in "chmod 664 $POLICY" "chmod 646 $POLICY" "chown 65534 $POLICY" "chmod 777 $POLICY_DIR"; do
  $SUDO $change
  headless timeout 30 "$BIN" policy --json >"$work/perm.out" 2>/dev/null
  rc=$?
  got="$(json_get "$work/perm.out" '[typeof j.error === "string" && j.error.includes("only an administrator may own or write it"), j.values.max_session_age.source]' 2>&1)"
  if [ "$rc" = 1 ] && [ "$got" = '[true,"fail_closed"]' ]; then pass "$change: policy refused, fails closed"; else fail "$change: (exit $rc) $got $(head -c 300 "$work/perm.out")"; fi
  $SUDO chmod 644 "$POLICY"; $SUDO chown 0:0 "$POLICY"; $SUDO chmod 755 "$POLICY_DIR"
done

# The project from policy: https is accepted (and status then has one), plain http to another host is not (§4).
echo '{"managed": {"supabase_url": "https://installer-test.supabase.co", "anon_key": "k"}}' >"$work/project.json"
$SUDO install -m 644 "$work/project.json" "$POLICY"
headless env -u DBUS_SESSION_BUS_ADDRESS timeout 30 "$BIN" status --json >"$work/status2.json" 2>/dev/null
got="$(json_get "$work/status2.json" '[j.state !== "no_project", j.config.supabase_url]' 2>&1)"
[ "$got" = '[true,"https://installer-test.supabase.co"]' ] && pass "a managed https project is used" || fail "managed project: $got"
echo '{"managed": {"supabase_url": "http://installer-test.example", "anon_key": "k"}}' >"$work/http.json"
$SUDO install -m 644 "$work/http.json" "$POLICY"
headless timeout 30 "$BIN" policy --json >"$work/http.out" 2>/dev/null
got="$(json_get "$work/http.out" 'typeof j.error === "string" && j.error.includes("plain http://")' 2>&1)"
[ "$got" = 'true' ] && pass "a managed plain-http project is refused" || fail "plain http project: $got"

echo "installer: 4b. login launch follows launch_at_login"
echo '{"managed": {"max_session_age": "90s"}}' >"$work/off.json"
$SUDO install -m 644 "$work/off.json" "$POLICY"
start=$SECONDS
headless timeout 30 "$BIN" --background --login >"$work/login-off.out" 2>&1
rc=$?
if [ "$rc" = 0 ] && [ ! -s "$work/login-off.out" ]; then
  pass "launch at login off: the autostart command ends at once (exit 0 in $((SECONDS - start)) s, nothing printed)"
else
  fail "launch at login off: the autostart command (exit $rc): $(head -c 300 "$work/login-off.out")"
fi
echo '{"managed": {"launch_at_login": true}}' >"$work/on.json"
$SUDO install -m 644 "$work/on.json" "$POLICY"
# The real app in a private session and display; it logs "starting" (start Login) once it goes on, then is stopped.
scripts/lib/isolated -- scripts/lib/with-xvfb bash -c "$(declare -f headless); work='$work'
  headless '$BIN' --background --login >'$work/login-on.out' 2>&1 & pid=\$!
  for i in \$(seq 150); do grep -q 'starting.*Login' '$work/login-on.out' && break; kill -0 \$pid 2>/dev/null || break; sleep 0.1; done
  kill \$pid 2>/dev/null; wait \$pid 2>/dev/null; true"
if grep -q 'starting.*Login' "$work/login-on.out"; then
  pass "launch at login on (managed): the autostart command starts Latchkey"
else
  fail "launch at login on: the autostart command did not start Latchkey: $(head -c 300 "$work/login-on.out")"
fi

echo "installer: 5. uninstall"
if $SUDO env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq "$PKG" >"$work/remove.log" 2>&1 && [ ! -e "$BIN" ] && [ ! -e "$WINDOW_BIN" ]; then
  installed=0
  pass "apt-get remove $PKG"
  [ ! -e "$autostart" ] && pass "the autostart entry went with it" || fail "$autostart is left after apt-get remove"
else
  fail "apt-get remove $PKG (log below)"
  sed 's/^/        /' "$work/remove.log"
fi

echo "installer: $passed passed, $failed failed"
[ "$failed" = 0 ]
