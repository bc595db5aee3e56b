#!/bin/bash
# The module layers are enforced by the build (docs/headers.md, "Who may
# include what"): compiles a one-line probe with the exact compile command of
# a real source of a module and checks that a header the module may not use
# does not compile there, and one it may use does.
#   include_layers_test.sh BUILD_DIR     (a Ninja build tree)
set -u
build=$1
probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT
failures=0

# probe SOURCE HEADER allowed|refused: SOURCE is a path under the source
# root whose compile command is borrowed.
probe() {
  local source=$1 header=$2 want=$3 cmd
  cmd=$(ninja -C "$build" -t commands 2>/dev/null | grep -m1 -- "-c [^ ]*/$source\$")
  if [ -z "$cmd" ]; then
    echo "FAIL: no compile command for $source in $build"
    failures=$((failures + 1))
    return
  fi
  printf '#include "%s"\n' "$header" >"$probe_dir/probe.cc"
  cmd=$(printf '%s' "$cmd" | sed -e "s# -o [^ ]*# -o $probe_dir/probe.o#" \
    -e "s# -c [^ ]*/$source\$# -c $probe_dir/probe.cc#" \
    -e 's# -MD -MT [^ ]* -MF [^ ]*##' -e 's#^[^ ]*ccache ##')
  local got=other
  if (cd "$build" && eval "$cmd") >"$probe_dir/out" 2>&1; then
    got=allowed
  elif grep -q "$header: No such file or directory" "$probe_dir/out"; then
    got=refused  # not found on this module's include paths, nothing else
  fi
  if [ "$got" != "$want" ]; then
    echo "FAIL: $source including $header: $got, expected $want"
    sed -n 1,3p "$probe_dir/out"
    failures=$((failures + 1))
  else
    echo "ok: $source including $header: $got"
  fi
}

# sealctl: the public headers and the shared HTTP transport, never the kube
# client's internals, the vault's or the operator's.
probe sealctl/scan/scanner.cc lib/http/transport.h allowed
probe sealctl/scan/scanner.cc sealsync/kube.h allowed
probe sealctl/scan/scanner.cc lib/kube/client_impl.h refused
probe sealctl/scan/scanner.cc lib/vault/infisical_client.h refused
probe sealctl/scan/scanner.cc operator/own_writes.h refused
# The operator: the controller core of lib/kube, not its client internals,
# not sealctl's.
probe operator/own_writes.cc lib/kube/watcher.h allowed
probe operator/own_writes.cc lib/kube/client_impl.h refused
probe operator/own_writes.cc sealctl/scan/scanner.h refused
# The vault client: lib/http, not the kube client nor the operator.
probe lib/vault/list_cache.cc lib/http/transport.h allowed
probe lib/vault/list_cache.cc lib/kube/watcher.h refused
probe lib/vault/list_cache.cc operator/own_writes.h refused

[ "$failures" -eq 0 ] || { echo "$failures layer check(s) failed"; exit 1; }
echo "every layer check passed"
