#!/usr/bin/env bash
# What a platform engineer does, on a real single node on this machine (no
# Docker, no registry): build the operator image without Docker, start a node
# (scripts/node.sh: its own network namespace, containerd, kubelet,
# kube-proxy), `helm install` the chart with that image, then the developer
# seals a Secret and the CD pipeline applies it; the operator, running as two
# Pods, writes the Secret. Everything is removed at the end. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
bash scripts/setup.sh >/dev/null
bash scripts/build.sh >/dev/null
B=$ROOT/${BUILD_DIR:-build}
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "build the images without Docker (scripts/image.sh; a Dockerfile does the same with Docker)"
bash scripts/image.sh build "$B/images"
bash scripts/helm.sh build 2>/dev/null
HELM=$(bash scripts/helm.sh path)

step "start a node: control plane, containerd, kubelet, kube-proxy in a network namespace"
STATE=$(mktemp -d "${TMPDIR:-/tmp}/sealsync-demo-node.XXXXXX")
work=$(mktemp -d)
cleanup() {
  bash scripts/node.sh stop "$STATE" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
KC=$(SEALSYNC_IMAGES=$B/images bash scripts/node.sh start "$STATE")
X() { bash scripts/node.sh exec "$STATE" "$@"; }
k() { X "$B/tests/tools/kapply" --kubeconfig "$KC" "$@"; }

step "platform engineer: helm install (namespace enforcing Pod Security restricted)"
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
EOF
k apply "$work/ns.yaml"
echo "helm install sealsync charts/sealsync -n sealsync-system --set image.tag=dev --set image.pullPolicy=Never --wait"
X "$HELM" install sealsync charts/sealsync --kubeconfig "$KC" -n sealsync-system \
  --set image.tag=dev --set image.pullPolicy=Never --wait --timeout 120s
bash scripts/node.sh status "$STATE"

step "developer: sealctl seal -f secret.yaml > sealed.yaml (recipients from the cluster)"
cat > "$work/secret.yaml" <<'EOF'
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: team-a}
type: Opaque
stringData: {password: s3cr3t-demo-password}
EOF
X "$B/sealctl/sealctl" seal --kubeconfig "$KC" -f "$work/secret.yaml" > "$work/sealed.yaml"
sed -E 's/(: [A-Za-z0-9+\/=]{50})[A-Za-z0-9+\/=]+/\1.../' "$work/sealed.yaml"

step "CD pipeline: apply sealed.yaml; the operator Pods write the Secret"
k apply "$work/sealed.yaml"
for _ in $(seq 100); do k get Secret team-a db >/dev/null 2>&1 && break; sleep 0.1; done
printf 'Secret team-a/db password = %s\n' \
  "$(k get Secret team-a db | jq -r '.data.password' | base64 -d)"
X "$B/sealctl/sealctl" verify --kubeconfig "$KC" -f "$work/sealed.yaml"

step "on any other cluster"
cat <<'EOF'
helm install sealsync charts/sealsync -n sealsync-system --create-namespace \
  --set image.repository=<your registry>/sealsync/operator --set image.tag=<tag>
# or without Helm:  kubectl apply -f crds/ -f deploy/
EOF
