// 1,000 SealedSecrets -> 1,000 Secrets, side by side with a bare client
// creating 1,000 Secrets on the same API server in the same run.
//
//   build-bench/bench/operator_bench [COUNT] [WORKERS]
//
// Starts its own control plane (scripts/controlplane.sh). Phases:
//   bare     W threads create COUNT Secrets (plain POSTs)
//   startup  COUNT SealedSecrets exist; the operator (--workers W) starts;
//            time until every Secret exists (includes list and key load)
//   live     the operator runs; W threads apply COUNT new SealedSecrets at
//            once; time from the first apply until every Secret exists
// and the operator's peak RSS and CPU seconds. Prints markdown.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "bench/bench_util.h"
#include "lib/api/manifest.h"
#include "sealsync/names.h"
#include "sealsync/sealing.h"
#include "tests/support/control_plane.h"
#include "tests/support/subprocess.h"

namespace {

using namespace sealsync::bench;

using sealsync::kube::Json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
namespace st = sealsync::testing;

const sealsync::kube::Resource kSealed{"sealsync.dev", "v1alpha1",
                                       "sealedsecrets", true};

Json SealedSecret(const std::string& ns, const std::string& name,
                  const sealsync::X25519Recipient& r) {
  sealsync::ScopeBinding b{sealsync::Scope::kStrict, ns, name};
  std::vector<sealsync::X25519Recipient> rs = {r};
  auto v =
      sealsync::SealValue(sealsync::AsBytes("value-" + name), rs, b,
                          sealsync::SealFormat::kAge, sealsync::SystemRandom());
  return {{"apiVersion", "sealsync.dev/v1alpha1"},
          {"kind", "SealedSecret"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec", {{"encryptedData", {{"password", *v}}}}}};
}

}  // namespace

int main(int argc, char** argv) {
  int count = argc > 1 ? std::atoi(argv[1]) : 1000;
  int workers = argc > 2 ? std::atoi(argv[2]) : 4;
  auto* cp = st::ControlPlane::Shared();
  if (cp == nullptr) {
    std::cerr << "no control plane\n";
    return 1;
  }
  auto client = cp->NewClient();
  std::ifstream crd(std::string(SEALSYNC_SOURCE_DIR) +
                    "/crds/sealsync.dev_sealedsecrets.yaml");
  std::string crd_text((std::istreambuf_iterator<char>(crd)), {});
  auto crd_doc =
      sealsync::api::ParseManifest(crd_text, sealsync::api::Scalars::kTyped);
  (void)client->Apply(sealsync::kube::kCrds, Json::parse(crd_doc->dump()),
                      {"bench", true});
  std::this_thread::sleep_for(2s);  // CRD established + discovery
  std::string bare_ns = cp->NewNamespace("bench-bare");
  std::string op_ns = cp->NewNamespace("bench-operator");
  std::string ns = cp->NewNamespace("bench-sealed");

  // Phase 1: the bare client.
  auto t0 = Clock::now();
  Parallel(count, workers, [&](int i) {
    Json s = {{"apiVersion", "v1"},
              {"kind", "Secret"},
              {"metadata",
               {{"name", "s" + std::to_string(i)}, {"namespace", bare_ns}}},
              {"stringData", {{"password", "value-" + std::to_string(i)}}}};
    (void)client->Create(sealsync::kube::kSecrets, s);
  });
  double bare = Secs(Clock::now() - t0);

  // The operator makes its key; SealedSecrets are created while it is down.
  std::string log = cp->dir() + "/bench-operator.log";
  std::vector<std::string> args = {SEALSYNC_OPERATOR_BINARY,
                                   "--kubeconfig",
                                   cp->kubeconfig(),
                                   "--namespace",
                                   op_ns,
                                   "--watch-namespaces",
                                   ns,
                                   "--workers",
                                   std::to_string(workers),
                                   "--health-addr",
                                   "127.0.0.1:0",
                                   "--api-addr",
                                   "127.0.0.1:0",
                                   "--leader-elect",
                                   "false"};
  sealsync::X25519Recipient recipient(std::array<uint8_t, 32>{});
  {
    auto op = st::Subprocess::Start(args, log);
    for (int i = 0; i < 300; ++i) {
      auto cm = client->Get(sealsync::kube::kConfigMaps,
                            {op_ns, "sealsync-recipients"});
      if (cm) {
        auto rs = sealsync::ParseRecipientsFile(
            (*cm)["data"].value("recipients.txt", ""));
        if (rs && !rs->empty()) {
          recipient = rs->front();
          break;
        }
      }
      std::this_thread::sleep_for(100ms);
    }
    op->Signal(SIGTERM);
    op->Wait(30s);
  }
  Parallel(count, workers, [&](int i) {
    (void)client->Create(kSealed,
                         SealedSecret(ns, "s" + std::to_string(i), recipient));
  });
  std::string managed = "app.kubernetes.io/managed-by=sealsync";

  // Phase 2: startup with COUNT SealedSecrets waiting.
  auto op = st::Subprocess::Start(args, log);
  t0 = Clock::now();
  while (CountSecrets(*client, ns, managed) < static_cast<size_t>(count)) {
    std::this_thread::sleep_for(200ms);
    if (Secs(Clock::now() - t0) > 600) break;
  }
  double startup = Secs(Clock::now() - t0);
  auto after_startup = Stats(op->pid());

  // Phase 3: COUNT more applied at once while it runs.
  std::vector<Json> more;
  for (int i = 0; i < count; ++i)
    more.push_back(SealedSecret(ns, "t" + std::to_string(i), recipient));
  t0 = Clock::now();
  Parallel(count, workers,
           [&](int i) { (void)client->Create(kSealed, more[i]); });
  double applied = Secs(Clock::now() - t0);
  while (CountSecrets(*client, ns, managed) < static_cast<size_t>(2 * count)) {
    std::this_thread::sleep_for(200ms);
    if (Secs(Clock::now() - t0) > 600) break;
  }
  double live = Secs(Clock::now() - t0);
  auto end = Stats(op->pid());
  op->Signal(SIGTERM);
  op->Wait(30s);

  std::printf("| %d objects, %d writers/workers | seconds | vs bare client |\n",
              count, workers);
  std::printf("|---|---|---|\n");
  std::printf("| bare client creates %d Secrets | %.2f | 1.00x |\n", count,
              bare);
  std::printf(
      "| operator startup: %d waiting SealedSecrets -> Secrets | %.2f | %.2fx "
      "|\n",
      count, startup, startup / bare);
  std::printf(
      "| live: %d SealedSecrets applied at once -> Secrets (apply alone took "
      "%.2f s) | %.2f | %.2fx |\n",
      count, applied, live, live / bare);
  std::printf(
      "\noperator peak RSS %.1f MiB, CPU %.2f s after startup phase, %.2f s in "
      "all\n",
      end.rss_mib, after_startup.cpu_s, end.cpu_s);
  return 0;
}
