# shellcheck shell=bash
# Keycloak, the local stack's test identity provider (`scripts/stack up --with-idp`). Sourced by scripts/stack.
# It stands in for a company's IdP in tests: nothing in Latchkey depends on it (docs/idp-stack.md).
#
# Where it comes from: Maven Central's server distribution org.keycloak:keycloak-quarkus-dist:<version>:zip,
# fetched by `mvn -q dependency:get` into ~/.m2 (sha256 pinned below), unpacked once into
# ${LATCHKEY_CACHE_DIR:-~/.cache/latchkey}/keycloak/<version>/. The first `start-dev` of that folder re-augments
# it for dev mode (~30 s, once per cache; later starts write nothing there), so that start holds the cache lock.
# No Java 17+ -> exit 5; no distribution (mvn missing, fetch failed, checksum differs) -> exit 6; both before
# anything is started or stopped.
#
# How it runs: `kc.sh start-dev --http-host=127.0.0.1 --http-port=$KC_PORT` under `env -i`, detached like the
# other daemons (logs/keycloak.log, run/keycloak.pid, run/keycloak.cfghash). Its H2 database
# (-Dkc.db-url-path) and transaction logs live in <state>/keycloak/, so the cache holds no stack's state and
# a second `up` finds the realm again. The master-realm admin is created from KC_BOOTSTRAP_ADMIN_USERNAME /
# _PASSWORD on the first start only; its password is in secrets/keycloak_admin_password, and a new password
# wipes the data folder (its admin would not know it). Ready = /realms/master answers, bounded by
# LATCHKEY_STACK_IDP_READY_TIMEOUT (default 240 s; 40-70 s on 2 loaded cores for a fresh data folder).
#
# Provisioning (scripts/lib/idp_provision.py, idempotent): the realm with GoTrue's OIDC and SAML clients and
# the two users, then Keycloak as GoTrue's SAML SSO provider for $IDP_SSO_DOMAIN (id in run/sso_provider_id).

readonly KEYCLOAK_VERSION=26.7.3
readonly KEYCLOAK_ARTIFACT=org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip
readonly KEYCLOAK_ZIP_SHA256=27a6535553c3cdcd083872ba40629efafb3475e3b758e0c6f691395561dd0f1f
readonly IDP_REALM=latchkey
readonly IDP_OIDC_CLIENT_ID=gotrue
readonly IDP_SSO_DOMAIN=latchkey.test
# The realm's users: one in the SSO domain, one in a second domain (no SSO provider: the "unknown domain" case).
readonly IDP_USER_EMAIL=alice@latchkey.test IDP_USER_PASSWORD=alice-idp-pw
readonly IDP_PARTNER_EMAIL=bob@partner.test IDP_PARTNER_PASSWORD=bob-idp-pw

