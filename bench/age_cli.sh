#!/usr/bin/env bash
# Side-by-side: sealctl and the age CLI encrypting and decrypting the same
# 64 MiB file, each pinned to one core; median wall time of RUNS runs.
# Usage: bench/age_cli.sh [BUILD_DIR]   (default build-bench, Release)
set -euo pipefail
BUILD=${1:-build-bench}
SEALCTL=$BUILD/sealctl/sealctl
RUNS=${RUNS:-5}
SIZE_MIB=${SIZE_MIB:-64}
command -v age >/dev/null || { echo "age CLI missing (run scripts/setup.sh)" >&2; exit 1; }
[ -x "$SEALCTL" ] || { echo "build $SEALCTL first" >&2; exit 1; }

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
head -c $((SIZE_MIB << 20)) /dev/urandom > "$work/plain"
age-keygen -o "$work/key" 2>/dev/null
R=$(age-keygen -y "$work/key")
PIN="taskset -c 0"

# median_ms CMD...: runs CMD RUNS times, prints the median in milliseconds.
median_ms() {
  local times=()
  for _ in $(seq "$RUNS"); do
    local t0 t1
    t0=$(date +%s%N); "$@"; t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}

enc_age()     { $PIN age -r "$R" -o "$work/a.age" "$work/plain"; }
enc_sealctl() { $PIN "$SEALCTL" seal --raw --binary --scope cluster -r "$R" --from-file "$work/plain" > "$work/s.age"; }
dec_age()     { $PIN age -d -i "$work/key" -o "$work/out" "$work/a.age"; }
dec_sealctl() { $PIN "$SEALCTL" unseal --raw -i "$work/key" -f "$work/a.age" > "$work/out"; }

ea=$(median_ms enc_age); es=$(median_ms enc_sealctl)
da=$(median_ms dec_age); ds=$(median_ms dec_sealctl)
# Interop and correctness of what was timed.
age -d -i "$work/key" "$work/s.age" | cmp -s - "$work/plain" || { echo "age cannot read sealctl's file" >&2; exit 1; }
cmp -s "$work/out" "$work/plain" || { echo "sealctl decrypted wrong bytes" >&2; exit 1; }

echo "| ${SIZE_MIB} MiB, median of ${RUNS}, one core | age $(age --version) | sealctl |"
echo "|---|---|---|"
echo "| encrypt (ms) | $ea | $es |"
echo "| decrypt (ms) | $da | $ds |"
