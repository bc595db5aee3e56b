#!/usr/bin/env bash
# Side by side: sealing COUNT Secrets (a YAML stream, random 32-byte values)
# in one run of sealctl and of the real kubeseal (v0.40.0, built from Go
# modules by scripts/kubeseal.sh; offline with --cert), and sealctl one
# process per Secret (what users had to do before streams). Median wall time
# of RUNS alternated runs; every output is checked (COUNT SealedSecrets;
# sealctl's open again). Prints markdown.
# Usage: bench/seal_many.sh [BUILD_DIR]   (default build-bench, Release)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build-bench}
SEALCTL=$BUILD/sealctl/sealctl
COUNT=${COUNT:-1000}
RUNS=${RUNS:-5}
[ -x "$SEALCTL" ] || { echo "build $SEALCTL first" >&2; exit 1; }
bash scripts/kubeseal.sh build >/dev/null 2>&1
KUBESEAL=$(bash scripts/kubeseal.sh path)

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
openssl genrsa -out "$work/tls.key" 4096 2>/dev/null
openssl req -x509 -new -key "$work/tls.key" -subj "/CN=sealed-secret/O=sealed-secret" \
  -days 3650 -out "$work/tls.crt" 2>/dev/null
"$SEALCTL" keygen -o "$work/key.txt" 2>/dev/null
R=$("$SEALCTL" recipient -i "$work/key.txt")
mkdir -p "$work/one"
for i in $(seq "$COUNT"); do
  v=$(head -c 32 /dev/urandom | base64)
  doc=$(printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s%d\n  namespace: bench\ndata:\n  v: %s\n' "$i" "$v")
  printf -- '---\n%s\n' "$doc" >> "$work/stream.yaml"
  printf '%s\n' "$doc" > "$work/one/$i.yaml"
done

run_sealctl()   { "$SEALCTL" seal -r "$R" -f "$work/stream.yaml" > "$work/sealctl.yaml"; }
run_kubeseal()  { KUBECONFIG=/nonexistent "$KUBESEAL" --cert "$work/tls.crt" -o yaml \
                    < "$work/stream.yaml" > "$work/kubeseal.yaml"; }
run_per_file()  { for f in "$work"/one/*.yaml; do "$SEALCTL" seal -r "$R" -f "$f" > /dev/null; done; }

declare -A times
for _ in $(seq "$RUNS"); do
  for what in sealctl kubeseal per_file; do
    t0=$(date +%s%N); "run_$what"; t1=$(date +%s%N)
    times[$what]+="$(( (t1 - t0) / 1000000 )) "
  done
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"; }

n_s=$(grep -c '^kind: SealedSecret' "$work/sealctl.yaml")
n_k=$(grep -c '^kind: SealedSecret' "$work/kubeseal.yaml")
opened=$("$SEALCTL" unseal -i "$work/key.txt" -f "$work/sealctl.yaml" | grep -c '^kind: Secret')
# The kubeseal output opens in sealctl with the Bitnami key.
bitnami=$("$SEALCTL" unseal --bitnami-key "$work/tls.key" -f "$work/kubeseal.yaml" | grep -c '^kind: Secret')
[ "$n_s" = "$COUNT" ] && [ "$n_k" = "$COUNT" ] && [ "$opened" = "$COUNT" ] && [ "$bitnami" = "$COUNT" ] ||
  { echo "outputs wrong: sealctl $n_s, kubeseal $n_k, reopened $opened, kubeseal's reopened $bitnami" >&2; exit 1; }

ms=$(median "${times[sealctl]}"); mk=$(median "${times[kubeseal]}"); mp=$(median "${times[per_file]}")
echo "| $COUNT Secrets, median of $RUNS alternated runs | wall ms | runs (ms) |"
echo "|---|---|---|"
echo "| sealctl seal, one run (age, to one recipient) | $ms | ${times[sealctl]}|"
echo "| kubeseal v0.40.0 --cert, one run (RSA-4096) | $mk | ${times[kubeseal]}|"
echo "| sealctl seal, one process per Secret | $mp | ${times[per_file]}|"
echo
echo "Checked: $COUNT SealedSecrets from each; sealctl's reopened with sealctl unseal, kubeseal's with sealctl unseal --bitnami-key."
