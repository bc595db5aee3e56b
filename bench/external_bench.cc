// 1,000 ExternalSecrets over 10 Infisical scopes (the Infisical double),
// side by side with a bare client and with the floor on the same API server
// in the same run.
//
//   build-bench/bench/external_bench [COUNT] [WORKERS] [REPS]
//                                    [ESO_CONTROLLER ESO_CRD_BUNDLE]
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
//   ESO       (with ESO_CONTROLLER: bench/peers.sh build-eso) the same
//             inputs as ESO objects (external-secrets.io/v1, Infisical
//             provider, Universal Auth, same double); its controller starts
//             with KUBECONFIG, --namespace, --concurrent W and its client
//             rate limit lifted
//   floor + watches  (with BENCH_FLOOR_WATCHES=1) the floor, with the two
//             watches any operator holds (its ExternalSecrets, its labelled
//             Secrets, each filling a cache) started with it: what watching
//             costs the API server and the client
// BENCH_ALL_REQUESTS=1 also prints every API request of the floor and the
// operator (not only Secrets, ExternalSecrets, stores and Events);
// BENCH_PHASE_HOOK=CMD runs `CMD floor &` / `CMD operator &` as each of those
// phases starts (e.g. to take the API server's CPU profile).
// Also: vault logins and list calls per phase (ESO makes a login and a read
// per object), operator peak RSS, CPU seconds per process. Prints markdown.
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <set>
#include <sstream>

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

// Whose objects the inputs are: sealsync's, or ESO's (its API group, and
// its Infisical client appends /api/... to hostAPI itself).
struct Flavor {
  std::string api_version;
  sealsync::kube::Resource stores, externals;
  std::string host_path;  // appended to "http://HOST" for hostAPI
};
const Flavor kSealsync{"sealsync.dev/v1alpha1", kStores, kExternal, "/api"};
const Flavor kEso{"external-secrets.io/v1",
                  {"external-secrets.io", "v1", "secretstores", true},
                  {"external-secrets.io", "v1", "externalsecrets", true},
                  ""};

