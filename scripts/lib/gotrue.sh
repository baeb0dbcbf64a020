# shellcheck shell=bash
# GoTrue (Supabase Auth) for the local stack: binary, keys, config, process,
# and the /auth/v1 prefix proxy. Sourced by scripts/stack.
#
# Binary (first match wins):
#   1. $LATCHKEY_GOTRUE_BIN (must be an executable file);
#   2. the cache: ${LATCHKEY_CACHE_DIR:-$HOME/.cache/latchkey}/gotrue/<commit>/auth;
#   3. otherwise it is built into the cache from the Go module proxy ONLY
#      (GOPROXY with "direct"/"off" removed, GOPRIVATE/GONOPROXY cleared):
#      `go mod download -json github.com/supabase/auth@<pseudo-version>` in a
#      temp module, copy of the module dir made writable, then
#      `CGO_ENABLED=0 go build` there (go.mod has a replace directive, so
#      `go install` can't be used).
#   If none works, `up` exits with 3 ("GoTrue unavailable") before starting
#   or stopping anything.

readonly GOTRUE_MODULE=github.com/supabase/auth
readonly GOTRUE_COMMIT=0204331ca41a5b49f076b6fa3dc6c0d20b996590
readonly GOTRUE_PSEUDO_VERSION=v0.0.0-20260818160232-0204331ca41a
readonly GOTRUE_RELEASE=v2.196.0

gotrue_cache_bin() {
  local home=${HOME:-}
  [[ -n $home ]] || home=$(getent passwd "$(id -u)" | cut -d: -f6)
  printf '%s/gotrue/%s/auth\n' "${LATCHKEY_CACHE_DIR:-$home/.cache/latchkey}" "$GOTRUE_COMMIT"
}

