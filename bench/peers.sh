#!/usr/bin/env bash
# The peers the benchmarks run beside sealsync, built from the Go modules
# pinned in bench/peers/go.mod (Bitnami sealed-secrets v0.40.0, the module
# kubeseal comes from: scripts/kubeseal.sh): its controller, and
# bitnamicrypto, a tiny program that times its per-value seal and unseal.
# A module of its own, so that the kubeseal binary's build stamp (shared by
# every checkout through the cache) does not change with the bench's needs.
#
#   peers.sh build          build (or reuse) both binaries
#   peers.sh path NAME      print the path of controller | bitnamicrypto
#
# Environment: SEALSYNC_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/sealsync),
# GO (default: go on PATH, else /usr/local/go/bin/go). Build output goes to
# stderr; only paths go to stdout.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MOD_DIR=$SCRIPT_DIR/peers
MODULE=github.com/bitnami/sealed-secrets

log() { printf 'peers: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

VERSION=$(awk -v m="$MODULE" '{ for (i = 1; i < NF; i++) if ($i == m && $(i + 1) ~ /^v/) { print $(i + 1); exit } }' "$MOD_DIR/go.mod")
[ -n "$VERSION" ] || die "cannot read the $MODULE version from $MOD_DIR/go.mod"
CACHE_ROOT=${SEALSYNC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sealsync}
CACHE_DIR=$CACHE_ROOT/bench-peers/$VERSION

# shellcheck source=../scripts/go_tool.sh
source "$SCRIPT_DIR/../scripts/go_tool.sh"

stamp() { { build_stamp; cat "$MOD_DIR"/bitnamicrypto/*.go; } | sha256sum | cut -c1-16; }

have_cached() {
  [ -x "$CACHE_DIR/controller" ] && [ -x "$CACHE_DIR/bitnamicrypto" ] &&
    [ "$(cat "$CACHE_DIR/.stamp" 2>/dev/null)" = "$(stamp)" ]
}

cmd_build() {
  mkdir -p "$CACHE_DIR"
  exec 9>"$CACHE_DIR/.lock"
  flock 9
  if have_cached; then log "cached: $VERSION in $CACHE_DIR"; return 0; fi
  local go; go=$(find_go)
  local tmp; tmp=$(mktemp -d "$CACHE_DIR/.build.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  export GOFLAGS="${GOFLAGS:+$GOFLAGS }-trimpath -mod=readonly" CGO_ENABLED=0
  log "building the sealed-secrets $VERSION controller and bitnamicrypto into $CACHE_DIR"
  local t0=$SECONDS
  (cd "$MOD_DIR" &&
    "$go" build -p 2 -ldflags "-s -w -X main.VERSION=$VERSION" -o "$tmp/controller" "$MODULE/cmd/controller" &&
    "$go" build -p 2 -o "$tmp/bitnamicrypto" ./bitnamicrypto) >&2 || die "go build failed"
  mv -f "$tmp/controller" "$tmp/bitnamicrypto" "$CACHE_DIR/"
  stamp > "$CACHE_DIR/.stamp"
  rm -rf "$tmp"; trap - EXIT
  log "built in $((SECONDS - t0))s"
}

cmd_path() {
  case "${1:-}" in controller|bitnamicrypto) ;; *) die "path controller|bitnamicrypto" ;; esac
  have_cached || die "not built; run: bash bench/peers.sh build"
  echo "$CACHE_DIR/$1"
}

case "${1:-}" in
  build) cmd_build ;;
  path) cmd_path "${2:-}" ;;
  *) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
