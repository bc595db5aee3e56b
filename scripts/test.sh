#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: the format check,
# a short fuzz run, then unit, interop and integration tests (CTest; the
# integration tests run against a real kube-apiserver + etcd built from Go
# modules by scripts/controlplane.sh, about 10 minutes the first time; the
# chart tests use helm built from Go modules by scripts/helm.sh; the node
# test runs the operator as Pods on a real node, scripts/node.sh, with
# kubelet, kube-proxy and kube-scheduler from the same Go modules and the
# image of scripts/image.sh).
# In CI (CI=true) a missing prerequisite is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/check_format.sh
# charts/sealsync/crds and deploy/ are copies of crds/ and the chart.
bash scripts/sync_chart.sh --check
bash scripts/build.sh
FUZZ_SECONDS=${FUZZ_SECONDS:-20} bash scripts/fuzz.sh
bash scripts/controlplane.sh build --node   # --node: kubelet, kube-proxy, kube-scheduler too
bash scripts/helm.sh build   # the real helm CLI for the chart tests
bash scripts/kubeseal.sh build   # the real kubeseal for the Bitnami interop tests
bash scripts/gitleaks.sh build   # the real gitleaks the scan interop test measures against
# The node test first and verbose (it runs alone anyway): what it reports,
# the timings and the operators' memory as their Pods see it, is in the log
# even when it passes. Then everything else.
# --no-tests=error: a run that finds no test fails instead of passing.
node_status=0
ctest --test-dir "${BUILD_DIR:-build}" -L node -V --no-tests=error || node_status=$?
ctest --test-dir "${BUILD_DIR:-build}" -LE node --output-on-failure --no-tests=error -j2
exit $node_status