# GOPROXY restricted to real proxies (no VCS fallback).
gotrue_goproxy() {
  local configured list=() items=() item
  configured=$(go env GOPROXY 2>/dev/null || true)
  IFS=',|' read -r -a items <<<"${configured:-https://proxy.golang.org}"
  for item in "${items[@]}"; do
    [[ -z $item || $item == direct || $item == off ]] && continue
    list+=("$item")
  done
  ((${#list[@]})) || list=(https://proxy.golang.org)
  (
    IFS=,
    printf '%s\n' "${list[*]}"
  )
}

gotrue_unavailable() {
  # gotrue_unavailable REASON_LINES...
  local cache
  cache=$(gotrue_cache_bin)
  {
    printf 'stack: error: GoTrue unavailable.\n'
    printf '  Needed: Go module %s at commit %s (release %s),\n' "$GOTRUE_MODULE" "$GOTRUE_COMMIT" "$GOTRUE_RELEASE"
    printf '          version %s\n' "$GOTRUE_PSEUDO_VERSION"
    local line
    for line in "$@"; do printf '  %s\n' "$line"; done
    printf '  What to do - either:\n'
    printf '    * place a GoTrue binary built from that commit at\n'
    printf '        %s\n' "$cache"
    printf '      (CGO_ENABLED=0 go build -o <that path> . in the module source of that commit), or\n'
    printf '    * set LATCHKEY_GOTRUE_BIN=/path/to/auth (a binary built from that commit).\n'
    printf '  Nothing was started or stopped by this run; a stack that was already up is left as it was.\n'
  } >&2
  exit "$STACK_EXIT_GOTRUE_UNAVAILABLE"
}

# gotrue_build DEST : download from the module proxy and build. Exits 3 on failure.
gotrue_build() {
  local dest=$1 tmp proxy rc errtxt dir log="$LOG_DIR/gotrue-build.log"
  command -v go >/dev/null 2>&1 ||
    gotrue_unavailable "No binary found and the 'go' command is not installed, so it cannot be built."
  proxy=$(gotrue_goproxy)
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/latchkey-gotrue-build.XXXXXX")
  stack_log "GoTrue binary not found; building $GOTRUE_MODULE@$GOTRUE_PSEUDO_VERSION from GOPROXY=$proxy (log: $log)"
  : >"$log"
  mkdir -p "$tmp/fetch"
  set +e
  (
    cd "$tmp/fetch" &&
      go mod init latchkey.local/gotrue-fetch >>"$log" 2>&1 &&
      GOPROXY=$proxy GOPRIVATE= GONOPROXY= GOFLAGS=-mod=mod GOWORK=off \
        go mod download -json "$GOTRUE_MODULE@$GOTRUE_PSEUDO_VERSION" >"$tmp/download.json" 2>>"$log"
  )
  rc=$?
  set -e
  if ((rc != 0)); then
    errtxt=$(python3 -c 'import json,sys
try:
    d = json.load(open(sys.argv[1]))
    print(d.get("Error", ""))
except Exception:
    pass' "$tmp/download.json" 2>/dev/null || true)
    [[ -n $errtxt ]] || errtxt=$(tail -n 5 "$log")
    cat "$tmp/download.json" >>"$log" 2>/dev/null || true
    rm -rf -- "$tmp"
    local lines=("No binary at $(gotrue_cache_bin) and LATCHKEY_GOTRUE_BIN is not set, so it was to be built," \
      "but downloading it from the Go module proxy failed:" \
      "  \$ go mod download -json $GOTRUE_MODULE@$GOTRUE_PSEUDO_VERSION   (GOPROXY=$proxy)")
    while IFS= read -r l; do lines+=("  $l"); done <<<"$errtxt"
    gotrue_unavailable "${lines[@]}"
  fi
  dir=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("Dir",""))' "$tmp/download.json")
  if [[ -z $dir || ! -f $dir/go.mod ]]; then
    rm -rf -- "$tmp"
    gotrue_unavailable "go mod download succeeded but reported no module directory (see $log)."
  fi
  cp -r -- "$dir" "$tmp/src"
  chmod -R u+w "$tmp/src"
  mkdir -p "$(dirname -- "$dest")"
  stack_log "compiling GoTrue (takes a few minutes)"
  set +e
  (
    cd "$tmp/src" &&
      CGO_ENABLED=0 GOPROXY=$proxy GOPRIVATE= GONOPROXY= GOFLAGS=-buildvcs=false GOWORK=off \
        go build -trimpath -ldflags "-X $GOTRUE_MODULE/internal/utilities.Version=$GOTRUE_RELEASE" \
        -o "$dest.tmp.$$" . >>"$log" 2>&1
  )
  rc=$?
  set -e
  rm -rf -- "$tmp"
  if ((rc != 0)); then
    rm -f -- "$dest.tmp.$$"
    local lines=("Building it failed (go build exit $rc). Last lines of $log:")
    while IFS= read -r l; do lines+=("  $l"); done < <(tail -n 15 "$log")
    gotrue_unavailable "${lines[@]}"
  fi
  mv -f -- "$dest.tmp.$$" "$dest"
  stack_log "GoTrue built: $dest"
}

# gotrue_resolve_bin : sets GOTRUE_BIN (absolute) or exits 3.
gotrue_resolve_bin() {
  if [[ -n ${LATCHKEY_GOTRUE_BIN:-} ]]; then
    if [[ -f $LATCHKEY_GOTRUE_BIN && -x $LATCHKEY_GOTRUE_BIN ]]; then
      GOTRUE_BIN=$(realpath -- "$LATCHKEY_GOTRUE_BIN")
      return 0
    fi
    gotrue_unavailable "LATCHKEY_GOTRUE_BIN=$LATCHKEY_GOTRUE_BIN is not an executable file."
  fi
  local cache
  cache=$(gotrue_cache_bin)
  if [[ ! -x $cache ]]; then
    gotrue_build "$cache"
  fi
  GOTRUE_BIN=$(realpath -- "$cache")
}

# ---------------------------------------------------------------- secrets --
# Generated once into $SECRETS_DIR (mode 700): jwt_secret, jwt_keys.json,
# anon_key, service_role_key. Delete the folder to rotate everything.
stack_ensure_secrets() {
  local py="$LIB_DIR/jwt_keys.py"
  mkdir -p "$SECRETS_DIR"
  chmod 700 "$SECRETS_DIR"
  if [[ ! -s $SECRETS_DIR/jwt_secret ]]; then
    python3 "$py" secret >"$SECRETS_DIR/jwt_secret.tmp"
    mv -f "$SECRETS_DIR/jwt_secret.tmp" "$SECRETS_DIR/jwt_secret"
    rm -f "$SECRETS_DIR/jwt_keys.json" "$SECRETS_DIR/anon_key" "$SECRETS_DIR/service_role_key"
  fi
  local secret
  secret=$(<"$SECRETS_DIR/jwt_secret")
  if [[ ! -s $SECRETS_DIR/jwt_keys.json ]]; then
    python3 "$py" jwks "$secret" >"$SECRETS_DIR/jwt_keys.json.tmp"
    mv -f "$SECRETS_DIR/jwt_keys.json.tmp" "$SECRETS_DIR/jwt_keys.json"
  fi
  local role
  for role in anon service_role; do
    local f="$SECRETS_DIR/${role}_key"
    if [[ ! -s $f ]]; then
      python3 "$py" jwt "$secret" "$role" >"$f.tmp"
      mv -f "$f.tmp" "$f"
    fi
  done
  chmod 600 "$SECRETS_DIR"/*
}

# ----------------------------------------------------------------- config --
stack_validate_settings() {
  JWT_EXP=${LATCHKEY_STACK_JWT_EXP:-3600}
  REUSE_INTERVAL=${LATCHKEY_STACK_REUSE_INTERVAL:-0}
  TIMEBOX=${LATCHKEY_STACK_TIMEBOX:-}
  [[ $JWT_EXP =~ ^[0-9]+$ && $JWT_EXP -gt 0 ]] ||
    stack_die "$STACK_EXIT_USAGE" "LATCHKEY_STACK_JWT_EXP must be a positive number of seconds, got '$JWT_EXP'"
  [[ $REUSE_INTERVAL =~ ^[0-9]+$ ]] ||
    stack_die "$STACK_EXIT_USAGE" "LATCHKEY_STACK_REUSE_INTERVAL must be a number of seconds, got '$REUSE_INTERVAL'"
  if [[ -n $TIMEBOX ]]; then
    # plain seconds are accepted for convenience; GoTrue wants a Go duration
    [[ $TIMEBOX =~ ^[0-9]+$ ]] && TIMEBOX="${TIMEBOX}s"
    [[ $TIMEBOX =~ ^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$ ]] ||
      stack_die "$STACK_EXIT_USAGE" "LATCHKEY_STACK_TIMEBOX must be seconds or a Go duration like 30s, 24h; got '$TIMEBOX'"
  fi
}

# gotrue_env_lines : the complete environment of the GoTrue process, one
# KEY=VALUE per line (GoTrue is started with `env -i`, nothing else leaks in).
gotrue_env_lines() {
  cat <<EOF
PATH=/usr/local/bin:/usr/bin:/bin
GOTRUE_DB_DRIVER=postgres
DATABASE_URL=postgres://supabase_auth_admin:root@127.0.0.1:$PG_PORT/postgres
DB_NAMESPACE=auth
GOTRUE_API_HOST=127.0.0.1
PORT=$GOTRUE_PORT
API_EXTERNAL_URL=$STACK_URL/auth/v1
GOTRUE_SITE_URL=http://127.0.0.1:1420
GOTRUE_URI_ALLOW_LIST=latchkey://**
GOTRUE_JWT_SECRET=$(<"$SECRETS_DIR/jwt_secret")
GOTRUE_JWT_KEYS=$(<"$SECRETS_DIR/jwt_keys.json")
GOTRUE_JWT_ISSUER=$STACK_URL/auth/v1
GOTRUE_JWT_AUD=authenticated
GOTRUE_JWT_DEFAULT_GROUP_NAME=authenticated
GOTRUE_JWT_ADMIN_ROLES=service_role,supabase_admin
GOTRUE_JWT_EXP=$JWT_EXP
GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL=$REUSE_INTERVAL
GOTRUE_SECURITY_REFRESH_TOKEN_ROTATION_ENABLED=true
GOTRUE_MAILER_AUTOCONFIRM=true
GOTRUE_EXTERNAL_EMAIL_ENABLED=true
GOTRUE_RATE_LIMIT_EMAIL_SENT=100000
GOTRUE_SMTP_MAX_FREQUENCY=1ms
GOTRUE_LOG_LEVEL=info
GOTRUE_DISABLE_SIGNUP=false
GOTRUE_CORS_ALLOWED_HEADERS=apikey
EOF
  if [[ -n $TIMEBOX ]]; then
    printf 'GOTRUE_SESSIONS_TIMEBOX=%s\n' "$TIMEBOX"
  fi
  # Optional extra KEY=VALUE lines (e.g. GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED=true)
  if [[ -n ${LATCHKEY_STACK_GOTRUE_ENV_FILE:-} ]]; then
    [[ -f $LATCHKEY_STACK_GOTRUE_ENV_FILE ]] ||
      stack_die "$STACK_EXIT_USAGE" "LATCHKEY_STACK_GOTRUE_ENV_FILE=$LATCHKEY_STACK_GOTRUE_ENV_FILE does not exist"
    grep -E '^[A-Za-z_][A-Za-z0-9_]*=' "$LATCHKEY_STACK_GOTRUE_ENV_FILE" || true
  fi
}

# ---------------------------------------------------------------- process --
gotrue_pid_file() { printf '%s/gotrue.pid\n' "$RUN_DIR"; }
proxy_pid_file() { printf '%s/proxy.pid\n' "$RUN_DIR"; }

# gotrue_running : sets GOTRUE_PID when the recorded GoTrue process is alive
gotrue_running() {
  GOTRUE_PID=""
  local pid bin
  pid=$(read_pid_file "$(gotrue_pid_file)") || return 1
  pid_alive "$pid" || return 1
  bin=$(cat "$RUN_DIR/gotrue.bin" 2>/dev/null) || return 1
  # argv[0] is the binary (or, for a wrapper script, a later argument)
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -Fxq -- "$bin" || return 1
  GOTRUE_PID=$pid
}

proxy_running() {
  PROXY_PID=""
  local pid
  pid=$(read_pid_file "$(proxy_pid_file)") || return 1
  pid_alive "$pid" || return 1
  [[ $(pid_cmdline "$pid") == *auth_prefix_proxy.py* ]] || return 1
  PROXY_PID=$pid
}

gotrue_stop() {
  if gotrue_running; then
    stack_log "stopping gotrue (pid $GOTRUE_PID)"
    stop_pid "$GOTRUE_PID" gotrue 10 || true
  fi
  rm -f "$(gotrue_pid_file)" "$RUN_DIR/gotrue.cfghash"
}

proxy_stop() {
  if proxy_running; then
    stack_log "stopping auth prefix proxy (pid $PROXY_PID)"
    stop_pid "$PROXY_PID" proxy 5 || true
  fi
  rm -f "$(proxy_pid_file)" "$RUN_DIR/proxy.cfghash"
}

gotrue_direct_healthy() {
  curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$GOTRUE_PORT/health" 2>/dev/null
}

# gotrue_up : start GoTrue, or keep the running one if its effective config
# (env + binary) is unchanged and it answers /health. Restarts only GoTrue.
gotrue_up() {
  local envfile="$RUN_DIR/gotrue.env" hash old_hash="" binid
  (umask 077 && gotrue_env_lines >"$envfile.new")
  binid=$(stat -c '%s %Y' "$GOTRUE_BIN")
  hash=$({ cat "$envfile.new"; printf 'BIN=%s %s\n' "$GOTRUE_BIN" "$binid"; } | sha256_of_stdin)
  [[ -f $RUN_DIR/gotrue.cfghash ]] && old_hash=$(<"$RUN_DIR/gotrue.cfghash")
  if gotrue_running; then
    if [[ $hash == "$old_hash" ]] && gotrue_direct_healthy; then
      stack_log "gotrue already running with the same config (pid $GOTRUE_PID)"
      rm -f "$envfile.new"
      GOTRUE_STARTED=0
      return 0
    fi
    if [[ $hash != "$old_hash" ]]; then
      stack_log "gotrue config changed, restarting it"
    else
      stack_log "gotrue (pid $GOTRUE_PID) is not healthy, restarting it"
    fi
    gotrue_stop
  fi
  mv -f "$envfile.new" "$envfile"
  require_port_free "$GOTRUE_PORT" "gotrue"
  local envs=()
  mapfile -t envs <"$envfile"
  printf '%s\n' "$GOTRUE_BIN" >"$RUN_DIR/gotrue.bin"
  printf '\n===== %s starting gotrue %s (jwt_exp=%s timebox=%s reuse_interval=%s) =====\n' \
    "$(date -Is)" "$GOTRUE_BIN" "$JWT_EXP" "${TIMEBOX:--}" "$REUSE_INTERVAL" >>"$LOG_DIR/gotrue.log"
  # `auth` without a subcommand runs the migrations, then serves.
  spawn_daemon "$(gotrue_pid_file)" "$LOG_DIR/gotrue.log" "$RUN_DIR" env -i "${envs[@]}" "$GOTRUE_BIN"
  printf '%s\n' "$hash" >"$RUN_DIR/gotrue.cfghash"
  GOTRUE_STARTED=1
  stack_log "started gotrue (pid $SPAWNED_PID) on 127.0.0.1:$GOTRUE_PORT (log $LOG_DIR/gotrue.log)"
}

proxy_up() {
  local script="$LIB_DIR/auth_prefix_proxy.py" hash old_hash="" args
  args=(--listen-host 127.0.0.1 --listen-port "$PORT" --upstream-host 127.0.0.1 --upstream-port "$GOTRUE_PORT"
    --pid-file "$RUN_DIR/proxy.pid.self")
  [[ ${LATCHKEY_STACK_REQUIRE_APIKEY:-0} == 1 ]] && args+=(--require-apikey)
  hash=$({ printf '%s\n' "${args[@]}"; sha256sum <"$script"; } | sha256_of_stdin)
  [[ -f $RUN_DIR/proxy.cfghash ]] && old_hash=$(<"$RUN_DIR/proxy.cfghash")
  if proxy_running; then
    if [[ $hash == "$old_hash" ]]; then
      stack_log "auth prefix proxy already running (pid $PROXY_PID)"
      return 0
    fi
    stack_log "proxy config changed, restarting it"
    proxy_stop
  fi
  require_port_free "$PORT" "the auth endpoint (/auth/v1 proxy)"
  rm -f "$RUN_DIR/proxy.pid.self"
  spawn_daemon "$(proxy_pid_file)" "$LOG_DIR/proxy.log" "$RUN_DIR" python3 -u "$script" "${args[@]}"
  printf '%s\n' "$hash" >"$RUN_DIR/proxy.cfghash"
  stack_log "started auth prefix proxy (pid $SPAWNED_PID) on $STACK_URL/auth/v1 -> 127.0.0.1:$GOTRUE_PORT (log $LOG_DIR/proxy.log)"
}

# stack_wait_ready : poll $STACK_URL/auth/v1/health (bounded).
stack_wait_ready() {
  local timeout=${LATCHKEY_STACK_READY_TIMEOUT:-30} deadline
  deadline=$((SECONDS + timeout))
  while :; do
    if ! gotrue_running; then
      tail_log "$LOG_DIR/gotrue.log" 30
      stack_die "$STACK_EXIT_FAIL" "gotrue exited during startup (log: $LOG_DIR/gotrue.log)"
    fi
    if ! proxy_running; then
      tail_log "$LOG_DIR/proxy.log" 30
      stack_die "$STACK_EXIT_FAIL" "auth prefix proxy exited during startup (log: $LOG_DIR/proxy.log)"
    fi
    if curl -fsS -m 2 -o /dev/null "$STACK_URL/auth/v1/health" 2>/dev/null; then
      return 0
    fi
    if ((SECONDS >= deadline)); then
      tail_log "$LOG_DIR/gotrue.log" 30
      stack_die "$STACK_EXIT_FAIL" "GoTrue not healthy at $STACK_URL/auth/v1/health after ${timeout}s" \
        "(processes left running; see $LOG_DIR; 'scripts/stack down' stops them)"
    fi
    sleep 0.2
  done
}

# stack_ensure_demo_user : create the demo user through the admin API unless
# it already exists (checked in SQL, so a healthy second `up` sends no request).
stack_ensure_demo_user() {
  local exists code body resp
  exists=$(pg_psql -v "email=$DEMO_EMAIL" <<'SQL' 2>/dev/null || true
SELECT count(*) FROM auth.users WHERE lower(email) = lower(:'email');
SQL
)
  if [[ $exists =~ ^[1-9] ]]; then
    stack_log "demo user $DEMO_EMAIL exists"
    return 0
  fi
  body=$(python3 -c 'import json,sys; print(json.dumps({"email":sys.argv[1],"password":sys.argv[2],"email_confirm":True}))' \
    "$DEMO_EMAIL" "$DEMO_PASSWORD")
  resp=$(mktemp)
  code=$(curl -sS -m 10 -o "$resp" -w '%{http_code}' -X POST "$STACK_URL/auth/v1/admin/users" \
    -H "apikey: $(<"$SECRETS_DIR/service_role_key")" \
    -H "Authorization: Bearer $(<"$SECRETS_DIR/service_role_key")" \
    -H 'Content-Type: application/json' --data-binary "$body") || code=000
  if [[ $code == 200 || $code == 201 ]]; then
    stack_log "created demo user $DEMO_EMAIL"
  elif [[ $code == 422 ]] && grep -q 'email_exists' "$resp"; then
    stack_log "demo user $DEMO_EMAIL exists (422 email_exists)"
  else
    local text
    text=$(cat "$resp")
    rm -f "$resp"
    stack_die "$STACK_EXIT_FAIL" "creating the demo user failed: HTTP $code $text"
  fi
  rm -f "$resp"
}
