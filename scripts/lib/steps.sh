# shellcheck shell=bash
# scripts/test's step runner: every step is bounded in time, counted from its runner's JUnit report, and needs named
# real parts. Sourced by scripts/test.
#
# A part that is missing (part_missing NAME REASON) fails, in CI (CI=true), every step that needs it; on a
# developer's machine those steps are skipped with their tests counted, and the summary names them.

LOGS=.state/test-logs
NEXTEST=(cargo nextest run --config-file tests/nextest.toml --profile ci)
passed=0 failed=0 skipped=0
declare -A MISSING=()
SUMMARY=() SKIPPED_SUITES=() FAILED_SUITES=()

in_ci() { [ "${CI:-}" = true ] || [ "${CI:-}" = 1 ]; }

part_missing() { MISSING[$1]=$2; echo "test: real part missing: $1: $2"; }

# The first part of "$1" (space-separated) that is missing, or nothing.
first_missing() {
  local part
  for part in $1; do
    [ -n "${MISSING[$part]:-}" ] && { echo "$part"; return; }
  done
}

# prefix KIND : sets PREFIX, what runs a command in a private D-Bus session + keyring ("isolated"), also under a
# private Xvfb ("x11"), also with a tray host and a notification daemon ("desktop"), or with a tray watcher but no
# host ("desktop-no-host"), or as it is ("none").
prefix() {
  case $1 in
    none) PREFIX=() ;;
    isolated) PREFIX=(scripts/lib/isolated --) ;;
    x11) PREFIX=(scripts/lib/isolated -- scripts/lib/with-xvfb) ;;
    desktop) PREFIX=(scripts/lib/isolated -- scripts/lib/with-xvfb scripts/lib/with-desktop --) ;;
    desktop-no-host) PREFIX=(scripts/lib/isolated -- scripts/lib/with-xvfb scripts/lib/with-desktop --watcher-only --) ;;
  esac
}

# record NAME SECONDS PASSED FAILED SKIPPED STATUS
record() {
  passed=$((passed + $3)) failed=$((failed + $4)) skipped=$((skipped + $5))
  SUMMARY+=("$(printf '%-18s %6s s %5s passed %4s failed %4s skipped  %s' "$1" "$2" "$3" "$4" "$5" "$6")")
}

# not_run NAME NEEDS PLANNED : a step whose part is missing; a failure in CI, a skip elsewhere.
not_run() {
  local name=$1 part=$2 planned=$3
  if in_ci; then
    echo "== $name: FAILED: needs $part, which is missing (${MISSING[$part]})"
    FAILED_SUITES+=("$name (no $part)")
    record "$name" 0 0 "$planned" 0 "FAILED: no $part"
  else
    echo "== $name: SKIPPED ($planned tests): needs $part (${MISSING[$part]})"
    SKIPPED_SUITES+=("$name ($planned, no $part)")
    record "$name" 0 0 0 "$planned" "skipped: no $part"
  fi
}

# run_step NAME LIMIT JUNIT CMD... : runs CMD with a time limit, its output in the step's log; then counts.
run_step() {
  local name=$1 limit=$2 junit=$3 t0=$SECONDS; shift 3
  echo "== $name (limit ${limit} s)"
  timeout -k 30 "$limit" "$@" >"$LOGS/$name.log" 2>&1
  count_step "$name" $? "$((SECONDS - t0))" "$limit" "$junit"
}

# count_step NAME RC SECONDS LIMIT JUNIT : the step's counts from its JUnit report (or its log), and its status.
count_step() {
  local name=$1 rc=$2 took=$3 limit=$4 junit=$5 p f s status=ok
  grep -v -e '^dbus-daemon' -e '^npm notice' "$LOGS/$name.log" | tail -n 30
  read -r p f s < <(python3 scripts/lib/tally.py "$LOGS/$name.log" ${junit:+"$junit"})
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "test: step $name exceeded its limit of $limit s and was stopped"
    status="TIMED OUT after $limit s" f=$((f + 1))
  elif [ "$rc" -ne 0 ]; then
    status="exit $rc"
    [ "$f" -eq 0 ] && f=1 # a step that died before reporting counts as a failure
  fi
  [ "$f" -gt 0 ] && FAILED_SUITES+=("$name")
  echo "   -> $p passed, $f failed, $s skipped ($took s, log: $LOGS/$name.log)"
  record "$name" "$took" "$p" "$f" "$s" "$status"
}