// Credentials, 10 stores and COUNT ExternalSecrets in `ns` (one key each of
// 100 per scope, refreshed hourly), as `f`'s objects.
void CreateInputs(sealsync::kube::Client& client, const std::string& ns,
                  const std::string& host, int count, int workers,
                  const Flavor& f = kSealsync) {
  Json creds = {{"apiVersion", "v1"},
                {"kind", "Secret"},
                {"metadata", {{"name", "identity"}, {"namespace", ns}}},
                {"stringData",
                 {{"clientId", "bench-client-id"},
                  {"clientSecret", "bench-client-secret"}}}};
  (void)client.Create(sealsync::kube::kSecrets, creds);
  for (int s = 0; s < kScopes; ++s) {
    Json store = {
        {"apiVersion", f.api_version},
        {"kind", "SecretStore"},
        {"metadata", {{"name", "svc" + std::to_string(s)}, {"namespace", ns}}},
        {"spec",
         {{"provider",
           {{"infisical",
             {{"hostAPI", "http://" + host + f.host_path},
              {"auth",
               {{"universalAuthCredentials",
                 {{"clientId", {{"name", "identity"}, {"key", "clientId"}}},
                  {"clientSecret",
                   {{"name", "identity"}, {"key", "clientSecret"}}}}}}},
              {"secretsScope",
               {{"projectSlug", "bench"},
                {"environmentSlug", "prod"},
                {"secretsPath", "/svc" + std::to_string(s)}}}}}}}}}};
    if (auto c = client.Create(f.stores, store); !c)
      std::cerr << "SecretStore: " << c.error().message() << "\n";
  }
  Parallel(count, workers, [&](int i) {
    int s = i % kScopes;
    char key[16];
    std::snprintf(key, sizeof key, "KEY%03d", (i / kScopes) % 100);
    Json es = {
        {"apiVersion", f.api_version},
        {"kind", "ExternalSecret"},
        {"metadata", {{"name", "e" + std::to_string(i)}, {"namespace", ns}}},
        {"spec",
         {{"refreshInterval", "1h"},
          {"secretStoreRef", {{"name", "svc" + std::to_string(s)}}},
          {"data",
           {{{"secretKey", "value"}, {"remoteRef", {{"key", key}}}}}}}}};
    (void)client.Create(f.externals, es);
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

// What any operator holds beyond the floor's requests: a watch of its
// ExternalSecrets and one of its Secrets (the labelled ones), each filling a
// cache, running from construction to destruction (BENCH_FLOOR_WATCHES=1).
class OperatorWatches {
 public:
  OperatorWatches(sealsync::kube::Client& client, const std::string& ns)
      : externals_(client, kExternal, ns, {}, external_store_, Ignore),
        secrets_(client, sealsync::kube::kSecrets, ns, Managed(), secret_store_,
                 Ignore) {
    threads_.emplace_back([this] { externals_.Run(stop_); });
    threads_.emplace_back([this] { secrets_.Run(stop_); });
  }
  ~OperatorWatches() {
    stop_ = true;
    for (auto& t : threads_) t.join();
  }

 private:
  static void Ignore(sealsync::kube::WatchEventType, const std::string&,
                     const sealsync::kube::ObjectPtr&) {}
  static sealsync::kube::WatchOptions Managed() {
    sealsync::kube::WatchOptions o;
    o.label_selector = kManaged;
    return o;
  }
  std::atomic<bool> stop_{false};
  sealsync::kube::Store external_store_, secret_store_;
  sealsync::kube::Watcher externals_, secrets_;
  std::vector<std::thread> threads_;
};

// The double's call counters: logins, lists, gets, token revocations.
struct VaultCalls {
  long login = 0, list = 0, get = 0, revoke = 0;
  VaultCalls operator-(const VaultCalls& o) const {
    return {login - o.login, list - o.list, get - o.get, revoke - o.revoke};
  }
};
VaultCalls Calls(const std::string& host) {
  std::string calls;
  st::RunCommand("curl -s http://" + host + "/__control/calls", &calls);
  Json c = Json::parse(calls, nullptr, false);
  if (!c.is_object()) return {-1, -1, -1, -1};
  return {c["login"].value("calls", 0L), c["list"].value("calls", 0L),
          c["get"].value("calls", 0L), c["revoke"].value("calls", 0L)};
}

// Untimed, after a phase: polls (every 200 ms, at most `limit`) until every
// ExternalSecret in `ns` has Ready=True for its generation. Returns the
// number of list requests it made (-1 if they never all became Ready), so
// they can be told from the operator's own.
int WaitReady(sealsync::kube::Client& client, const std::string& ns,
              size_t count, std::chrono::seconds limit) {
  auto deadline = Clock::now() + limit;
  for (int polls = 1; Clock::now() < deadline; ++polls) {
    auto l = client.List(kExternal, ns, {});
    size_t ready = 0;
    for (const auto& o : l ? l->items : std::vector<Json>{}) {
      auto gen = o["metadata"].value("generation", 0L);
      for (const auto& c : o.value("status", Json::object())
                               .value("conditions", Json::array())) {
        if (c.value("type", "") == "Ready" && c.value("status", "") == "True" &&
            c.value("observedGeneration", -1L) == gen)
          ++ready;
      }
    }
    if (ready >= count) return polls;
    std::this_thread::sleep_for(200ms);
  }
  return -1;
}

// The samples of `metric` for the externalsecret controller in an
// exposition text, as "label=value N" joined by commas.
std::string ControllerCounts(const std::string& text,
                             const std::string& metric) {
  std::string out;
  std::istringstream lines(text);
  const std::string prefix = metric + "{controller=\"externalsecret\",";
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with(prefix)) continue;
    std::string labels = line.substr(prefix.size());
    labels = labels.substr(0, labels.find('}'));
    labels.erase(std::remove(labels.begin(), labels.end(), '"'), labels.end());
    out += (out.empty() ? "" : ", ") + labels + " " +
           line.substr(line.rfind(' ') + 1);
  }
  return out.empty() ? "none" : out;
}

// Field `field` of the first JSON log line whose "msg" is `msg` ("" if
// none): the operator logs its start-up steps with "elapsedMs".
std::string LogField(const std::string& log, const std::string& msg,
                     const std::string& field) {
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("\"msg\":\"" + msg + "\"") == std::string::npos) continue;
    auto j = Json::parse(line, nullptr, false);
    if (j.is_object() && j.contains(field))
      return j[field].is_string() ? j[field].get<std::string>()
                                  : j[field].dump();
  }
  return "";
}

const std::set<std::string> kObjects = {"secrets", "externalsecrets",
                                        "secretstores", "events"};

