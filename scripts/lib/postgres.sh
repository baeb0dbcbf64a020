# shellcheck shell=bash
# Private PostgreSQL 15 cluster for the local auth stack (sourced by scripts/stack).
#
# PostgreSQL refuses to run as root, so initdb/pg_ctl/psql run as the system
# user `postgres` (runuser). Its data directory therefore has to be owned by
# postgres AND every parent directory has to be traversable by it. Where the
# cluster lives (first match wins):
#   1. $LATCHKEY_STACK_PGDATA, if set (socket dir = "$LATCHKEY_STACK_PGDATA.run");
#   2. the location recorded by an earlier `up` ($STACK_DIR/run/pg.paths), so
#      `down`/`status` and later `up`s keep using the same cluster;
#   3. $STACK_DIR/pg/{data,run}, when user postgres can traverse $STACK_DIR
#      (e.g. the repo is under /work or /home/...);
#   4. otherwise /var/tmp/latchkey-stack-<sha256(STACK_DIR):12>/{data,run} -
#      e.g. the repo is under /root (mode 700). The hash keeps checkouts apart.
# The unix socket directory is `run` next to `data`; if its path would exceed
# the ~107-byte unix socket limit, the /var/tmp location is used instead.
# Nothing here uses the Debian cluster (/var/lib/postgresql) or systemd.

PG_BIN_DIR=${LATCHKEY_PG_BIN_DIR:-}
if [[ -z $PG_BIN_DIR ]]; then
  for _d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [[ -x $_d/pg_ctl ]]; then PG_BIN_DIR=$_d; break; fi
  done
  unset _d
fi

# as_postgres CMD... : run as user postgres from / (initdb/pg_ctl fail when
# the current directory is not accessible to them, e.g. /root).
as_postgres() {
  (
    close_extra_fds # the postmaster must not inherit the caller's pipes / our lock
    cd / && exec runuser -u postgres -- "$@"
  )
}

pg_paths_file() { printf '%s/pg.paths\n' "$RUN_DIR"; }

