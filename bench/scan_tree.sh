#!/usr/bin/env bash
# sealctl scan vs gitleaks on a generated 10,000-file tree: Kubernetes
# manifests, Helm values, .env and shell files, SealedSecrets, plus the
# labelled corpus's true secrets sprinkled in (one in every 100 files).
# Prints a markdown table (median of RUNS wall-clock runs, max RSS).
#
#   bash bench/scan_tree.sh BUILD_DIR     (BUILD_DIR holds sealctl/sealctl)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SEALCTL=$BUILD/sealctl/sealctl
RUNS=${RUNS:-3}
FILES=${FILES:-10000}
bash scripts/gitleaks.sh build >/dev/null 2>&1
GITLEAKS=$(bash scripts/gitleaks.sh path)
TREE=$(mktemp -d /tmp/sealsync-scan-tree.XXXXXX)
trap 'rm -rf "$TREE"' EXIT

# The generated tree: a few templates, each written many times with small
# changes, so file sizes and kinds resemble a GitOps repository.
R=$("$SEALCTL" keygen 2>/dev/null | "$SEALCTL" recipient)
printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: team-a}\nstringData:\n  password: %s\n' \
  "$(head -c 24 /dev/urandom | base64)" | "$SEALCTL" seal -r "$R" > "$TREE/.sealed"
mapfile -t secrets < <(find tests/testdata/scan/corpus/true -type f)
for ((i = 0; i < FILES; i++)); do
  d=$TREE/apps/app-$((i / 100))
  [ -d "$d" ] || mkdir -p "$d"
  case $((i % 5)) in
    0) cat > "$d/deploy-$i.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: app-$i, namespace: team-$((i % 7))}
spec:
  replicas: 2
  template:
    metadata:
      labels: {app: app-$i}
    spec:
      containers:
        - name: app
          image: registry.example.com/app@sha256:$(printf '%064x' "$i")
          env:
            - name: DB_PASSWORD
              valueFrom: {secretKeyRef: {name: db-$i, key: password}}
          resources: {limits: {memory: 128Mi}}
YAML
    ;;
    1) cp "$TREE/.sealed" "$d/db-$i.sealed.yaml" ;;
    2) printf 'replicaCount: %d\nimage:\n  tag: "1.%d.0"\nexistingSecret: db-%d\nservice:\n  port: 8080\n' \
         "$i" "$i" "$i" > "$d/values-$i.yaml" ;;
    3) printf 'LOG_LEVEL=info\nPORT=%d\nDB_HOST=db-%d.svc\nFEATURE_X=true\n' "$((8000 + i % 100))" "$i" > "$d/app-$i.env" ;;
    4) printf '#!/bin/sh\nset -e\nkubectl -n team-%d rollout status deploy/app-%d\necho done %d\n' \
         "$((i % 7))" "$i" "$i" > "$d/rollout-$i.sh" ;;
  esac
  if ((i % 100 == 50)); then
    s=${secrets[$(((i / 100) % ${#secrets[@]}))]}
    cp "$s" "$d/leak-$i-$(basename "$s")"
  fi
done
files=$(find "$TREE" -type f | wc -l)
mb=$(du -sm "$TREE" | cut -f1)

# median wall seconds and max RSS over RUNS runs of "$@"
measure() {
  local times=() rss=0 t m
  for ((r = 0; r < RUNS; r++)); do
    /usr/bin/time -f '%e %M' -o "$TREE/.time" "$@" >"$TREE/.out" 2>/dev/null || true
    read -r t m < <(tail -1 "$TREE/.time")
    times+=("$t"); if ((m > rss)); then rss=$m; fi
  done
  printf '%s %s\n' "$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")" "$rss"
}
read -r s_t s_m < <(measure "$SEALCTL" scan --format json "$TREE")
s_found=$("$SEALCTL" scan --format json "$TREE" 2>/dev/null | jq '.findings | length' || true)
read -r g_t g_m < <(measure "$GITLEAKS" dir --no-banner --report-format json --report-path "$TREE/.gl.json" --exit-code 0 "$TREE")
g_found=$(jq length "$TREE/.gl.json")
echo "$files files, ${mb} MB; $(find "$TREE" -name 'leak-*' | wc -l) of them hold a true secret"
echo
echo "| scanner | wall (median of $RUNS) | max RSS | findings |"
echo "|---|---|---|---|"
echo "| sealctl scan | ${s_t} s | $((s_m / 1024)) MiB | $s_found |"
echo "| gitleaks dir ($(basename "$(dirname "$GITLEAKS")")) | ${g_t} s | $((g_m / 1024)) MiB | $g_found |"
