#!/usr/bin/env bash
# The operator as users run it: `helm install` of charts/sealsync with the
# image of scripts/image.sh on a real node (scripts/node.sh), in a namespace
# that enforces Pod Security "restricted". Checks, each with a deadline:
#   1. both replicas Ready, admitted by Pod Security restricted; the
#      PodDisruptionBudget counts them
#   2. each operator process runs as uid/gid 65532, no capabilities, no new
#      privileges, seccomp filter, read-only root filesystem
#   3. in-cluster config: KUBERNETES_SERVICE_HOST=10.0.0.1 (the kubernetes
#      Service through kube-proxy), the ServiceAccount token, no kubeconfig
#   4. a SealedSecret sealed with `sealctl seal` (recipients fetched from the
#      cluster) becomes its Secret; `sealctl verify` answers through the API
#      server's service proxy
#   5. the leader Pod deleted: the standby takes the Lease and syncs a new
#      SealedSecret
#   6. reports the operators' memory as their cgroup sees it
#
# Run by CTest (label node) or by hand as root:
#   SEALCTL=build/sealctl/sealctl KAPPLY=build/tests/tools/kapply bash tests/node/node_test.sh
# Missing prerequisites skip (exit 77), except with CI=true: then they fail.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
SEALCTL=${SEALCTL:-$BUILD/sealctl/sealctl}
KAPPLY=${KAPPLY:-$BUILD/tests/tools/kapply}
STATE=${SEALSYNC_NODE_STATE:-$BUILD/node-state}
NS=sealsync-system
TEAM=team-node
T0=$SECONDS

