#!/usr/bin/env bash
# Per-value seal and unseal CPU, side by side in one run: sealsync's age and
# sodium forms (bench/seal_bench.cc, Google Benchmark) and Bitnami
# sealed-secrets v0.40.0's RSA-4096-OAEP + AES-256-GCM (its own pkg/crypto,
# bench/peers/bitnamicrypto), a 64-byte value with a strict scope, each
# pinned to core 0 (Go with GOMAXPROCS=1). RUNS (3) alternated rounds;
# medians. Prints markdown.
# Usage: bench/per_value.sh [BUILD_DIR]   (default build-bench, Release)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build-bench}
RUNS=${RUNS:-3}
SEAL_BENCH=$BUILD/bench/seal_bench
[ -x "$SEAL_BENCH" ] || { echo "build $SEAL_BENCH first" >&2; exit 1; }
bash bench/peers.sh build >/dev/null 2>&1 || bash bench/peers.sh build
BITNAMI=$(bash bench/peers.sh path bitnamicrypto)

declare -A us
for _ in $(seq "$RUNS"); do
  while read -r name t unit; do
    case $unit in us) ;; ns) t=$(awk -v t="$t" 'BEGIN { print t / 1000 }') ;; ms) t=$(awk -v t="$t" 'BEGIN { print t * 1000 }') ;; esac
    us[$name]+="$t "
  done < <(taskset -c 0 "$SEAL_BENCH" --benchmark_filter='^BM_(Seal|Unseal)64_' \
             --benchmark_min_time=0.5 2>/dev/null | awk '/^BM_/ { print $1, $4, $5 }')
  while read -r name t; do us[$name]+="$t "; done < <(GOMAXPROCS=1 taskset -c 0 "$BITNAMI" -n 100)
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | sed -n "$(( (RUNS + 1) / 2 ))p"; }
per_s() { awk -v u="$1" 'BEGIN { printf "%\047d", 1e6 / u }'; }
row() {
  local s u; s=$(median "${us[$2]}"); u=$(median "${us[$3]}")
  printf '| %s | %.0f µs (%s/s) | %.0f µs (%s/s) | runs: %s/ %s|\n' "$1" "$s" "$(per_s "$s")" "$u" "$(per_s "$u")" "${us[$2]}" "${us[$3]}"
}
echo "| 64-byte value, one core, median of $RUNS alternated rounds | seal (CPU per value) | unseal | runs (µs) seal / unseal |"
echo "|---|---|---|---|"
row "sealsync, age form (X25519 + scope stanza)" BM_Seal64_Age BM_Unseal64_Age
row "sealsync, sodium form (crypto_box_seal)" BM_Seal64_Sodium BM_Unseal64_Sodium
row "Bitnami v0.40.0 (RSA-4096-OAEP + AES-256-GCM, Go)" bitnami_seal_us bitnami_unseal_us
