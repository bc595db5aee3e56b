#!/usr/bin/env bash
# The main job, end to end on this machine, as a platform engineer, a
# developer and a CD pipeline do it:
#   - installs what is missing (scripts/setup.sh) and builds what it needs;
#   - platform engineer: builds the operator image without Docker
#     (scripts/image.sh), starts a real single node (scripts/node.sh: control
#     plane, kube-scheduler, containerd, kubelet, kube-proxy and CNI inside a
#     network namespace of its own) and `helm install`s the chart with that
#     image into a namespace enforcing Pod Security "restricted": the operator
#     runs as two Pods;
#   - developer: seals a Secret with sealctl (recipients fetched from the
#     cluster); CD pipeline: applies it, the operator Pods write the Secret;
#   - drift repair, scope refusing a copied value, recovery with the stock age CLI;
#   - an ExternalSecret synced from a local Infisical stand-in (the test
#     double, running on the node's address; the real Infisical server cannot
#     run here) with the one bootstrap credential handed over by `sealctl bootstrap`.
# Everything is removed at the end.
#
# The node needs root (network and mount namespaces, cgroups). Without root,
# or if no node can be made here, the demo says why and runs the same steps
# with the operator as a local process against a local control plane
# (kube-apiserver + etcd). SEALSYNC_DEMO_MODE=local chooses that directly.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=${BUILD_DIR:-build}
[[ $B = /* ]] || B=$ROOT/$B
SEALCTL=$B/sealctl/sealctl
KAPPLY=$B/tests/tools/kapply
DOUBLE=$B/tests/fakes/infisical/infisical-double
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
note() { printf '\033[33m%s\033[0m\n' "$*"; }

step "installing what is missing (scripts/setup.sh) and building sealsync-operator, sealctl, the Infisical stand-in"
bash scripts/setup.sh >/dev/null
BUILD_DIR=$B TARGETS="sealsync-operator sealctl kapply infisical-double" bash scripts/build.sh >/dev/null

work=$(mktemp -d)
MODE=${SEALSYNC_DEMO_MODE:-pods}
STATE=        # the node's folder (pods mode)
CP_DIR=       # the control plane's folder (local mode)
OP_PID=
VAULT_PID=
cleanup() {
  [ -n "$OP_PID" ] && kill -TERM "$OP_PID" 2>/dev/null && wait "$OP_PID" 2>/dev/null || true
  [ -n "$VAULT_PID" ] && kill -TERM "$VAULT_PID" 2>/dev/null && wait "$VAULT_PID" 2>/dev/null || true
  if [ -n "$STATE" ] && [ -f "$STATE/.sealsync-node" ]; then
    bash scripts/node.sh stop "$STATE" >/dev/null 2>&1 || true
  fi
  [ -n "$CP_DIR" ] && { bash scripts/controlplane.sh stop "$CP_DIR" >/dev/null 2>&1 || true; }
  rm -rf "$work"
}
trap cleanup EXIT

fallback() { # REASON: the local flow instead of the Pods
  note "NOTE: $1"
  note "NOTE: running the operator as a local process against a local control plane instead."
  MODE=local
}

if [ "$MODE" = pods ] && [ "$(id -u)" != 0 ]; then
  fallback "the operator as Pods needs a node, and the node needs root (network and mount namespaces, cgroups)."
fi

# ------------------------------------------------------- platform engineer ---
if [ "$MODE" = pods ]; then
  step "platform engineer: the images, built without Docker (scripts/image.sh; the Dockerfile does the same with Docker)"
  BUILD_DIR=$B bash scripts/image.sh build "$B/images"
  step "a real node: control plane, kube-scheduler, containerd, kubelet, kube-proxy, CNI in a network namespace (the first run builds them from Go modules: ~10 min on 2 cores)"
  bash scripts/controlplane.sh build --node
  bash scripts/helm.sh build
  HELM=$(bash scripts/helm.sh path)
  STATE=$(mktemp -d "${TMPDIR:-/tmp}/sealsync-demo-node.XXXXXX")
  if KC=$(SEALSYNC_IMAGES=$B/images bash scripts/node.sh start "$STATE" 2>"$work/node-start.log"); then
    grep -E 'imported|Ready in' "$work/node-start.log" | sed 's/^node: //'
  else
    NODE_LOG=${TMPDIR:-/tmp}/sealsync-demo-node-start.log   # kept for a look
    cp "$work/node-start.log" "$NODE_LOG"
    grep -E '^node: error:' "$NODE_LOG" | sed 's/^/  /' || true
    STATE=
    fallback "no node could be made on this machine (the start's log, with the node's logs: $NODE_LOG)."
  fi
fi

if [ "$MODE" = pods ]; then
  X() { bash scripts/node.sh exec "$STATE" "$@"; }   # clients run inside the node's namespace
  NODE_IP=192.0.2.1                                  # scripts/node.sh: the node's address
  k() { X "$KAPPLY" --kubeconfig "$KC" "$@"; }

  step "platform engineer: the namespaces (sealsync-system enforces Pod Security restricted)"
  cat > "$work/ns.yaml" <<'EOF'
apiVersion: v1
kind: Namespace
metadata:
  name: sealsync-system
  labels: {pod-security.kubernetes.io/enforce: restricted}
---
apiVersion: v1
kind: Namespace
metadata: {name: team-a}
---
apiVersion: v1
kind: Namespace
metadata: {name: team-b}
EOF
  k apply "$work/ns.yaml"

  # The Infisical stand-in runs on the node's address, so the operator Pods
  # reach it; the chart allows exactly that host (plain http: a stand-in).
  bash scripts/node.sh exec "$STATE" "$DOUBLE" --seed tests/testdata/infisical/seed.json \
    --host "$NODE_IP" --port 0 --quiet \
    > "$work/vault.out" 2>"$work/vault.log" &
  VAULT_PID=$!

  step "platform engineer: helm install the chart with the local image"
  echo "helm install sealsync charts/sealsync -n sealsync-system \\"
  echo "  --set image.tag=dev --set image.pullPolicy=Never \\"
  echo "  --set vault.allowedHosts={$NODE_IP} --set vault.insecureHosts={$NODE_IP} --wait"
  if X "$HELM" install sealsync charts/sealsync --kubeconfig "$KC" -n sealsync-system \
      --set image.tag=dev --set image.pullPolicy=Never \
      --set "vault.allowedHosts={$NODE_IP}" --set "vault.insecureHosts={$NODE_IP}" \
      --wait --timeout 180s > "$work/helm.out" 2>&1; then
    sed '/^NOTES:/,$d' "$work/helm.out"   # the notes are kubectl/sealctl hints
    bash scripts/node.sh status "$STATE"
    X curl -sS --max-time 5 --cacert "$STATE/cp/pki/ca.crt" \
      -H "Authorization: Bearer $(cat "$STATE/cp/admin.token")" \
      "https://127.0.0.1:$(cat "$STATE/cp/apiserver.port")/apis/coordination.k8s.io/v1/namespaces/sealsync-system/leases/sealsync-leader" |
      jq -r '"leader (Lease sealsync-leader): \(.spec.holderIdentity)"'
  else
    # The node came up but cannot run the operator's Pods here: say why, remove it.
    sed 's/^/  | /' "$work/helm.out"
    bash scripts/node.sh status "$STATE" | sed 's/^/  | /' || true
    kill -TERM "$VAULT_PID" 2>/dev/null && wait "$VAULT_PID" 2>/dev/null || true
    VAULT_PID=
    bash scripts/node.sh stop "$STATE" >/dev/null 2>&1 || true
    STATE=
    fallback "helm install on the node failed (above): the operator Pods did not become Ready."
  fi
fi

if [ "$MODE" = local ]; then
  X() { "$@"; }
  step "starting a local control plane (first run builds it from Go modules: ~10 min)"
  KC=$(bash scripts/controlplane.sh start)
  CP_DIR=$(dirname "$KC")
  k() { "$KAPPLY" --kubeconfig "$KC" "$@"; }
  echo "kubeconfig: $KC"

  step "platform engineer: install the CRDs and the namespaces"
  k apply crds/*.yaml
  k wait-crd sealedsecrets.sealsync.dev
  for ns in sealsync-system team-a team-b; do
    printf '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"%s"}}' "$ns" > "$work/ns.json"
    k apply "$work/ns.json"
  done
  "$DOUBLE" --seed tests/testdata/infisical/seed.json --port 0 --quiet \
    > "$work/vault.out" 2>"$work/vault.log" &
  VAULT_PID=$!

  step "platform engineer: run the operator (it makes its sealing key on first start)"
  "$B/operator/sealsync-operator" --kubeconfig "$KC" --namespace sealsync-system \
    --health-addr 127.0.0.1:18081 --api-addr 127.0.0.1:18080 --log-format text \
    --vault-allowed-hosts 127.0.0.1 --vault-insecure-hosts 127.0.0.1 \
    > "$work/operator.log" 2>&1 &
  OP_PID=$!
  for _ in $(seq 100); do
    curl -sf 127.0.0.1:18081/readyz 2>/dev/null | grep -q leader && break
    sleep 0.2
  done
  curl -s 127.0.0.1:18081/readyz
fi

# poll CMD... up to 30 s (bounded); 0 when it succeeded
within30() { local i; for ((i = 0; i < 150; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1; }
has_secret() { k get Secret "$1" "$2"; }
has_condition() { k get "$1" "$2" "$3" | jq -e '.status.conditions[0].reason'; }
condition() { # KIND NS NAME
  k get "$1" "$2" "$3" | jq -r '.status.conditions[0] |
    "'"$1 $2/$3"'  Ready=\(.status) reason=\(.reason)" + (if .status == "True" then "" else "\n  \(.message)" end)'
}
show_secret() { # NS NAME
  k get Secret "$1" "$2" | jq -r '"Secret \(.metadata.namespace)/\(.metadata.name)  owner: \(.metadata.ownerReferences[0].kind)",
    (.data | to_entries | sort_by(.key)[] | "  \(.key) = \(.value | @base64d)")'
}

echo "sealctl seal --fetch-recipients   (the operator published its sealing key)"
X "$SEALCTL" seal --kubeconfig "$KC" --fetch-recipients

# --------------------------------------------------------------- developer ---
step "developer: a plain Secret (never committed)"
cat > "$work/secret.yaml" <<'YAML'
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: team-a
  labels: {app: billing}
type: Opaque
stringData:
  username: billing
  password: s3cr3t-demo-password
YAML
cat "$work/secret.yaml"

step "developer: sealctl seal -f secret.yaml > sealed.yaml  (safe to commit)"
X "$SEALCTL" seal --kubeconfig "$KC" -f "$work/secret.yaml" > "$work/sealed.yaml"
sed -E 's/(: [A-Za-z0-9+\/=]{50})[A-Za-z0-9+\/=]+/\1.../' "$work/sealed.yaml"

step "CD pipeline: apply sealed.yaml; the operator$([ "$MODE" = pods ] && echo " Pods write" || echo " writes") the Secret"
k apply "$work/sealed.yaml"
within30 has_secret team-a db || { echo "no Secret team-a/db after 30 s"; exit 1; }
show_secret team-a db
within30 has_condition SealedSecret team-a db || true
condition SealedSecret team-a db
if [ "$MODE" = pods ]; then   # through the API server's service proxy to the operator's Service
  X "$SEALCTL" verify --kubeconfig "$KC" -f "$work/sealed.yaml"
else                         # the local operator's API port
  "$SEALCTL" verify --kubeconfig "$KC" --controller-url http://127.0.0.1:18080 -f "$work/sealed.yaml"
fi

step "someone deletes the Secret by hand: the operator writes it again"
k delete Secret team-a db
within30 has_secret team-a db || { echo "Secret team-a/db not written again after 30 s"; exit 1; }
echo "Secret team-a/db is back"

step "attacker copies the SealedSecret into namespace team-b: refused"
sed 's/namespace: team-a/namespace: team-b/' "$work/sealed.yaml" > "$work/copied.yaml"
k apply "$work/copied.yaml"
within30 has_condition SealedSecret team-b db || true
condition SealedSecret team-b db
if k get Secret team-b db >/dev/null 2>&1; then echo "UNEXPECTED: Secret in team-b"; exit 1; fi
echo "no Secret in team-b"

step "disaster recovery: the key Secret's identity + the stock age CLI"
KEY_SECRET=$(k get ConfigMap sealsync-system sealsync-recipients | grep -o '# [0-9a-f]\{16\}' | head -1 | cut -c3-)
k get Secret sealsync-system "sealsync-key-$KEY_SECRET" | jq -r '.data["identity.txt"] | @base64d' > "$work/identity.txt"
grep 'password:' "$work/sealed.yaml" | awk '{print $2}' | base64 -d > "$work/password.age"
printf 'age -d -i identity.txt password.age -> '
age -d -i "$work/identity.txt" "$work/password.age"; echo

# ------------------------------------------------------------------- vault ---
step "platform engineer: an Infisical vault (here the local stand-in) and a SecretStore"
for _ in $(seq 100); do grep -q listening "$work/vault.out" 2>/dev/null && break; sleep 0.1; done
VAULT=$(sed -n 's/^listening on //p' "$work/vault.out" | head -1)
[ -n "$VAULT" ] || { echo "the Infisical stand-in did not start:"; cat "$work/vault.log"; exit 1; }
echo "vault API at http://$VAULT/api$([ "$MODE" = pods ] && echo " (on the node's address, reached by the operator Pods)")"

step "CD pipeline: sealctl bootstrap hands over its one machine identity"
INFISICAL_CLIENT_ID=0f1e2d3c-reader-client-id INFISICAL_CLIENT_SECRET=reader-client-secret-0001 \
  X "$SEALCTL" bootstrap --kubeconfig "$KC" --namespace team-a --name infisical-identity

cat > "$work/external.yaml" <<YAML
apiVersion: sealsync.dev/v1alpha1
kind: SecretStore
metadata: {name: infisical, namespace: team-a}
spec:
  provider:
    infisical:
      hostAPI: http://$VAULT/api
      auth:
        universalAuthCredentials:
          clientId: {name: infisical-identity, key: clientId}
          clientSecret: {name: infisical-identity, key: clientSecret}
      secretsScope: {projectSlug: team-a, environmentSlug: dev, secretsPath: /}
---
apiVersion: sealsync.dev/v1alpha1
kind: ExternalSecret
metadata: {name: billing-db, namespace: team-a}
spec:
  refreshInterval: 1h
  secretStoreRef: {name: infisical, kind: SecretStore}
  target:
    name: billing-db
    template:
      data:
        url: "postgres://{{ .user }}:{{ .password }}@{{ .host }}/billing"
  data:
    - {secretKey: user, remoteRef: {key: DB_USER}}
    - {secretKey: host, remoteRef: {key: DB_HOST}}
    - {secretKey: password, remoteRef: {key: /db/PASSWORD}}
YAML
step "platform engineer: apply the SecretStore and an ExternalSecret"
sed -n '/kind: ExternalSecret/,$p' "$work/external.yaml"
k apply "$work/external.yaml"
if ! within30 has_secret team-a billing-db; then
  echo "no Secret team-a/billing-db after 30 s"
  condition ExternalSecret team-a billing-db || true
  exit 1
fi
echo "(from the vault)"
show_secret team-a billing-db
within30 has_condition ExternalSecret team-a billing-db || true
condition ExternalSecret team-a billing-db
echo "vault calls: $(X curl -s "http://$VAULT/__control/calls" | jq -c '{login, list, get, total}')"

if [ "$MODE" = pods ]; then
  step "done: the operator ran as Pods installed by helm; sealed and external secrets became real Secrets"
  cat <<'EOF'
On any other cluster, with the image pushed to your registry
(docker build -t <registry>/sealsync/operator:<tag> . && docker push ...):
  helm install sealsync charts/sealsync -n sealsync-system --create-namespace \
    --set image.repository=<registry>/sealsync/operator --set image.tag=<tag>
or without Helm:  kubectl apply -f crds/ -f deploy/
EOF
else
  step "done (operator as a local process): sealed and external secrets became real Secrets; drift undone, scope enforced, recoverable"
fi