say() { printf '[node_test %3ds] %s\n' "$((SECONDS - T0))" "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
missing() { # a prerequisite is missing: skip, or fail in CI
  if [ "${CI:-}" = true ]; then fail "prerequisite missing (CI=true): $*"; fi
  say "SKIP: $*"; exit 77
}

# ------------------------------------------------------------ prerequisites ---
[ "$(id -u)" = 0 ] || missing "needs root (network namespace, mounts, cgroups)"
for t in containerd runc ctr iptables nsenter jq curl gcc; do
  command -v "$t" >/dev/null || missing "$t not installed (bash scripts/setup.sh)"
done
[ -x /usr/lib/cni/bridge ] || missing "CNI plugins not installed (bash scripts/setup.sh)"
[ -x "$SEALCTL" ] || missing "no sealctl at $SEALCTL"
[ -x "$KAPPLY" ] || missing "no kapply at $KAPPLY"
[ -x "$BUILD/operator/sealsync-operator" ] || missing "no operator in $BUILD"
HELM=$(bash "$ROOT/scripts/helm.sh" path 2>/dev/null) || missing "helm not built (bash scripts/helm.sh build)"
bash "$ROOT/scripts/controlplane.sh" build --node >/dev/null 2>&1 ||
  missing "kubelet/kube-proxy/kube-scheduler not built (bash scripts/controlplane.sh build --node)"

# ---------------------------------------------------------------- the node ---
IMAGES=$BUILD/node-images
BUILD_DIR=$BUILD bash "$ROOT/scripts/image.sh" build "$IMAGES" >/dev/null
if [ -f "$STATE/.sealsync-node" ]; then bash "$ROOT/scripts/node.sh" stop "$STATE" || true; fi
rm -rf "$STATE"
work=$(mktemp -d)
cleanup() {
  local rc=$?
  if [ $rc -ne 0 ] && [ -f "$STATE/.sealsync-node" ]; then
    say "operator logs:"
    for p in $(pods | jq -r '.items[].metadata.name' 2>/dev/null); do
      api "/api/v1/namespaces/$NS/pods/$p/log?tailLines=20" >&2 || true
    done
  fi
  bash "$ROOT/scripts/node.sh" stop "$STATE" >/dev/null 2>&1 || true
  rm -rf "$work"
  say "done (exit $rc)"
}
trap cleanup EXIT
t=$SECONDS
KC=$(SEALSYNC_IMAGES=$IMAGES bash "$ROOT/scripts/node.sh" start "$STATE")
say "node Ready in $((SECONDS - t))s"

X() { bash "$ROOT/scripts/node.sh" exec "$STATE" "$@"; }
api() { # PATH [curl args]: the API server as admin, from inside the node
  local p=$1; shift
  X curl -sS --fail-with-body --max-time 10 --cacert "$STATE/cp/pki/ca.crt" \
    -H "Authorization: Bearer $(cat "$STATE/cp/admin.token")" "$@" \
    "https://127.0.0.1:$(cat "$STATE/cp/apiserver.port")$p"
}
k() { X "$KAPPLY" --kubeconfig "$KC" "$@"; }
pods() { api "/api/v1/namespaces/$NS/pods?labelSelector=app.kubernetes.io/name=sealsync"; }
eventually() { # SECONDS DESCRIPTION CMD...: poll CMD every 0.25 s until it succeeds
  local limit=$1 what=$2 deadline=$((SECONDS + $1)); shift 2
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || fail "$what: not within ${limit}s"
    sleep 0.25
  done
}

# ------------------------------------------------------------ helm install ---
cat > "$work/ns.yaml" <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $NS
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
---
apiVersion: v1
kind: Namespace
metadata:
  name: $TEAM
EOF
k apply "$work/ns.yaml" >/dev/null
t=$SECONDS
X "$HELM" install sealsync "$ROOT/charts/sealsync" --kubeconfig "$KC" -n "$NS" \
  --set image.tag=dev --set image.pullPolicy=Never --set logFormat=json \
  --wait --timeout 120s >/dev/null || fail "helm install"
say "1. helm install --wait: both replicas Ready in $((SECONDS - t))s (Pod Security restricted admitted them)"
ready=$(pods | jq '[.items[] | select(.status.phase == "Running") |
  select(all(.status.containerStatuses[]; .ready))] | length')
[ "$ready" = 2 ] || fail "want 2 Ready operator Pods, have $ready"
restarts=$(pods | jq '[.items[].status.containerStatuses[].restartCount] | add')
[ "$restarts" = 0 ] || fail "operator containers restarted $restarts times"
pdb_allows_one() {
  api "/apis/policy/v1/namespaces/$NS/poddisruptionbudgets/sealsync" |
    jq -e '.status.currentHealthy == 2 and .status.disruptionsAllowed == 1'
}
eventually 30 "PodDisruptionBudget sealsync: 2 healthy, 1 disruption allowed" pdb_allows_one

# ------------------------------------------------- what the processes run as ---
cg=$(cat "$STATE/cgroup")
op_pids() {
  local f p
  for f in /sys/fs/cgroup/pids/"$cg"; do find "$f" -name cgroup.procs -exec cat {} +; done |
    while read -r p; do [ "$(cat "/proc/$p/comm" 2>/dev/null)" = sealsync-operat ] && echo "$p"; done
}
mapfile -t PIDS < <(op_pids)
[ ${#PIDS[@]} = 2 ] || fail "want 2 operator processes in the node's cgroup, have ${#PIDS[@]}"
for p in "${PIDS[@]}"; do
  st=/proc/$p/status
  grep -Eq '^Uid:\s+65532\s+65532\s+65532\s+65532$' "$st" || fail "pid $p: $(grep Uid "$st")"
  grep -Eq '^Gid:\s+65532\s+65532\s+65532\s+65532$' "$st" || fail "pid $p: $(grep Gid "$st")"
  grep -Eq '^CapEff:\s+0+$' "$st" || fail "pid $p: $(grep CapEff "$st")"
  grep -Eq '^CapBnd:\s+0+$' "$st" || fail "pid $p: $(grep CapBnd "$st")"
  grep -Eq '^NoNewPrivs:\s+1$' "$st" || fail "pid $p: $(grep NoNewPrivs "$st")"
  grep -Eq '^Seccomp:\s+2$' "$st" || fail "pid $p: $(grep Seccomp "$st")"
  awk '$5 == "/" { split($6, o, ","); print o[1] }' "/proc/$p/mountinfo" | grep -qx ro ||
    fail "pid $p: root filesystem is not read-only"
done
say "2. both operators: uid/gid 65532, CapEff/CapBnd 0, NoNewPrivs, seccomp filter, read-only root"

# ------------------------------------------------------- in-cluster config ---
for p in "${PIDS[@]}"; do
  tr '\0' '\n' < "/proc/$p/environ" | grep -qx 'KUBERNETES_SERVICE_HOST=10.0.0.1' ||
    fail "pid $p: KUBERNETES_SERVICE_HOST is not 10.0.0.1"
  tr '\0' '\n' < "/proc/$p/cmdline" | grep -q -- '--kubeconfig' && fail "pid $p runs with --kubeconfig"
  [ -s "/proc/$p/root/var/run/secrets/kubernetes.io/serviceaccount/token" ] ||
    fail "pid $p: no ServiceAccount token"
done
holder() { api "/apis/coordination.k8s.io/v1/namespaces/$NS/leases/sealsync-leader" |
  jq -r '.spec.holderIdentity // ""'; }
eventually 30 "a leader holds Lease sealsync-leader" test -n "$(holder)"
say "3. in-cluster config through 10.0.0.1 with the ServiceAccount token; leader $(holder)"

# ------------------------------------------------- SealedSecret -> Secret ---
seal_and_check() { # NAME VALUE
  cat > "$work/$1.yaml" <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: $1
  namespace: $TEAM
type: Opaque
stringData:
  password: $2
EOF
  X "$SEALCTL" seal --kubeconfig "$KC" -f "$work/$1.yaml" > "$work/$1.sealed.yaml" ||
    fail "sealctl seal $1"
  k apply "$work/$1.sealed.yaml" >/dev/null
  secret_is() { [ "$(k get Secret "$TEAM" "$1" 2>/dev/null | jq -r '.data.password' | base64 -d)" = "$2" ]; }
  eventually 30 "Secret $TEAM/$1 from its SealedSecret" secret_is "$1" "$2"
}
t=$SECONDS
seal_and_check db "node-test-$RANDOM$RANDOM"
X "$SEALCTL" verify --kubeconfig "$KC" -f "$work/db.sealed.yaml" 2>&1 | grep -q '^ok:' ||
  fail "sealctl verify through the service proxy"
say "4. SealedSecret -> Secret in $((SECONDS - t))s; sealctl verify through the service proxy: ok"

# ---------------------------------------------------------- leader failover ---
old=$(holder); old_pod=${old%_*}
t=$SECONDS
api "/api/v1/namespaces/$NS/pods/$old_pod" -X DELETE >/dev/null || fail "delete $old_pod"
new_leader() { local h; h=$(holder); [ -n "$h" ] && [ "$h" != "$old" ] && [ "${h%_*}" != "$old_pod" ]; }
eventually 40 "the standby takes Lease sealsync-leader (lease 15s)" new_leader
took=$((SECONDS - t))
seal_and_check after-failover "after-$RANDOM$RANDOM"
say "5. leader $old_pod deleted: $(holder) leads after ${took}s and syncs a new SealedSecret"

# ---------------------------------------------------------------- memory ---
for p in $(op_pids); do
  rel=$(awk -F: '$2 == "memory" { print $3 }' "/proc/$p/cgroup")
  usage=$(cat "/sys/fs/cgroup/memory$rel/memory.usage_in_bytes")
  limit=$(cat "/sys/fs/cgroup/memory$rel/memory.limit_in_bytes")
  rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$p/status")
  say "6. operator pid $p: cgroup memory $((usage / 1048576)) MiB (limit $( [ "$limit" -gt 1099511627776 ] && echo none || echo "$((limit / 1048576)) MiB")), RSS $((rss / 1024)) MiB"
done
say "PASS in $((SECONDS - T0))s"
