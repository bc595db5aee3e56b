// 1,000 ExternalSecrets over 10 Infisical scopes (the Infisical double),
// side by side with a bare client and with the floor on the same API server
// in the same run.
//
//   build-bench/bench/external_bench [COUNT] [WORKERS] [REPS]
//
// Three phases alternate REPS (default 3) times, each in a fresh namespace
// after a 2 s pause, all timed by a watch that sees the last Secret appear:
//   bare      W threads create COUNT Secrets of the shape the operator
//             writes (labels, annotation, data), no owner
//   floor     the least any operator must do, done by this process: list
//             the COUNT waiting ExternalSecrets (one request), read the
//             store's credentials Secret, one vault login, one vault list
//             per scope (shared by every object, as the operator's), create
//             each Secret with its ownerReference and write each
//             ExternalSecret's status once (W threads)
//   operator  COUNT ExternalSecrets (and 10 SecretStores sharing one machine
//             identity) exist; the operator (--workers W) starts
// Also: vault logins and list calls per phase (ESO makes a login and a read
// per object), operator peak RSS, CPU seconds per process. Prints markdown.
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "bench/bench_util.h"
#include "lib/base/base64.h"
#include "sealsync/clock.h"
#include "sealsync/names.h"
#include "sealsync/vault.h"
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

constexpr int kScopes = 10;
const std::string kManaged = "app.kubernetes.io/managed-by=sealsync";

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? -1 : v[v.size() / 2];
}

std::string Join(const std::vector<double>& v) {
  std::string out;
  for (double x : v) {
    char b[16];
    std::snprintf(b, sizeof b, "%s%.2f", out.empty() ? "" : " ", x);
    out += b;
  }
  return out;
}

// The Secret the operator writes for ExternalSecret `name` (value "v").
Json TargetSecret(const std::string& ns, const std::string& name,
                  const std::string& value) {
  return {
      {"apiVersion", "v1"},
      {"kind", "Secret"},
      {"metadata",
       {{"name", name},
        {"namespace", ns},
        {"labels",
         {{sealsync::names::kManagedByLabel,
           sealsync::names::kManagedByValue}}},
        {"annotations",
         {{sealsync::names::kOwnerAnnotation, "ExternalSecret/" + name}}}}},
      {"type", "Opaque"},
      {"data", {{"value", sealsync::Base64Encode(sealsync::AsBytes(value))}}}};
}

// Credentials, 10 stores and COUNT ExternalSecrets in `ns`.
void CreateInputs(sealsync::kube::Client& client, const std::string& ns,
                  const std::string& host, int count, int workers) {
  Json creds = {{"apiVersion", "v1"},
                {"kind", "Secret"},
                {"metadata", {{"name", "identity"}, {"namespace", ns}}},
                {"stringData",
                 {{"clientId", "bench-client-id"},
                  {"clientSecret", "bench-client-secret"}}}};
  (void)client.Create(sealsync::kube::kSecrets, creds);
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
    (void)client.Create(kStores, store);
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
    (void)client.Create(kExternal, es);
  });
}

