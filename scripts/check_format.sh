#!/usr/bin/env bash
# Fails if any C++ source in the tree differs from clang-format's output.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cc' '*.h')
[ ${#files[@]} -gt 0 ] || exit 0
if ! clang-format --dry-run --Werror "${files[@]}"; then
  echo "format check failed: run clang-format -i on the files above" >&2
  exit 1
fi
echo "format check: ${#files[@]} files clean"
