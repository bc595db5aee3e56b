#!/usr/bin/env bash
# The operator as users run it: `helm install` of charts/sealsync with the
# image of scripts/image.sh on a real node (scripts/node.sh), in a namespace
# that enforces Pod Security "restricted". Checks, each with a deadline (a
# bound on waiting, never a timing assertion):
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
#   6. `helm upgrade` to a new image tag (the same image re-tagged in the
#      node's containerd) while 200 SealedSecrets change twice: every Secret
#      ends with the last value, both Pods run the new tag
#   7. the leader crashes (SIGKILL of its container's process): nobody takes
#      the Lease before it expires, a replica takes it after, and what changed
#      meanwhile (50 SealedSecrets, 5 derived Secrets deleted) is all synced
#   8. a newer sealing key restored as a labelled Secret (the disaster-recovery
#      runbook) becomes the newest recipient; `sealctl reseal` through the
#      service proxy rewraps a SealedSecret to it (only that key opens it)
#   9. the operators' memory as their Pod sees it (the container's own cgroup
#      files), with the Pod's `resources`; the cgroup limit is the chart's
#  10. `helm uninstall` keeps the CRDs, SealedSecrets, keys and derived
#      Secrets; a reinstall uses the same keys (same recipients, no new key),
#      rewrites a Secret deleted meanwhile and opens a value sealed before
#  11. no Secret value (a canary in every one) in the operators' logs, the
#      Events or any status
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

pods_ready_with_tag() { # TAG: exactly two operator Pods, Running and Ready, on image tag TAG
  pods | jq -e --arg tag "$1" '(.items | length == 2) and all(.items[];
    .status.phase == "Running" and (.spec.containers[0].image | endswith(":" + $tag))
    and all(.status.containerStatuses[]?; .ready) and (.status.containerStatuses | length == 1))'
}
leader_on_tag() { # TAG: the Lease holder's Pod runs image tag TAG
  local h; h=$(holder); [ -n "$h" ] || return 1
  pods | jq -e --arg p "${h%_*}" --arg tag "$1" \
    '[.items[] | select(.metadata.name == $p) | .spec.containers[0].image | endswith(":" + $tag)] == [true]'
}
secret_is() { # NAME VALUE: Secret $TEAM/NAME holds password VALUE
  [ "$(k get Secret "$TEAM" "$1" 2>/dev/null | jq -r '.data.password' | base64 -d)" = "$2" ]
}
# Every Secret value of this test holds it: step 11 looks for it where no
# value may ever be (logs, Events, status).
CANARY=c4n4ry$RANDOM$RANDOM$RANDOM

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
pid_of_pod() { # POD: the operator process of that Pod (its HOSTNAME)
  local p
  for p in $(op_pids); do
    tr '\0' '\n' < "/proc/$p/environ" | grep -qx "HOSTNAME=$1" && { echo "$p"; return; }
  done
}
leader_exists() { test -n "$(holder)"; }
eventually 30 "a leader holds Lease sealsync-leader" leader_exists
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
  eventually 30 "Secret $TEAM/$1 from its SealedSecret" secret_is "$1" "$2"
}
t=$SECONDS
DB_VALUE=db-$CANARY
seal_and_check db "$DB_VALUE"
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
seal_and_check after-failover "after-$CANARY"
say "5. leader $old_pod deleted: $(holder) leads after ${took}s and syncs a new SealedSecret"

eventually 60 "two Ready operator Pods again after the delete" pods_ready_with_tag dev