# pg_resolve_paths : sets PG_BASE, PGDATA_DIR, PG_SOCK_DIR (does not create).
pg_resolve_paths() {
  local f
  f=$(pg_paths_file)
  if [[ -n ${LATCHKEY_STACK_PGDATA:-} ]]; then
    PGDATA_DIR=$(realpath -m -- "$LATCHKEY_STACK_PGDATA")
    PG_BASE=$(dirname -- "$PGDATA_DIR")
    PG_SOCK_DIR="$PGDATA_DIR.run"
    return 0
  fi
  if [[ -f $f ]]; then
    PG_BASE=$(sed -n 's/^PG_BASE=//p' "$f")
    PGDATA_DIR=$(sed -n 's/^PGDATA_DIR=//p' "$f")
    PG_SOCK_DIR=$(sed -n 's/^PG_SOCK_DIR=//p' "$f")
    [[ -n $PG_BASE && -n $PGDATA_DIR && -n $PG_SOCK_DIR ]] && return 0
  fi
  local hash fallback
  hash=$(printf '%s' "$STACK_DIR" | sha256_of_stdin)
  fallback="/var/tmp/latchkey-stack-${hash:0:12}"
  if as_postgres test -x "$STACK_DIR" 2>/dev/null &&
    ((${#STACK_DIR} + 27 < 100)); then # 27 = ${#/pg/run/.s.PGSQL.65535.lock}
    PG_BASE="$STACK_DIR/pg"
  else
    PG_BASE=$fallback
  fi
  PGDATA_DIR="$PG_BASE/data"
  PG_SOCK_DIR="$PG_BASE/run"
}

pg_record_paths() {
  printf 'PG_BASE=%s\nPGDATA_DIR=%s\nPG_SOCK_DIR=%s\n' "$PG_BASE" "$PGDATA_DIR" "$PG_SOCK_DIR" >"$(pg_paths_file)"
}

# pg_running : 0 if the cluster in $PGDATA_DIR has a live postmaster; sets PG_PID, PG_RUNNING_PORT
pg_running() {
  PG_PID="" PG_RUNNING_PORT=""
  local pidfile="$PGDATA_DIR/postmaster.pid" pid comm cwd
  [[ -f $pidfile ]] || return 1
  pid=$(sed -n 1p "$pidfile" 2>/dev/null)
  pid_alive "$pid" || return 1
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  [[ $comm == postgres || $comm == postmaster ]] || return 1
  cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || return 1
  [[ $cwd == "$PGDATA_DIR" ]] || return 1
  PG_PID=$pid
  PG_RUNNING_PORT=$(sed -n 4p "$pidfile" 2>/dev/null)
  return 0
}

# pg_cleanup_stale : the postmaster is known to be dead. Kill leftover backends
# of this data dir (cwd == PGDATA_DIR), drop the stale lock files so the next
# start isn't blocked by a recycled or zombie PID.
pg_cleanup_stale() {
  local p cwd rest
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    cwd=$(readlink "/proc/$p/cwd" 2>/dev/null) || continue
    [[ $cwd == "$PGDATA_DIR" ]] || continue
    pid_alive "$p" || continue
    stack_log "killing leftover postgres process $p of $PGDATA_DIR"
    kill -KILL "$p" 2>/dev/null || true
  done
  rm -f "$PGDATA_DIR/postmaster.pid"
  rest=$(find "$PG_SOCK_DIR" -maxdepth 1 -name '.s.PGSQL.*' 2>/dev/null) || true
  if [[ -n $rest ]]; then
    find "$PG_SOCK_DIR" -maxdepth 1 -name '.s.PGSQL.*' -delete 2>/dev/null || true
  fi
}

pg_prepare_dirs() {
  if [[ $PG_BASE == /var/tmp/latchkey-stack-* ]]; then
    # /var/tmp is world-writable: refuse a directory someone else created.
    if [[ -e $PG_BASE ]]; then
      local owner
      owner=$(stat -c %U "$PG_BASE")
      [[ $owner == root || $owner == postgres ]] ||
        stack_die "$STACK_EXIT_FAIL" "$PG_BASE exists and is owned by '$owner' (expected root or postgres); remove it."
    fi
  fi
  mkdir -p "$PG_BASE"
  if [[ $PG_BASE == "$STACK_DIR/pg" || $PG_BASE == /var/tmp/latchkey-stack-* ]]; then
    chown postgres:postgres "$PG_BASE"
    chmod 700 "$PG_BASE"
  fi
  mkdir -p "$PG_SOCK_DIR"
  chown postgres:postgres "$PG_SOCK_DIR"
  chmod 700 "$PG_SOCK_DIR"
  as_postgres test -x "$PG_BASE" ||
    stack_die "$STACK_EXIT_FAIL" "user postgres cannot reach $PG_BASE (a parent directory is not traversable);" \
      "set LATCHKEY_STACK_PGDATA to a directory postgres can reach, e.g. /var/tmp/latchkey-pgdata."
}

pg_initdb_if_needed() {
  [[ -f $PGDATA_DIR/PG_VERSION && -f $PGDATA_DIR/global/pg_control ]] && return 0
  if [[ -e $PGDATA_DIR ]]; then
    stack_log "removing incomplete data directory $PGDATA_DIR"
    rm -rf -- "$PGDATA_DIR"
  fi
  local tmp="$PGDATA_DIR.initdb-tmp"
  rm -rf -- "$tmp"
  mkdir -p "$tmp"
  chown postgres:postgres "$tmp"
  chmod 700 "$tmp"
  stack_log "initdb $PGDATA_DIR (log: $LOG_DIR/postgres-initdb.log)"
  if ! as_postgres "$PG_BIN_DIR/initdb" -D "$tmp" -U postgres --encoding=UTF8 --no-locale \
    --auth-local=peer --auth-host=scram-sha-256 --no-instructions \
    </dev/null >"$LOG_DIR/postgres-initdb.log" 2>&1; then
    tail_log "$LOG_DIR/postgres-initdb.log" 30
    rm -rf -- "$tmp"
    stack_die "$STACK_EXIT_FAIL" "initdb failed"
  fi
  mv -- "$tmp" "$PGDATA_DIR"
}

pg_start() {
  local opts
  opts="-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='$PG_SOCK_DIR'"
  # A throw-away test cluster: trade durability for speed.
  opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
  stack_log "starting postgres on 127.0.0.1:$PG_PORT (data $PGDATA_DIR, log $LOG_DIR/postgres.log)"
  # No -l: the postmaster inherits pg_ctl's stdout, i.e. our log file opened
  # as root, so the log can live in a directory postgres cannot write.
  if ! as_postgres "$PG_BIN_DIR/pg_ctl" -D "$PGDATA_DIR" -w -t 60 -o "$opts" start \
    </dev/null >>"$LOG_DIR/postgres.log" 2>&1; then
    tail_log "$LOG_DIR/postgres.log" 30
    stack_die "$STACK_EXIT_FAIL" "postgres failed to start"
  fi
  pg_running || {
    tail_log "$LOG_DIR/postgres.log" 30
    stack_die "$STACK_EXIT_FAIL" "postgres reported started but no live postmaster found"
  }
}

pg_psql() {
  as_postgres "$PG_BIN_DIR/psql" -h "$PG_SOCK_DIR" -p "$PG_PORT" -U postgres -d postgres \
    -X -v ON_ERROR_STOP=1 -qAt "$@"
}

# Roles/schema GoTrue needs (hack/init_postgres.sql of supabase/auth), idempotent.
pg_setup_auth_schema() {
  pg_psql >/dev/null <<'SQL'
SET client_min_messages = warning;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'postgres') THEN
    CREATE ROLE postgres SUPERUSER LOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'supabase_admin') THEN
    CREATE ROLE supabase_admin LOGIN CREATEROLE CREATEDB REPLICATION BYPASSRLS PASSWORD 'root';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'supabase_auth_admin') THEN
    CREATE ROLE supabase_auth_admin NOINHERIT CREATEROLE LOGIN NOREPLICATION PASSWORD 'root';
  END IF;
END
$$;
ALTER ROLE supabase_admin LOGIN PASSWORD 'root';
ALTER ROLE supabase_auth_admin LOGIN PASSWORD 'root';
CREATE SCHEMA IF NOT EXISTS auth AUTHORIZATION supabase_auth_admin;
GRANT CREATE ON DATABASE postgres TO supabase_auth_admin;
ALTER ROLE supabase_auth_admin SET search_path = 'auth';
SQL
}