// The floor (see the top of this file). False on the first failure.
bool Floor(sealsync::kube::Client& client, const std::string& ns,
           const std::string& host, int workers) {
  auto list = client.List(kExternal, ns, {});
  auto creds = client.Get(sealsync::kube::kSecrets, {ns, "identity"});
  if (!list || !creds) return false;
  sealsync::vault::ClientOptions opts;
  opts.hosts.allowed_hosts = {"127.0.0.1"};
  opts.hosts.insecure_hosts = {"127.0.0.1"};
  auto vault =
      sealsync::vault::NewInfisicalClient(sealsync::SystemClock(), opts);
  sealsync::vault::UniversalAuth auth;
  auth.host_api = "http://" + host + "/api";
  auto field = [&](const char* k) {
    auto b = sealsync::Base64Decode((*creds)["data"].value(k, ""));
    return b ? std::string(b->begin(), b->end()) : std::string();
  };
  auth.client_id = field("clientId");
  auth.client_secret = field("clientSecret");
  if (!vault->Verify(auth)) return false;
  const std::vector<Json>& items = list->items;
  std::atomic<bool> ok{true};
  Parallel(static_cast<int>(items.size()), workers, [&](int i) {
    const Json& es = items[i];
    const Json& spec = es["spec"];
    sealsync::vault::SecretScope scope;
    scope.project_slug = "bench";
    scope.environment = "prod";
    scope.path = "/" + spec["secretStoreRef"].value("name", "");
    auto l = vault->List(auth, scope, std::chrono::hours(1));
    const std::string key = spec["data"][0]["remoteRef"].value("key", "");
    const auto* v = l ? (*l)->Find(key) : nullptr;
    if (v == nullptr) {
      ok = false;
      return;
    }
    const std::string name = es["metadata"].value("name", "");
    Json s = TargetSecret(ns, name, std::string(sealsync::AsString(v->value)));
    s["metadata"]["ownerReferences"] = {
        {{"apiVersion", "sealsync.dev/v1alpha1"},
         {"kind", "ExternalSecret"},
         {"name", name},
         {"uid", es["metadata"]["uid"]},
         {"controller", true},
         {"blockOwnerDeletion", true}}};
    if (!client.Create(sealsync::kube::kSecrets, s)) ok = false;
    Json status = {
        {"observedGeneration", es["metadata"].value("generation", 1)},
        {"conditions",
         {{{"type", "Ready"},
           {"status", "True"},
           {"reason", "SecretSynced"},
           {"message", "Secret was synced from the vault"},
           {"lastTransitionTime", "2026-01-01T00:00:00Z"}}}},
        {"syncedResourceVersion", es["metadata"].value("resourceVersion", "")},
        {"binding", {{"name", name}}}};
    if (!client.MergePatch(kExternal, {ns, name}, {{"status", status}}, true))
      ok = false;
  });
  return ok;
}

// The double's call counters: logins, lists, gets.
struct VaultCalls {
  long login = 0, list = 0, get = 0;
  VaultCalls operator-(const VaultCalls& o) const {
    return {login - o.login, list - o.list, get - o.get};
  }
};
VaultCalls Calls(const std::string& host) {
  std::string calls;
  st::RunCommand("curl -s http://" + host + "/__control/calls", &calls);
  Json c = Json::parse(calls, nullptr, false);
  if (!c.is_object()) return {-1, -1, -1};
  return {c["login"].value("calls", 0L), c["list"].value("calls", 0L),
          c["get"].value("calls", 0L)};
}

}  // namespace

