# Sourced by the scripts that build test tools from Go modules pinned in a
# wrapper module (controlplane.sh, helm.sh, kubeseal.sh, gitleaks.sh); Go
# never builds product code. The sourcing script defines MOD_DIR (the wrapper
# module's folder) and die.

# The go binary: $GO, else go on PATH, else /usr/local/go/bin/go.
find_go() {
  if [ -n "${GO:-}" ]; then echo "$GO"; return; fi
  if command -v go >/dev/null 2>&1; then command -v go; return; fi
  [ -x /usr/local/go/bin/go ] && { echo /usr/local/go/bin/go; return; }
  die "go not found (set GO=/path/to/go)"
}

# Identifies what cached binaries were built from (the pinned modules and
# the build flags' version): a changed stamp means rebuild.
build_stamp() {
  { cat "$MOD_DIR/go.mod" "$MOD_DIR/go.sum"; echo "ldflags-v1 $(uname -m)"; } | sha256sum | cut -c1-16
}

# ------------------------------------------------------ one-binary tools ---
# helm.sh, kubeseal.sh and gitleaks.sh are "build module M at version V into
# the cache, or use SEALSYNC_<TOOL>". Each sets, then calls go_tool_main "$@":
#   TOOL     the binary's name (helm); SEALSYNC_<TOOL in capitals> overrides it
#   MODULE   the pinned module whose go.mod version names the cache folder
#   PACKAGE  what `go build` builds
#   tool_ldflags GO   (function) prints the -ldflags; VERSION is set
# and may define tool_describe BIN (prints what BIN is, for the log) and
# cmd_<name> functions (more subcommands). Usage comes from the script's
# leading comment (lines 2..USAGE_LINES).

go_tool_log() { printf '%s: %s\n' "$TOOL" "$*" >&2; }
declare -F die >/dev/null || die() { go_tool_log "error: $*"; exit 1; }

go_tool_init() {
  MOD_DIR=$(cd "$SCRIPT_DIR/../tests/$TOOL" && pwd)
  VERSION=$(awk -v m="$MODULE" '$1 == m && $2 ~ /^v/ { print $2; exit }' "$MOD_DIR/go.mod")
  [ -n "$VERSION" ] || die "cannot read the $MODULE version from $MOD_DIR/go.mod"
  local root=${SEALSYNC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sealsync}
  CACHE_DIR=$root/$TOOL/$VERSION
  BIN=$CACHE_DIR/$TOOL
  OVERRIDE_VAR=SEALSYNC_$(printf '%s' "$TOOL" | tr '[:lower:]-' '[:upper:]_')
  OVERRIDE=${!OVERRIDE_VAR:-}
}

go_tool_describe() {
  if declare -F tool_describe >/dev/null; then tool_describe "$1"; else echo "$VERSION"; fi
}

go_tool_cached() {
  [ -x "$BIN" ] && [ "$(cat "$CACHE_DIR/.stamp" 2>/dev/null)" = "$(build_stamp)" ]
}

go_tool_build() {
  if [ -n "$OVERRIDE" ]; then
    [ -x "$OVERRIDE" ] || die "$OVERRIDE_VAR=$OVERRIDE is not executable"
    go_tool_log "using $OVERRIDE_VAR=$OVERRIDE"
    return 0
  fi
  mkdir -p "$CACHE_DIR"
  exec 9>"$CACHE_DIR/.lock"
  flock 9   # another build of the same version may be running
  if go_tool_cached; then
    go_tool_log "cached: $(go_tool_describe "$BIN") in $CACHE_DIR"
    return 0
  fi
  local go; go=$(find_go)
  local flags; flags=$(tool_ldflags "$go")
  local tmp; tmp=$(mktemp -d "$CACHE_DIR/.build.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  export GOFLAGS="${GOFLAGS:+$GOFLAGS }-trimpath -mod=readonly" CGO_ENABLED=0
  go_tool_log "building $TOOL $VERSION with $("$go" version) into $CACHE_DIR (a few minutes cold)"
  local t0=$SECONDS
  (cd "$MOD_DIR" && "$go" build -p 2 -ldflags "$flags" -o "$tmp/$TOOL" "$PACKAGE") >&2 ||
    die "building $TOOL failed"
  mv -f "$tmp/$TOOL" "$BIN"
  build_stamp > "$CACHE_DIR/.stamp"
  rm -rf "$tmp"; trap - EXIT
  go_tool_log "built $(go_tool_describe "$BIN") in $((SECONDS - t0))s"
}

go_tool_path() {
  if [ -n "$OVERRIDE" ]; then echo "$OVERRIDE"; return; fi
  go_tool_cached || die "$TOOL $VERSION is not built; run: bash scripts/$TOOL.sh build"
  echo "$BIN"
}

go_tool_main() {
  case "${1:-}" in
    build) go_tool_build ;;
    path) go_tool_path ;;
    *)
      if [ -n "${1:-}" ] && declare -F "cmd_$1" >/dev/null; then
        "cmd_$1"
      else
        sed -n "2,${USAGE_LINES}p" "$0" | sed 's/^# \{0,1\}//' >&2
        exit 2
      fi
      ;;
  esac
}
