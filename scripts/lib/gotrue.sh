# shellcheck shell=bash
# GoTrue (Supabase Auth) for the local stack: keys, config, process, and the
# /auth/v1 prefix proxy. Sourced by scripts/stack; the binary itself comes from
# gotrue_bin.sh.

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
GOTRUE_SITE_URL=$STACK_URL/signed-in
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
  # MFA (TOTP, phone), phone sign-in, the Send SMS hook, current password on change: scripts/lib/sms_hook.sh
  mfa_phone_env_lines
  if [[ -n $TIMEBOX ]]; then
    printf 'GOTRUE_SESSIONS_TIMEBOX=%s\n' "$TIMEBOX"
  fi
  if [[ $WITH_IDP == 1 ]]; then
    idp_gotrue_env_lines
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

# gotrue_running : sets GOTRUE_PID when the recorded GoTrue process (the binary this stack started) is alive
gotrue_running() {
  daemon_running gotrue "$(cat "$RUN_DIR/gotrue.bin" 2>/dev/null)"
  GOTRUE_PID=$DAEMON_PID
  [[ -n $GOTRUE_PID ]]
}

proxy_running() {
  daemon_running proxy auth_prefix_proxy.py
  PROXY_PID=$DAEMON_PID
  [[ -n $PROXY_PID ]]
}

gotrue_stop() {
  daemon_stop gotrue "$(cat "$RUN_DIR/gotrue.bin" 2>/dev/null)" 10 "$RUN_DIR/gotrue.cfghash"
}

proxy_stop() {
  daemon_stop proxy auth_prefix_proxy.py 5 "$RUN_DIR/proxy.cfghash"
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
  printf '\n===== %s starting gotrue %s (jwt_exp=%s timebox=%s reuse_interval=%s idp=%s) =====\n' \
    "$(date -Is)" "$GOTRUE_BIN" "$JWT_EXP" "${TIMEBOX:--}" "$REUSE_INTERVAL" "$WITH_IDP" >>"$LOG_DIR/gotrue.log"
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
  await_bound "$RUN_DIR/proxy.pid.self" "$SPAWNED_PID" "the auth prefix proxy" "$LOG_DIR/proxy.log"
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
