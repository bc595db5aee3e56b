#include "operator/operator.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "lib/kube/event_recorder.h"
#include "lib/kube/leader_elector.h"
#include "lib/kube/store.h"
#include "lib/kube/watcher.h"
#include "lib/kube/work_queue.h"
#include "operator/api_handlers.h"
#include "operator/change_filter.h"
#include "operator/controller.h"
#include "operator/external_secret_reconciler.h"
#include "operator/http_server.h"
#include "operator/key_manager.h"
#include "operator/key_ring.h"
#include "operator/log.h"
#include "operator/metrics.h"
#include "operator/sealed_secret_reconciler.h"
#include "sealsync/clock.h"
#include "sealsync/names.h"
#include "sealsync/sealed_secret.h"
#include "sealsync/vault.h"

namespace sealsync::op {
namespace {

using namespace std::chrono_literals;

// A watcher running on its own thread until `stop`.
struct WatchLoop {
  std::unique_ptr<kube::Watcher> watcher;
  std::thread thread;
};

// Sleeps until `d` passes or `stop` (polled every 100 ms).
void SleepFor(std::chrono::milliseconds d, const std::atomic<bool>& stop) {
  auto until = std::chrono::steady_clock::now() + d;
  while (!stop.load() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(100ms, d));
  }
}

void LogError(std::string_view msg, const Error& e) {
  Log("error", msg,
      {{"code", std::string(ErrorCodeName(e.code()))}, {"error", e.message()}});
}

}  // namespace

