# shellcheck shell=bash
# Shared helpers for scripts/stack (sourced; not executable on its own).
#
# Process model: every daemon is started with setsid, stdin from /dev/null and
# stdout/stderr appended to a log file, so it survives the calling shell and
# never holds the caller's pipes open. PIDs are tracked in files; liveness is
# checked through /proc and a process in state 'Z' counts as dead (PID 1 on
# these machines does not reap orphans, so killed daemons linger as zombies).

# Exit codes of scripts/stack
readonly STACK_EXIT_FAIL=1          # generic failure (start/readiness/demo user)
readonly STACK_EXIT_USAGE=2         # bad command line / bad setting
readonly STACK_EXIT_GOTRUE_UNAVAILABLE=3
readonly STACK_EXIT_PORT_IN_USE=4
readonly STACK_EXIT_NO_JAVA=5           # --with-idp: no Java 17+ for Keycloak
readonly STACK_EXIT_IDP_UNAVAILABLE=6   # --with-idp: the Keycloak distribution cannot be had

stack_log() { printf 'stack: %s\n' "$*" >&2; }

# die CODE MESSAGE...
stack_die() {
  local code=$1
  shift
  printf 'stack: error: %s\n' "$1" >&2
  shift
  (($#)) && printf '  %s\n' "$@" >&2
  exit "$code"
}

# pid_alive PID -> 0 if the process exists and is not a zombie.
pid_alive() {
  local pid=${1:-} stat rest state
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  # field 3 follows the last ')' (comm may contain spaces/parens)
  rest=${stat##*) }
  state=${rest%% *}
  [[ $state != Z && $state != X && $state != x ]]
}

# pid_cmdline PID -> argv joined by spaces
pid_cmdline() {
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true
}

# read_pid_file FILE -> prints the pid if the file holds one
read_pid_file() {
  local f=$1 pid
  [[ -f $f ]] || return 1
  read -r pid <"$f" || true
  [[ ${pid:-} =~ ^[0-9]+$ ]] || return 1
  printf '%s\n' "$pid"
}

# stop_pid PID NAME [TERM_TIMEOUT_S] : SIGTERM, bounded wait, SIGKILL.
stop_pid() {
  local pid=$1 name=$2 timeout=${3:-10} i target stat rest pgid=""
  pid_alive "$pid" || return 0
  # Daemons are started with setsid, so they lead their own process group:
  # signal the whole group (also reaches children of wrapper scripts).
  target=$pid
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || true
  rest=${stat##*) }
  read -r _ _ pgid _ <<<"$rest" || true
  [[ ${pgid:-} == "$pid" ]] && target=-$pid
  kill -TERM -- "$target" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  stack_log "$name (pid $pid) ignored SIGTERM for ${timeout}s, sending SIGKILL"
  kill -KILL -- "$target" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  stack_log "warning: $name (pid $pid) is still alive after SIGKILL"
  return 1
}

# port_free PORT -> 0 if 127.0.0.1:PORT can be bound (SO_REUSEADDR like the
# servers use, so TIME_WAIT leftovers don't count as "taken").
port_free() {
  python3 - "$1" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

# port_owner PORT -> human description of the listener(s), best effort
port_owner() {
  local out
  out=$(ss -Hltnp "( sport = :$1 )" 2>/dev/null | awk '{print $4, $6}' | tr '\n' ';') || true
  printf '%s' "${out:-unknown process}"
}

# require_port_free PORT WHAT
require_port_free() {
  local port=$1 what=$2
  if ! port_free "$port"; then
    stack_die "$STACK_EXIT_PORT_IN_USE" \
      "port 127.0.0.1:$port (needed for $what) is already in use by another process." \
      "in use by: $(port_owner "$port")" \
      "Stop that process, or choose another port (LATCHKEY_STACK_PORT / LATCHKEY_STACK_PG_PORT / LATCHKEY_STACK_GOTRUE_PORT)."
  fi
}

# close_extra_fds : close every fd > 2 of the current (sub)shell, so daemons
# never inherit the caller's pipes or the stack lock. Use right before exec.
close_extra_fds() {
  local fd
  for fd in /proc/"$BASHPID"/fd/*; do
    fd=${fd##*/}
    [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2)) || continue
    eval "exec ${fd}>&-" 2>/dev/null || true
  done
}

# spawn_daemon PIDFILE LOGFILE CWD CMD... : start detached, record pid.
# All fds > 2 (e.g. the stack lock on fd 9) are closed in the daemon.
spawn_daemon() {
  local pidfile=$1 log=$2 cwd=$3
  shift 3
  (
    cd "$cwd"
    exec </dev/null >>"$log" 2>&1
    close_extra_fds
    exec setsid "$@"
  ) &
  local pid=$!
  printf '%s\n' "$pid" >"$pidfile"
  SPAWNED_PID=$pid
}

# tail_log FILE [N] -> last N lines to stderr, indented
tail_log() {
  local f=$1 n=${2:-30}
  if [[ -f $f ]]; then
    printf -- '----- last %s lines of %s -----\n' "$n" "$f" >&2
    tail -n "$n" "$f" >&2 || true
    printf -- '----- end of %s -----\n' "$f" >&2
  else
    printf 'stack: (no log file %s)\n' "$f" >&2
  fi
}

sha256_of_stdin() { sha256sum | awk '{print $1}'; }

# ensure_port_number NAME VALUE
ensure_port_number() {
  [[ $2 =~ ^[0-9]+$ ]] && ((10#$2 >= 1 && 10#$2 <= 65535)) ||
    stack_die "$STACK_EXIT_USAGE" "$1 must be a TCP port number, got '$2'"
}

# await_bound SELF_PID_FILE PID NAME LOG : wait (bounded, 10 s) until a daemon that writes its own pid file after
# binding its socket has done so. Right after spawn_daemon the pid still runs the forking shell, not the daemon, so
# a liveness check by command line would see "not running" and fail a healthy start.
await_bound() {
  local file=$1 pid=$2 name=$3 log=$4 i
  for ((i = 0; i < 100; i++)); do
    [[ -s $file ]] && return 0
    pid_alive "$pid" || break
    sleep 0.1
  done
  tail_log "$log" 20
  stack_die "$STACK_EXIT_FAIL" "$name did not start listening (log: $log)"
}

# daemon_running NAME MATCH : true when $RUN_DIR/NAME.pid names a live process whose command line contains MATCH
# (never true for an empty MATCH); sets DAEMON_PID.
daemon_running() {
  DAEMON_PID=""
  local pid
  [[ -n $2 ]] || return 1
  pid=$(read_pid_file "$RUN_DIR/$1.pid") || return 1
  pid_alive "$pid" || return 1
  [[ $(pid_cmdline "$pid") == *"$2"* ]] || return 1
  DAEMON_PID=$pid
}

# daemon_stop NAME MATCH TERM_TIMEOUT [FILES...] : stops NAME by PID if it runs, then removes its pid file and FILES.
daemon_stop() {
  local name=$1 match=$2 timeout=$3
  shift 3
  if daemon_running "$name" "$match"; then
    stack_log "stopping $name (pid $DAEMON_PID)"
    stop_pid "$DAEMON_PID" "$name" "$timeout" || true
  fi
  rm -f "$RUN_DIR/$name.pid" "$@"
}
