// 1,000 ExternalSecrets over 10 Infisical scopes (the Infisical double),
// side by side with a bare client creating 1,000 Secrets on the same API
// server in the same run.
//
//   build-bench/bench/external_bench [COUNT] [WORKERS]
//
// The ExternalSecrets (and 10 SecretStores sharing one machine identity) exist
// before the operator starts; measured: time until every Secret exists,
// logins and list calls the vault saw (ESO makes a login and a read per
// object), operator peak RSS and CPU seconds. Prints markdown.
#include <signal.h>

#include <cstdio>
#include <iostream>

#include "bench/bench_util.h"
#include "tests/support/control_plane.h"
#include "tests/support/subprocess.h"

namespace {

using namespace sealsync::bench;
using sealsync::kube::Json;
using namespace std::chrono_literals;
namespace st = sealsync::testing;

const sealsync::kube::Resource kStores{"sealsync.dev", "v1alpha1",
                                       "secretstores", true};
const sealsync::kube::Resource kExternal{"sealsync.dev", "v1alpha1",
                                         "externalsecrets", true};

}  // namespace

int main(int argc, char** argv) {
  int count = argc > 1 ? std::atoi(argv[1]) : 1000;
  int workers = argc > 2 ? std::atoi(argv[2]) : 4;
  constexpr int kScopes = 10;
  auto* cp = st::ControlPlane::Shared();
  if (cp == nullptr) return 1;
  auto client = cp->NewClient();
  InstallCrds(*client);
  std::string bare_ns = cp->NewNamespace("bench-bare");
  std::string op_ns = cp->NewNamespace("bench-operator");
  std::string ns = cp->NewNamespace("bench-external");

  // The vault.
  std::string vault_out = cp->dir() + "/bench-vault.out";
  auto vault = st::Subprocess::Start(
      {INFISICAL_DOUBLE_BINARY, "--seed",
       std::string(SEALSYNC_SOURCE_DIR) + "/bench/infisical_bench_seed.json",
       "--port", "0", "--quiet"},
      vault_out);
  std::string host;
  for (int i = 0; i < 100 && host.empty(); ++i) {
    std::string out = st::ReadFile(vault_out);
    if (size_t at = out.find("listening on "); at != std::string::npos) {
      host = out.substr(at + 13, out.find('\n', at) - at - 13);
    }
    std::this_thread::sleep_for(50ms);
  }
  if (host.empty()) return 1;

  // Phase 1: the bare client, timed by the same instrument.
  std::optional<SecretCounter> bare_counter;
  bare_counter.emplace(*client, bare_ns, "");
  auto t0 = Clock::now();
  Parallel(count, workers, [&](int i) {
    Json s = {{"apiVersion", "v1"},
              {"kind", "Secret"},
              {"metadata",
               {{"name", "s" + std::to_string(i)}, {"namespace", bare_ns}}},
              {"stringData", {{"value", "value-" + std::to_string(i)}}}};
    (void)client->Create(sealsync::kube::kSecrets, s);
  });
  auto bare_done = bare_counter->WaitFor(count, 600s);
  double bare = bare_done ? Secs(*bare_done - t0) : -1;
  bare_counter.reset();

  // Stores, credentials and ExternalSecrets, before the operator starts.
  Json creds = {{"apiVersion", "v1"},
                {"kind", "Secret"},
                {"metadata", {{"name", "identity"}, {"namespace", ns}}},
                {"stringData",
                 {{"clientId", "bench-client-id"},
                  {"clientSecret", "bench-client-secret"}}}};
  (void)client->Create(sealsync::kube::kSecrets, creds);
  for (int s = 0; s < kScopes; ++s) {
    Json store = {
        {"apiVersion", "sealsync.dev/v1alpha1"},
        {"kind", "SecretStore"},
        {"metadata", {{"name", "svc" + std::to_string(s)}, {"namespace", ns}}},
        {"spec",
         {{"provider",
           {{"infisical",
             {{"hostAPI", "http://" + host + "/api"},
              {"auth",
               {{"universalAuthCredentials",
                 {{"clientId", {{"name", "identity"}, {"key", "clientId"}}},
                  {"clientSecret",
                   {{"name", "identity"}, {"key", "clientSecret"}}}}}}},
              {"secretsScope",
               {{"projectSlug", "bench"},
                {"environmentSlug", "prod"},
                {"secretsPath", "/svc" + std::to_string(s)}}}}}}}}}};
    (void)client->Create(kStores, store);
  }
  Parallel(count, workers, [&](int i) {
    int s = i % kScopes;
    char key[16];
    std::snprintf(key, sizeof key, "KEY%03d", (i / kScopes) % 100);
    Json es = {
        {"apiVersion", "sealsync.dev/v1alpha1"},
        {"kind", "ExternalSecret"},
        {"metadata", {{"name", "e" + std::to_string(i)}, {"namespace", ns}}},
        {"spec",
         {{"refreshInterval", "1h"},
          {"secretStoreRef", {{"name", "svc" + std::to_string(s)}}},
          {"data",
           {{{"secretKey", "value"}, {"remoteRef", {{"key", key}}}}}}}}};
    (void)client->Create(kExternal, es);
  });

  // Phase 2: the operator starts with COUNT ExternalSecrets waiting.
  auto args = OperatorArgs(SEALSYNC_OPERATOR_BINARY, cp->kubeconfig(), op_ns,
                           ns, workers);
  // Timed by a watch that sees the last Secret appear (as operator_bench).
  SecretCounter counter(*client, ns, "app.kubernetes.io/managed-by=sealsync");
  t0 = Clock::now();
  auto op =
      st::Subprocess::Start(args, cp->dir() + "/bench-external-operator.log");
  auto done = counter.WaitFor(count, 600s);
  double sync = done ? Secs(*done - t0) : -1;
  auto stats = Stats(op->pid());
  std::string calls;
  st::RunCommand("curl -s http://" + host + "/__control/calls", &calls);
  Json c = Json::parse(calls, nullptr, false);
  long logins = c.is_object() ? c["login"].value("calls", 0L) : -1;
  long lists = c.is_object() ? c["list"].value("calls", 0L) : -1;
  long gets = c.is_object() ? c["get"].value("calls", 0L) : -1;
  op->Signal(SIGTERM);
  op->Wait(30s);
  vault->Signal(SIGTERM);

  std::printf(
      "| %d ExternalSecrets over %d scopes, %d writers/workers | value |\n",
      count, kScopes, workers);
  std::printf("|---|---|\n");
  std::printf("| bare client creates %d Secrets (s) | %.2f |\n", count, bare);
  std::printf(
      "| operator start -> every Secret synced (s) | %.2f (%.2fx bare) |\n",
      sync, sync / bare);
  std::printf(
      "| vault logins in the refresh window | %ld (ESO: one per object) |\n",
      logins);
  std::printf(
      "| vault list calls in the refresh window | %ld (target <= %d) |\n",
      lists, kScopes);
  std::printf("| vault single-secret gets | %ld |\n", gets);
  std::printf("| operator peak RSS / CPU | %.1f MiB / %.2f s |\n",
              stats.rss_mib, stats.cpu_s);
  return 0;
}
