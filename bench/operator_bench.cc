// 1,000 SealedSecrets -> 1,000 Secrets, side by side with a bare client
// creating 1,000 Secrets on the same API server in the same run.
//
//   build-bench/bench/operator_bench [COUNT] [WORKERS] [UNRELATED] [REPS]
//                                    [OPERATOR_WORKERS]
//
// Starts its own control plane (scripts/controlplane.sh). Phases, the first
// two alternating REPS (default 3) times, each in fresh namespaces:
//   bare     W threads create COUNT Secrets (plain POSTs) of the same shape
//            as the operator's (labels, annotations, data), without and
//            then with the operator's ownerReference
//   floor    the least any operator must do for the startup phase, done by
//            this process: list COUNT waiting SealedSecrets (one request),
//            unseal each, create each Secret with its ownerReference (W
//            threads); no process start, cache, watch or status
//   startup  COUNT SealedSecrets exist; the operator (--workers W) starts;
//            time until every Secret exists (includes list and key load)
//   live     the operator runs; W threads apply COUNT new SealedSecrets at
//            once; time from the first apply until every Secret exists
//            (and, for scale, the time the same threads need to create
//            COUNT SealedSecrets with no operator watching: the input of
//            the startup phase)
//   memory   UNRELATED (default 10,000) Secrets not labelled as ours are
//            added to the watched namespace; operator RSS before and after
//   standby  two operators with leader election: the leader's RSS and the
//            waiting replica's, once both have settled (CPU idle)
// "Every Secret exists" is when a watch (SecretCounter) first sees the last
// one. Also the operator's peak RSS and CPU seconds, and the CPU seconds each
// process (API server, etcd, controller manager, this client, the operator)
// used during the timed phases. Prints markdown. OPERATOR_WORKERS (default
// WORKERS) sets the operator's --workers apart from the bare client's threads.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "bench/bench_util.h"
#include "lib/api/manifest.h"
#include "sealsync/names.h"
#include "sealsync/random.h"
#include "sealsync/sealed_secret.h"
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

// BENCH_AT_STARTUP_DONE (e.g. "callgrind_control -d %p"): a shell command
// run the moment the startup phase's last Secret appears, %p replaced by the
// operator's pid; with BENCH_OPERATOR_PREFIX running the operator under
// callgrind, that dump holds exactly the startup window.
void AtStartupDone(pid_t pid) {
  const char* cmd = std::getenv("BENCH_AT_STARTUP_DONE");
  if (cmd == nullptr || *cmd == '\0') return;
  std::string c = cmd;
  for (size_t at; (at = c.find("%p")) != std::string::npos;)
    c.replace(at, 2, std::to_string(pid));
  if (std::system(c.c_str()) != 0)
    std::cerr << "BENCH_AT_STARTUP_DONE failed: " << c << "\n";
}

// Pause before each timed phase, so that no phase pays for the one before.
constexpr auto kSettle = std::chrono::seconds(2);

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

// What the bare client writes: the Secret the operator writes for
// SealedSecret(ns, name), same labels, annotations and data, but no owner
// (a bare client has none).
Json BareSecret(const std::string& ns, const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata",
           {{"name", name},
            {"namespace", ns},
            {"labels",
             {{sealsync::names::kManagedByLabel,
               sealsync::names::kManagedByValue}}},
            {"annotations",
             {{sealsync::names::kOwnerAnnotation, "SealedSecret/" + name}}}}},
          {"type", "Opaque"},
          {"stringData", {{"password", "value-" + name}}}};
}

