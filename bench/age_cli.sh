#!/usr/bin/env bash
# Side by side: sealctl and the age CLI encrypting and decrypting the same
# SIZE_MIB (64) MiB file, each pinned to one core, RUNS (5) alternated runs
# (age, sealctl, age, sealctl, ...); median wall time, median CPU time (user
# + system, which a busy machine disturbs less than wall time) and median
# peak RSS (/usr/bin/time's maximum resident set). Decryption is measured from a file
# (sealctl maps it) and from a pipe (`cat FILE | ...`: not seekable, sealctl
# buffers the ciphertext). Checks every output against the input.
# Usage: bench/age_cli.sh [BUILD_DIR]   (default build-bench, Release)
set -euo pipefail
BUILD=${1:-build-bench}
SEALCTL=$BUILD/sealctl/sealctl
RUNS=${RUNS:-5}
SIZE_MIB=${SIZE_MIB:-64}
command -v age >/dev/null || { echo "age CLI missing (run scripts/setup.sh)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing (run scripts/setup.sh)" >&2; exit 1; }
[ -x "$SEALCTL" ] || { echo "build $SEALCTL first" >&2; exit 1; }

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
head -c $((SIZE_MIB << 20)) /dev/urandom > "$work/plain"
age-keygen -o "$work/key" 2>/dev/null
R=$(age-keygen -y "$work/key")
export PIN="taskset -c 0" R SEALCTL work

enc_age()     { $PIN age -r "$R" -o "$work/a.age" "$work/plain"; }
enc_sealctl() { $PIN "$SEALCTL" seal --raw --binary --scope cluster -r "$R" --from-file "$work/plain" > "$work/s.age"; }
dec_age()     { $PIN age -d -i "$work/key" -o "$work/out" "$work/a.age"; }
dec_sealctl() { $PIN "$SEALCTL" unseal --raw -i "$work/key" -f "$work/a.age" > "$work/out"; }
pipe_age()     { cat "$work/a.age" | $PIN age -d -i "$work/key" > "$work/out"; }
pipe_sealctl() { cat "$work/a.age" | $PIN "$SEALCTL" unseal --raw -i "$work/key" > "$work/out"; }
export -f enc_age enc_sealctl dec_age dec_sealctl pipe_age pipe_sealctl

declare -A wall rss cpu
# run NAME: one timed run; appends wall ms and peak RSS KiB of the decryptor
# (for the pipe cases /usr/bin/time measures the shell, whose largest child
# is the decryptor: %M is the maximum over the process tree's children).
run() {
  local t0 t1
  t0=$(date +%s%N)
  /usr/bin/time -f '%M %U %S' -o "$work/rss" bash -c "$1"
  t1=$(date +%s%N)
  wall[$1]+="$(( (t1 - t0) / 1000000 )) "
  read -r m u s < <(tail -n1 "$work/rss")
  rss[$1]+="$m "
  cpu[$1]+="$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%d", (u + s) * 1000 }') "
}
enc_age  # the file every decryption reads
for _ in $(seq "$RUNS"); do
  for what in enc_age enc_sealctl dec_age dec_sealctl pipe_age pipe_sealctl; do
    run "$what"
    case $what in
      dec_*|pipe_*) cmp -s "$work/out" "$work/plain" || { echo "$what decrypted wrong bytes" >&2; exit 1; } ;;
    esac
  done
done
# Interop of what was timed.
age -d -i "$work/key" "$work/s.age" | cmp -s - "$work/plain" || { echo "age cannot read sealctl's file" >&2; exit 1; }

median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
row() {  # label age_fn sealctl_fn
  local a=$2 s=$3
  printf '| %s | %s | %s | %.2fx | %s | %s | %.2fx | %s | %s |\n' "$1" \
    "$(median "${wall[$a]}")" "$(median "${wall[$s]}")" \
    "$(awk -v a="$(median "${wall[$a]}")" -v s="$(median "${wall[$s]}")" 'BEGIN { print s / a }')" \
    "$(median "${cpu[$a]}")" "$(median "${cpu[$s]}")" \
    "$(awk -v a="$(median "${cpu[$a]}")" -v s="$(median "${cpu[$s]}")" 'BEGIN { print s / a }')" \
    "$(mib "$(median "${rss[$a]}")")" "$(mib "$(median "${rss[$s]}")")"
}
echo "| ${SIZE_MIB} MiB, one core, median of ${RUNS} alternated runs | age $(age --version) wall ms | sealctl wall ms | sealctl / age | age CPU ms | sealctl CPU ms | sealctl / age | age peak RSS MiB | sealctl peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|"
row "encrypt, file -> file" enc_age enc_sealctl
row "decrypt, file -> file" dec_age dec_sealctl
row "decrypt, pipe -> file" pipe_age pipe_sealctl
echo
echo "Runs (wall ms): $(for k in enc_age enc_sealctl dec_age dec_sealctl pipe_age pipe_sealctl; do printf '%s: %s; ' "$k" "${wall[$k]}"; done)"
