# shellcheck shell=bash
# The GoTrue binary for the local stack: found or built from exactly the pinned commit. Sourced by scripts/stack.
#
# Where the binary comes from (first match wins):
#   1. $LATCHKEY_GOTRUE_BIN (must be an executable file);
#   2. the cache: ${LATCHKEY_CACHE_DIR:-$HOME/.cache/latchkey}/gotrue/<commit>/auth;
#   3. $LATCHKEY_GOTRUE_SRC: a source archive (.tar.gz, `git archive` of the commit) or a folder of that
#      commit, for offline and air-gapped builds. An archive must match GOTRUE_SRC_SHA256; a folder must
#      hold a go.mod of module github.com/supabase/auth. A mismatch stops with both values named (exit 3);
#      nothing is built from it;
#   4. the Go module proxy only (GOPROXY with "direct"/"off" removed, GOPRIVATE/GONOPROXY cleared):
#      `go mod download -json github.com/supabase/auth@<pseudo-version>` in a temp module.
# Routes 3 and 4 compile with `CGO_ENABLED=0 go build` into the cache (go.mod has a replace directive, so
# `go install` can't be used); GoTrue's own dependencies come from the module proxy either way.
# If none works, `up` exits with 3 ("GoTrue unavailable") before starting or stopping anything.

readonly GOTRUE_MODULE=github.com/supabase/auth
readonly GOTRUE_COMMIT=0204331ca41a5b49f076b6fa3dc6c0d20b996590
readonly GOTRUE_PSEUDO_VERSION=v0.0.0-20260818160232-0204331ca41a
readonly GOTRUE_RELEASE=v2.196.0
# sha256 of `git archive --format=tar.gz --prefix=supabase-auth-0204331/ 0204331ca41a` as distributed.
readonly GOTRUE_SRC_SHA256=975b890ff66844203ead658f7f9c72fe6db90cbef80f41efc399d8925d39950c

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
  {
    printf 'stack: error: GoTrue unavailable.\n'
    printf '  Needed: %s at commit %s (release %s).\n' "$GOTRUE_MODULE" "$GOTRUE_COMMIT" "$GOTRUE_RELEASE"
    local line
    for line in "$@"; do printf '  %s\n' "$line"; done
    printf '  What to do - any one of:\n'
    printf '    * LATCHKEY_GOTRUE_SRC=/path/to/supabase-auth-0204331ca41a.tar.gz (git archive of that commit,\n'
    printf '      sha256 %s) or a folder of that commit: it is built into the cache;\n' "$GOTRUE_SRC_SHA256"
    printf '    * LATCHKEY_GOTRUE_BIN=/path/to/auth (a binary built from that commit);\n'
    printf '    * place such a binary at %s.\n' "$(gotrue_cache_bin)"
    printf '  Nothing was started or stopped by this run; a stack that was already up is left as it was.\n'
  } >&2
  exit "$STACK_EXIT_GOTRUE_UNAVAILABLE"
}

gotrue_require_go() {
  command -v go >/dev/null 2>&1 ||
    gotrue_unavailable "No binary found and the 'go' command is not installed, so it cannot be built."
}

# gotrue_compile SRC_DIR DEST LOG : go build of a prepared source folder into DEST. Exits 3 on failure.
gotrue_compile() {
  local src=$1 dest=$2 log=$3 proxy rc
  proxy=$(gotrue_goproxy)
  mkdir -p "$(dirname -- "$dest")"
  stack_log "compiling GoTrue from $src (about 2 minutes; log: $log)"
  set +e
  (
    cd "$src" &&
      CGO_ENABLED=0 GOPROXY=$proxy GOPRIVATE= GONOPROXY= GOFLAGS=-buildvcs=false GOWORK=off \
        go build -trimpath -ldflags "-X $GOTRUE_MODULE/internal/utilities.Version=$GOTRUE_RELEASE" \
        -o "$dest.tmp.$$" . >>"$log" 2>&1
  )
  rc=$?
  set -e
  if ((rc != 0)); then
    rm -f -- "$dest.tmp.$$"
    local lines=("Building it failed (go build exit $rc). Last lines of $log:")
    while IFS= read -r l; do lines+=("  $l"); done < <(tail -n 15 "$log")
    gotrue_unavailable "${lines[@]}"
  fi
  mv -f -- "$dest.tmp.$$" "$dest"
  stack_log "GoTrue built: $dest"
}

