#!/usr/bin/env bash
# The real helm CLI for the chart tests, built from the Go module pinned in
# tests/helm/go.mod (Debian has no helm package). Go here builds test tools
# only (this and the control plane), never product code.
#
#   helm.sh build   build (or reuse) the binary
#   helm.sh path    print the binary's path; exit 1 if it is not built
#
# Environment:
#   SEALSYNC_CACHE  cache root (default ${XDG_CACHE_HOME:-~/.cache}/sealsync)
#   SEALSYNC_HELM   use this helm binary instead (no build)
#   GO              go binary (default: go on PATH, else /usr/local/go/bin/go)
#
# Only the path goes to stdout (path); build output goes to stderr.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MOD_DIR=$(cd "$SCRIPT_DIR/../tests/helm" && pwd)

log() { printf 'helm: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

HELM_VERSION=$(awk '$1 == "helm.sh/helm/v3" && $2 ~ /^v/ { print $2; exit }' "$MOD_DIR/go.mod")
[ -n "$HELM_VERSION" ] || die "cannot read the helm version from $MOD_DIR/go.mod"
CACHE_ROOT=${SEALSYNC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sealsync}
CACHE_DIR=$CACHE_ROOT/helm/$HELM_VERSION
BIN=$CACHE_DIR/helm

# shellcheck source=go_tool.sh
source "$SCRIPT_DIR/go_tool.sh"

have_cached() {
  [ -x "$BIN" ] && [ "$(cat "$CACHE_DIR/.stamp" 2>/dev/null)" = "$(build_stamp)" ]
}

cmd_build() {
  if [ -n "${SEALSYNC_HELM:-}" ]; then
    [ -x "$SEALSYNC_HELM" ] || die "SEALSYNC_HELM=$SEALSYNC_HELM is not executable"
    log "using SEALSYNC_HELM=$SEALSYNC_HELM ($("$SEALSYNC_HELM" version --short 2>&1))"
    return 0
  fi
  mkdir -p "$CACHE_DIR"
  exec 9>"$CACHE_DIR/.lock"
  flock 9   # another build of the same version may be running
  if have_cached; then
    log "cached: $("$BIN" version --short 2>&1) in $CACHE_DIR"
    return 0
  fi
  local go; go=$(find_go)
  # As helm's Makefile does: the version, and the Kubernetes version that
  # lint and template assume, from the client-go it is built with.
  local kver; kver=$(cd "$MOD_DIR" && "$go" list -m -f '{{.Version}}' k8s.io/client-go)
  local kminor=${kver#v0.}; kminor=${kminor%%.*}
  local flags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  flags+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  local p
  for p in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    flags+=" -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$kminor"
  done
  local tmp; tmp=$(mktemp -d "$CACHE_DIR/.build.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  export GOFLAGS="${GOFLAGS:+$GOFLAGS }-trimpath -mod=readonly" CGO_ENABLED=0
  log "building helm $HELM_VERSION with $("$go" version) into $CACHE_DIR (a few minutes cold)"
  local t0=$SECONDS
  (cd "$MOD_DIR" && "$go" build -p 2 -ldflags "$flags" -o "$tmp/helm" helm.sh/helm/v3/cmd/helm) >&2 ||
    die "building helm failed"
  mv -f "$tmp/helm" "$BIN"
  build_stamp > "$CACHE_DIR/.stamp"
  rm -rf "$tmp"; trap - EXIT
  log "built $("$BIN" version --short 2>&1) in $((SECONDS - t0))s"
}

cmd_path() {
  if [ -n "${SEALSYNC_HELM:-}" ]; then echo "$SEALSYNC_HELM"; return; fi
  have_cached || die "helm $HELM_VERSION is not built; run: bash scripts/helm.sh build"
  echo "$BIN"
}

case "${1:-}" in
  build) cmd_build ;;
  path) cmd_path ;;
  *) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