# idp_settings IDP_PORT : KC_PORT (default PORT+59), KC_URL, KC_DATA_DIR. Needs PORT and STACK_DIR.
idp_settings() {
  KC_PORT=${1:-$((10#$PORT + 59))}
  ensure_port_number LATCHKEY_STACK_IDP_PORT "$KC_PORT"
  KC_URL="http://127.0.0.1:$KC_PORT"
  KC_DATA_DIR="$STACK_DIR/keycloak"
}

keycloak_cache_root() {
  local home=${HOME:-}
  [[ -n $home ]] || home=$(getent passwd "$(id -u)" | cut -d: -f6)
  printf '%s/keycloak\n' "${LATCHKEY_CACHE_DIR:-$home/.cache/latchkey}"
}

# keycloak_unavailable CODE LINES... : the identity provider cannot be had; nothing was started or stopped.
keycloak_unavailable() {
  local code=$1 line
  shift
  {
    printf 'stack: error: the test identity provider (Keycloak %s) is unavailable.\n' "$KEYCLOAK_VERSION"
    for line in "$@"; do printf '  %s\n' "$line"; done
    printf '  Nothing was started or stopped by this run. Without --with-idp the stack needs neither Java nor Keycloak.\n'
  } >&2
  exit "$code"
}

keycloak_require_java() {
  local version major
  command -v java >/dev/null 2>&1 ||
    keycloak_unavailable "$STACK_EXIT_NO_JAVA" "No 'java' command: Keycloak needs Java 17 or later." \
      "Install it with scripts/setup (openjdk-17-jre-headless) or put a JDK's bin/ on PATH."
  version=$(java -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n 1)
  major=${version%%.*}
  [[ $major =~ ^[0-9]+$ ]] && ((major >= 17)) ||
    keycloak_unavailable "$STACK_EXIT_NO_JAVA" "Keycloak needs Java 17 or later; 'java -version' says '${version:-nothing}'."
}

# keycloak_fetch_zip : prints the path of the verified zip in the local Maven repository (fetching it if absent).
keycloak_fetch_zip() {
  local repo=${LATCHKEY_M2_REPO:-$HOME/.m2/repository} zip sum t0=$SECONDS log="$LOG_DIR/keycloak-fetch.log"
  zip="$repo/org/keycloak/keycloak-quarkus-dist/$KEYCLOAK_VERSION/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip"
  if [[ ! -f $zip ]]; then
    command -v mvn >/dev/null 2>&1 ||
      keycloak_unavailable "$STACK_EXIT_IDP_UNAVAILABLE" "It is not in $zip, and there is no 'mvn' to fetch it" \
        "(scripts/setup installs maven; the fetch is: mvn -q dependency:get -Dartifact=$KEYCLOAK_ARTIFACT -Dtransitive=false)."
    stack_log "fetching $KEYCLOAK_ARTIFACT from Maven Central (~177 MB; log $log)"
    if ! timeout 900 mvn -q -B dependency:get -Dartifact="$KEYCLOAK_ARTIFACT" -Dtransitive=false \
      ${LATCHKEY_M2_REPO:+-Dmaven.repo.local="$LATCHKEY_M2_REPO"} >"$log" 2>&1 ||
      [[ ! -f $zip ]]; then
      local lines=("Fetching it failed (mvn -q dependency:get -Dartifact=$KEYCLOAK_ARTIFACT -Dtransitive=false)." "Last lines of $log:")
      while IFS= read -r l; do lines+=("  $l"); done < <(tail -n 10 "$log")
      keycloak_unavailable "$STACK_EXIT_IDP_UNAVAILABLE" "${lines[@]}"
    fi
    stack_log "keycloak: fetched in $((SECONDS - t0)) s"
  fi
  sum=$(sha256sum -- "$zip" | cut -d' ' -f1)
  [[ $sum == "$KEYCLOAK_ZIP_SHA256" ]] ||
    keycloak_unavailable "$STACK_EXIT_IDP_UNAVAILABLE" "$zip has sha256 $sum," \
      "but the pinned distribution has sha256 $KEYCLOAK_ZIP_SHA256. Delete it to fetch it again."
  printf '%s\n' "$zip"
}

# keycloak_resolve_dist : sets KC_HOME (unpacked distribution in the cache), or exits 5/6.
keycloak_resolve_dist() {
  local root zip tmp t0
  keycloak_require_java
  root=$(keycloak_cache_root)
  KC_HOME="$root/$KEYCLOAK_VERSION"
  [[ -x $KC_HOME/bin/kc.sh ]] && return 0
  mkdir -p "$root"
  exec 8>"$root/.lock"
  flock -w 900 8 || keycloak_unavailable "$STACK_EXIT_IDP_UNAVAILABLE" "another run holds $root/.lock"
  if [[ ! -x $KC_HOME/bin/kc.sh ]]; then
    zip=$(keycloak_fetch_zip)
    t0=$SECONDS
    tmp=$(mktemp -d "$root/.unpack.XXXXXX")
    unzip -q "$zip" -d "$tmp" ||
      { rm -rf -- "$tmp"; keycloak_unavailable "$STACK_EXIT_IDP_UNAVAILABLE" "unpacking $zip failed (is unzip installed? scripts/setup installs it)"; }
    mv -- "$tmp/keycloak-$KEYCLOAK_VERSION" "$KC_HOME" && rm -rf -- "$tmp"
    stack_log "keycloak: unpacked into $KC_HOME in $((SECONDS - t0)) s"
  fi
  exec 8>&-
}

# keycloak_ensure_secrets : admin password and GoTrue's OIDC client secret (keycloak_*), GoTrue's SAML key.
keycloak_ensure_secrets() {
  local f
  if [[ ! -s $SECRETS_DIR/keycloak_admin_password ]]; then
    rm -rf -- "$KC_DATA_DIR" # its admin was created with another password
    python3 -c 'import secrets; print(secrets.token_urlsafe(24))' >"$SECRETS_DIR/keycloak_admin_password"
  fi
  f="$SECRETS_DIR/keycloak_gotrue_client_secret"
  [[ -s $f ]] || python3 -c 'import secrets; print(secrets.token_urlsafe(32))' >"$f"
  # GOTRUE_SAML_PRIVATE_KEY: RSA 2048, e=65537, PKCS#1 DER in standard base64 (internal/conf/saml.go).
  f="$SECRETS_DIR/saml_private_key"
  if [[ ! -s $f ]]; then
    openssl genrsa -traditional 2048 2>/dev/null | openssl rsa -traditional -outform DER 2>/dev/null | base64 -w0 >"$f.tmp"
    [[ -s $f.tmp ]] || stack_die "$STACK_EXIT_FAIL" "generating the SAML private key with openssl failed"
    mv -f "$f.tmp" "$f"
  fi
  chmod 600 "$SECRETS_DIR"/*
}

# idp_gotrue_env_lines : GoTrue's settings for the IdP (docs/idp-stack.md says why each one).
idp_gotrue_env_lines() {
  cat <<EOF
GOTRUE_EXTERNAL_KEYCLOAK_ENABLED=true
GOTRUE_EXTERNAL_KEYCLOAK_CLIENT_ID=$IDP_OIDC_CLIENT_ID
GOTRUE_EXTERNAL_KEYCLOAK_SECRET=$(<"$SECRETS_DIR/keycloak_gotrue_client_secret")
GOTRUE_EXTERNAL_KEYCLOAK_REDIRECT_URI=$STACK_URL/auth/v1/callback
GOTRUE_EXTERNAL_KEYCLOAK_URL=$KC_URL/realms/$IDP_REALM
GOTRUE_SAML_ENABLED=true
GOTRUE_SAML_PRIVATE_KEY=$(<"$SECRETS_DIR/saml_private_key")
EOF
}

keycloak_pid_file() { printf '%s/keycloak.pid\n' "$RUN_DIR"; }

# keycloak_running : sets KEYCLOAK_PID when the recorded Keycloak (kc.sh, or the java it exec'd) is alive.
keycloak_running() {
  daemon_running keycloak "$(keycloak_match)"
  KEYCLOAK_PID=$DAEMON_PID
  [[ -n $KEYCLOAK_PID ]]
}

# What the Keycloak process's command line holds: its distribution's bin/ folder (empty when none was recorded).
keycloak_match() {
  local home
  home=$(cat "$RUN_DIR/keycloak.home" 2>/dev/null) && printf '%s/bin/\n' "$home"
}

keycloak_stop() {
  daemon_stop keycloak "$(keycloak_match)" 30 "$RUN_DIR/keycloak.cfghash" "$RUN_DIR/sso_provider_id"
}

keycloak_ready() { curl -fsS -m 3 -o /dev/null "$KC_URL/realms/master" 2>/dev/null; }

# keycloak_start : start Keycloak unless it runs with the same settings (readiness is awaited later, so
# GoTrue starts meanwhile).
keycloak_start() {
  local args hash old_hash=""
  args=(start-dev "--http-host=127.0.0.1" "--http-port=$KC_PORT" "-Dkc.db-url-path=$KC_DATA_DIR"
    "-Dquarkus.transaction-manager.object-store.directory=$KC_DATA_DIR/transaction-logs")
  hash=$({ printf '%s\n' "$KC_HOME" "${args[@]}"; cat "$SECRETS_DIR/keycloak_admin_password"; } | sha256_of_stdin)
  [[ -f $RUN_DIR/keycloak.cfghash ]] && old_hash=$(<"$RUN_DIR/keycloak.cfghash")
  KEYCLOAK_T0=$SECONDS KEYCLOAK_STARTED=0
  if keycloak_running; then
    if [[ $hash == "$old_hash" ]] && keycloak_ready; then
      stack_log "keycloak already running with the same config (pid $KEYCLOAK_PID)"
      return 0
    fi
    stack_log "keycloak config changed or not answering, restarting it"
    keycloak_stop
  fi
  require_port_free "$KC_PORT" "keycloak (LATCHKEY_STACK_IDP_PORT)"
  mkdir -p "$KC_DATA_DIR"
  if [[ ! -f $KC_HOME/.latchkey-dev-augmented ]]; then
    # The first start-dev rewrites $KC_HOME/lib/quarkus: one stack at a time (released once ready).
    exec 8>"$(keycloak_cache_root)/.lock"
    flock -w 900 8 || stack_die "$STACK_EXIT_FAIL" "another run holds $(keycloak_cache_root)/.lock"
  fi
  printf '%s\n' "$KC_HOME" >"$RUN_DIR/keycloak.home"
  printf '\n===== %s starting keycloak %s on %s =====\n' "$(date -Is)" "$KEYCLOAK_VERSION" "$KC_URL" >>"$LOG_DIR/keycloak.log"
  spawn_daemon "$(keycloak_pid_file)" "$LOG_DIR/keycloak.log" "$KC_DATA_DIR" env -i PATH="$PATH" HOME="$HOME" \
    ${JAVA_HOME:+JAVA_HOME="$JAVA_HOME"} KC_BOOTSTRAP_ADMIN_USERNAME=admin \
    KC_BOOTSTRAP_ADMIN_PASSWORD="$(<"$SECRETS_DIR/keycloak_admin_password")" "$KC_HOME/bin/kc.sh" "${args[@]}"
  printf '%s\n' "$hash" >"$RUN_DIR/keycloak.cfghash"
  KEYCLOAK_STARTED=1
  stack_log "started keycloak (pid $SPAWNED_PID) on $KC_URL (log $LOG_DIR/keycloak.log)"
}

# keycloak_wait_ready : poll until Keycloak answers (bounded); a Keycloak that exits fails at once.
keycloak_wait_ready() {
  local timeout=${LATCHKEY_STACK_IDP_READY_TIMEOUT:-240} deadline
  deadline=$((SECONDS + timeout))
  until keycloak_ready; do
    if ! keycloak_running; then
      tail_log "$LOG_DIR/keycloak.log" 30
      stack_die "$STACK_EXIT_FAIL" "keycloak exited during startup (log: $LOG_DIR/keycloak.log)"
    fi
    if ((SECONDS >= deadline)); then
      tail_log "$LOG_DIR/keycloak.log" 30
      stack_die "$STACK_EXIT_FAIL" "keycloak did not answer $KC_URL/realms/master within ${timeout}s" \
        "(left running; see $LOG_DIR/keycloak.log; 'scripts/stack down' stops it)"
    fi
    sleep 0.5
  done
  keycloak_running || true
  touch "$KC_HOME/.latchkey-dev-augmented"
  exec 8>&-
  if ((KEYCLOAK_STARTED)); then stack_log "keycloak: ready $((SECONDS - KEYCLOAK_T0)) s after start"; fi
}

# keycloak_provision : realm, clients and users in Keycloak, then the SSO provider in GoTrue. Sets SSO_PROVIDER_ID.
keycloak_provision() {
  local t0=$SECONDS result users
  users=$(python3 -c 'import json, sys; a = sys.argv[1:]
print(json.dumps([{"username": a[i].split("@")[0], "email": a[i], "password": a[i + 1], "first": a[i + 2],
                   "last": a[i + 3]} for i in range(0, len(a), 4)]))' \
    "$IDP_USER_EMAIL" "$IDP_USER_PASSWORD" Alice Latchkey "$IDP_PARTNER_EMAIL" "$IDP_PARTNER_PASSWORD" Bob Partner)
  result=$(env KC_URL="$KC_URL" KC_ADMIN_USER=admin KC_ADMIN_PASSWORD="$(<"$SECRETS_DIR/keycloak_admin_password")" \
    IDP_REALM="$IDP_REALM" GOTRUE_URL="$STACK_URL/auth/v1" IDP_OIDC_CLIENT_ID="$IDP_OIDC_CLIENT_ID" \
    IDP_OIDC_CLIENT_SECRET="$(<"$SECRETS_DIR/keycloak_gotrue_client_secret")" IDP_USERS="$users" \
    python3 "$LIB_DIR/idp_provision.py" realm) || stack_die "$STACK_EXIT_FAIL" "provisioning the Keycloak realm failed"
  SSO_PROVIDER_ID=$(env KC_URL="$KC_URL" IDP_REALM="$IDP_REALM" GOTRUE_URL="$STACK_URL/auth/v1" \
    IDP_SSO_DOMAIN="$IDP_SSO_DOMAIN" GOTRUE_SERVICE_ROLE_KEY="$(<"$SECRETS_DIR/service_role_key")" \
    python3 "$LIB_DIR/idp_provision.py" sso) || stack_die "$STACK_EXIT_FAIL" "registering Keycloak as GoTrue's SSO provider failed"
  printf '%s\n' "$SSO_PROVIDER_ID" >"$RUN_DIR/sso_provider_id"
  stack_log "keycloak: realm $IDP_REALM $result, SSO provider $SSO_PROVIDER_ID for $IDP_SSO_DOMAIN ($((SECONDS - t0)) s)"
}

idp_env_exports() {
  printf 'export LATCHKEY_IDP_URL=%q\n' "$KC_URL"
  printf 'export LATCHKEY_IDP_REALM=%q\n' "$IDP_REALM"
  printf 'export LATCHKEY_IDP_ISSUER=%q\n' "$KC_URL/realms/$IDP_REALM"
  printf 'export LATCHKEY_IDP_ADMIN_USER=admin\n'
  printf 'export LATCHKEY_IDP_ADMIN_PASSWORD=%q\n' "$(<"$SECRETS_DIR/keycloak_admin_password")"
  printf 'export LATCHKEY_IDP_OAUTH_PROVIDER=keycloak\n'
  printf 'export LATCHKEY_IDP_USER_EMAIL=%q\n' "$IDP_USER_EMAIL"
  printf 'export LATCHKEY_IDP_USER_PASSWORD=%q\n' "$IDP_USER_PASSWORD"
  printf 'export LATCHKEY_IDP_PARTNER_EMAIL=%q\n' "$IDP_PARTNER_EMAIL"
  printf 'export LATCHKEY_IDP_PARTNER_PASSWORD=%q\n' "$IDP_PARTNER_PASSWORD"
  printf 'export LATCHKEY_IDP_SSO_DOMAIN=%q\n' "$IDP_SSO_DOMAIN"
  printf 'export LATCHKEY_IDP_SSO_PROVIDER_ID=%q\n' "$(cat "$RUN_DIR/sso_provider_id" 2>/dev/null)"
}
