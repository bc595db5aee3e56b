#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in build-fuzz/ and runs each for
# FUZZ_SECONDS (default 30) from its seed corpus in tests/fuzz/corpus/.
# Exits non-zero if a target fails to build or any run finds a crash, leak,
# timeout or failed check; crash inputs are left in build-fuzz/artifacts/.
#
#   FUZZ_SECONDS=60 scripts/fuzz.sh            all targets
#   scripts/fuzz.sh header_fuzz                one target
#   FUZZ_CXX=clang++-17 scripts/fuzz.sh        pick the compiler
#
# Needs clang >= 16 with its compiler-rt (Debian: clang-16 libclang-rt-16-dev):
# clang 14 and 15 cannot compile libstdc++ 12's std::expected.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${FUZZ_SECONDS:-30}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=(header_fuzz armor_fuzz json_fuzz manifest_fuzz); fi

pick_cxx() {
  if [ -n "${FUZZ_CXX:-}" ]; then echo "$FUZZ_CXX"; return; fi
  for v in 19 18 17 16; do
    if command -v "clang++-$v" >/dev/null; then echo "clang++-$v"; return; fi
  done
  if command -v clang++ >/dev/null; then
    major="$(clang++ -dumpversion | cut -d. -f1)"
    if [ "$major" -ge 16 ]; then echo clang++; return; fi
  fi
  echo "fuzz.sh: error: need clang >= 16 (apt-get install clang-16 libclang-rt-16-dev)" >&2
  exit 2
}
cxx="$(pick_cxx)"
# Symbolised stack traces in crash reports.
sym="$(command -v "llvm-symbolizer-${cxx##*-}" || command -v llvm-symbolizer || true)"
if [ -n "$sym" ]; then export ASAN_SYMBOLIZER_PATH="$sym"; fi

cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSEALSYNC_BUILD_FUZZ=ON -DSEALSYNC_BUILD_BENCH=OFF >/dev/null
ninja -C "$build" "${targets[@]}"

mkdir -p "$build/artifacts"
failed=()
for t in "${targets[@]}"; do
  name="${t%_fuzz}"
  work="$build/tests/fuzz/corpus/$name"
  mkdir -p "$work"
  log="$build/$t.log"
  echo "fuzz.sh: running $t for ${seconds}s"
  if "$build/tests/fuzz/$t" -max_total_time="$seconds" -max_len=4096 \
      -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$build/artifacts/$t-" \
      "$work" "$root/tests/fuzz/corpus/$name" >"$log" 2>&1; then
    runs="$(grep -m1 '^stat::number_of_executed_units' "$log" | awk '{print $2}')"
    rate="$(grep -m1 '^stat::average_exec_per_sec' "$log" | awk '{print $2}')"
    cov="$(grep -E '^#[0-9]+.*DONE' "$log" | tail -1 | grep -o 'cov: [0-9]*' || true)"
    echo "fuzz.sh: $t ok: ${runs:-?} runs, ${rate:-?} exec/s, ${cov:-cov: ?}"
  else
    echo "fuzz.sh: $t FAILED (log $log):"
    grep -E 'ERROR|check failed|SUMMARY|Test unit written' "$log" | head -20 || tail -20 "$log"
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz.sh: ${#failed[@]} failed: ${failed[*]}"
  exit 1
fi
echo "fuzz.sh: all ${#targets[@]} targets ran clean"