// The ownerReference the operator sets on the Secret of `sealed` (a
// SealedSecret as the API server returned it).
Json OwnerRef(const Json& sealed) {
  return {{"apiVersion", "sealsync.dev/v1alpha1"},
          {"kind", "SealedSecret"},
          {"name", sealed["metadata"]["name"]},
          {"uid", sealed["metadata"]["uid"]},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

// The startup phase's floor: what any operator must do before the last
// Secret exists (read the input, decrypt it, write each Secret with its
// ownerReference), with nothing else. Writes the same requests as the bare
// client plus the ownerReference; returns false on the first failure.
bool Floor(sealsync::kube::Client& client, const std::string& ns,
           const sealsync::X25519Identity& identity, int workers) {
  auto list = client.List(kSealed, ns, {});
  if (!list) return false;
  const std::vector<Json>& items = list->items;
  std::vector<sealsync::X25519Identity> keys = {identity};
  std::atomic<bool> ok{true};
  Parallel(static_cast<int>(items.size()), workers, [&](int i) {
    const Json& obj = items[i];
    auto parsed = sealsync::api::SealedSecretFromObject(obj);
    if (!parsed) {
      ok = false;
      return;
    }
    auto unsealed = sealsync::sealed::Unseal(*parsed, keys);
    if (!unsealed) {
      ok = false;
      return;
    }
    Json s = BareSecret(ns, obj["metadata"]["name"].get<std::string>());
    const auto& v = unsealed->secret.data.at("password");
    s["stringData"]["password"] =
        std::string(reinterpret_cast<const char*>(v.data()), v.size());
    s["metadata"]["ownerReferences"] = {OwnerRef(obj)};
    if (!client.Create(sealsync::kube::kSecrets, s)) ok = false;
  });
  return ok;
}

// Waits (untimed, between phases) until every SealedSecret in `ns` reports
// Ready, so that the operator's status writes do not spill into the next
// timed phase.
void WaitReady(sealsync::kube::Client& client, const std::string& ns,
               size_t n) {
  for (int i = 0; i < 1200; ++i) {
    auto l = client.List(kSealed, ns, {});
    size_t ready = 0;
    for (const auto& o : l ? l->items : std::vector<Json>{}) {
      for (const auto& c : o.value("status", Json::object())
                               .value("conditions", Json::array())) {
        if (c.value("type", "") == "Ready" && c.value("status", "") == "True")
          ++ready;
      }
    }
    if (ready >= n) return;
    std::this_thread::sleep_for(250ms);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int count = argc > 1 ? std::atoi(argv[1]) : 1000;
  int workers = argc > 2 ? std::atoi(argv[2]) : 4;
  int unrelated = argc > 3 ? std::atoi(argv[3]) : 10000;
  int reps = argc > 4 ? std::max(1, std::atoi(argv[4])) : 3;
  int op_workers = argc > 5 ? std::atoi(argv[5]) : workers;
  auto* cp = st::ControlPlane::Shared();
  if (cp == nullptr) {
    std::cerr << "no control plane\n";
    return 1;
  }
  auto client = cp->NewClient();
  InstallCrds(*client);
  std::string op_ns = cp->NewNamespace("bench-operator");
  std::string managed = "app.kubernetes.io/managed-by=sealsync";
  std::string log = cp->dir() + "/bench-operator.log";
  // BENCH_OPERATOR_PREFIX (e.g. "valgrind --tool=callgrind") runs the
  // operator under a profiler; its timings are then meaningless.
  std::vector<std::string> prefix;
  if (const char* p = std::getenv("BENCH_OPERATOR_PREFIX")) {
    std::istringstream words(p);
    for (std::string w; words >> w;) prefix.push_back(w);
  }
  auto operator_args = [&](const std::string& watched) {
    std::vector<std::string> args = prefix;
    auto own = OperatorArgs(OperatorBinary(), cp->kubeconfig(), op_ns, watched,
                            op_workers);
    args.insert(args.end(), own.begin(), own.end());
    return args;
  };

  // The operator makes its key once, then stops.
  sealsync::X25519Recipient recipient(std::array<uint8_t, 32>{});
  if (auto rs = sealsync::ParseRecipientsFile(
          MakeOperatorKey(operator_args(op_ns), *client, op_ns, log));
      rs && !rs->empty())
    recipient = rs->front();

  // Phases 1 and 2, alternating. Both are timed by the same instrument: a
  // watch that sees the last Secret appear.
  std::vector<double> bare, bare_owned, floor, startup, first_secret;
  std::vector<CpuSample> cpu_bare, cpu_owned, cpu_floor, cpu_startup;
  auto floor_identity =
      sealsync::X25519Identity::Generate(sealsync::SystemRandom());
  std::vector<double> sealed_create;  // the same client creating SealedSecrets
  std::optional<st::Subprocess> op;
  std::unique_ptr<SecretCounter> counter;
  std::string ns;
  for (int r = 0; r < reps; ++r) {
    // The bare client, without and then with the ownerReference the
    // operator's Secrets carry (which costs the API server and the garbage
    // collector some work of their own).
    for (bool owned : {false, true}) {
      std::string bare_ns = cp->NewNamespace("bench-bare");
      Json owner_ref;
      if (owned) {
        auto o =
            client->Create(kSealed, SealedSecret(bare_ns, "owner", recipient));
        if (!o) return 1;
        owner_ref = OwnerRef(*o);
      }
      SecretCounter bare_counter(*client, bare_ns, managed);
      std::this_thread::sleep_for(kSettle);
      CpuSample c0 = SampleCpu(cp->dir(), 0);
      auto t0 = Clock::now();
      Parallel(count, workers, [&](int i) {
        Json s = BareSecret(bare_ns, "s" + std::to_string(i));
        if (owned) s["metadata"]["ownerReferences"] = {owner_ref};
        (void)client->Create(sealsync::kube::kSecrets, s);
      });
      auto done = bare_counter.WaitFor(count, 600s);
      (owned ? cpu_owned : cpu_bare).push_back(SampleCpu(cp->dir(), 0) - c0);
      (owned ? bare_owned : bare).push_back(done ? Secs(*done - t0) : -1);
    }
    {
      std::string floor_ns = cp->NewNamespace("bench-floor");
      Parallel(count, workers, [&](int i) {
        (void)client->Create(kSealed,
                             SealedSecret(floor_ns, "s" + std::to_string(i),
                                          floor_identity.recipient()));
      });
      SecretCounter floor_counter(*client, floor_ns, managed);
      std::this_thread::sleep_for(kSettle);
      CpuSample c0 = SampleCpu(cp->dir(), 0);
      auto t0 = Clock::now();
      if (!Floor(*client, floor_ns, floor_identity, workers)) {
        std::cerr << "floor phase failed\n";
        return 1;
      }
      auto done = floor_counter.WaitFor(count, 600s);
      cpu_floor.push_back(SampleCpu(cp->dir(), 0) - c0);
      floor.push_back(done ? Secs(*done - t0) : -1);
    }
    if (op) {
      op->Signal(SIGTERM);
      op->Wait(30s);
    }
    ns = cp->NewNamespace("bench-sealed");
    auto c0_sealed = Clock::now();
    Parallel(count, workers, [&](int i) {
      (void)client->Create(
          kSealed, SealedSecret(ns, "s" + std::to_string(i), recipient));
    });
    sealed_create.push_back(Secs(Clock::now() - c0_sealed));
    // The SealedSecrets have existed a while when an operator starts: the
    // control plane's own follow-up work on 1,000 new objects (etcd, the
    // garbage collector's graph) is done before the clock starts.
    std::this_thread::sleep_for(kSettle);
    counter = std::make_unique<SecretCounter>(*client, ns, managed);
    CpuSample c0 = SampleCpu(cp->dir(), 0);
    auto t0 = Clock::now();
    op = st::Subprocess::Start(operator_args(ns), log);
    auto done = counter->WaitFor(count, 600s);
    AtStartupDone(op->pid());
    cpu_startup.push_back(SampleCpu(cp->dir(), op->pid()) - c0);
    startup.push_back(done ? Secs(*done - t0) : -1);
    auto first = counter->WaitFor(1, 1s);
    first_secret.push_back(first ? Secs(*first - t0) : -1);
    WaitReady(*client, ns, count);
  }
  auto after_startup = Stats(op->pid());

  // Phase 3: COUNT more applied at once while it runs.
  std::vector<Json> more;
  for (int i = 0; i < count; ++i)
    more.push_back(SealedSecret(ns, "t" + std::to_string(i), recipient));
  auto t0 = Clock::now();
  Parallel(count, workers,
           [&](int i) { (void)client->Create(kSealed, more[i]); });
  auto applied_at = Clock::now();
  double applied = Secs(applied_at - t0);
  auto done = counter->WaitFor(2 * count, 600s);
  double live = done ? Secs(*done - t0) : -1;
  double lag = done ? Secs(*done - applied_at) : -1;
  auto after_live = Stats(op->pid());

  // Phase 4: memory while UNRELATED Secrets (not labelled as ours) are added
  // to a watched namespace. The operator's Secret watch is label-selected,
  // so the API server never sends them. Starts once every status is written
  // (at 10,000 objects the live phase's status writes outlast a fixed
  // pause), and settles 5 s before each reading.
  WaitReady(*client, ns, 2 * count);
  std::this_thread::sleep_for(5s);
  auto before_unrelated = Stats(op->pid());
  Parallel(unrelated, workers, [&](int i) {
    Json s = {{"apiVersion", "v1"},
              {"kind", "Secret"},
              {"metadata",
               {{"name", "unrelated-" + std::to_string(i)}, {"namespace", ns}}},
              {"stringData", {{"token", std::string(256, 'x')}}}};
    (void)client->Create(sealsync::kube::kSecrets, s);
  });
  std::this_thread::sleep_for(5s);
  auto after_unrelated = Stats(op->pid());
  op->Signal(SIGTERM);
  op->Wait(30s);

  // Phase 5: a standby replica. Two operators with leader election on the
  // same namespace: the first to hold the Lease syncs everything, the other
  // waits; both are read once they have settled.
  auto elected = [&](const std::string& log_name) {
    std::vector<std::string> args = operator_args(ns);
    for (size_t i = 0; i + 1 < args.size(); ++i)
      if (args[i] == "--leader-elect") args[i + 1] = "true";
    return st::Subprocess::Start(args, cp->dir() + "/" + log_name);
  };
  auto holder = [&]() -> std::string {
    auto l = client->List(sealsync::kube::kLeases, op_ns, {});
    for (const auto& o : l ? l->items : std::vector<Json>{}) {
      std::string h =
          o.value("spec", Json::object()).value("holderIdentity", "");
      if (!h.empty()) return h;
    }
    return "";
  };
  auto leader = elected("bench-leader.log");
  std::string first_holder;
  for (int i = 0; i < 300 && (first_holder = holder()).empty(); ++i)
    std::this_thread::sleep_for(100ms);
  auto standby = elected("bench-standby.log");
  // Both have settled when neither used more than 20 ms of CPU in a second
  // (the leader has checked every object, the standby's caches are full);
  // at most 300 s.
  for (int i = 0; i < 300; ++i) {
    double before = Stats(leader->pid()).cpu_s + Stats(standby->pid()).cpu_s;
    std::this_thread::sleep_for(1s);
    if (Stats(leader->pid()).cpu_s + Stats(standby->pid()).cpu_s - before <
        0.02)
      break;
  }
  bool standby_ok = !first_holder.empty() && holder() == first_holder;
  auto leader_stats = Stats(leader->pid());
  auto standby_stats = Stats(standby->pid());
  standby->Signal(SIGTERM);
  leader->Signal(SIGTERM);
  standby->Wait(30s);
  leader->Wait(30s);

  double b = Median(bare), s = Median(startup);
  std::printf(
      "| %d objects, %d writers/workers, median of %d | seconds | vs bare "
      "client |\n",
      count, workers, reps);
  std::printf("|---|---|---|\n");
  std::printf("| bare client creates %d Secrets (runs: %s) | %.2f | 1.00x |\n",
              count, Join(bare).c_str(), b);
  std::printf(
      "| bare client creates the same %d Secrets with an ownerReference "
      "(runs: %s) | %.2f | %.2fx |\n",
      count, Join(bare_owned).c_str(), Median(bare_owned),
      Median(bare_owned) / b);
  std::printf(
      "| floor: this process lists %d SealedSecrets, unseals them, creates "
      "their Secrets with ownerReferences (runs: %s) | %.2f | %.2fx |\n",
      count, Join(floor).c_str(), Median(floor), Median(floor) / b);
  std::printf(
      "| operator startup: %d waiting SealedSecrets -> Secrets, from process "
      "start (runs: %s; first Secret after %s) | %.2f | %.2fx |\n",
      count, Join(startup).c_str(), Join(first_secret).c_str(), s, s / b);
  // Each startup against the floor and the bare run of its own
  // alternation: the machine's drift over a run (a growing etcd, a warming
  // API server, a busier host) cancels out.
  auto paired_row = [&](const char* against, const std::vector<double>& base) {
    std::vector<double> ratios;
    for (size_t i = 0; i < startup.size() && i < base.size(); ++i)
      ratios.push_back(startup[i] / base[i]);
    std::printf(
        "| operator startup / %s of the same alternation (runs: %s) | | "
        "%.2fx |\n",
        against, Join(ratios).c_str(), Median(ratios));
  };
  paired_row("floor", floor);
  paired_row("bare client", bare);
  std::printf(
      "| bare client creates %d SealedSecrets, no operator watching (runs: "
      "%s) | %.2f | %.2fx |\n",
      count, Join(sealed_create).c_str(), Median(sealed_create),
      Median(sealed_create) / b);
  std::printf(
      "| live: %d SealedSecrets created at once -> Secrets (creating them "
      "took %.2f s; last Secret %.2f s after the last create) | %.2f | "
      "%.2fx |\n",
      count, applied, lag, live, live / b);
  PrintCpuTable(
      {{"bare client", cpu_bare},
       {"bare client + ownerReference", cpu_owned},
       {"floor (list, unseal, create with ownerReference)", cpu_floor},
       {"operator startup", cpu_startup}});
  std::printf(
      "\noperator peak RSS %.1f MiB; CPU %.2f s after startup, %.2f s after "
      "live\n",
      after_live.rss_mib, after_startup.cpu_s, after_live.cpu_s);
  std::printf(
      "operator RSS %.1f MiB before and %.1f MiB after %d unrelated Secrets "
      "were added to a watched namespace (%+.1f MiB)\n",
      before_unrelated.rss_now_mib, after_unrelated.rss_now_mib, unrelated,
      after_unrelated.rss_now_mib - before_unrelated.rss_now_mib);
  std::printf(
      "leader (managing %d SealedSecrets) RSS %.1f MiB; standby replica RSS "
      "%.1f MiB (peak %.1f MiB)%s\n",
      2 * count, leader_stats.rss_now_mib, standby_stats.rss_now_mib,
      standby_stats.rss_mib,
      standby_ok ? ""
                 : " (WARNING: the Lease holder changed or never appeared)");
  return 0;
}
