#!/usr/bin/env bash
# Local Kubernetes control plane for sealsync tests: etcd + kube-apiserver +
# kube-controller-manager (garbage collector, namespace and deployment controllers;
# no ReplicaSet controller, so no Pods),
# built from Go modules pinned in tests/controlplane/go.mod.
#
#   controlplane.sh build [--node]         build (or reuse) the binaries (--node: also
#                                          kube-scheduler, kubelet, kube-proxy)
#   controlplane.sh start [DIR]            start a control plane, print kubeconfig path
#   controlplane.sh stop DIR               stop it and remove DIR
#   controlplane.sh restart-apiserver DIR  restart kube-apiserver only (same port/flags)
#   controlplane.sh env DIR                print "export KUBECONFIG=DIR/kubeconfig"
#   controlplane.sh bin-dir                print the folder holding the binaries
#
# Environment:
#   SEALSYNC_CACHE                     cache root (default ${XDG_CACHE_HOME:-~/.cache}/sealsync)
#   KUBEBUILDER_ASSETS                 use etcd/kube-apiserver[/kube-controller-manager] from here
#   SEALSYNC_APISERVER_EXTRA_FLAGS     extra kube-apiserver flags (word-split)
#   SEALSYNC_APISERVER_IP              one more IP address in the serving certificate
#   SEALSYNC_CONTROLLERS               kube-controller-manager --controllers (default garbagecollector,namespace,deployment)
#   SEALSYNC_CONTROLLER_MANAGER_EXTRA_FLAGS  extra kube-controller-manager flags (word-split)
#   SEALSYNC_READY_TIMEOUT             seconds to wait for /readyz (default 60)
#   SEALSYNC_CONTROLPLANE_OWNER_PID    start: stop the control plane (and remove DIR) once
#                                      this process is gone, so one that crashed
#                                      leaves nothing running
#   GO                                 go binary (default: go on PATH, else /usr/local/go/bin/go)
#
# Only the kubeconfig path goes to stdout (start); everything else goes to stderr.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MOD_DIR=$(cd "$SCRIPT_DIR/../tests/controlplane" && pwd)
MARKER=.sealsync-controlplane

log() { printf 'controlplane: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

mod_version() { awk -v m="$1" '$1 == m && $2 ~ /^v/ { print $2; exit }' "$MOD_DIR/go.mod"; }
K8S_VERSION=$(mod_version k8s.io/kubernetes)
ETCD_VERSION=$(mod_version go.etcd.io/etcd/server/v3)
[ -n "$K8S_VERSION" ] && [ -n "$ETCD_VERSION" ] || die "cannot read versions from $MOD_DIR/go.mod"

CACHE_ROOT=${SEALSYNC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sealsync}
CACHE_BIN=$CACHE_ROOT/controlplane/$K8S_VERSION/bin

# ---------------------------------------------------------------- build ---

# shellcheck source=go_tool.sh
source "$SCRIPT_DIR/go_tool.sh"

# The control plane's binaries; `build --node` adds a node's (scripts/node.sh).
CP_BINS=(etcd kube-apiserver kube-controller-manager)
NODE_BINS=(kube-scheduler kubelet kube-proxy)

go_package() { # NAME -> Go package that builds it
  case $1 in
    etcd) echo go.etcd.io/etcd/server/v3 ;;
    *) echo "k8s.io/kubernetes/cmd/$1" ;;
  esac
}

# Each binary has its own stamp (.stamp.NAME), so building a node's binaries
# never rebuilds the control plane's and the reverse.
is_cached() { # NAME
  [ -x "$CACHE_BIN/$1" ] && [ "$(cat "$CACHE_BIN/.stamp.$1" 2>/dev/null)" = "$(build_stamp)" ]
}

