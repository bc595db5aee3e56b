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
TOOL=gitleaks MODULE=github.com/zricethezav/gitleaks/v8 USAGE_LINES=14
PACKAGE=$MODULE
# shellcheck source=go_tool.sh
source "$SCRIPT_DIR/go_tool.sh"

tool_ldflags() { echo "-s -w -X $MODULE/version.Version=$VERSION"; }

go_tool_init
go_tool_main "$@"