# gotrue_src_module DIR : prints the module path declared by DIR/go.mod (empty if none).
gotrue_src_module() {
  [[ -f $1/go.mod ]] || return 0
  sed -n 's/^module[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' "$1/go.mod" | head -n 1
}

# gotrue_build_from_src DEST : route 3, $LATCHKEY_GOTRUE_SRC checked, then compiled. Exits 3 on any mismatch.
gotrue_build_from_src() {
  local dest=$1 src=$LATCHKEY_GOTRUE_SRC tmp dir module sum log="$LOG_DIR/gotrue-build.log"
  : >"$log"
  if [[ -d $src ]]; then
    module=$(gotrue_src_module "$src")
    [[ $module == "$GOTRUE_MODULE" ]] ||
      gotrue_unavailable "LATCHKEY_GOTRUE_SRC=$src is a folder, but its go.mod declares module '${module:-<no go.mod>}'," \
        "not '$GOTRUE_MODULE'. Nothing was built."
    gotrue_require_go
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/latchkey-gotrue-build.XXXXXX")
    cp -r -- "$src" "$tmp/src" && chmod -R u+w "$tmp/src"
    gotrue_compile "$tmp/src" "$dest" "$log"
    rm -rf -- "$tmp"
    return 0
  fi
  [[ -f $src ]] || gotrue_unavailable "LATCHKEY_GOTRUE_SRC=$src is neither a file nor a folder."
  sum=$(sha256sum -- "$src" | cut -d' ' -f1)
  [[ $sum == "$GOTRUE_SRC_SHA256" ]] ||
    gotrue_unavailable "LATCHKEY_GOTRUE_SRC=$src has sha256 $sum," \
      "but the pinned source archive has sha256 $GOTRUE_SRC_SHA256. Nothing was built."
  gotrue_require_go
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/latchkey-gotrue-build.XXXXXX")
  tar -xzf "$src" -C "$tmp" >>"$log" 2>&1 || { rm -rf -- "$tmp"; gotrue_unavailable "Unpacking $src failed (log: $log)."; }
  dir=$(find "$tmp" -mindepth 1 -maxdepth 2 -name go.mod -printf '%h\n' | head -n 1)
  module=$(gotrue_src_module "${dir:-$tmp}")
  if [[ $module != "$GOTRUE_MODULE" ]]; then
    rm -rf -- "$tmp"
    gotrue_unavailable "$src unpacks to no go.mod of module '$GOTRUE_MODULE' (found '${module:-none}')."
  fi
  stack_log "building GoTrue from the source archive $src (sha256 matches the pin)"
  gotrue_compile "$dir" "$dest" "$log"
  rm -rf -- "$tmp"
}

# gotrue_build_from_proxy DEST : route 4, download from the module proxy and build. Exits 3 on failure.
gotrue_build_from_proxy() {
  local dest=$1 tmp proxy rc errtxt dir log="$LOG_DIR/gotrue-build.log"
  gotrue_require_go
  proxy=$(gotrue_goproxy)
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/latchkey-gotrue-build.XXXXXX")
  stack_log "GoTrue binary not found; fetching $GOTRUE_MODULE@$GOTRUE_PSEUDO_VERSION from GOPROXY=$proxy (log: $log)"
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
    print(json.load(open(sys.argv[1])).get("Error", ""))
except Exception:
    pass' "$tmp/download.json" 2>/dev/null || true)
    [[ -n $errtxt ]] || errtxt=$(tail -n 5 "$log")
    cat "$tmp/download.json" >>"$log" 2>/dev/null || true
    rm -rf -- "$tmp"
    local lines=("No binary at $(gotrue_cache_bin), and neither LATCHKEY_GOTRUE_BIN nor LATCHKEY_GOTRUE_SRC is set," \
      "so it was to be fetched, but the Go module proxy refused it:" \
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
  gotrue_compile "$tmp/src" "$dest" "$log"
  rm -rf -- "$tmp"
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
    if [[ -n ${LATCHKEY_GOTRUE_SRC:-} ]]; then
      gotrue_build_from_src "$cache"
    else
      gotrue_build_from_proxy "$cache"
    fi
  fi
  GOTRUE_BIN=$(realpath -- "$cache")
}
