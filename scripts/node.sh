#!/usr/bin/env bash
# A real single-node Kubernetes cluster for the node tests, without Docker or a
# registry: the control plane of controlplane.sh plus kube-scheduler,
# containerd (Debian), kubelet, kube-proxy (iptables mode) and CNI bridge +
# host-local, all inside a network namespace (and a private mount namespace)
# that this script creates and removes. Images come from scripts/image.sh and
# are imported with `ctr images import`; nothing is pulled.
#
#   node.sh start [DIR]      start a node, print the kubeconfig path (valid inside the netns)
#   node.sh stop DIR         stop everything and remove DIR, the namespaces and cgroups
#   node.sh exec DIR CMD...  run CMD inside the node's network namespace (helm, curl, ...)
#   node.sh import DIR OCI_TAR...  import more images into the node's containerd
#   node.sh status DIR       the node and its Pods (one line each)
#
# Addresses (they exist only inside the namespace): node 192.0.2.1/24 on a
# veth pair, Pods 10.244.0.0/24 (of 10.244.0.0/16) on bridge cni0, Services
# 10.0.0.0/24 (kubernetes = 10.0.0.1 -> 192.0.2.1). The host's interfaces,
# routes and iptables are never touched.
#
# Needs root (namespaces, mounts, cgroups) and the Debian packages of
# scripts/setup.sh. Environment:
#   SEALSYNC_CACHE        cache root of the built binaries (see controlplane.sh)
#   SEALSYNC_IMAGES       folder of *.oci.tar to import (default build/images;
#                         pause.oci.tar must be there: bash scripts/image.sh build)
#   SEALSYNC_NODE_TIMEOUT seconds to wait for the node to be Ready (default 120)
#   SEALSYNC_NODE_KEEP    if set, a failed start leaves everything for a look
#
# Only the kubeconfig path goes to stdout (start); everything else to stderr.
set -euo pipefail

NODE_SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=controlplane.sh
source "$NODE_SCRIPT_DIR/controlplane.sh"   # build, launch, stop_proc, running, ...
ROOT=$(cd "$NODE_SCRIPT_DIR/.." && pwd)