# start_step NAME LIMIT -- CMD... : runs a CPU-bound step in the background, beside a proof that mostly waits
# (the 10-minute outage); await_step NAME counts it. Its time in the summary is from start to end.
declare -A BG_PID=() BG_T0=() BG_LIMIT=()
start_step() {
  local name=$1 limit=$2; shift 3
  echo "== $name (in the background, limit $limit s)"
  (timeout -k 30 "$limit" "$@" >"$LOGS/$name.log" 2>&1; echo $? >"$LOGS/$name.rc") &
  BG_PID[$name]=$! BG_T0[$name]=$SECONDS BG_LIMIT[$name]=$limit
}

await_step() {
  local name=$1
  wait "${BG_PID[$name]}"
  echo "== $name (from the background)"
  count_step "$name" "$(cat "$LOGS/$name.rc")" "$((SECONDS - BG_T0[$name]))" "${BG_LIMIT[$name]}" ""
}

# step NAME LIMIT NEEDS -- CMD... : a step whose tool prints "<name>: N passed, N failed".
step() {
  local name=$1 limit=$2 needs=$3 part; shift 4
  part=$(first_missing "$needs")
  if [ -n "$part" ]; then not_run "$name" "$part" 1; return; fi
  run_step "$name" "$limit" "" "$@"
}

# nextest_step NAME LIMIT NEEDS WRAP -- NEXTEST_ARGS... : Rust tests through cargo-nextest (tests/nextest.toml).
nextest_step() {
  local name=$1 limit=$2 needs=$3 kind=$4 part junit=target/nextest/ci/junit.xml; shift 5
  (IFS=$'\x1f'; printf '%s\n' "$*") >>"$LOGS/selections" # for check_every_test_selected
  part=$(first_missing "$needs")
  if [ -n "$part" ]; then
    not_run "$name" "$part" "$(cargo nextest list --config-file tests/nextest.toml --message-format json "$@" 2>/dev/null |
      python3 -c 'import json,sys; print(sum(len(b["testcases"]) for b in json.load(sys.stdin)["rust-suites"].values()))')"
    return
  fi
  rm -f "$junit"
  prefix "$kind"
  run_step "$name" "$limit" "$junit" "${PREFIX[@]}" "${NEXTEST[@]}" "$@"
  [ -f "$junit" ] && cp "$junit" "$LOGS/$name.junit.xml"
}

# node_step NAME LIMIT NEEDS WRAP FILES -- CMD... : node:test (or vitest) steps writing JUnit to $LATCHKEY_JUNIT.
node_step() {
  local name=$1 limit=$2 needs=$3 kind=$4 files=$5 part; shift 6
  part=$(first_missing "$needs")
  if [ -n "$part" ]; then
    # shellcheck disable=SC2086 # FILES is a glob
    not_run "$name" "$part" "$(cat $files | grep -c '^test(')"
    return
  fi
  prefix "$kind"
  LATCHKEY_JUNIT="$PWD/$LOGS/$name.junit.xml" run_step "$name" "$limit" "$LOGS/$name.junit.xml" "${PREFIX[@]}" "$@"
}

# Every Rust test of the workspace must be selected by some nextest_step: a test no step selects would never run.
check_every_test_selected() {
  run_step every-test-selected 300 "" python3 scripts/lib/unselected.py "$LOGS/selections"
}

print_summary() {
  local line
  echo
  echo "test: summary ($1)"
  for line in "${SUMMARY[@]}"; do echo "  $line"; done
  [ ${#SKIPPED_SUITES[@]} -gt 0 ] && echo "test: SKIPPED suites (not CI; a missing part): ${SKIPPED_SUITES[*]}"
  [ ${#FAILED_SUITES[@]} -gt 0 ] && echo "test: FAILED suites: ${FAILED_SUITES[*]}"
  echo "test: finished in $(($(date +%s) - started)) s"
  echo "tests: $passed passed, $failed failed, $skipped skipped"
}
