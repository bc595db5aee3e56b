#!/usr/bin/env bash
# The real kubeseal CLI (Bitnami sealed-secrets), built from the Go module
# pinned in tests/kubeseal/go.mod, for the interop tests that open
# kubeseal's values in sealsync. Go builds test tools only, never product
# code. The module moved from github.com/bitnami-labs/ to github.com/bitnami/
# at v0.38, which is why it is pinned by version, not @latest.
#
#   kubeseal.sh build   build (or reuse) the binary
#   kubeseal.sh path    print the binary's path; exit 1 if it is not built
#   kubeseal.sh crd     print the path of Bitnami's SealedSecret CRD (from
#                       the module; build first)
#
# Environment:
#   SEALSYNC_CACHE     cache root (default ${XDG_CACHE_HOME:-~/.cache}/sealsync)
#   SEALSYNC_KUBESEAL  use this kubeseal binary instead (no build)
#   GO                 go binary (default: go on PATH, else /usr/local/go/bin/go)
#
# Only the path goes to stdout (path, crd); build output goes to stderr.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MOD_DIR=$(cd "$SCRIPT_DIR/../tests/kubeseal" && pwd)
MODULE=github.com/bitnami/sealed-secrets

log() { printf 'kubeseal: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

VERSION=$(awk -v m="$MODULE" '$1 == m && $2 ~ /^v/ { print $2; exit }' "$MOD_DIR/go.mod")
[ -n "$VERSION" ] || die "cannot read the $MODULE version from $MOD_DIR/go.mod"
CACHE_ROOT=${SEALSYNC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sealsync}
CACHE_DIR=$CACHE_ROOT/kubeseal/$VERSION
BIN=$CACHE_DIR/kubeseal

# shellcheck source=go_tool.sh
source "$SCRIPT_DIR/go_tool.sh"

have_cached() {
  [ -x "$BIN" ] && [ "$(cat "$CACHE_DIR/.stamp" 2>/dev/null)" = "$(build_stamp)" ]
}

cmd_build() {
  if [ -n "${SEALSYNC_KUBESEAL:-}" ]; then
    [ -x "$SEALSYNC_KUBESEAL" ] || die "SEALSYNC_KUBESEAL=$SEALSYNC_KUBESEAL is not executable"
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
  log "building kubeseal $VERSION with $("$go" version) into $CACHE_DIR (a few minutes cold)"
  local t0=$SECONDS
  (cd "$MOD_DIR" && "$go" build -p 2 -ldflags "-s -w -X main.VERSION=$VERSION" \
      -o "$tmp/kubeseal" "$MODULE/cmd/kubeseal") >&2 || die "building kubeseal failed"
  mv -f "$tmp/kubeseal" "$BIN"
  build_stamp > "$CACHE_DIR/.stamp"
  rm -rf "$tmp"; trap - EXIT
  log "built kubeseal $VERSION in $((SECONDS - t0))s"
}

cmd_path() {
  if [ -n "${SEALSYNC_KUBESEAL:-}" ]; then echo "$SEALSYNC_KUBESEAL"; return; fi
  have_cached || die "kubeseal $VERSION is not built; run: bash scripts/kubeseal.sh build"
  echo "$BIN"
}

cmd_crd() {
  local go; go=$(find_go)
  local dir; dir=$(cd "$MOD_DIR" && GOFLAGS=-mod=readonly "$go" list -m -f '{{.Dir}}' "$MODULE")
  local crd="$dir/helm/sealed-secrets/crds/bitnami.com_sealedsecrets.yaml"
  [ -f "$crd" ] || die "no CRD at $crd"
  echo "$crd"
}

case "${1:-}" in
  build) cmd_build ;;
  path) cmd_path ;;
  crd) cmd_crd ;;
  *) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