# ------------------------------------ helm upgrade while 200 SealedSecrets change ---
CHURN=team-churn
N=200
printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n' "$CHURN" > "$work/churn-ns.yaml"
k apply "$work/churn-ns.yaml" >/dev/null
churn_value() { echo "canary-$CANARY-$1-$2"; }   # VERSION INDEX
churn_seal() { # VERSION FIRST LAST: one sealctl run seals the whole stream
  local v=$1 i
  for ((i = $2; i <= $3; i++)); do
    printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: churn-%03d\n  namespace: %s\ntype: Opaque\nstringData:\n  password: %s\n' \
      "$i" "$CHURN" "$(churn_value "$v" "$i")"
  done > "$work/churn-$v.plain.yaml"
  X "$SEALCTL" seal --kubeconfig "$KC" -f "$work/churn-$v.plain.yaml" > "$work/churn-$v.yaml" ||
    fail "sealctl seal of $v"
  [ "$(grep -c '^kind: SealedSecret' "$work/churn-$v.yaml")" = $(($3 - $2 + 1)) ] ||
    fail "sealctl seal of $v: wrong number of SealedSecrets"
}
expect() { # VERSION FIRST LAST: the expected password of those Secrets becomes VERSION's
  local i
  for ((i = $2; i <= $3; i++)); do EXPECTED[$(printf 'churn-%03d' "$i")]=$(churn_value "$1" "$i"); done
}
declare -A EXPECTED
expected_json() {
  local n
  for n in "${!EXPECTED[@]}"; do printf '%s\t%s\n' "$n" "${EXPECTED[$n]}"; done |
    jq -R -n '[inputs | split("\t") | {(.[0]): .[1]}] | add'
}
churn_wrong() { # how many of the N Secrets are missing or hold another value
  api "/api/v1/namespaces/$CHURN/secrets" |
    jq --slurpfile want "$work/expected.json" '
      ([.items[] | {(.metadata.name): (.data.password // "" | @base64d)}] | add // {}) as $have
      | [$want[0] | to_entries[] | select($have[.key] != .value)] | length'
}
churn_correct() { [ "$(churn_wrong)" = 0 ]; }
t=$SECONDS
for v in v1 v2 v3; do churn_seal "$v" 1 $N; done
churn_seal v4 1 50
say "6. sealed ${N}x3 + 50 Secrets (four sealctl runs) in $((SECONDS - t))s"
t=$SECONDS
k apply "$work/churn-v1.yaml" >/dev/null
expect v1 1 $N; expected_json > "$work/expected.json"
eventually 120 "$N Secrets from their SealedSecrets (v1)" churn_correct
say "6. $N SealedSecrets applied and synced in $((SECONDS - t))s"

CTR=(ctr --address "$STATE/containerd/containerd.sock" -n k8s.io)
X "${CTR[@]}" images tag docker.io/sealsync/operator:dev docker.io/sealsync/operator:dev2 >/dev/null ||
  fail "ctr images tag operator:dev operator:dev2"
t=$SECONDS
X "$HELM" upgrade sealsync "$ROOT/charts/sealsync" --kubeconfig "$KC" -n "$NS" --reuse-values \
  --set image.tag=dev2 --wait --timeout 180s > "$work/upgrade.log" 2>&1 &
upgrade=$!
k apply "$work/churn-v2.yaml" >/dev/null
new_pod_exists() { pods | jq -e '[.items[] | select(.spec.containers[0].image | endswith(":dev2"))] | length > 0'; }
eventually 60 "a Pod with image tag dev2 (the rollout started)" new_pod_exists
during=$(pods | jq -r '[.items[] | .spec.containers[0].image | split(":")[-1]] | group_by(.) |
  map("\(length) :\(.[0])") | join(", ")')
k apply "$work/churn-v3.yaml" >/dev/null
wait "$upgrade" || { cat "$work/upgrade.log" >&2; fail "helm upgrade to image tag dev2"; }
expect v3 1 $N; expected_json > "$work/expected.json"
eventually 120 "$N Secrets with their last value (v3) after the upgrade" churn_correct
eventually 90 "both Pods on image tag dev2, the old ones gone" pods_ready_with_tag dev2
eventually 30 "a dev2 Pod leads" leader_on_tag dev2
say "6. helm upgrade to image tag dev2 while $N SealedSecrets changed twice (second change applied with Pods: $during): all $N Secrets correct, both Pods on dev2, $((SECONDS - t))s"

# ------------------------------------------------------ leader crash (SIGKILL) ---
lease() { api "/apis/coordination.k8s.io/v1/namespaces/$NS/leases/sealsync-leader"; }
old=$(holder)
pid=$(pid_of_pod "${old%_*}")
[ -n "$pid" ] || fail "no process for the leader Pod ${old%_*}"
restarts_before=$(pods | jq --arg p "${old%_*}" '.items[] | select(.metadata.name == $p) | .status.containerStatuses[0].restartCount')
t=$SECONDS
kill -KILL "$pid"
# A SIGKILLed process renews nothing more: the Lease as read now holds its last renewal.
crashed=$(lease)
last_renew=$(jq -r '.spec.renewTime' <<<"$crashed")
duration=$(jq -r '.spec.leaseDurationSeconds' <<<"$crashed")
# meanwhile, with no leader: 50 SealedSecrets change, 5 derived Secrets are deleted
k apply "$work/churn-v4.yaml" >/dev/null
for i in 101 102 103 104 105; do
  api "/api/v1/namespaces/$CHURN/secrets/churn-$i" -X DELETE >/dev/null || fail "delete Secret churn-$i"
done
changed_while=$(jq -r '.spec.holderIdentity' <<<"$(lease)")
new_holder() { local h; h=$(holder); [ -n "$h" ] && [ "$h" != "$old" ]; }
eventually $((4 * duration)) "a replica takes Lease sealsync-leader after the leader's crash" new_holder
took=$((SECONDS - t))
taken=$(lease)
acquired=$(jq -r '.spec.acquireTime' <<<"$taken")
gap=$(awk -v a="$(date -d "$acquired" +%s.%N)" -v r="$(date -d "$last_renew" +%s.%N)" 'BEGIN { printf "%.1f", a - r }')
awk -v g="$gap" -v d="$duration" 'BEGIN { exit !(g >= d) }' ||
  fail "Lease taken ${gap}s after the crashed leader's last renewal, before it expired (${duration}s)"
[ "$changed_while" = "$old" ] || say "7. note: the Lease moved before the changes were all applied"
expect v4 1 50; expected_json > "$work/expected.json"
eventually 120 "the changes made while leaderless are synced (50 changed, 5 rewritten)" churn_correct
eventually 90 "the crashed container restarted and both Pods Ready" pods_ready_with_tag dev2
restarts_after=$(pods | jq --arg p "${old%_*}" '.items[] | select(.metadata.name == $p) | .status.containerStatuses[0].restartCount')
[ "$restarts_after" -gt "$restarts_before" ] || fail "the killed container did not restart"
say "7. leader ${old%_*} SIGKILLed: $(holder) took the Lease ${gap}s after the last renewal (lease ${duration}s; ${took}s after the kill), 50 changes and 5 deleted Secrets made while leaderless all synced; the killed container restarted"

# ------------------------------------------- sealctl reseal to a restored newer key ---
"$SEALCTL" keygen -o "$work/restored.txt" >/dev/null 2>&1 || fail "sealctl keygen"
restored=$("$SEALCTL" recipient -i "$work/restored.txt")
cat > "$work/restored-key.yaml" <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: sealsync-key-restored
  namespace: $NS
  labels: {sealsync.dev/sealing-key: "true"}
  annotations: {sealsync.dev/created: "$(date -u +%Y-%m-%dT%H:%M:%SZ)"}
type: Opaque
stringData:
  identity.txt: |
$(sed 's/^/    /' "$work/restored.txt")
EOF
k apply "$work/restored-key.yaml" >/dev/null
newest_recipient() { X "$SEALCTL" seal --kubeconfig "$KC" --fetch-recipients | awk '/^age1/ && !n++'; }
restored_is_newest() { [ "$(newest_recipient)" = "$restored" ]; }
eventually 60 "the restored key becomes the newest recipient" restored_is_newest
X "$SEALCTL" reseal --kubeconfig "$KC" -f "$work/db.sealed.yaml" > "$work/db.resealed.yaml" ||
  fail "sealctl reseal through the service proxy"
"$SEALCTL" unseal -f "$work/db.resealed.yaml" -i "$work/restored.txt" -o json 2>/dev/null |
  jq -e --arg v "$DB_VALUE" '.data.password | @base64d == $v' >/dev/null ||
  fail "the resealed value does not open with the restored key"
first_key=$(api "/api/v1/namespaces/$NS/secrets?labelSelector=sealsync.dev/sealing-key" |
  jq -r '[.items[] | select(.metadata.name != "sealsync-key-restored")][0].data["identity.txt"] | @base64d')
printf '%s\n' "$first_key" > "$work/first.txt"
if "$SEALCTL" unseal -f "$work/db.resealed.yaml" -i "$work/first.txt" >/dev/null 2>&1; then
  fail "the resealed value still opens with the first key"
fi
k apply "$work/db.resealed.yaml" >/dev/null
db_synced() { secret_is db "$DB_VALUE" && k get SealedSecret "$TEAM" db | jq -e '.status.conditions[0].status == "True"'; }
eventually 30 "the resealed SealedSecret keeps its Secret" db_synced
say "8. restored key is the newest recipient; sealctl reseal through the service proxy rewrapped db to it (the first key no longer opens it); applied, Secret unchanged"

# ---------------------------------------------------------------- memory ---
# Read from inside each container: /proc/PID/root/sys/fs/cgroup is the
# cgroup filesystem runc mounts for the container, i.e. what the Pod sees.
limit_want=$(pods | jq -r '.items[0].spec.containers[0].resources.limits.memory')
resources=$(pods | jq -c '.items[0].spec.containers[0].resources')
for p in $(op_pids); do
  root=/proc/$p/root/sys/fs/cgroup
  pod=$(tr '\0' '\n' < "/proc/$p/environ" | sed -n 's/^HOSTNAME=//p')
  if [ -f "$root/memory.current" ]; then     # cgroup v2
    usage=$(cat "$root/memory.current"); peak=$(cat "$root/memory.peak" 2>/dev/null || echo 0)
    limit=$(cat "$root/memory.max"); anon=$(awk '$1 == "anon" { print $2 }' "$root/memory.stat")
  else                                       # cgroup v1
    usage=$(cat "$root/memory/memory.usage_in_bytes"); peak=$(cat "$root/memory/memory.max_usage_in_bytes")
    limit=$(cat "$root/memory/memory.limit_in_bytes"); anon=$(awk '$1 == "total_rss" { print $2 }' "$root/memory/memory.stat")
  fi
  [ "$limit" = max ] && limit=0
  case $limit_want in
    *Mi) [ "$limit" = $((${limit_want%Mi} * 1048576)) ] || fail "pod $pod: cgroup limit $limit, resources say $limit_want" ;;
  esac
  rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$p/status")
  role=standby; [ "${pod}" = "$(holder | sed 's/_[^_]*$//')" ] && role=leader
  say "9. $pod ($role): cgroup memory $((usage / 1048576)) MiB (peak $((peak / 1048576)) MiB, anonymous $((anon / 1048576)) MiB) of limit $((limit / 1048576)) MiB; process RSS $((rss / 1024)) MiB; resources $resources"
done

# The operator containers' log files (kubelet removes a Pod's with the Pod, so
# they are read before the uninstall and again at the end): no canary.
LOG_FILES_CHECKED=0
check_logs_for_canary() {
  local files
  mapfile -t files < <(find "$STATE/pod-logs" -type f -path "*/${NS}_sealsync-*" 2>/dev/null)
  [ ${#files[@]} -gt 0 ] || fail "no operator container logs under $STATE/pod-logs to check"
  if grep -lF -- "$CANARY" "${files[@]}" >&2; then fail "a Secret value (the canary) in the log files above"; fi
  LOG_FILES_CHECKED=$((LOG_FILES_CHECKED + ${#files[@]}))
}
check_logs_for_canary

# ---------------------------------------------- helm uninstall and reinstall ---
keys() { api "/api/v1/namespaces/$NS/secrets?labelSelector=sealsync.dev/sealing-key" | jq -r '[.items[].metadata.name] | sort | join(",")'; }
recipients() { X "$SEALCTL" seal --kubeconfig "$KC" --fetch-recipients | grep '^age1' | tr '\n' ,; }
keys_before=$(keys); recipients_before=$(recipients)
cat > "$work/later.yaml" <<EOF
apiVersion: v1
kind: Secret
metadata: {name: later, namespace: $TEAM}
type: Opaque
stringData: {password: later-$CANARY}
EOF
X "$SEALCTL" seal --kubeconfig "$KC" -f "$work/later.yaml" > "$work/later.sealed.yaml" || fail "sealctl seal later"
t=$SECONDS
X "$HELM" uninstall sealsync --kubeconfig "$KC" -n "$NS" --wait --timeout 120s >/dev/null || fail "helm uninstall"
no_pods() { pods | jq -e '.items | length == 0'; }
eventually 60 "the operator Pods gone after helm uninstall" no_pods
gone=$((SECONDS - t))
api "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/sealedsecrets.sealsync.dev" >/dev/null ||
  fail "CRD sealedsecrets.sealsync.dev removed by helm uninstall"
n=$(api "/apis/sealsync.dev/v1alpha1/namespaces/$CHURN/sealedsecrets" | jq '.items | length')
[ "$n" = $N ] || fail "SealedSecrets after helm uninstall: $n, want $N"
[ "$(keys)" = "$keys_before" ] || fail "sealing keys after helm uninstall: $(keys), want $keys_before"
churn_correct || fail "$(churn_wrong) derived Secrets missing or changed after helm uninstall"
api "/api/v1/namespaces/$CHURN/secrets/churn-200" -X DELETE >/dev/null || fail "delete Secret churn-200"
X "$HELM" install sealsync "$ROOT/charts/sealsync" --kubeconfig "$KC" -n "$NS" \
  --set image.tag=dev2 --set image.pullPolicy=Never --set logFormat=json \
  --wait --timeout 120s >/dev/null || fail "helm install again"
ready_again=$((SECONDS - t))
eventually 30 "a leader after the reinstall" leader_exists
[ "$(recipients)" = "$recipients_before" ] || fail "recipients changed by the reinstall"
[ "$(keys)" = "$keys_before" ] || fail "sealing keys after the reinstall: $(keys), want $keys_before"
eventually 60 "the Secret deleted while uninstalled is written again" churn_correct
k apply "$work/later.sealed.yaml" >/dev/null
eventually 30 "a value sealed before the uninstall opens after the reinstall" secret_is later "later-$CANARY"
say "10. helm uninstall kept the CRDs, $N SealedSecrets, $(tr ',' '\n' <<<"$keys_before" | wc -l) keys and the Secrets; reinstall: same recipients, no new key, deleted Secret rewritten, an earlier sealed value opened (Pods gone ${gone}s after the uninstall began, Ready again at ${ready_again}s, all checked at $((SECONDS - t))s)"

# ----------------------------------------------------------------- canary ---
check_logs_for_canary
leaks=0
events=$(api "/api/v1/events?limit=5000")
[ "$(jq '.items | length' <<<"$events")" -gt 0 ] || fail "no Events to check"
grep -qF -- "$CANARY" <<<"$events" && { say "canary in an Event"; leaks=1; }
for kind in sealedsecrets externalsecrets; do
  statuses=$(api "/apis/sealsync.dev/v1alpha1/$kind" | jq -c '[.items[].status]')
  grep -qF -- "$CANARY" <<<"$statuses" && { say "canary in a $kind status"; leaks=1; }
done
[ $leaks = 0 ] || fail "a Secret value leaked"
say "11. no Secret value (canary) in the operators' log files ($LOG_FILES_CHECKED read), $(jq '.items | length' <<<"$events") Events or any status"
say "PASS in $((SECONDS - T0))s"
