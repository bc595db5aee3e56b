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
TOOL=helm MODULE=helm.sh/helm/v3 USAGE_LINES=14
PACKAGE=$MODULE/cmd/helm
# shellcheck source=go_tool.sh
source "$SCRIPT_DIR/go_tool.sh"

# As helm's Makefile does: the version, and the Kubernetes version that lint
# and template assume, from the client-go it is built with.
tool_ldflags() {
  local kver; kver=$(cd "$MOD_DIR" && "$1" list -m -f '{{.Version}}' k8s.io/client-go)
  local kminor=${kver#v0.}; kminor=${kminor%%.*}
  local flags="-s -w -X $MODULE/internal/version.version=$VERSION"
  flags+=" -X $MODULE/internal/version.gitTreeState=clean"
  local p
  for p in $MODULE/pkg/lint/rules $MODULE/pkg/chartutil; do
    flags+=" -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$kminor"
  done
  echo "$flags"
}
tool_describe() { "$1" version --short 2>&1; }

go_tool_init
go_tool_main "$@"