// Applies the CRDs of ESO's bundle without their conversion webhooks (no
// webhook runs here, and the bench writes the stored version only).
bool InstallEsoCrds(sealsync::kube::Client& client, const std::string& path) {
  auto docs = sealsync::api::ParseManifests(st::ReadFile(path),
                                            sealsync::api::Scalars::kTyped);
  if (!docs) {
    std::cerr << path << ": " << docs.error().message() << "\n";
    return false;
  }
  for (auto& d : *docs) {
    if (d.value("kind", "") != "CustomResourceDefinition") continue;
    if (d.contains("spec")) d["spec"].erase("conversion");
    auto a = client.Apply(sealsync::kube::kCrds, Json::parse(d.dump()),
                          {"bench", true});
    if (!a) {
      std::cerr << "CRD " << d["metadata"].value("name", "") << ": "
                << a.error().message() << "\n";
      return false;
    }
  }
  std::this_thread::sleep_for(3s);  // established + discovery
  return true;
}

// One run of a controller process over waiting inputs: start -> the last
// Secret, its CPU and peak RSS, the vault calls it made.
struct ProcessRun {
  double seconds = -1;
  CpuSample cpu;
  ProcStats stats;
  VaultCalls calls;
};

// sealsync's operator and ESO side by side (same inputs, same vault).
void PrintEso(const std::vector<ProcessRun>& eso,
              const std::vector<double>& op_secs,
              const std::vector<CpuSample>& op_cpu,
              const std::vector<ProcStats>& op_stats,
              const std::vector<VaultCalls>& op_calls) {
  std::vector<double> eso_secs;
  for (const auto& r : eso) eso_secs.push_back(r.seconds);
  const VaultCalls oc = op_calls.empty() ? VaultCalls{} : op_calls.back();
  const VaultCalls ec = eso.empty() ? VaultCalls{} : eso.back().calls;
  std::printf(
      "\n| ExternalSecrets waiting, process start -> every Secret, median of "
      "%zu alternated runs | seconds | controller CPU s | kube-apiserver CPU "
      "s | controller peak RSS MiB | vault calls (last run): logins, lists, "
      "gets, revokes |\n|---|---|---|---|---|---|\n",
      eso.size());
  std::printf(
      "| sealsync operator | %.2f (runs: %s) | %.2f | %.2f | %.1f | "
      "%ld, %ld, %ld, %ld |\n",
      Median(op_secs), Join(op_secs).c_str(), MedianOf(op_cpu, &CpuSample::op),
      MedianOf(op_cpu, &CpuSample::apiserver),
      MedianOf(op_stats, &ProcStats::rss_mib), oc.login, oc.list, oc.get,
      oc.revoke);
  std::printf(
      "| ESO | %.2f (runs: %s) | %.2f | %.2f | %.1f | %ld, %ld, "
      "%ld, %ld |\n",
      Median(eso_secs), Join(eso_secs).c_str(),
      MedianOf(eso, [](const ProcessRun& r) { return r.cpu.op; }),
      MedianOf(eso, [](const ProcessRun& r) { return r.cpu.apiserver; }),
      MedianOf(eso, [](const ProcessRun& r) { return r.stats.rss_mib; }),
      ec.login, ec.list, ec.get, ec.revoke);
  std::printf("\nratio of medians: ESO / sealsync = %.1fx\n",
              Median(eso_secs) / Median(op_secs));
}

}  // namespace

// One floor phase in a fresh namespace: its time to the last Secret, CPU,
// vault calls and API requests; with `watches`, the operator's two watches
// run beside it from its start. nullopt (and a message) if it failed.
struct FloorRun {
  double seconds = -1;
  CpuSample cpu;
  VaultCalls calls;
  RequestCounts requests;
};
std::optional<FloorRun> RunFloor(st::ControlPlane& cp,
                                 sealsync::kube::Client& client,
                                 const std::string& host, int count,
                                 int workers, bool watches) {
  std::string ns = cp.NewNamespace(watches ? "bench-floorw" : "bench-floor");
  CreateInputs(client, ns, host, count, workers);
  SecretCounter counter(client, ns, kManaged);
  std::this_thread::sleep_for(2s);
  VaultCalls v0 = Calls(host);
  RequestCounts q0 = ApiRequests(cp.dir());
  CpuSample c0 = SampleCpu(cp.dir(), 0);
  if (const char* h = std::getenv("BENCH_PHASE_HOOK"))
    (void)std::system((std::string(h) + " floor &").c_str());
  auto t0 = Clock::now();
  std::optional<OperatorWatches> held;
  if (watches) held.emplace(client, ns);
  if (!Floor(client, ns, host, workers)) {
    std::cerr << "floor phase failed\n";
    return std::nullopt;
  }
  auto done = counter.WaitFor(count, 600s);
  FloorRun out;
  out.cpu = SampleCpu(cp.dir(), 0) - c0;
  out.seconds = done ? Secs(*done - t0) : -1;
  out.calls = Calls(host) - v0;
  out.requests = ApiRequests(cp.dir()) - q0;
  return out;
}

