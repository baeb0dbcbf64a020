# shellcheck shell=bash
# MFA and phone for the local stack: GoTrue's MFA/phone/SMS settings and the Send SMS hook receiver
# (scripts/lib/sms_hook.py). Sourced by scripts/stack after gotrue.sh; docs/mfa-stack.md explains every setting.
#
# No SMS ever leaves the machine: no GOTRUE_SMS_PROVIDER is configured (so GoTrue has no way to text anyone),
# and the Send SMS hook is on, pointing at the receiver on 127.0.0.1, which only appends each message to
# <state>/sms/messages.jsonl. The fixed test phone signs in with a fixed code (GOTRUE_SMS_TEST_OTP); that path
# never calls the hook. MFA phone challenges ignore test OTPs and always go through the hook.
#
# Settings (environment):
#   LATCHKEY_STACK_SMS_HOOK_PORT  the receiver's port (default LATCHKEY_STACK_PORT+2)

readonly STACK_TEST_PHONE=+15550100001 # a fictional number (555-01xx)
readonly STACK_TEST_OTP=424242
# GoTrue's per-client limiters (MFA challenge/verify, /verify, /otp, /token...) key on this header. Requests without
# it are not limited (GoTrue logs a warning per such request), so the suites see no limits; a test that sends it
# meets the real limiter and its 429.
readonly STACK_RATE_LIMIT_HEADER=X-Latchkey-Rate-Limit-Key

