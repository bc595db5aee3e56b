#!/usr/bin/env bash
# The peers the benchmarks run beside sealsync, built from the Go modules
# pinned in bench/peers/go.mod (Bitnami sealed-secrets v0.40.0, the module
# kubeseal comes from: scripts/kubeseal.sh): its controller, and
# bitnamicrypto, a tiny program that times its per-value seal and unseal;
# and in bench/eso/go.mod (External Secrets Operator, one module with every
# provider): its controller. Modules of their own, so that the kubeseal
# binary's build stamp (shared by every checkout through the cache) does not
# change with the bench's needs, and ESO's dependencies do not move
# Bitnami's.
#
#   peers.sh build          build (or reuse) Bitnami's two binaries
#   peers.sh build-eso      build (or reuse) ESO's controller
#   peers.sh path NAME      print the path of controller | bitnamicrypto | eso
#   peers.sh eso-crds       print the path of ESO's CRD bundle (its module's
#                           deploy/crds/bundle.yaml)
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

# version_of MODULE GOMOD: the version GOMOD requires.
version_of() {
  awk -v m="$1" '{ for (i = 1; i < NF; i++) if ($i == m && $(i + 1) ~ /^v/) { print $(i + 1); exit } }' "$2"
}
VERSION=$(version_of "$MODULE" "$MOD_DIR/go.mod")
[ -n "$VERSION" ] || die "cannot read the $MODULE version from $MOD_DIR/go.mod"
CACHE_ROOT=${SEALSYNC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sealsync}
CACHE_DIR=$CACHE_ROOT/bench-peers/$VERSION
ESO_DIR=$SCRIPT_DIR/eso
ESO_MODULE=github.com/external-secrets/external-secrets
ESO_VERSION=$(version_of "$ESO_MODULE" "$ESO_DIR/go.mod")
[ -n "$ESO_VERSION" ] || die "cannot read the $ESO_MODULE version from $ESO_DIR/go.mod"
ESO_CACHE=$CACHE_ROOT/bench-peers/eso-$ESO_VERSION

# shellcheck source=../scripts/go_tool.sh
source "$SCRIPT_DIR/../scripts/go_tool.sh"

stamp() { { build_stamp; cat "$MOD_DIR"/bitnamicrypto/*.go; } | sha256sum | cut -c1-16; }

have_cached() {
  [ -x "$CACHE_DIR/controller" ] && [ -x "$CACHE_DIR/bitnamicrypto" ] &&
    [ "$(cat "$CACHE_DIR/.stamp" 2>/dev/null)" = "$(stamp)" ]
}

# locked_build DIR IS_CACHED STAMP BUILD: under DIR's lock, unless IS_CACHED
# says DIR is current, runs BUILD TMP (it leaves its files in TMP), moves
# them into DIR and records STAMP's output as DIR/.stamp.
locked_build() {
  local dir=$1 cached=$2 stamp_fn=$3 build=$4
  mkdir -p "$dir"
  exec 9>"$dir/.lock"
  flock 9
  if "$cached"; then log "cached: $dir"; return 0; fi
  local tmp; tmp=$(mktemp -d "$dir/.build.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  local t0=$SECONDS
  "$build" "$tmp"
  mv -f "$tmp"/* "$dir/"
  "$stamp_fn" > "$dir/.stamp"
  rm -rf "$tmp"; trap - EXIT
  log "built in $((SECONDS - t0))s"
}

build_bitnami() {
  local go; go=$(find_go)
  export GOFLAGS="${GOFLAGS:+$GOFLAGS }-trimpath -mod=readonly" CGO_ENABLED=0
  log "building the sealed-secrets $VERSION controller and bitnamicrypto into $CACHE_DIR"
  (cd "$MOD_DIR" &&
    "$go" build -p 2 -ldflags "-s -w -X main.VERSION=$VERSION" -o "$1/controller" "$MODULE/cmd/controller" &&
    "$go" build -p 2 -o "$1/bitnamicrypto" ./bitnamicrypto) >&2 || die "go build failed"
}

eso_stamp() { MOD_DIR=$ESO_DIR build_stamp; }
eso_cached() {
  [ -x "$ESO_CACHE/eso" ] && [ -f "$ESO_CACHE/bundle.yaml" ] &&
    [ "$(cat "$ESO_CACHE/.stamp" 2>/dev/null)" = "$(eso_stamp)" ]
}

# ESO's controller is its module's root package (main.go -> cmd); its CRDs
# come from the same module. GOFLAGS=-mod=mod lets a build on a new pin
# fill go.mod and go.sum (then committed).
build_eso() {
  local go; go=$(find_go)
  export GOFLAGS="${GOFLAGS:+$GOFLAGS }-trimpath -mod=mod" CGO_ENABLED=0
  log "building the external-secrets $ESO_VERSION controller into $ESO_CACHE"
  (cd "$ESO_DIR" &&
    "$go" build -p 2 -ldflags "-s -w" -o "$1/eso" "$ESO_MODULE") >&2 || die "go build failed"
  local src; src=$(cd "$ESO_DIR" && "$go" list -m -f '{{.Dir}}' "$ESO_MODULE")
  cp "$src/deploy/crds/bundle.yaml" "$1/bundle.yaml" || die "no deploy/crds/bundle.yaml in $src"
}

cmd_path() {
  case "${1:-}" in
    controller|bitnamicrypto)
      have_cached || die "not built; run: bash bench/peers.sh build"
      echo "$CACHE_DIR/$1" ;;
    eso)
      eso_cached || die "not built; run: bash bench/peers.sh build-eso"
      echo "$ESO_CACHE/eso" ;;
    *) die "path controller|bitnamicrypto|eso" ;;
  esac
}

case "${1:-}" in
  build) locked_build "$CACHE_DIR" have_cached stamp build_bitnami ;;
  build-eso) locked_build "$ESO_CACHE" eso_cached eso_stamp build_eso ;;
  path) cmd_path "${2:-}" ;;
  eso-crds)
    eso_cached || die "not built; run: bash bench/peers.sh build-eso"
    echo "$ESO_CACHE/bundle.yaml" ;;
  *) sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
