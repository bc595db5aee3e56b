#!/usr/bin/env bash
# The main job, end to end (offline for now): installs what is missing,
# builds, then walks through what a developer and a platform engineer do:
# make a key, seal a Secret, inspect the SealedSecret, unseal it as the
# operator would, watch scope protect a copied value, and recover a value
# with the stock `age` CLI alone.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
bash scripts/build.sh >/dev/null
SEALCTL=$PWD/${BUILD_DIR:-build}/sealctl/sealctl
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "platform engineer: sealctl keygen -o cluster-key.txt"
"$SEALCTL" keygen -o cluster-key.txt
RECIPIENT=$("$SEALCTL" recipient -i cluster-key.txt)
echo "recipient: $RECIPIENT"

step "developer: a plain Secret (never committed)"
cat > secret.yaml <<'YAML'
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
cat secret.yaml

step "developer: sealctl seal -f secret.yaml --recipient age1... > sealed.yaml (safe to commit)"
"$SEALCTL" seal -f secret.yaml --recipient "$RECIPIENT" > sealed.yaml
sed -E 's/(: [A-Za-z0-9+\/=]{60})[A-Za-z0-9+\/=]+/\1.../' sealed.yaml

step "operator's view: sealctl unseal -f sealed.yaml -i cluster-key.txt"
"$SEALCTL" unseal -f sealed.yaml -i cluster-key.txt

step "attacker copies the SealedSecret into namespace team-b: refused"
sed 's/namespace: team-a/namespace: team-b/' sealed.yaml > copied.yaml
if "$SEALCTL" unseal -f copied.yaml -i cluster-key.txt; then
  echo "UNEXPECTED: copied value was accepted" >&2; exit 1
fi

step "disaster recovery with the stock age CLI only"
grep 'password:' sealed.yaml | awk '{print $2}' | base64 -d > password.age
printf 'age -d -i cluster-key.txt password.age -> '
age -d -i cluster-key.txt password.age; echo

step "done: sealed, unsealed, scope enforced, recoverable without sealsync"