int main(int argc, char** argv) {
  int count = argc > 1 ? std::atoi(argv[1]) : 1000;
  int workers = argc > 2 ? std::atoi(argv[2]) : 4;
  int reps = argc > 3 ? std::max(1, std::atoi(argv[3])) : 3;
  auto* cp = st::ControlPlane::Shared();
  if (cp == nullptr) return 1;
  auto client = cp->NewClient();
  InstallCrds(*client);
  std::string op_ns = cp->NewNamespace("bench-operator");

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

  std::vector<double> bare, floor, startup;
  std::vector<CpuSample> cpu_bare, cpu_floor, cpu_op;
  std::vector<VaultCalls> calls_floor, calls_op;
  std::vector<ProcStats> op_stats;
  for (int r = 0; r < reps; ++r) {
    {  // bare
      std::string ns = cp->NewNamespace("bench-bare");
      SecretCounter counter(*client, ns, kManaged);
      std::this_thread::sleep_for(2s);
      CpuSample c0 = SampleCpu(cp->dir(), 0);
      auto t0 = Clock::now();
      Parallel(count, workers, [&](int i) {
        std::string name = "e" + std::to_string(i);
        (void)client->Create(sealsync::kube::kSecrets,
                             TargetSecret(ns, name, "value-" + name));
      });
      auto done = counter.WaitFor(count, 600s);
      cpu_bare.push_back(SampleCpu(cp->dir(), 0) - c0);
      bare.push_back(done ? Secs(*done - t0) : -1);
    }
    {  // floor
      std::string ns = cp->NewNamespace("bench-floor");
      CreateInputs(*client, ns, host, count, workers);
      SecretCounter counter(*client, ns, kManaged);
      std::this_thread::sleep_for(2s);
      VaultCalls v0 = Calls(host);
      CpuSample c0 = SampleCpu(cp->dir(), 0);
      auto t0 = Clock::now();
      if (!Floor(*client, ns, host, workers)) {
        std::cerr << "floor phase failed\n";
        return 1;
      }
      auto done = counter.WaitFor(count, 600s);
      cpu_floor.push_back(SampleCpu(cp->dir(), 0) - c0);
      floor.push_back(done ? Secs(*done - t0) : -1);
      calls_floor.push_back(Calls(host) - v0);
    }
    {  // operator
      std::string ns = cp->NewNamespace("bench-external");
      CreateInputs(*client, ns, host, count, workers);
      SecretCounter counter(*client, ns, kManaged);
      std::this_thread::sleep_for(2s);
      VaultCalls v0 = Calls(host);
      CpuSample c0 = SampleCpu(cp->dir(), 0);
      auto t0 = Clock::now();
      auto op = st::Subprocess::Start(
          OperatorArgs(SEALSYNC_OPERATOR_BINARY, cp->kubeconfig(), op_ns, ns,
                       workers),
          cp->dir() + "/bench-external-operator.log");
      auto done = counter.WaitFor(count, 600s);
      cpu_op.push_back(SampleCpu(cp->dir(), op->pid()) - c0);
      startup.push_back(done ? Secs(*done - t0) : -1);
      calls_op.push_back(Calls(host) - v0);
      op_stats.push_back(Stats(op->pid()));
      op->Signal(SIGTERM);
      op->Wait(30s);
    }
  }
  vault->Signal(SIGTERM);

  double b = Median(bare), f = Median(floor), s = Median(startup);
  std::vector<double> paired;
  for (size_t i = 0; i < startup.size(); ++i)
    paired.push_back(startup[i] / floor[i]);
  std::printf(
      "| %d ExternalSecrets over %d scopes, %d writers/workers, median of %d "
      "alternated runs | seconds | vs bare | vs floor |\n|---|---|---|---|\n",
      count, kScopes, workers, reps);
  std::printf(
      "| bare client creates %d Secrets (runs: %s) | %.2f | 1.00x | |\n", count,
      Join(bare).c_str(), b);
  std::printf(
      "| floor: list, 1 login, 1 list per scope, %d creates with "
      "ownerReference, %d status writes (runs: %s) | %.2f | %.2fx | 1.00x |\n",
      count, count, Join(floor).c_str(), f, f / b);
  std::printf(
      "| operator start -> every Secret (runs: %s) | %.2f | %.2fx | %.2fx |\n",
      Join(startup).c_str(), s, s / b, s / f);
  std::printf(
      "| operator / floor of the same alternation (runs: %s) | | | %.2fx |\n",
      Join(paired).c_str(), Median(paired));
  auto last = [](const std::vector<VaultCalls>& v) {
    return v.empty() ? VaultCalls{} : v.back();
  };
  std::printf(
      "\nvault calls (last run): floor %ld logins, %ld lists, %ld gets; "
      "operator %ld logins, %ld lists, %ld gets (ESO: a login and a read "
      "per object)\n",
      last(calls_floor).login, last(calls_floor).list, last(calls_floor).get,
      last(calls_op).login, last(calls_op).list, last(calls_op).get);
  std::vector<double> rss, cpu;
  for (const auto& p : op_stats) {
    rss.push_back(p.rss_mib);
    cpu.push_back(p.cpu_s);
  }
  std::printf("operator peak RSS %.1f MiB, CPU %.2f s (medians)\n", Median(rss),
              Median(cpu));
  std::printf(
      "\nCPU seconds while the phase ran (medians):\n\n| phase | "
      "kube-apiserver | etcd | bench client | operator | steal "
      "|\n|---|---|---|---|---|---|\n");
  auto row = [](const char* phase, const std::vector<CpuSample>& v) {
    auto med = [&v](double CpuSample::*m) {
      std::vector<double> xs;
      for (const auto& c : v) xs.push_back(c.*m);
      return Median(xs);
    };
    std::printf("| %s | %.2f | %.2f | %.2f | %.2f | %.2f |\n", phase,
                med(&CpuSample::apiserver), med(&CpuSample::etcd),
                med(&CpuSample::bench), med(&CpuSample::op),
                med(&CpuSample::steal));
  };
  row("bare client", cpu_bare);
  row("floor", cpu_floor);
  row("operator startup", cpu_op);
  return 0;
}
