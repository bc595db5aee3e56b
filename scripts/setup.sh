#!/usr/bin/env bash
# Installs every Debian package sealsync needs to build, test and benchmark.
# Idempotent: when everything is present it only runs dpkg-query and exits.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  libssl-dev libsodium-dev libyaml-cpp-dev nlohmann-json3-dev
  libcurl4-openssl-dev libboost-dev libboost-system-dev libspdlog-dev libfmt-dev
  libcli11-dev libgtest-dev libgmock-dev googletest libbenchmark-dev
  libre2-dev age openssl time clang-16 libclang-rt-16-dev clang-format iproute2
  # a real node for the node tests (scripts/node.sh): container runtime, CNI,
  # kube-proxy's iptables; binutils strips the operator for its image; jq
  containerd runc containernetworking-plugins iptables binutils jq
  # scripts/long_functions.py (the FunctionLength test)
  python3
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