log() { printf 'node: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

NODE_MARKER=.sealsync-node
NODE_NAME=sealsync-node
NODE_IP=192.0.2.1
POD_SUBNET=10.244.0.0/24
CLUSTER_CIDR=10.244.0.0/16
SERVICE_CIDR=10.0.0.0/24
PAUSE_IMAGE=docker.io/sealsync/pause:1
KCM_CONTROLLERS=garbagecollector,namespace,deployment,replicaset,disruption,podgc,endpoint,endpointslice,endpointslicemirroring,serviceaccount,nodelifecycle,root-ca-cert-publisher,ttl
CGROUP_V1=(blkio cpu cpuacct cpuset devices freezer memory pids systemd)

# ------------------------------------------------------------- namespaces ---

ns_name() { cat "$1/netns"; }
holder_pid() { cat "$1/pids/holder.pid"; }

# in_node DIR CMD...: CMD in the node's network and mount namespaces.
in_node() {
  local dir=$1; shift
  nsenter --target "$(holder_pid "$dir")" --net --mount --wd="$PWD" -- "$@"
}

# launch_node NAME DIR BIN ARGS...: a long-running process inside the node.
launch_node() {
  local name=$1 dir=$2; shift 2
  nohup nsenter --target "$(holder_pid "$dir")" --net --mount -- "$@" \
    >>"$dir/logs/$name.log" 2>&1 </dev/null &
  echo $! > "$dir/pids/$name.pid"
}

make_namespaces() { # DIR NETNS
  local dir=$1 ns=$2
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  # The kernel here has no dummy driver; a veth pair with both ends inside
  # the namespace gives the node an address and a default route.
  ip -n "$ns" link add node0 type veth peer name node1
  ip -n "$ns" addr add "$NODE_IP/24" dev node0
  ip -n "$ns" link set node1 up
  ip -n "$ns" link set node0 up
  ip -n "$ns" route add default dev node0
  ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
  # A private mount namespace (slave of the host's: host mounts still show,
  # the node's never leak out) held open by one sleeping process. Every node
  # process joins it, so kubelet's volume mounts are visible to runc, and
  # all the node's mounts vanish with it.
  nohup nsenter --net="/run/netns/$ns" unshare --mount --propagation slave -- \
    sleep infinity >/dev/null 2>&1 </dev/null &
  echo $! > "$dir/pids/holder.pid"
  local i
  for ((i = 0; i < 50; i++)); do
    [ "$(readlink "/proc/$!/ns/mnt" 2>/dev/null)" != "$(readlink /proc/self/ns/mnt)" ] && break
    sleep 0.1
  done
  [ "$(readlink "/proc/$!/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] ||
    die "the mount namespace holder did not start"
  # Fixed paths some parts use whatever their config says: private tmpfs.
  local p
  # /run/netns: where containerd binds Pods' network namespaces.
  for p in /run/containerd /var/lib/cni /run/netns; do
    mkdir -p "$p"
    in_node "$dir" mount -t tmpfs -o mode=0711 tmpfs "$p"
  done
}

make_cgroups() { # DIR CGROUP
  local c base
  for c in "${CGROUP_V1[@]}"; do
    base=/sys/fs/cgroup/$c
    [ -d "$base" ] || continue
    mkdir -p "$base/$2"
    if [ "$c" = cpuset ]; then
      cat "$base/cpuset.cpus" > "$base/$2/cpuset.cpus"
      cat "$base/cpuset.mems" > "$base/$2/cpuset.mems"
    fi
  done
  [ -d /sys/fs/cgroup/unified ] && mkdir -p "/sys/fs/cgroup/unified/$2"
  [ -f /sys/fs/cgroup/cgroup.controllers ] && mkdir -p "/sys/fs/cgroup/$2"
  return 0
}

# Every process inside CGROUP (any hierarchy), one per line.
cgroup_pids() {
  local f
  for f in /sys/fs/cgroup/*/"$1" /sys/fs/cgroup/"$1"; do
    [ -d "$f" ] && find "$f" -name cgroup.procs -exec cat {} + 2>/dev/null
  done | sort -un
}

remove_cgroups() { # CGROUP
  local f i
  for ((i = 0; i < 20; i++)); do
    local left=0
    for f in /sys/fs/cgroup/*/"$1" /sys/fs/cgroup/"$1"; do
      [ -d "$f" ] || continue
      find "$f" -depth -type d -exec rmdir {} + 2>/dev/null || left=1
    done
    [ $left = 0 ] && return 0
    sleep 0.2
  done
  log "warning: cgroups left: $(ls -d /sys/fs/cgroup/*/"$1" 2>/dev/null | tr '\n' ' ')"
}

# Every process (but the holder) in the node's mount or network namespace.
node_pids() { # DIR
  local dir=$1 mnt net p holder
  holder=$(holder_pid "$dir" 2>/dev/null || true)
  [ -n "$holder" ] && running "$holder" || return 0
  mnt=$(readlink "/proc/$holder/ns/mnt"); net=$(readlink "/proc/$holder/ns/net")
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = "$holder" ] && continue
    if [ "$(readlink "/proc/$p/ns/mnt" 2>/dev/null)" = "$mnt" ] ||
       [ "$(readlink "/proc/$p/ns/net" 2>/dev/null)" = "$net" ]; then
      echo "$p"
    fi
  done
}

