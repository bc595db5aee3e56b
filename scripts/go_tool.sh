# Sourced by the scripts that build test tools from Go modules pinned in a
# wrapper module (controlplane.sh, helm.sh); Go never builds product code.
# The sourcing script defines MOD_DIR (the wrapper module's folder) and die.

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
