#!/usr/bin/env bash
# Builds the benchmarks in Release (build-bench/) and runs them side by side.
# Prints markdown for docs/benchmarks.md. Run on an otherwise idle machine.
#
#   bash bench/run.sh            all
#   bash bench/run.sh sealing    in-process sealing + sealctl vs age CLI,
#                                per-value CPU vs Bitnami's RSA-4096
#   bash bench/run.sh operator   1,000 SealedSecrets / ExternalSecrets, and
#                                Bitnami's controller beside the operator
#                                (BENCH_ESO=1: and ESO's, bench/peers.sh)
#   bash bench/run.sh scale      10,000 SealedSecrets / ExternalSecrets
#   bash bench/run.sh scan       sealctl scan vs gitleaks, 10,000 files
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
bash scripts/setup.sh >/dev/null
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DSEALSYNC_BUILD_TESTS=ON >/dev/null
ninja -C build-bench seal_bench sealctl operator_bench external_bench peer_bench >/dev/null
bash bench/peers.sh build >/dev/null
if [ "$what" = all ] || [ "$what" = sealing ]; then
  echo "### In process (Google Benchmark, pinned to core 0)"
  echo '```'
  taskset -c 0 build-bench/bench/seal_bench --benchmark_repetitions=3 \
    --benchmark_report_aggregates_only=true 2>/dev/null | grep -E "median|Benchmark|---"
  echo '```'
  echo
  echo "### sealctl vs age CLI"
  RUNS=${RUNS:-5} bash bench/age_cli.sh build-bench
  echo
  echo "### Per value: sealsync vs Bitnami's RSA-4096"
  RUNS=${RUNS:-3} bash bench/per_value.sh build-bench
  echo
  echo "### 1,000 Secrets: sealctl vs kubeseal"
  RUNS=${RUNS:-5} bash bench/seal_many.sh build-bench
fi
if [ "$what" = all ] || [ "$what" = operator ]; then
  echo
  echo "### 1,000 SealedSecrets"
  build-bench/bench/operator_bench 1000 4 10000 9 2>/dev/null
  echo
  echo "### 1,000 ExternalSecrets over 10 scopes (and ESO v0.16.2 beside the operator)"
  # ESO's build takes long (every provider's SDK; 23 min on a loaded 2-core
  # machine): only with BENCH_ESO=1.
  eso=()
  if [ "${BENCH_ESO:-0}" = 1 ] && bash bench/peers.sh build-eso >/dev/null; then
    eso=("$(bash bench/peers.sh path eso)" "$(bash bench/peers.sh eso-crds)")
  fi
  # with the floor that also holds the operator's two watches
  BENCH_FLOOR_WATCHES=1 build-bench/bench/external_bench 1000 4 3 "${eso[@]}" 2>/dev/null
  echo
  echo "### 1,000 SealedSecrets: sealsync and Bitnami's controller"
  build-bench/bench/peer_bench "$(bash bench/peers.sh path controller)" 1000 4 3 2>/dev/null
fi
if [ "$what" = all ] || [ "$what" = scale ]; then
  echo
  echo "### 10,000 SealedSecrets (and a standby replica)"
  build-bench/bench/operator_bench 10000 4 10000 1 2>/dev/null
  echo
  echo "### 10,000 ExternalSecrets"
  build-bench/bench/external_bench 10000 4 1 2>/dev/null
fi
if [ "$what" = all ] || [ "$what" = scan ]; then
  echo
  echo "### sealctl scan vs gitleaks: 10,000 files"
  RUNS=${RUNS:-3} bash bench/scan_tree.sh build-bench
fi
