#!/usr/bin/env bash
# The real gitleaks CLI (secret scanner), built from the Go module pinned in
# tests/gitleaks/go.mod, for the interop test and benchmark that measure
# `sealctl scan` against it. Go builds test tools only, never product code.
#
#   gitleaks.sh build   build (or reuse) the binary
#   gitleaks.sh path    print the binary's path; exit 1 if it is not built
#
# Environment:
#   SEALSYNC_CACHE     cache root (default ${XDG_CACHE_HOME:-~/.cache}/sealsync)
#   SEALSYNC_GITLEAKS  use this gitleaks binary instead (no build)
#   GO                 go binary (default: go on PATH, else /usr/local/go/bin/go)
#
# Only the path goes to stdout (path); build output goes to stderr.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MOD_DIR=$(cd "$SCRIPT_DIR/../tests/gitleaks" && pwd)
MODULE=github.com/zricethezav/gitleaks/v8

log() { printf 'gitleaks: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

VERSION=$(awk -v m="$MODULE" '$1 == m && $2 ~ /^v/ { print $2; exit }' "$MOD_DIR/go.mod")
[ -n "$VERSION" ] || die "cannot read the $MODULE version from $MOD_DIR/go.mod"
CACHE_ROOT=${SEALSYNC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sealsync}
CACHE_DIR=$CACHE_ROOT/gitleaks/$VERSION
BIN=$CACHE_DIR/gitleaks

# shellcheck source=go_tool.sh
source "$SCRIPT_DIR/go_tool.sh"

have_cached() {
  [ -x "$BIN" ] && [ "$(cat "$CACHE_DIR/.stamp" 2>/dev/null)" = "$(build_stamp)" ]
}

cmd_build() {
  if [ -n "${SEALSYNC_GITLEAKS:-}" ]; then
    [ -x "$SEALSYNC_GITLEAKS" ] || die "SEALSYNC_GITLEAKS=$SEALSYNC_GITLEAKS is not executable"
    return 0
  fi
  mkdir -p "$CACHE_DIR"
  exec 9>"$CACHE_DIR/.lock"
  flock 9   # another build of the same version may be running
  if have_cached; then
    log "cached: $VERSION in $CACHE_DIR"
    return 0
  fi
  local go; go=$(find_go)
  local tmp; tmp=$(mktemp -d "$CACHE_DIR/.build.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  export GOFLAGS="${GOFLAGS:+$GOFLAGS }-trimpath -mod=readonly" CGO_ENABLED=0
  log "building gitleaks $VERSION with $("$go" version) into $CACHE_DIR (a few minutes cold)"
  local t0=$SECONDS
  (cd "$MOD_DIR" && "$go" build -p 2 -ldflags "-s -w -X $MODULE/version.Version=$VERSION" \
      -o "$tmp/gitleaks" "$MODULE") >&2 || die "building gitleaks failed"
  mv -f "$tmp/gitleaks" "$BIN"
  build_stamp > "$CACHE_DIR/.stamp"
  rm -rf "$tmp"; trap - EXIT
  log "built gitleaks $VERSION in $((SECONDS - t0))s"
}

cmd_path() {
  if [ -n "${SEALSYNC_GITLEAKS:-}" ]; then echo "$SEALSYNC_GITLEAKS"; return; fi
  have_cached || die "gitleaks $VERSION is not built; run: bash scripts/gitleaks.sh build"
  echo "$BIN"
}

case "${1:-}" in
  build) cmd_build ;;
  path) cmd_path ;;
  *) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