kill_all() { # SIGNAL PIDS...: signal, then wait up to 10 s for them to go
  local sig=$1 p i; shift
  [ $# -gt 0 ] || return 0
  kill "-$sig" "$@" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    local alive=0
    for p in "$@"; do running "$p" && { alive=1; break; }; done
    [ $alive = 0 ] && return 0
    sleep 0.1
  done
  return 1
}

# ----------------------------------------------------------------- config ---

write_configs() { # DIR CGROUP
  local dir=$1 cg=$2 cp=$1/cp
  mkdir -p "$dir/containerd" "$dir/cni/net.d" "$dir/kubelet" "$dir/pod-logs"
  cat > "$dir/containerd/config.toml" <<EOF
version = 2
root = "$dir/containerd/root"
state = "$dir/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.internal.v1.tracing", "io.containerd.tracing.processor.v1.otlp"]

[grpc]
  address = "$dir/containerd/containerd.sock"
[ttrpc]
  address = "$dir/containerd/containerd.sock.ttrpc"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # root here lacks CAP_SYS_RESOURCE: without this runc fails every sandbox
  # with "can't get final child's PID from pipe: EOF"
  restrict_oom_score_adj = true
  enable_selinux = false
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni/net.d"
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/containerd/opt"
EOF
  cat > "$dir/cni/net.d/10-sealsync.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "sealsync",
  "plugins": [
    {
      "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$dir/cni/ipam",
        "ranges": [[{"subnet": "$POD_SUBNET"}]], "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
  cat > "$dir/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $cp/pki/ca.crt}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
cgroupRoot: /$cg
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$dir/containerd/containerd.sock
podLogsDir: $dir/pod-logs
resolvConf: ""
# imported images cannot be pulled again: never garbage-collect them
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
serializeImagePulls: false
syncFrequency: 10s
fileCheckFrequency: 10s
nodeStatusUpdateFrequency: 4s
EOF
  cat > "$dir/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $cp/kubeconfig}
mode: iptables
hostnameOverride: $NODE_NAME
clusterCIDR: $CLUSTER_CIDR
bindAddress: 0.0.0.0
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# leave the kernel's conntrack settings alone (some are not per namespace)
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
}

# ------------------------------------------------------------------ start ---

api() { # DIR PATH: GET from the API server (inside the node), JSON to stdout
  local cp=$1/cp
  in_node "$1" curl -s --max-time 5 --cacert "$cp/pki/ca.crt" \
    -H "Authorization: Bearer $(cat "$cp/admin.token")" \
    "https://127.0.0.1:$(cat "$cp/apiserver.port")$2"
}

node_ready() { # DIR -> 0 when Ready and untainted
  api "$1" "/api/v1/nodes/$NODE_NAME" 2>/dev/null | jq -e '
    ([.status.conditions[]? | select(.type == "Ready" and .status == "True")] | length == 1)
    and ((.spec.taints // []) | length == 0)' >/dev/null 2>&1
}

import_images() { # DIR FILES...
  local dir=$1 f; shift
  for f in "$@"; do
    in_node "$dir" ctr --address "$dir/containerd/containerd.sock" -n k8s.io \
      images import "$f" >&2 || die "ctr images import $f failed"
  done
}

check_prereqs() {
  [ "$(id -u)" = 0 ] || die "needs root (network and mount namespaces, cgroups)"
  local t
  for t in containerd containerd-shim-runc-v2 runc ctr iptables nsenter unshare ip jq curl; do
    command -v "$t" >/dev/null || die "$t not found (bash scripts/setup.sh installs it)"
  done
  [ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] && [ -x /usr/lib/cni/loopback ] ||
    die "CNI plugins missing in /usr/lib/cni (containernetworking-plugins)"
  grep -qw overlay /proc/filesystems || die "the kernel has no overlayfs"
}

cmd_start() {
  local dir=${1:-} t0=$SECONDS
  check_prereqs
  local images=${SEALSYNC_IMAGES:-$ROOT/build/images}
  [ -f "$images/pause.oci.tar" ] || die "no $images/pause.oci.tar: run bash scripts/image.sh build"
  cmd_build --node >&2
  umask 022
  if [ -z "$dir" ]; then dir=$(mktemp -d "${TMPDIR:-/tmp}/sealsync-node.XXXXXX"); else mkdir -p "$dir"; fi
  dir=$(cd "$dir" && pwd)
  [ ! -e "$dir/$NODE_MARKER" ] || die "$dir already holds a node (stop it first)"
  chmod 0755 "$dir"
  touch "$dir/$NODE_MARKER"
  mkdir -p "$dir/logs" "$dir/pids"
  local id; id=$(printf '%s' "$dir" | sha256sum | cut -c1-8)
  local ns=sealsync-node-$id cg=sealsync-node-$id
  echo "$ns" > "$dir/netns"; echo "$cg" > "$dir/cgroup"
  # Whatever fails from here on, undo it all.
  START_DIR=$dir START_OK=0
  trap on_start_exit EXIT
  make_namespaces "$dir" "$ns"
  make_cgroups "$dir" "$cg"
  local bins; bins=$(bin_dir)

  # the control plane, inside the node
  in_node "$dir" env SEALSYNC_APISERVER_IP="$NODE_IP" \
    SEALSYNC_APISERVER_EXTRA_FLAGS="--bind-address=0.0.0.0 --advertise-address=$NODE_IP --endpoint-reconciler-type=lease --kubelet-client-certificate=$dir/cp/pki/admin.crt --kubelet-client-key=$dir/cp/pki/admin.key --kubelet-preferred-address-types=InternalIP ${SEALSYNC_APISERVER_EXTRA_FLAGS:-}" \
    SEALSYNC_CONTROLLERS="$KCM_CONTROLLERS" \
    SEALSYNC_CONTROLLER_MANAGER_EXTRA_FLAGS="--root-ca-file=$dir/cp/pki/ca.crt --cluster-cidr=$CLUSTER_CIDR --service-cluster-ip-range=$SERVICE_CIDR --node-monitor-grace-period=20s ${SEALSYNC_CONTROLLER_MANAGER_EXTRA_FLAGS:-}" \
    bash "$NODE_SCRIPT_DIR/controlplane.sh" start "$dir/cp" >/dev/null
  write_configs "$dir" "$cg"

  launch_node kube-scheduler "$dir" "$bins/kube-scheduler" \
    --kubeconfig="$dir/cp/kubeconfig" --leader-elect=false --secure-port=0 --profiling=false
  launch_node containerd "$dir" containerd --config "$dir/containerd/config.toml"
  local i
  for ((i = 0; i < 100; i++)); do
    in_node "$dir" ctr --address "$dir/containerd/containerd.sock" version >/dev/null 2>&1 && break
    running "$(cat "$dir/pids/containerd.pid")" || die "containerd exited (see $dir/logs/containerd.log)"
    sleep 0.1
  done
  local t1=$SECONDS
  import_images "$dir" "$images"/*.oci.tar
  log "imported $(ls "$images"/*.oci.tar | wc -l) images in $((SECONDS - t1))s"
  launch_node kubelet "$dir" "$bins/kubelet" \
    --config="$dir/kubelet/config.yaml" --kubeconfig="$dir/cp/kubeconfig" \
    --root-dir="$dir/kubelet" --cert-dir="$dir/kubelet/pki" \
    --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --v=1
  launch_node kube-proxy "$dir" "$bins/kube-proxy" --config="$dir/kube-proxy.yaml" --v=1

  local deadline=$((SECONDS + ${SEALSYNC_NODE_TIMEOUT:-120}))
  until node_ready "$dir"; do
    local n
    for n in kube-scheduler containerd kubelet kube-proxy; do
      running "$(cat "$dir/pids/$n.pid")" || die "$n exited (see $dir/logs/$n.log)"
    done
    [ $SECONDS -lt $deadline ] || die "node not Ready after ${SEALSYNC_NODE_TIMEOUT:-120}s"
    sleep 0.5
  done
  # A misspelt config field is only logged (lenient decoding), then ignored.
  if grep -h 'strict decoding error' "$dir/logs/kubelet.log" "$dir/logs/kube-proxy.log" >&2; then
    die "kubelet or kube-proxy ignored part of its config (above)"
  fi
  START_OK=1
  log "node $NODE_NAME Ready in $((SECONDS - t0))s (state in $dir, network namespace $ns)"
  log "use it with: bash scripts/node.sh exec $dir helm|curl ... --kubeconfig $dir/cp/kubeconfig"
  echo "$dir/cp/kubeconfig"
}

on_start_exit() {
  [ "${START_OK:-1}" = 1 ] && return 0
  log "start failed; the logs:"
  tail_logs "$START_DIR"
  if [ -n "${SEALSYNC_NODE_KEEP:-}" ]; then log "SEALSYNC_NODE_KEEP set: state kept in $START_DIR"; return; fi
  cmd_stop "$START_DIR" || true
}

tail_logs() { # DIR
  local f
  for f in "$1"/logs/*.log "$1"/cp/logs/*.log; do
    [ -f "$f" ] || continue
    log "---- tail $f"; tail -n 15 "$f" >&2
  done
}

# ------------------------------------------------------------------- stop ---

check_node_dir() {
  [ -n "${1:-}" ] || die "missing DIR argument"
  [ -f "$1/$NODE_MARKER" ] || die "$1 is not a node folder (no $NODE_MARKER)"
}

cmd_stop() {
  check_node_dir "${1:-}"
  local dir; dir=$(cd "$1" && pwd)
  local ns cg; ns=$(cat "$dir/netns" 2>/dev/null || true); cg=$(cat "$dir/cgroup" 2>/dev/null || true)
  stop_proc kube-proxy "$dir" 10
  stop_proc kubelet "$dir" 10
  stop_proc kube-scheduler "$dir" 10
  # the Pods' processes (all in the node's cgroup), then containerd and its shims
  if [ -n "$cg" ]; then
    # shellcheck disable=SC2046
    kill_all KILL $(cgroup_pids "$cg") || log "warning: Pod processes survived SIGKILL"
  fi
  stop_proc containerd "$dir" 10
  if [ -f "$dir/cp/.sealsync-controlplane" ]; then
    bash "$NODE_SCRIPT_DIR/controlplane.sh" stop "$dir/cp" || true
  fi
  # anything else still in the node's namespaces (shims, stray children)
  local left; left=$(node_pids "$dir")
  if [ -n "$left" ]; then
    # shellcheck disable=SC2086
    kill_all TERM $left || kill_all KILL $left || log "warning: processes survived SIGKILL: $left"
  fi
  # the holder last: with it the mount namespace and every mount in it go
  if [ -f "$dir/pids/holder.pid" ]; then
    kill_all KILL "$(holder_pid "$dir")" || true
  fi
  [ -n "$cg" ] && remove_cgroups "$cg"
  if [ -n "$ns" ] && ip netns list | grep -qw "^$ns"; then ip netns del "$ns"; fi
  if grep -q " $dir/" /proc/self/mountinfo; then
    die "mounts left under $dir; not removing it"
  fi
  rm -rf --one-file-system "$dir"
  log "stopped and removed $dir${ns:+ (network namespace $ns)}"
}

cmd_exec() { # DIR CMD...
  check_node_dir "${1:-}"
  local dir=$1; shift
  [ $# -gt 0 ] || die "usage: node.sh exec DIR CMD..."
  # exec: a backgrounded `node.sh exec DIR CMD &` has CMD's PID in $!
  exec nsenter --target "$(holder_pid "$dir")" --net --mount --wd="$PWD" -- "$@"
}

cmd_status() {
  check_node_dir "${1:-}"
  api "$1" "/api/v1/nodes" | jq -r '.items[] | "node \(.metadata.name) " +
    ([.status.conditions[] | select(.type == "Ready") | "Ready=\(.status)"] | join(""))'
  api "$1" "/api/v1/pods" | jq -r '.items[] | "pod \(.metadata.namespace)/\(.metadata.name) \(.status.phase) ip=\(.status.podIP // "-") ready=" +
    ([.status.containerStatuses[]? | .ready | tostring] | join(",")) +
    ([.status.containerStatuses[]? | .state.waiting.reason // empty] | if length > 0 then " waiting=" + join(",") else "" end)'
}

case "${1:-}" in
  start) cmd_start "${2:-}" ;;
  stop) cmd_stop "${2:-}" ;;
  exec) shift; cmd_exec "$@" ;;
  import) shift; check_node_dir "${1:-}"; d=$1; shift; import_images "$d" "$@" ;;
  status) cmd_status "${2:-}" ;;
  *) sed -n '2,28p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