# pg_up : start (or keep) the cluster on $PG_PORT and apply the schema setup.
pg_up() {
  pg_resolve_paths
  pg_prepare_dirs
  pg_record_paths
  if pg_running; then
    if [[ $PG_RUNNING_PORT == "$PG_PORT" ]]; then
      stack_log "postgres already running (pid $PG_PID, port $PG_PORT)"
    else
      stack_log "postgres runs on port $PG_RUNNING_PORT, restarting on $PG_PORT"
      pg_stop
      pg_cleanup_stale
      require_port_free "$PG_PORT" postgres
      pg_start
    fi
  else
    [[ -f $PGDATA_DIR/postmaster.pid ]] && stack_log "removing stale postmaster.pid"
    pg_cleanup_stale
    require_port_free "$PG_PORT" postgres
    pg_initdb_if_needed
    pg_start
  fi
  pg_setup_auth_schema || stack_die "$STACK_EXIT_FAIL" "postgres schema setup failed"
}

# pg_stop : fast shutdown by pg_ctl as postgres, SIGKILL fallback. Idempotent.
pg_stop() {
  pg_resolve_paths
  if ! pg_running; then
    [[ -d $PGDATA_DIR ]] && pg_cleanup_stale
    return 0
  fi
  local pid=$PG_PID
  stack_log "stopping postgres (pid $pid)"
  if ! as_postgres "$PG_BIN_DIR/pg_ctl" -D "$PGDATA_DIR" -m fast -w -t 30 stop \
    </dev/null >>"$LOG_DIR/postgres.log" 2>&1; then
    stack_log "pg_ctl stop failed; killing postgres (pid $pid)"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  local i
  for ((i = 0; i < 100; i++)); do
    pid_alive "$pid" || break
    sleep 0.1
  done
  pg_cleanup_stale
}