have_cached() { # [NAMES...] (default: the control plane's)
  local b
  [ $# -gt 0 ] || set -- "${CP_BINS[@]}"
  for b in "$@"; do is_cached "$b" || return 1; done
}

cmd_build() { # [--node]
  local want=("${CP_BINS[@]}")
  [ "${1:-}" = --node ] && want+=("${NODE_BINS[@]}")
  if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
    [ -x "$KUBEBUILDER_ASSETS/etcd" ] && [ -x "$KUBEBUILDER_ASSETS/kube-apiserver" ] ||
      die "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS lacks etcd or kube-apiserver"
    [ -x "$KUBEBUILDER_ASSETS/kube-controller-manager" ] ||
      log "warning: no kube-controller-manager in KUBEBUILDER_ASSETS; garbage collection will not run"
    log "using KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS ($("$KUBEBUILDER_ASSETS/kube-apiserver" --version 2>&1))"
    [ "${1:-}" = --node ] || return 0
    want=("${NODE_BINS[@]}")   # a node's binaries still come from the wrapper module
  fi
  mkdir -p "$CACHE_BIN"
  exec 9>"$CACHE_BIN/.lock"
  flock 9   # another build of the same version may be running
  local todo=() b
  for b in "${want[@]}"; do is_cached "$b" || todo+=("$b"); done
  if [ ${#todo[@]} -eq 0 ]; then
    log "cached: ${want[*]} ($K8S_VERSION, etcd $ETCD_VERSION) in $CACHE_BIN"
    return 0
  fi
  local go; go=$(find_go)
  local kdate; kdate=$(cd "$MOD_DIR" && "$go" list -m -f '{{if .Time}}{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}' k8s.io/kubernetes)
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  local kflags="-s -w" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    kflags+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    kflags+=" -X $p.gitTreeState=clean -X $p.gitCommit= -X $p.buildDate=${kdate:-1970-01-01T00:00:00Z}"
  done
  local tmp; tmp=$(mktemp -d "$CACHE_BIN/.build.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  export GOFLAGS="${GOFLAGS:+$GOFLAGS }-trimpath -mod=readonly" CGO_ENABLED=0
  log "building ${todo[*]} (Kubernetes $K8S_VERSION, etcd $ETCD_VERSION) with $("$go" version) into $CACHE_BIN"
  log "(a cold build takes about 10 minutes on 2 cores, kubelet about 3 more; Go's build cache makes rebuilds fast)"
  local name pkg flags t0 stamp; stamp=$(build_stamp)
  for name in "${todo[@]}"; do
    pkg=$(go_package "$name")
    flags=$kflags; [ "$name" = etcd ] && flags="-s -w"
    t0=$SECONDS
    log "go build $pkg ..."
    (cd "$MOD_DIR" && "$go" build -p 2 -ldflags "$flags" -o "$tmp/$name" "$pkg") ||
      die "building $name failed"
    mv -f "$tmp/$name" "$CACHE_BIN/$name"
    echo "$stamp" > "$CACHE_BIN/.stamp.$name"
    log "built $name in $((SECONDS - t0))s"
  done
  rm -rf "$tmp"; trap - EXIT
  log "done: $("$CACHE_BIN/${todo[0]}" --version 2>&1 | head -1) in $CACHE_BIN"
}

bin_dir() {
  if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then echo "$KUBEBUILDER_ASSETS"; return; fi
  have_cached || cmd_build >&2
  echo "$CACHE_BIN"
}

# ------------------------------------------------------------- processes ---

free_ports() { # N -> N distinct free loopback ports
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
  else
    local out=() p
    while [ ${#out[@]} -lt "$1" ]; do
      p=$((20000 + RANDOM % 30000))
      (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
      [[ " ${out[*]} " == *" $p "* ]] || out+=("$p")
    done
    echo "${out[*]}"
  fi
}

# running PID: process exists and is not a zombie.
running() {
  kill -0 "$1" 2>/dev/null || return 1
  [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# pid_alive NAME DIR: true if DIR/pids/NAME.pid names a live process running NAME.
pid_alive() {
  local f="$2/pids/$1.pid" pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  [ -n "$pid" ] && running "$pid" || return 1
  [ "$(basename "$(tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null | head -1)")" = "$1" ]
}

stop_proc() { # NAME DIR [timeout]
  local name=$1 dir=$2 timeout=${3:-15} pid i
  pid_alive "$name" "$dir" || { rm -f "$dir/pids/$name.pid"; return 0; }
  pid=$(cat "$dir/pids/$name.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    running "$pid" || break
    sleep 0.1
  done
  if running "$pid"; then
    log "$name (pid $pid) ignored SIGTERM for ${timeout}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do running "$pid" || break; sleep 0.1; done
  fi
  rm -f "$dir/pids/$name.pid"
}

launch() { # NAME DIR BIN ARGS...
  local name=$1 dir=$2 bin=$3; shift 3
  nohup "$bin" "$@" >>"$dir/logs/$name.log" 2>&1 </dev/null &
  echo $! > "$dir/pids/$name.pid"
}

start_apiserver() { # DIR
  local dir=$1 args=()
  mapfile -t args < "$dir/apiserver.args"
  launch kube-apiserver "$dir" "$(cat "$dir/bin-dir")/kube-apiserver" "${args[@]}"
}

wait_ready() { # DIR -> 0 when /readyz answers ok
  local dir=$1 port token deadline
  port=$(cat "$dir/apiserver.port"); token=$(cat "$dir/admin.token")
  deadline=$((SECONDS + ${SEALSYNC_READY_TIMEOUT:-60}))
  while [ $SECONDS -lt $deadline ]; do
    running "$(cat "$dir/pids/etcd.pid")" || { log "etcd exited"; return 1; }
    running "$(cat "$dir/pids/kube-apiserver.pid")" || { log "kube-apiserver exited"; return 1; }
    if [ "$(curl -s --max-time 2 --cacert "$dir/pki/ca.crt" -H "Authorization: Bearer $token" \
              "https://127.0.0.1:$port/readyz" 2>/dev/null)" = ok ]; then
      return 0
    fi
    sleep 0.2
  done
  log "kube-apiserver not ready after ${SEALSYNC_READY_TIMEOUT:-60}s"
  return 1
}

gen_pki() { # DIR
  local pki=$1/pki
  mkdir -p "$pki"
  (
    cd "$pki"
    openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null
    openssl req -x509 -new -key ca.key -sha256 -days 365 -subj "/CN=sealsync-test-ca" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -out ca.crt 2>/dev/null
    openssl ecparam -name prime256v1 -genkey -noout -out apiserver.key 2>/dev/null
    openssl req -new -key apiserver.key -subj "/CN=kube-apiserver" 2>/dev/null |
      openssl x509 -req -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 365 -out apiserver.crt \
        -extfile <(printf '%s\n' "basicConstraints=CA:FALSE" \
          "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" \
          "subjectAltName=IP:127.0.0.1,${SEALSYNC_APISERVER_IP:+IP:$SEALSYNC_APISERVER_IP,}DNS:localhost,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local") 2>/dev/null
    # admin client certificate (group system:masters), an alternative to the token
    openssl ecparam -name prime256v1 -genkey -noout -out admin.key 2>/dev/null
    openssl req -new -key admin.key -subj "/O=system:masters/CN=sealsync-admin" 2>/dev/null |
      openssl x509 -req -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 365 -out admin.crt \
        -extfile <(printf '%s\n' "basicConstraints=CA:FALSE" \
          "keyUsage=critical,digitalSignature" "extendedKeyUsage=clientAuth") 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  ) || die "openssl failed"
  openssl rand -hex 32 > "$1/admin.token"
  openssl rand -hex 32 > "$1/controller-manager.token"
  printf '%s,sealsync-admin,sealsync-admin,"system:masters"\n%s,sealsync-controller-manager,sealsync-controller-manager,"system:masters"\n' \
    "$(cat "$1/admin.token")" "$(cat "$1/controller-manager.token")" > "$pki/tokens.csv"
}

write_kubeconfig() { # DIR TOKEN_FILE OUT
  local dir=$1
  cat > "$3" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: sealsync-test
  cluster:
    server: https://127.0.0.1:$(cat "$dir/apiserver.port")
    certificate-authority-data: $(base64 -w0 < "$dir/pki/ca.crt")
users:
- name: sealsync-admin
  user:
    token: $(cat "$2")
contexts:
- name: sealsync-test
  context:
    cluster: sealsync-test
    user: sealsync-admin
    namespace: default
current-context: sealsync-test
EOF
}

try_start() { # DIR -> 0 on ready
  local dir=$1 bins etcd_port peer_port api_port
  bins=$(cat "$dir/bin-dir")
  read -r etcd_port peer_port api_port <<<"$(free_ports 3)"
  echo "$api_port" > "$dir/apiserver.port"
  echo "$etcd_port" > "$dir/etcd.port"
  rm -rf "$dir/etcd"
  launch etcd "$dir" "$bins/etcd" \
    --name=sealsync --data-dir="$dir/etcd" --unsafe-no-fsync \
    --listen-client-urls="http://127.0.0.1:$etcd_port" --advertise-client-urls="http://127.0.0.1:$etcd_port" \
    --listen-peer-urls="http://127.0.0.1:$peer_port" --initial-advertise-peer-urls="http://127.0.0.1:$peer_port" \
    --initial-cluster="sealsync=http://127.0.0.1:$peer_port" --initial-cluster-state=new \
    --log-level=warn
  local pki=$dir/pki
  # shellcheck disable=SC2206
  local extra=(${SEALSYNC_APISERVER_EXTRA_FLAGS:-})
  # OwnerReferencesPermissionEnforcement (on in OpenShift and other hardened
  # clusters): setting blockOwnerDeletion needs "update" on the owner's
  # finalizers. It only ever refuses identities outside system:masters, so
  # it changes nothing for admin clients and proves the chart's RBAC.
  printf '%s\n' \
    --etcd-servers="http://127.0.0.1:$etcd_port" \
    --bind-address=127.0.0.1 --secure-port="$api_port" --advertise-address=127.0.0.1 \
    --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
    --client-ca-file="$pki/ca.crt" --token-auth-file="$pki/tokens.csv" \
    --authorization-mode=RBAC --enable-admission-plugins=OwnerReferencesPermissionEnforcement \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --service-cluster-ip-range=10.0.0.0/24 --allow-privileged=true --profiling=false \
    --endpoint-reconciler-type=none --shutdown-send-retry-after=true \
    "${extra[@]}" > "$dir/apiserver.args"
  start_apiserver "$dir"
  wait_ready "$dir"
}

cmd_start() {
  local dir=${1:-} created=0 bins t0=$SECONDS
  umask 077
  bins=$(bin_dir)
  if [ -z "$dir" ]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/sealsync-cp.XXXXXX"); created=1
  else
    mkdir -p "$dir"
    pid_alive kube-apiserver "$dir" && die "$dir already has a running kube-apiserver"
  fi
  dir=$(cd "$dir" && pwd)
  touch "$dir/$MARKER"
  mkdir -p "$dir/logs" "$dir/pids"
  echo "$bins" > "$dir/bin-dir"
  gen_pki "$dir"
  local attempt ok=0
  for attempt in 1 2; do
    if try_start "$dir"; then ok=1; break; fi
    stop_proc kube-apiserver "$dir" 5; stop_proc etcd "$dir" 5
    [ "$attempt" = 1 ] && log "start failed (port race?); retrying with new ports"
  done
  if [ "$ok" != 1 ]; then
    local f
    for f in "$dir"/logs/*.log; do log "---- tail $f"; tail -n 20 "$f" >&2; done
    if [ "$created" = 1 ]; then rm -rf "$dir"; else log "state kept in $dir"; fi
    die "control plane did not start"
  fi
  write_kubeconfig "$dir" "$dir/admin.token" "$dir/kubeconfig"
  write_kubeconfig "$dir" "$dir/controller-manager.token" "$dir/controller-manager.kubeconfig"
  if [ -x "$bins/kube-controller-manager" ]; then
    # shellcheck disable=SC2206
    local extra=(${SEALSYNC_CONTROLLER_MANAGER_EXTRA_FLAGS:-})
    launch kube-controller-manager "$dir" "$bins/kube-controller-manager" \
      --kubeconfig="$dir/controller-manager.kubeconfig" \
      --controllers="${SEALSYNC_CONTROLLERS:-garbagecollector,namespace,deployment}" \
      --leader-elect=false --secure-port=0 --bind-address=127.0.0.1 --profiling=false \
      "${extra[@]}"
  else
    log "warning: no kube-controller-manager in $bins; garbage collection will not run"
  fi
  if [ -n "${SEALSYNC_CONTROLPLANE_OWNER_PID:-}" ]; then
    watch_owner "$SEALSYNC_CONTROLPLANE_OWNER_PID" "$dir"
  fi
  log "ready in $((SECONDS - t0))s: https://127.0.0.1:$(cat "$dir/apiserver.port") (state in $dir)"
  echo "$dir/kubeconfig"
}

# A detached watchdog (its own session, no inherited stdout, so `start`
# returns at once): polls the owner every 2 s and stops the control plane
# when the owner has exited. A `stop` that got there first leaves it nothing
# to do.
watch_owner() { # PID DIR
  local owner=$1 dir=$2
  setsid bash -c '
    while kill -0 "$1" 2>/dev/null && [ -d "$2" ]; do sleep 2; done
    if [ -f "$2/'"$MARKER"'" ]; then bash "$0" stop "$2"; fi
  ' "${BASH_SOURCE[0]}" "$owner" "$dir" </dev/null >>"$dir/logs/watchdog.log" 2>&1 &
}

check_dir() { # DIR
  [ -n "${1:-}" ] || die "missing DIR argument"
  [ -f "$1/$MARKER" ] || die "$1 is not a control plane folder (no $MARKER)"
}

cmd_stop() {
  check_dir "${1:-}"
  local dir=$1
  stop_proc kube-controller-manager "$dir"
  stop_proc kube-apiserver "$dir"
  stop_proc etcd "$dir"
  rm -rf "$dir"
  log "stopped and removed $dir"
}

cmd_restart_apiserver() {
  check_dir "${1:-}"
  local dir=$1 t0=$SECONDS
  stop_proc kube-apiserver "$dir"
  start_apiserver "$dir"
  wait_ready "$dir" || die "kube-apiserver did not come back (see $dir/logs/kube-apiserver.log)"
  log "kube-apiserver restarted in $((SECONDS - t0))s"
}

usage() { sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# scripts/node.sh sources this file for its functions; run only when executed.
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0

case "${1:-}" in
  build) cmd_build "${2:-}" ;;
  start) cmd_start "${2:-}" ;;
  stop) cmd_stop "${2:-}" ;;
  restart-apiserver) cmd_restart_apiserver "${2:-}" ;;
  env) check_dir "${2:-}"; echo "export KUBECONFIG=$(cd "$2" && pwd)/kubeconfig" ;;
  bin-dir) bin_dir ;;
  *) usage ;;
esac