Result<bool> Run(const OperatorOptions& opts, const std::atomic<bool>& stop) {
  const auto started_at = std::chrono::steady_clock::now();
  auto since_start = [started_at] {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - started_at)
                              .count());
  };
  auto client_or = kube::NewClient(opts.rest);
  if (!client_or) return std::unexpected(client_or.error());
  kube::Client& client = **client_or;
  const Clock& clock = SystemClock();
  Registry metrics;
  Gauge& key_count =
      metrics.AddGauge("sealsync_sealing_keys", "Sealing keys held.");
  Gauge& key_age = metrics.AddGauge("sealsync_newest_key_age_seconds",
                                    "Age of the newest sealing key.");
  Gauge& leader_gauge =
      metrics.AddGauge("sealsync_leader", "1 if this replica leads.");
  Counter& watch_errors =
      metrics.AddCounter("sealsync_watch_errors_total",
                         "Watch errors recovered from, by kind.", {"kind"});

  // Caches.
  // One watcher per watched namespace fills each namespaced store.
  const int per_ns =
      std::max<int>(1, static_cast<int>(opts.watch_namespaces.size()));
  kube::Store sealed_store(per_ns), secret_store(per_ns), key_store;
  kube::Store external_store(per_ns), store_store(per_ns), cluster_store_store;
  KeyRing ring;
  kube::WorkQueue queue(clock);
  // ExternalSecrets and stores back off from 1 s: their errors are vault or
  // network trouble, not worth retrying within milliseconds.
  kube::WorkQueue external_queue(
      clock, {std::chrono::seconds(1), std::chrono::minutes(5)});
  kube::WorkQueue store_queue(
      clock, {std::chrono::seconds(1), std::chrono::minutes(5)});
  constexpr int kStoreWorkers = 4;
  auto vault = vault::NewInfisicalClient(
      clock, {.hosts = opts.vault_hosts,
              .max_response_bytes = opts.vault_max_response_bytes});
  KeyManager keys(client, key_store, ring, clock, SystemRandom(),
                  {opts.ns, opts.key_renewal, opts.break_glass});

  kube::EventRecorder recorder(
      client, clock, {.reporting_instance = opts.identity},
      [](const Error& e) { LogError("event write failed", e); });

  std::atomic<bool> watch_stop{false};
  std::vector<WatchLoop> loops;
  auto watch = [&](const kube::Resource& r, const std::string& ns,
                   std::string selector, kube::Store& store, std::string kind,
                   kube::Watcher::EventFn fn) {
    kube::WatchOptions sel;
    sel.label_selector = std::move(selector);
    WatchLoop loop;
    loop.watcher = std::make_unique<kube::Watcher>(
        client, r, ns, sel, store, std::move(fn),
        [&watch_errors, kind](const Error& e) {
          watch_errors.Inc({kind});
          Log("warn", "watch error; recovering",
              {{"kind", kind}, {"error", e.message()}});
        });
    kube::Watcher* w = loop.watcher.get();
    loop.thread = std::thread([w, &watch_stop] { w->Run(watch_stop); });
    loops.push_back(std::move(loop));
  };
  std::vector<std::string> namespaces = opts.watch_namespaces;
  if (namespaces.empty()) namespaces.push_back("");  // all
  // SealedSecret events, less the status-only writes (the operator's own):
  // those would cost a decrypt each and find nothing to do.
  ChangeFilter sealed_changes;
  auto enqueue = [&queue, &sealed_changes](kube::WatchEventType type,
                                           const std::string& key,
                                           const kube::ObjectPtr& obj) {
    if (sealed_changes.Changed(type, key, obj)) queue.Add(key);
  };
  auto enqueue_external =
      [&external_queue](kube::WatchEventType, const std::string& key,
                        const kube::ObjectPtr&) { external_queue.Add(key); };
  // A derived Secret maps back to its source through the owner annotation.
  auto on_secret = [&](kube::WatchEventType, const std::string& key,
                       const kube::ObjectPtr& obj) {
    std::string owner;
    if (obj) {
      owner = (*obj)["metadata"]
                  .value("annotations", kube::Json::object())
                  .value(std::string(names::kOwnerAnnotation), "");
    }
    // The annotation may name several objects ("Kind/name", comma-separated:
    // the consent an admin gave, target_consent.h); each gets a look.
    std::string ns = kube::SplitKey(key).ns;
    bool external = false;
    for (size_t at = 0; at <= owner.size();) {
      size_t comma = std::min(owner.find(',', at), owner.size());
      std::string one = owner.substr(at, comma - at);
      one.erase(0, one.find_first_not_of(' '));
      if (one.starts_with("ExternalSecret/")) {
        external_queue.Add(ns + "/" + one.substr(15));
        external = true;
      }
      at = comma + 1;
    }
    if (!external) queue.Add(key);
  };
  // A store change re-checks the store and re-runs the ExternalSecrets using
  // it.
  auto on_store = [&](const std::string& kind) {
    return [&, kind](kube::WatchEventType, const std::string& key,
                     const kube::ObjectPtr&) {
      store_queue.Add(kind + "|" + key);
      kube::ObjectKey sk = kube::SplitKey(key);
      for (const auto& es : external_store.List()) {
        const kube::Json& ref =
            (*es)["spec"].value("secretStoreRef", kube::Json::object());
        std::string rkind = ref.value("kind", "SecretStore");
        std::string ens = (*es)["metadata"].value("namespace", "");
        if (rkind == kind && ref.value("name", "") == sk.name &&
            (kind == "ClusterSecretStore" || ens == sk.ns)) {
          external_queue.Add(kube::KeyOf(*es));
        }
      }
    };
  };
  std::string managed = std::string(names::kManagedByLabel) + "=" +
                        std::string(names::kManagedByValue);
  for (const auto& ns : namespaces) {
    watch(kSealedSecrets, ns, "", sealed_store, "SealedSecret", enqueue);
    watch(kube::kSecrets, ns, managed, secret_store, "Secret", on_secret);
    watch(kExternalSecrets, ns, "", external_store, "ExternalSecret",
          enqueue_external);
    watch(kSecretStores, ns, "", store_store, "SecretStore",
          on_store("SecretStore"));
  }
  watch(kClusterSecretStores, "", "", cluster_store_store, "ClusterSecretStore",
        on_store("ClusterSecretStore"));
  uint64_t ring_generation = 0;
  std::mutex ring_mu;  // KeyManager is single-threaded: every call holds it
  std::atomic<bool> leading{false};
  Gauge& bitnami_key_count = metrics.AddGauge(
      "sealsync_bitnami_keys",
      "Keys imported from Bitnami sealed-secrets (decryption only).");
  Gauge& keys_unreadable =
      metrics.AddGauge("sealsync_sealing_key_secrets_unreadable",
                       "Sealing key Secrets that cannot be parsed (skipped).");
  Counter& keys_restored = metrics.AddCounter(
      "sealsync_sealing_key_secrets_restored_total",
      "Sealing key Secrets written back after they were deleted or "
      "corrupted while this replica held the key.");
  auto reload_keys = [&] {
    std::lock_guard<std::mutex> lock(ring_mu);
    int bad = keys.Load();
    keys_unreadable.Set(bad);
    auto key_secret = [&](const std::string& name) {
      return kube::ObjectReference{"v1", "Secret", opts.ns, name, "", ""};
    };
    for (const std::string& name : keys.Unreadable()) {
      Log("warn", "sealing key Secret unreadable: skipped", {{"name", name}});
      if (leading)
        recorder.Record(
            key_secret(name), kube::EventType::kWarning, "SealingKeyUnreadable",
            "Load",
            "sealing key Secret " + name + " cannot be parsed; it is skipped");
    }
    if (!keys.Missing().empty()) {
      std::string ids;
      for (const auto& id : keys.Missing())
        ids += (ids.empty() ? "" : ",") + id;
      Log("warn",
          "sealing key Secrets deleted or unreadable: keeping the keys held "
          "in memory" +
              std::string(leading ? " and writing them back" : ""),
          {{"keyIds", ids}});
      if (leading) {
        std::vector<std::string> restored = keys.Missing();
        auto r = keys.RestoreMissing();
        if (!r) LogError("restoring sealing key Secrets failed", r.error());
        if (r) {
          keys_restored.Inc({}, *r);
          for (const std::string& id : restored) {
            std::string name = std::string(names::kKeySecretPrefix) + id;
            recorder.Record(key_secret(name), kube::EventType::kWarning,
                            "SealingKeyRestored", "Restore",
                            "sealing key Secret " + name +
                                " was deleted or corrupted; written back "
                                "from the key held in memory (key id " +
                                id + ")");
          }
        }
      }
    }
    key_count.Set(static_cast<double>(ring.Size()));
    bitnami_key_count.Set(static_cast<double>(ring.BitnamiKeys().size()));
    if (leading) {
      if (auto b = keys.BackUpImported(); !b) {
        LogError("backing up imported Bitnami keys failed", b.error());
      } else if (*b > 0) {
        Log("info",
            "imported Bitnami keys backed up to the break-glass "
            "recipient",
            {{"count", std::to_string(*b)}});
      }
    }
    if (ring.generation() != ring_generation) {
      ring_generation = ring.generation();
      Log("info", "sealing keys changed",
          {{"keys", std::to_string(ring.Size())}});
      // Developers seal to what is published: it follows the ring.
      if (leading) {
        if (auto p = keys.Publish(); !p)
          LogError("publishing recipients failed", p.error());
      }
      for (const auto& k : sealed_store.Keys())
        queue.Add(k);  // NoMatchingKey may clear
    }
  };
  watch(kube::kSecrets, opts.ns, std::string(names::kSealingKeyLabel),
        key_store, "SealingKey",
        [&](kube::WatchEventType, const std::string&, const kube::ObjectPtr&) {
          reload_keys();
        });

  // HTTP: health and metrics; the public API.
  auto synced = [&] {
    return sealed_store.HasSynced() && secret_store.HasSynced() &&
           key_store.HasSynced();
  };
  HttpServer health(opts.health_address, opts.health_port);
  health.Handle("GET", "/healthz", [](const HttpRequestView&) {
    return HttpReply{200, "text/plain", "ok\n", {}};
  });
  health.Handle("GET", "/readyz", [&](const HttpRequestView&) {
    if (!synced())
      return HttpReply{503, "text/plain", "caches not synced\n", {}};
    return HttpReply{
        200, "text/plain", leading ? "ok: leader\n" : "ok: standby\n", {}};
  });
  health.Handle("GET", "/metrics", [&](const HttpRequestView&) {
    auto newest = ring.Newest();
    if (newest) {
      key_age.Set(
          std::chrono::duration<double>(clock.WallNow() - newest->created)
              .count());
    }
    return HttpReply{200, "text/plain; version=0.0.4", metrics.Render(), {}};
  });
  HttpServer api(opts.api_address, opts.api_port);
  if (opts.serve_api == ServeApi::kApiPort)
    RegisterApi(api, ring, SystemRandom());
  if (opts.serve_api == ServeApi::kHealthPort)
    RegisterApi(health, ring, SystemRandom());
  auto hp = health.Start();
  if (!hp) return std::unexpected(hp.error().Wrap("health server"));
  const std::string health_at = opts.health_address + ":" + std::to_string(*hp);
  std::string api_at = opts.serve_api == ServeApi::kOff ? "off" : health_at;
  if (opts.serve_api == ServeApi::kApiPort) {
    auto ap = api.Start();
    if (!ap) return std::unexpected(ap.error().Wrap("API server"));
    api_at = opts.api_address + ":" + std::to_string(*ap);
  }
  Log("info", "serving", {{"health", health_at}, {"api", api_at}});

  // The controller and key rotation run only while leading.
  SealedSecretReconciler reconciler(client, sealed_store, secret_store, ring,
                                    clock);
  ControllerHooks hooks;
  hooks.log = [](std::string_view level, std::string_view msg,
                 const LogFields& f) { Log(level, msg, f); };
  hooks.reason = [](const Error& e) {
    return e.code() == ErrorCode::kFailedPrecondition
               ? std::string(names::kReasonTargetNotOwned)
               : std::string(sealed::ReasonFor(e));
  };
  hooks.warn = [&](const std::string& key, const std::string& reason,
                   const Error& e) {
    auto obj = sealed_store.Get(key);
    if (!obj) return;
    recorder.Record(kube::ObjectReference::Of(*obj), kube::EventType::kWarning,
                    reason, "Unseal", e.message());
  };
  Controller controller("sealedsecret", queue, reconciler, metrics, hooks,
                        opts.workers);

  ExternalSecretReconciler external_reconciler(
      client, {external_store, store_store, cluster_store_store, secret_store},
      *vault, clock);
  ControllerHooks external_hooks = hooks;
  external_hooks.reason = [](const Error&) {
    return std::string(names::kReasonSecretSyncedError);
  };
  external_hooks.warn = [&](const std::string& key, const std::string& reason,
                            const Error& e) {
    if (auto obj = external_store.Get(key)) {
      recorder.Record(kube::ObjectReference::Of(*obj),
                      kube::EventType::kWarning, reason, "Sync", e.message());
    }
  };
  Controller external_controller("externalsecret", external_queue,
                                 external_reconciler, metrics, external_hooks,
                                 opts.workers);
  // Store keys are "Kind|key" so one queue serves both kinds.
  // Half the store workers at most on one host: a slow host leaves the
  // others free for everyone else's stores.
  HostBulkhead store_hosts(kStoreWorkers / 2);
  StoreReconciler ns_stores(client, store_store, "SecretStore", *vault, clock,
                            store_hosts);
  StoreReconciler cluster_stores(client, cluster_store_store,
                                 "ClusterSecretStore", *vault, clock,
                                 store_hosts);
  struct StoreDispatch final : Reconciler {
    Reconciler& ns;
    Reconciler& cluster;
    StoreDispatch(Reconciler& n, Reconciler& c) : ns(n), cluster(c) {}
    Result<Action> Reconcile(const std::string& key) override {
      size_t bar = key.find('|');
      std::string kind = key.substr(0, bar), rest = key.substr(bar + 1);
      return kind == "ClusterSecretStore" ? cluster.Reconcile(rest)
                                          : ns.Reconcile(rest);
    }
  } store_dispatch(ns_stores, cluster_stores);
  ControllerHooks store_hooks = hooks;
  store_hooks.reason = [](const Error&) {
    return std::string(names::kReasonInvalidCredentials);
  };
  store_hooks.warn = [&](const std::string& key, const std::string& reason,
                         const Error& e) {
    std::string rest = key.substr(key.find('|') + 1);
    kube::ObjectPtr obj = key.starts_with("Cluster")
                              ? cluster_store_store.Get(rest)
                              : store_store.Get(rest);
    if (obj) {
      recorder.Record(kube::ObjectReference::Of(*obj),
                      kube::EventType::kWarning, reason, "Validate",
                      e.message());
    }
  };
  // Several store workers: a store whose vault is slow to answer (up to the
  // 15 s timeout) holds one worker, not every team's store checks.
  Controller store_controller("secretstore", store_queue, store_dispatch,
                              metrics, store_hooks, kStoreWorkers);
  std::atomic<bool> work_stop{false};
  std::thread rotation, follow_ups;
  std::atomic<bool> lost{false};

  auto start_leading = [&] {
    leading = true;
    leader_gauge.Set(1);
    Log("info", "leading: starting workers", {{"identity", opts.identity}});
    rotation = std::thread([&] {
      // SealedSecret workers need the key ring and the derived-Secret cache,
      // not every SealedSecret: they start once those two are synced, while
      // later pages of the SealedSecret list are still arriving. Every step
      // of these waits delays the first write, so they poll finely.
      while (!work_stop && !key_store.HasSynced()) SleepFor(2ms, work_stop);
      bool sealed_started = false;
      auto start_sealed = [&] {
        while (!work_stop && !secret_store.HasSynced())
          SleepFor(2ms, work_stop);
        for (const auto& k : sealed_store.Keys()) queue.Add(k);
        // Status writes wait for the whole list: between its pages the
        // workers idle, and a status write then would delay the next page's
        // Secrets. Released once every SealedSecret is listed and queued.
        queue.HoldLowPriority();
        controller.Start();
        follow_ups = std::thread([&] {
          while (!work_stop && !sealed_store.HasSynced())
            SleepFor(2ms, work_stop);
          // The list's last page may be stored but not yet queued.
          for (const auto& k : sealed_store.Keys()) queue.Add(k);
          queue.ReleaseLowPriority();
        });
        sealed_started = true;
        Log("info", "SealedSecret workers started",
            {{"elapsedMs", since_start()},
             {"keys", std::to_string(ring.Size())}});
      };
      reload_keys();
      // With keys already held, decrypting need not wait for renewal and
      // publishing; with none, the first key must exist first.
      if (ring.Size() > 0) start_sealed();
      bool started = false;
      while (!work_stop) {
        auto next = [&] {
          std::lock_guard<std::mutex> lock(ring_mu);
          return keys.Rotate();
        }();
        if (!next) {
          LogError("key rotation failed; retrying", next.error());
          SleepFor(5s, work_stop);
          continue;
        }
        reload_keys();
        if (!started) {
          if (!sealed_started) start_sealed();
          while (!work_stop && !synced()) SleepFor(2ms, work_stop);
          for (const auto& k : store_store.Keys())
            store_queue.Add("SecretStore|" + k);
          for (const auto& k : cluster_store_store.Keys())
            store_queue.Add("ClusterSecretStore|" + k);
          for (const auto& k : external_store.Keys()) external_queue.Add(k);
          store_controller.Start();
          external_controller.Start();
          Log("info", "caches synced",
              {{"elapsedMs", since_start()},
               {"sealedSecrets", std::to_string(sealed_store.Size())}});
          started = true;
        }
        SleepFor(next->value_or(std::chrono::hours(24)), work_stop);
      }
    });
  };
  auto stop_working = [&] {
    work_stop = true;
    if (rotation.joinable()) rotation.join();
    if (follow_ups.joinable()) follow_ups.join();
    controller.Stop();  // finishes in-flight reconciles
    external_controller.Stop();
    store_controller.Stop();
  };

  std::unique_ptr<kube::LeaderElector> elector;
  std::thread election;
  std::atomic<bool> election_stop{false};
  if (opts.leader_elect) {
    kube::LeaderCallbacks cb;
    cb.on_started_leading = [&] { start_leading(); };
    cb.on_stopped_leading = [&] {
      leading = false;
      leader_gauge.Set(0);
      if (!stop) lost = true;
    };
    cb.on_new_leader = [](const std::string& id) {
      Log("info", "leader", {{"identity", id}});
    };
    cb.on_error = [](const Error& e) {
      Log("warn", "lease error", {{"error", e.message()}});
    };
    kube::LeaderElectionConfig lc{opts.ns,
                                  std::string(names::kLeaseName),
                                  opts.identity,
                                  opts.lease_duration,
                                  opts.renew_deadline,
                                  opts.retry_period,
                                  true};
    auto e = kube::LeaderElector::New(client, clock, lc, cb);
    if (!e) return std::unexpected(e.error());
    elector = std::move(*e);
    election = std::thread([&] { elector->Run(election_stop); });
  } else {
    start_leading();
  }

  while (!stop && !lost) std::this_thread::sleep_for(100ms);
  Log("info", lost ? "leadership lost: stopping" : "shutting down");
  stop_working();  // in-flight reconciles finish before the Lease goes
  election_stop = true;
  if (election.joinable()) election.join();  // releases the Lease
  watch_stop = true;
  for (auto& l : loops) l.thread.join();
  recorder.Flush();
  health.Stop();
  api.Stop();
  if (lost) return MakeError(ErrorCode::kAborted, "leader election lost");
  return true;
}

}  // namespace sealsync::op
