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
TOOL=kubeseal MODULE=github.com/bitnami/sealed-secrets USAGE_LINES=18
PACKAGE=$MODULE/cmd/kubeseal
# shellcheck source=go_tool.sh
source "$SCRIPT_DIR/go_tool.sh"

tool_ldflags() { echo "-s -w -X main.VERSION=$VERSION"; }

cmd_crd() {
  local go; go=$(find_go)
  local dir; dir=$(cd "$MOD_DIR" && GOFLAGS=-mod=readonly "$go" list -m -f '{{.Dir}}' "$MODULE")
  local crd="$dir/helm/sealed-secrets/crds/bitnami.com_sealedsecrets.yaml"
  [ -f "$crd" ] || die "no CRD at $crd"
  echo "$crd"
}

go_tool_init
go_tool_main "$@"