sms_hook_settings() {
  SMS_HOOK_PORT=${LATCHKEY_STACK_SMS_HOOK_PORT:-$((10#$PORT + 2))}
  ensure_port_number LATCHKEY_STACK_SMS_HOOK_PORT "$SMS_HOOK_PORT"
  if [[ $SMS_HOOK_PORT == "$PORT" || $SMS_HOOK_PORT == "$GOTRUE_PORT" || $SMS_HOOK_PORT == "$PG_PORT" ]]; then
    stack_die "$STACK_EXIT_USAGE" "LATCHKEY_STACK_SMS_HOOK_PORT ($SMS_HOOK_PORT) must differ from the other stack ports"
  fi
  SMS_DIR="$STACK_DIR/sms"
  SMS_FILE="$SMS_DIR/messages.jsonl"
}

# The hook's Standard Webhooks secret, generated once: "v1,whsec_" + base64 of 32 random bytes.
sms_hook_ensure_secret() {
  local f="$SECRETS_DIR/sms_hook_secret"
  if [[ ! -s $f ]]; then
    python3 -c 'import base64,secrets; print("v1,whsec_" + base64.b64encode(secrets.token_bytes(32)).decode())' >"$f.tmp"
    chmod 600 "$f.tmp"
    mv -f "$f.tmp" "$f"
  fi
}

# GoTrue settings for MFA and phone; appended to gotrue_env_lines. Why each (details: docs/mfa-stack.md):
#   MFA_TOTP_*            TOTP enrol/verify (on by default in GoTrue; stated so the stack doesn't depend on it)
#   MFA_PHONE_*           phone factors are off by default
#   EXTERNAL_PHONE        phone sign-in (POST /otp {phone}, /verify type sms); /settings shows external.phone
#   SMS_TEST_OTP          the test phone always verifies with the test code (reusable, no SMS, no hook call)
#   SMS_MAX_FREQUENCY     1 ms instead of 1 min between codes to one phone, so the fixed test phone can be used
#                         by every test, again and again (like SMTP_MAX_FREQUENCY for e-mail)
#   RATE_LIMIT_SMS_SENT   GoTrue's global hourly SMS budget (default 30) covers hook-sent sign-in codes too
#   HOOK_SEND_SMS_*       every real code goes to the receiver on loopback, signed with the stack's secret
#   SECURITY_UPDATE_PASSWORD_REQUIRE_CURRENT_PASSWORD  PUT /user {password} needs current_password outside recovery
#   RATE_LIMIT_HEADER     see STACK_RATE_LIMIT_HEADER above
# Deliberately unset: SMS_PROVIDER (nothing can text anyone), SMS_AUTOCONFIRM (phone sign-up confirms by code),
# MFA_PHONE_MAX_FREQUENCY (GoTrue's 1 min between challenges of one phone factor, as in production).
mfa_phone_env_lines() {
  cat <<EOF
GOTRUE_MFA_TOTP_ENROLL_ENABLED=true
GOTRUE_MFA_TOTP_VERIFY_ENABLED=true
GOTRUE_MFA_PHONE_ENROLL_ENABLED=true
GOTRUE_MFA_PHONE_VERIFY_ENABLED=true
GOTRUE_EXTERNAL_PHONE_ENABLED=true
GOTRUE_SMS_TEST_OTP=${STACK_TEST_PHONE#+}:$STACK_TEST_OTP
GOTRUE_SMS_MAX_FREQUENCY=1ms
GOTRUE_RATE_LIMIT_SMS_SENT=100000
GOTRUE_HOOK_SEND_SMS_ENABLED=true
GOTRUE_HOOK_SEND_SMS_URI=http://127.0.0.1:$SMS_HOOK_PORT/send-sms
GOTRUE_HOOK_SEND_SMS_SECRETS=$(<"$SECRETS_DIR/sms_hook_secret")
GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_CURRENT_PASSWORD=true
GOTRUE_RATE_LIMIT_HEADER=$STACK_RATE_LIMIT_HEADER
EOF
}

sms_hook_env_exports() {
  printf 'export LATCHKEY_STACK_TEST_PHONE=%q\n' "$STACK_TEST_PHONE"
  printf 'export LATCHKEY_STACK_TEST_OTP=%q\n' "$STACK_TEST_OTP"
  printf 'export LATCHKEY_STACK_SMS_FILE=%q\n' "$SMS_FILE"
  printf 'export LATCHKEY_STACK_SMS_HOOK_URL=%q\n' "http://127.0.0.1:$SMS_HOOK_PORT/send-sms"
  printf 'export LATCHKEY_STACK_SMS_HOOK_SECRET=%q\n' "$(<"$SECRETS_DIR/sms_hook_secret")"
  printf 'export LATCHKEY_STACK_RATE_LIMIT_HEADER=%q\n' "$STACK_RATE_LIMIT_HEADER"
}

sms_hook_pid_file() { printf '%s/sms_hook.pid\n' "$RUN_DIR"; }

sms_hook_running() {
  daemon_running sms_hook sms_hook.py
  SMS_HOOK_PID=$DAEMON_PID
  [[ -n $SMS_HOOK_PID ]]
}

sms_hook_stop() {
  daemon_stop sms_hook sms_hook.py 5 "$RUN_DIR/sms_hook.pid.self" "$RUN_DIR/sms_hook.cfghash"
}

# sms_hook_up : start the receiver, or keep the running one if its port, files and script are unchanged.
# Returns once it listens (it writes its own pid file after binding), so GoTrue never calls a closed port.
sms_hook_up() {
  local script="$LIB_DIR/sms_hook.py" hash old_hash="" args
  mkdir -p "$SMS_DIR"
  chmod 700 "$SMS_DIR"
  args=(--listen-host 127.0.0.1 --listen-port "$SMS_HOOK_PORT" --secret-file "$SECRETS_DIR/sms_hook_secret"
    --record-file "$SMS_FILE" --pid-file "$RUN_DIR/sms_hook.pid.self")
  hash=$({ printf '%s\n' "${args[@]}"; sha256sum <"$script"; sha256sum <"$SECRETS_DIR/sms_hook_secret"; } | sha256_of_stdin)
  [[ -f $RUN_DIR/sms_hook.cfghash ]] && old_hash=$(<"$RUN_DIR/sms_hook.cfghash")
  if sms_hook_running; then
    if [[ $hash == "$old_hash" ]]; then
      stack_log "sms hook receiver already running (pid $SMS_HOOK_PID)"
      return 0
    fi
    stack_log "sms hook receiver config changed, restarting it"
    sms_hook_stop
  fi
  require_port_free "$SMS_HOOK_PORT" "the Send SMS hook receiver"
  rm -f "$RUN_DIR/sms_hook.pid.self"
  spawn_daemon "$(sms_hook_pid_file)" "$LOG_DIR/sms_hook.log" "$RUN_DIR" python3 -u "$script" "${args[@]}"
  printf '%s\n' "$hash" >"$RUN_DIR/sms_hook.cfghash"
  printf '%s\n' "$SMS_HOOK_PORT" >"$RUN_DIR/sms_hook.port"
  await_bound "$RUN_DIR/sms_hook.pid.self" "$SPAWNED_PID" "the sms hook receiver" "$LOG_DIR/sms_hook.log"
  stack_log "started sms hook receiver (pid $SPAWNED_PID) on 127.0.0.1:$SMS_HOOK_PORT -> $SMS_FILE (log $LOG_DIR/sms_hook.log)"
}

sms_hook_status_line() {
  if sms_hook_running; then
    printf 'sms hook: up   (pid %s, 127.0.0.1:%s/send-sms -> %s/sms/messages.jsonl)\n' "$SMS_HOOK_PID" \
      "$(cat "$RUN_DIR/sms_hook.port" 2>/dev/null)" "$STACK_DIR"
  else
    printf 'sms hook: down\n'
    return 1
  fi
}