int main(int argc, char** argv) {
  int count = argc > 1 ? std::atoi(argv[1]) : 1000;
  int workers = argc > 2 ? std::atoi(argv[2]) : 4;
  int reps = argc > 3 ? std::max(1, std::atoi(argv[3])) : 3;
  std::string eso = argc > 5 ? argv[4] : "";
  std::string eso_crds = argc > 5 ? argv[5] : "";
  auto* cp = st::ControlPlane::Shared();
  if (cp == nullptr) return 1;
  auto client = cp->NewClient();
  InstallCrds(*client);
  if (!eso.empty() && !InstallEsoCrds(*client, eso_crds)) return 1;
  std::string op_ns = cp->NewNamespace("bench-operator");
  // Its key made once, so that no timed start pays for making one.
  if (MakeOperatorKey(OperatorArgs(OperatorBinary(), cp->kubeconfig(), op_ns,
                                   op_ns, workers),
                      *client, op_ns, cp->dir() + "/bench-key.log")
          .empty()) {
    std::cerr << "the operator published no recipients\n";
    return 1;
  }

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

  std::vector<double> bare, floor, floor_watched, startup;
  std::vector<CpuSample> cpu_bare, cpu_floor, cpu_floor_watched, cpu_op;
  const char* w = std::getenv("BENCH_FLOOR_WATCHES");
  const bool with_watches = w != nullptr && *w == '1';
  std::vector<VaultCalls> calls_floor, calls_op;
  std::vector<ProcStats> op_stats, op_settled;
  std::vector<ProcessRun> eso_runs;
  RequestCounts req_floor, req_window, req_settled;
  std::string reconciles, failures;
  std::vector<double> started_ms;  // process start -> ExternalSecret workers
  int unsettled = 0;
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
      auto f = RunFloor(*cp, *client, host, count, workers, false);
      if (!f) return 1;
      floor.push_back(f->seconds);
      cpu_floor.push_back(f->cpu);
      calls_floor.push_back(f->calls);
      req_floor = f->requests;
    }
    if (with_watches) {  // floor + watches
      auto f = RunFloor(*cp, *client, host, count, workers, true);
      if (!f) return 1;
      floor_watched.push_back(f->seconds);
      cpu_floor_watched.push_back(f->cpu);
    }
    {  // operator
      std::string ns = cp->NewNamespace("bench-external");
      CreateInputs(*client, ns, host, count, workers);
      SecretCounter counter(*client, ns, kManaged);
      std::this_thread::sleep_for(2s);
      VaultCalls v0 = Calls(host);
      RequestCounts q0 = ApiRequests(cp->dir());
      CpuSample c0 = SampleCpu(cp->dir(), 0);
      if (const char* h = std::getenv("BENCH_PHASE_HOOK"))
        (void)std::system((std::string(h) + " operator &").c_str());
      auto t0 = Clock::now();
      std::string log =
          cp->dir() + "/bench-external-operator-" + std::to_string(r) + ".log";
      auto op = st::Subprocess::Start(
          OperatorArgs(OperatorBinary(), cp->kubeconfig(), op_ns, ns, workers),
          log);
      auto done = counter.WaitFor(count, 600s);
      cpu_op.push_back(SampleCpu(cp->dir(), op->pid()) - c0);
      startup.push_back(done ? Secs(*done - t0) : -1);
      calls_op.push_back(Calls(host) - v0);
      op_stats.push_back(Stats(op->pid()));
      req_window = ApiRequests(cp->dir()) - q0;
      // Untimed: everything the operator does for this start, up to every
      // ExternalSecret Ready (status writes after the last Secret, repeats).
      int polls = WaitReady(*client, ns, count, 120s);
      if (polls < 0) ++unsettled;
      std::this_thread::sleep_for(1s);  // late repeats
      op_settled.push_back(Stats(op->pid()));
      req_settled = ApiRequests(cp->dir()) - q0;
      req_settled["LIST externalsecrets"] -= std::max(polls, 0);
      std::string m = OperatorMetrics(log);
      reconciles = ControllerCounts(m, "sealsync_reconciles_total");
      {
        std::string text = st::ReadFile(log);
        std::string ms =
            LogField(text, "vault controllers started", "elapsedMs");
        if (ms.empty())
          ms = LogField(text, "caches synced", "elapsedMs");  // older
        started_ms.push_back(ms.empty() ? -1 : std::atof(ms.c_str()));
      }
      failures = ControllerCounts(m, "sealsync_reconcile_failures_total");
      op->Signal(SIGTERM);
      op->Wait(30s);
    }
    if (!eso.empty()) {  // ESO
      std::string ns = cp->NewNamespace("bench-eso");
      CreateInputs(*client, ns, host, count, workers, kEso);
      SecretCounter counter(*client, ns, "");  // + the credentials Secret
      std::this_thread::sleep_for(2s);
      ProcessRun run;
      VaultCalls v0 = Calls(host);
      CpuSample c0 = SampleCpu(cp->dir(), 0);
      auto t0 = Clock::now();
      auto p = st::Subprocess::Start(
          {"env", "KUBECONFIG=" + cp->kubeconfig(), eso, "--namespace=" + ns,
           "--concurrent=" + std::to_string(workers),
           // its client rate limit lifted, as Bitnami's in peer_bench
           "--client-qps=-1", "--client-burst=1000", "--metrics-addr=0",
           "--enable-leader-election=false"},
          cp->dir() + "/bench-eso-" + std::to_string(r) + ".log");
      if (!p) return 1;
      auto done = counter.WaitFor(count + 1, 600s);
      run.cpu = SampleCpu(cp->dir(), p->pid()) - c0;
      run.seconds = done ? Secs(*done - t0) : -1;
      run.stats = Stats(p->pid());
      run.calls = Calls(host) - v0;
      eso_runs.push_back(run);
      p->Signal(SIGTERM);
      if (!p->Wait(30s)) p->Signal(SIGKILL);
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
  if (with_watches) {
    std::printf(
        "| floor + the operator's two watches (its ExternalSecrets, its "
        "Secrets), started with it (runs: %s) | %.2f | %.2fx | %.2fx |\n",
        Join(floor_watched).c_str(), Median(floor_watched),
        Median(floor_watched) / b, Median(floor_watched) / f);
  }
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
  std::printf(
      "operator peak RSS %.1f MiB, CPU %.2f s at the last Secret, %.2f s once "
      "every ExternalSecret was Ready (medians%s)\n",
      MedianOf(op_stats, &ProcStats::rss_mib),
      MedianOf(op_stats, &ProcStats::cpu_s),
      MedianOf(op_settled, &ProcStats::cpu_s),
      unsettled ? "; NOT every run became Ready within 120 s" : "");
  std::printf(
      "ExternalSecret workers started %s ms after the operator started (its "
      "log)\n",
      Join(started_ms).c_str());
  std::printf(
      "\nAPI requests (last run) for Secrets, ExternalSecrets, SecretStores "
      "and Events:\n- floor: %s\n- operator, to the last Secret: %s\n- "
      "operator, until every ExternalSecret was Ready (+1 s): %s\n- "
      "operator reconciles: %s\n- operator failed or degraded reconciles: "
      "%s\n",
      FormatRequests(req_floor, kObjects).c_str(),
      FormatRequests(req_window, kObjects).c_str(),
      FormatRequests(req_settled, kObjects).c_str(), reconciles.c_str(),
      failures.c_str());
  if (std::getenv("BENCH_ALL_REQUESTS") != nullptr) {
    std::printf("- floor, every resource: %s\n- operator, every resource: %s\n",
                FormatRequests(req_floor).c_str(),
                FormatRequests(req_window).c_str());
  }
  std::vector<std::pair<std::string, std::vector<CpuSample>>> cpu_rows = {
      {"bare client", cpu_bare}, {"floor", cpu_floor}};
  if (with_watches) cpu_rows.push_back({"floor + watches", cpu_floor_watched});
  cpu_rows.push_back({"operator startup", cpu_op});
  PrintCpuTable(cpu_rows);
  if (!eso.empty()) PrintEso(eso_runs, startup, cpu_op, op_stats, calls_op);
  return 0;
}
