#!/usr/bin/env bash
# The main job, end to end on this machine: installs what is missing, builds,
# starts a real local control plane (kube-apiserver + etcd), installs the
# CRDs, runs the operator, seals a Secret with sealctl (recipients fetched
# from the cluster), applies it and shows the Secret the operator wrote; then
# shows scope refusing a copied value and recovery with the stock age CLI;
# finally an ExternalSecret synced from a local Infisical stand-in (the
# test double: the real Infisical server cannot run here) with the one
# bootstrap credential handed over by `sealctl bootstrap`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
bash scripts/setup.sh >/dev/null
bash scripts/build.sh >/dev/null
B=$ROOT/${BUILD_DIR:-build}
SEALCTL=$B/sealctl/sealctl
KAPPLY=$B/tests/tools/kapply
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "starting a local control plane (first run builds it from Go modules: ~10 min)"
KUBECONFIG_FILE=$(bash scripts/controlplane.sh start)
CP_DIR=$(dirname "$KUBECONFIG_FILE")
work=$(mktemp -d)
OP_PID=
VAULT_PID=
cleanup() {
  [ -n "$OP_PID" ] && kill -TERM "$OP_PID" 2>/dev/null && wait "$OP_PID" 2>/dev/null || true
  [ -n "$VAULT_PID" ] && kill -TERM "$VAULT_PID" 2>/dev/null && wait "$VAULT_PID" 2>/dev/null || true
  bash scripts/controlplane.sh stop "$CP_DIR" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
k() { "$KAPPLY" --kubeconfig "$KUBECONFIG_FILE" "$@"; }
echo "kubeconfig: $KUBECONFIG_FILE"

step "platform engineer: install the CRDs and the namespaces"
k apply crds/*.yaml
k wait-crd sealedsecrets.sealsync.dev
for ns in sealsync-system team-a team-b; do
  printf '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"%s"}}' "$ns" > "$work/ns.json"
  k apply "$work/ns.json"
done

step "platform engineer: run the operator (it makes its sealing key on first start)"
"$B/operator/sealsync-operator" --kubeconfig "$KUBECONFIG_FILE" --namespace sealsync-system \
  --health-addr 127.0.0.1:18081 --api-addr 127.0.0.1:18080 --log-format text \
  --vault-allowed-hosts 127.0.0.1 --vault-insecure-hosts 127.0.0.1 \
  > "$work/operator.log" 2>&1 &
OP_PID=$!
for _ in $(seq 100); do
  curl -sf 127.0.0.1:18081/readyz 2>/dev/null | grep -q leader && break
  sleep 0.2
done
curl -s 127.0.0.1:18081/readyz
"$SEALCTL" seal --kubeconfig "$KUBECONFIG_FILE" --fetch-recipients

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
"$SEALCTL" seal --kubeconfig "$KUBECONFIG_FILE" -f "$work/secret.yaml" > "$work/sealed.yaml"
sed -E 's/(: [A-Za-z0-9+\/=]{50})[A-Za-z0-9+\/=]+/\1.../' "$work/sealed.yaml"

step "CD pipeline: apply sealed.yaml; the operator writes the Secret"
k apply "$work/sealed.yaml"
for _ in $(seq 100); do k get Secret team-a db >/dev/null 2>&1 && break; sleep 0.1; done
k get Secret team-a db | python3 -c '
import base64, json, sys
s = json.load(sys.stdin)
print("Secret team-a/db  owner:", s["metadata"]["ownerReferences"][0]["kind"],
      " labels:", s["metadata"]["labels"])
for key, value in sorted(s["data"].items()):
    print("  %s = %s" % (key, base64.b64decode(value).decode()))'
sleep 0.5
k get SealedSecret team-a db | python3 -c '
import json, sys
c = json.load(sys.stdin)["status"]["conditions"][0]
print("SealedSecret team-a/db  Ready=%s reason=%s" % (c["status"], c["reason"]))'

step "someone deletes the Secret by hand: the operator writes it again"
k delete Secret team-a db
for _ in $(seq 100); do k get Secret team-a db >/dev/null 2>&1 && break; sleep 0.1; done
k get Secret team-a db >/dev/null && echo "Secret team-a/db is back"

step "attacker copies the SealedSecret into namespace team-b: refused"
sed 's/namespace: team-a/namespace: team-b/' "$work/sealed.yaml" > "$work/copied.yaml"
k apply "$work/copied.yaml"
sleep 1
k get SealedSecret team-b db | python3 -c '
import json, sys
c = json.load(sys.stdin)["status"]["conditions"][0]
print("SealedSecret team-b/db  Ready=%s reason=%s\n  %s" % (c["status"], c["reason"], c["message"]))'
k get Secret team-b db >/dev/null 2>&1 && { echo "UNEXPECTED: Secret in team-b"; exit 1; } || echo "no Secret in team-b"

step "disaster recovery: the key Secret's identity + the stock age CLI"
KEY_SECRET=$(k get ConfigMap sealsync-system sealsync-recipients | grep -o '# [0-9a-f]\{16\}' | head -1 | cut -c3-)
k get Secret sealsync-system "sealsync-key-$KEY_SECRET" | python3 -c '
import base64, json, sys
print(base64.b64decode(json.load(sys.stdin)["data"]["identity.txt"]).decode(), end="")' > "$work/identity.txt"
grep 'password:' "$work/sealed.yaml" | awk '{print $2}' | base64 -d > "$work/password.age"
printf 'age -d -i identity.txt password.age -> '
age -d -i "$work/identity.txt" "$work/password.age"; echo

step "platform engineer: an Infisical vault (here the local stand-in) and a SecretStore"
"$B/tests/fakes/infisical/infisical-double" --seed tests/testdata/infisical/seed.json --port 0 \
  --quiet > "$work/vault.out" 2>"$work/vault.log" &
VAULT_PID=$!
for _ in $(seq 50); do grep -q listening "$work/vault.out" 2>/dev/null && break; sleep 0.1; done
VAULT=$(sed -n 's/^listening on //p' "$work/vault.out" | head -1)
echo "vault API at http://$VAULT/api"

step "CD pipeline: sealctl bootstrap hands over its one machine identity"
INFISICAL_CLIENT_ID=0f1e2d3c-reader-client-id INFISICAL_CLIENT_SECRET=reader-client-secret-0001 \
  "$SEALCTL" bootstrap --kubeconfig "$KUBECONFIG_FILE" --namespace team-a --name infisical-identity

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
for _ in $(seq 150); do k get Secret team-a billing-db >/dev/null 2>&1 && break; sleep 0.1; done
k get Secret team-a billing-db | python3 -c '
import base64, json, sys
s = json.load(sys.stdin)
print("Secret team-a/billing-db (from the vault):")
for key, value in sorted(s["data"].items()):
    print("  %s = %s" % (key, base64.b64decode(value).decode()))'
sleep 0.5
k get ExternalSecret team-a billing-db | python3 -c '
import json, sys
st = json.load(sys.stdin)["status"]
c = st["conditions"][0]
print("ExternalSecret team-a/billing-db  Ready=%s reason=%s refreshTime=%s" % (c["status"], c["reason"], st.get("refreshTime")))'
echo "vault calls: $(curl -s "http://$VAULT/__control/calls" | python3 -c 'import json,sys; d=json.load(sys.stdin); print({k: v for k, v in d.items() if k in ("login", "list", "get", "total")})')"

step "done: sealed and external secrets became real Secrets; drift undone, scope enforced, recoverable"
