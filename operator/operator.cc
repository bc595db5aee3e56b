#include "operator/operator.h"

#include "lib/kube/event_recorder.h"
#include "operator/api_handlers.h"
#include "operator/audit.h"
#include "operator/builder.h"
#include "operator/change_filter.h"
#include "operator/cluster_external_secret_reconciler.h"
#include "operator/event_handlers.h"
#include "operator/external_secret_reconciler.h"
#include "operator/key_loop.h"
#include "operator/key_manager.h"
#include "operator/key_ring.h"
#include "operator/log.h"
#include "operator/manager.h"
#include "operator/metrics.h"
#include "operator/reasons.h"
#include "operator/reload_reconciler.h"
#include "operator/sealed_secret_reconciler.h"
#include "operator/status.h"
#include "sealsync/clock.h"
#include "sealsync/names.h"
#include "sealsync/random.h"
#include "sealsync/sealed_secret.h"

namespace sealsync::op {
namespace {

using namespace std::chrono_literals;

// Store validation: several workers, so a store whose vault is slow to
// answer (up to the 15 s timeout) holds one worker, not every team's store
// checks; half of them at most on one host (HostBulkhead).
constexpr int kStoreWorkers = 4;
// ExternalSecrets and stores back off from 1 s: their errors are vault or
// network trouble, not worth retrying within milliseconds.
constexpr kube::BackoffPolicy kVaultBackoff{std::chrono::seconds(1),
                                            std::chrono::minutes(5)};

// Dispatches the store queue's Requests by kind: one queue serves both
// SecretStores and ClusterSecretStores.
class StoreDispatch final : public Reconciler {
 public:
  StoreDispatch(Reconciler& ns, Reconciler& cluster)
      : ns_(ns), cluster_(cluster) {}
  Result<Action> Reconcile(std::stop_token stop, const Request& r) override {
    return r.kind == "ClusterSecretStore" ? cluster_.Reconcile(stop, r)
                                          : ns_.Reconcile(stop, r);
  }

 private:
  Reconciler& ns_;
  Reconciler& cluster_;
};

// The operator: the Manager and what it runs, wired from OperatorOptions.
// Each method builds one part; Run() runs the Manager.
class Operator {
 public:
  Operator(kube::Client& client, const OperatorOptions& opts);
  Result<void> Run(const std::atomic<bool>& stop);

 private:
  void AddCaches();
  void AddServers();
  ControllerHooks Hooks(std::string action,
                        std::function<kube::ObjectPtr(const Request&)> find);
  void BuildSealedSecretController();
  void BuildExternalSecretController();
  // OwnWrites held an event of Secret `key` that was not an echo: queue the
  // ExternalSecret it belongs to.
  void ReleaseHeldSecretEvent(const std::string& key);
  void BuildStoreController();
  void BuildClusterExternalSecretController();
  void BuildReloadController();
  void StartReload(const std::atomic<bool>& stop);
  bool Synced() const;
  // The leader's work: keys first, then the controllers as what each reads
  // is synced, then key renewal until `stop`.
  void Lead(const std::atomic<bool>& stop);
  std::thread StartSealedSecrets(const std::atomic<bool>& stop);
  void StartVaultControllers(const std::atomic<bool>& stop);
  void StartClusterExternalSecrets(const std::atomic<bool>& stop);
  std::string SinceStart() const;

  const OperatorOptions& opts_;
  const std::chrono::steady_clock::time_point started_at_ =
      std::chrono::steady_clock::now();
  kube::Client& client_;
  const Clock& clock_ = SystemClock();
  Registry metrics_;
  AuditLog audit_{metrics_, clock_};
  KeyRing ring_;
  std::unique_ptr<vault::Client> vault_;
  kube::EventRecorder recorder_;
  Cache* sealed_ = nullptr;
  Cache* secrets_ = nullptr;
  Cache* keys_ = nullptr;
  Cache* external_ = nullptr;
  Cache* stores_ = nullptr;
  Cache* cluster_stores_ = nullptr;
  Cache* cluster_externals_ = nullptr;
  Cache* namespaces_ = nullptr;
  Cache* deployments_ = nullptr;  // these three only with opts_.reload
  Cache* stateful_sets_ = nullptr;
  Cache* daemon_sets_ = nullptr;
  std::unique_ptr<KeyManager> key_manager_;
  std::unique_ptr<KeyLoop> key_loop_;
  ChangeFilter sealed_changes_;
  ChangeFilter external_changes_;
  ChangeFilter store_changes_;  // keyed "Kind|key": two kinds of store
  // Secrets the ExternalSecrets wrote; a held event that was not an echo
  // queues the ExternalSecret of its Secret.
  OwnWrites own_writes_{
      clock_, [this](const std::string& key) { ReleaseHeldSecretEvent(key); }};
  HostBulkhead store_hosts_{kStoreWorkers / 2};
  std::unique_ptr<SealedSecretReconciler> sealed_reconciler_;
  std::unique_ptr<ExternalSecretReconciler> external_reconciler_;
  std::unique_ptr<StoreReconciler> ns_stores_, cluster_stores_reconciler_;
  std::unique_ptr<StoreDispatch> store_dispatch_;
  std::unique_ptr<ClusterExternalSecretReconciler> cluster_external_reconciler_;
  std::unique_ptr<ReloadReconciler> reload_reconciler_;
  std::optional<BuiltController> sealed_controller_, external_controller_,
      store_controller_, reload_controller_, cluster_external_controller_;
  // Last: destroyed first, so its threads are joined before anything they
  // use goes.
  Manager manager_;
};

ManagerOptions ManagerOptionsFor(const OperatorOptions& o) {
  return {o.identity,
          o.leader_elect,
          o.ns,
          std::string(names::kLeaseName),
          o.lease_duration,
          o.renew_deadline,
          o.retry_period};
}

Operator::Operator(kube::Client& client, const OperatorOptions& opts)
    : opts_(opts),
      client_(client),
      vault_(vault::NewInfisicalClient(
          clock_, {.hosts = opts.vault_hosts,
                   .max_response_bytes = opts.vault_max_response_bytes})),
      recorder_(client, clock_, {.reporting_instance = opts.identity},
                [](const Error& e) {
                  Log("error", "event write failed",
                      {{"code", std::string(ErrorCodeName(e.code()))},
                       {"error", e.message()}});
                }),
      manager_(client, clock_, metrics_, ManagerOptionsFor(opts)) {
  AddCaches();
  AddServers();
  BuildSealedSecretController();
  BuildExternalSecretController();
  BuildStoreController();
  BuildClusterExternalSecretController();
  if (opts_.reload) BuildReloadController();
  manager_.AddLeaderRunnable([this](const auto& stop) { Lead(stop); });
  manager_.AddLeaderRunnable(
      [this](const auto& stop) { StartClusterExternalSecrets(stop); });
  manager_.AddOnStop([this] { recorder_.Flush(); });
}

// One watcher per watched namespace fills each namespaced cache; Secrets
// only where labelled as ours, so memory grows with managed objects.
void Operator::AddCaches() {
  std::vector<std::string> nss = opts_.watch_namespaces;
  if (nss.empty()) nss.push_back("");  // all
  std::string managed = std::string(names::kManagedByLabel) + "=" +
                        std::string(names::kManagedByValue);
  sealed_ = &manager_.AddCache({"SealedSecret", kSealedSecrets, nss});
  secrets_ = &manager_.AddCache({"Secret", kube::kSecrets, nss, managed});
  external_ = &manager_.AddCache({"ExternalSecret", kExternalSecrets, nss});
  stores_ = &manager_.AddCache({"SecretStore", kSecretStores, nss});
  cluster_stores_ =
      &manager_.AddCache({"ClusterSecretStore", kClusterSecretStores, {""}});
  // ClusterExternalSecrets and what they select from: every Namespace.
  cluster_externals_ = &manager_.AddCache(
      {"ClusterExternalSecret", kClusterExternalSecrets, {""}});
  namespaces_ = &manager_.AddCache({"Namespace", kube::kNamespaces, {""}});
  if (opts_.reload) {
    deployments_ = &manager_.AddCache({"Deployment", kDeployments, nss});
    stateful_sets_ = &manager_.AddCache({"StatefulSet", kStatefulSets, nss});
    daemon_sets_ = &manager_.AddCache({"DaemonSet", kDaemonSets, nss});
  }
  keys_ = &manager_.AddCache({"SealingKey",
                              kube::kSecrets,
                              {opts_.ns},
                              std::string(names::kSealingKeyLabel)});
  key_manager_ = std::make_unique<KeyManager>(
      client_, keys_->store(), ring_, clock_, SystemRandom(),
      KeyManagerOptions{opts_.ns, opts_.key_renewal, opts_.break_glass,
                        &audit_});
  key_loop_ = std::make_unique<KeyLoop>(
      *key_manager_, ring_, recorder_, metrics_, opts_.ns,
      [this] { return manager_.leading(); },
      [this] {
        // NoMatchingKey may clear.
        for (const auto& k : sealed_->store().Keys())
          sealed_controller_->queue.Add(k);
      });
  keys_->AddHandler([this](kube::WatchEventType, const std::string&,
                           const kube::ObjectPtr&) { key_loop_->Reload(); });
}

bool Operator::Synced() const {
  return sealed_->store().HasSynced() && secrets_->store().HasSynced() &&
         keys_->store().HasSynced();
}

// Health and metrics; the public API where --serve-api puts it.
void Operator::AddServers() {
  HttpServer& health = manager_.AddServer("health server", opts_.health_address,
                                          opts_.health_port);
  Gauge& key_age = metrics_.AddGauge("sealsync_newest_key_age_seconds",
                                     "Age of the newest sealing key.");
  Gauge& leader =
      metrics_.AddGauge("sealsync_leader", "1 if this replica leads.");
  manager_.OnLeadership([&leader](bool on) { leader.Set(on ? 1 : 0); });
  health.Handle("GET", "/healthz", [](const HttpRequestView&) {
    return HttpReply{200, "text/plain", "ok\n", {}};
  });
  health.Handle("GET", "/readyz", [this](const HttpRequestView&) {
    if (!Synced())
      return HttpReply{503, "text/plain", "caches not synced\n", {}};
    return HttpReply{200,
                     "text/plain",
                     manager_.leading() ? "ok: leader\n" : "ok: standby\n",
                     {}};
  });
  health.Handle("GET", "/metrics", [this, &key_age](const HttpRequestView&) {
    if (auto newest = ring_.Newest()) {
      key_age.Set(
          std::chrono::duration<double>(clock_.WallNow() - newest->created)
              .count());
    }
    return HttpReply{200, "text/plain; version=0.0.4", metrics_.Render(), {}};
  });
  if (opts_.serve_api == ServeApi::kHealthPort)
    RegisterApi(health, ring_, SystemRandom(), {}, &audit_);
  if (opts_.serve_api == ServeApi::kApiPort) {
    HttpServer& api =
        manager_.AddServer("API server", opts_.api_address, opts_.api_port);
    RegisterApi(api, ring_, SystemRandom(), {}, &audit_);
  }
}

// Logging through the operator's log; Warning Events on the object `find`
// returns, under `action`.
ControllerHooks Operator::Hooks(
    std::string action, std::function<kube::ObjectPtr(const Request&)> find) {
  ControllerHooks hooks;
  hooks.log = [](std::string_view level, std::string_view msg,
                 const LogFields& f) { Log(level, msg, f); };
  hooks.warn = [this, action, find](const Request& r, const std::string& reason,
                                    const Error& e) {
    if (auto obj = find(r)) {
      recorder_.Record(kube::ObjectReference::Of(*obj),
                       kube::EventType::kWarning, reason, action, e.message());
    }
  };
  return hooks;
}

void Operator::BuildSealedSecretController() {
  sealed_reconciler_ = std::make_unique<SealedSecretReconciler>(
      client_, sealed_->store(), secrets_->store(), ring_, clock_, &audit_);
  ControllerHooks hooks = Hooks("Unseal", [this](const Request& r) {
    return sealed_->store().Get(r.StoreKey());
  });
  hooks.default_reason = reasons::kSealedSecretDefault;
  // SealedSecret events, less the status-only writes (the operator's own):
  // those would cost a decrypt each and find nothing to do.
  sealed_controller_.emplace(
      ControllerBuilder(manager_, "sealedsecret")
          .For(*sealed_, "",
               [this](kube::WatchEventType type, const std::string& key,
                      const kube::ObjectPtr& obj) {
                 return sealed_changes_.Changed(type, key, obj);
               })
          .Watches(*secrets_,
                   [](kube::WatchEventType, const std::string& key,
                      const kube::ObjectPtr& obj) {
                     return SealedSecretOfSecret(key, obj);
                   })
          .WithWorkers(opts_.workers)
          .WithHooks(std::move(hooks))
          .Complete(*sealed_reconciler_));
}

void Operator::BuildExternalSecretController() {
  external_reconciler_ = std::make_unique<ExternalSecretReconciler>(
      client_,
      ExternalCaches{external_->store(), stores_->store(),
                     cluster_stores_->store(), secrets_->store()},
      *vault_, clock_, SystemRandom(), &audit_, &own_writes_);
  ControllerHooks hooks = Hooks("Sync", [this](const Request& r) {
    return external_->store().Get(r.StoreKey());
  });
  hooks.default_reason = reasons::kExternalSecretDefault;
  ControllerBuilder b(manager_, "externalsecret", kVaultBackoff);
  // ExternalSecret events, less the status-only writes (the operator's own):
  // the pass that wrote one already saw this spec.
  b.For(*external_, "",
        [this](kube::WatchEventType type, const std::string& key,
               const kube::ObjectPtr& obj) {
          return external_changes_.Changed(type, key, obj);
        })
      // A Secret's change, less the echo of the operator's own write to a
      // Secret of one ExternalSecret (one shared by several may carry
      // another's change to the others).
      .Watches(*secrets_,
               [this](kube::WatchEventType type, const std::string& key,
                      const kube::ObjectPtr& obj) {
                 auto owners = ExternalSecretsOfSecret(key, obj);
                 if (owners.size() == 1 &&
                     type != kube::WatchEventType::kDeleted &&
                     own_writes_.IsEcho(key, obj))
                   owners.clear();
                 return owners;
               })
      .WithWorkers(opts_.workers)
      .WithHooks(std::move(hooks));
  // A store change re-runs the ExternalSecrets using it; its verdict
  // turning Ready re-runs those that wait for it.
  for (Cache* c : {stores_, cluster_stores_}) {
    b.Watches(*c, [this, kind = c->spec().kind](kube::WatchEventType type,
                                                const std::string& key,
                                                const kube::ObjectPtr& obj) {
      bool changed = store_changes_.Changed(type, kind + "|" + key, obj);
      StoreEvent e = !changed && obj && ReadyVerdict(*obj) == Verdict::kReady
                         ? StoreEvent::kFoundReady
                         : StoreEvent::kChanged;
      return ExternalSecretsUsingStore(external_->store(), kind, key, e);
    });
  }
  external_controller_.emplace(b.Complete(*external_reconciler_));
}

void Operator::ReleaseHeldSecretEvent(const std::string& key) {
  if (!external_controller_) return;
  for (const Request& r :
       ExternalSecretsOfSecret(key, secrets_->store().Get(key)))
    external_controller_->queue.Add(r.Key());
}

void Operator::BuildStoreController() {
  ns_stores_ = std::make_unique<StoreReconciler>(client_, stores_->store(),
                                                 "SecretStore", *vault_, clock_,
                                                 SystemRandom(), store_hosts_);
  cluster_stores_reconciler_ = std::make_unique<StoreReconciler>(
      client_, cluster_stores_->store(), "ClusterSecretStore", *vault_, clock_,
      SystemRandom(), store_hosts_);
  store_dispatch_ =
      std::make_unique<StoreDispatch>(*ns_stores_, *cluster_stores_reconciler_);
  ControllerHooks hooks = Hooks("Validate", [this](const Request& r) {
    Cache* c = r.kind == "ClusterSecretStore" ? cluster_stores_ : stores_;
    return c->store().Get(r.StoreKey());
  });
  hooks.default_reason = reasons::kStoreDefault;
  store_controller_.emplace(
      ControllerBuilder(manager_, "secretstore", kVaultBackoff)
          .For(*stores_, "SecretStore")
          .For(*cluster_stores_, "ClusterSecretStore")
          .WithWorkers(kStoreWorkers)
          .WithHooks(std::move(hooks))
          .Complete(*store_dispatch_));
}

// One ExternalSecret per selected namespace. A Namespace event may change
// what any ClusterExternalSecret selects; an ExternalSecret event maps to
// the ClusterExternalSecret that owns it (a tenant's edit is undone). One
// worker: these objects are few and each pass writes many.
void Operator::BuildClusterExternalSecretController() {
  cluster_external_reconciler_ =
      std::make_unique<ClusterExternalSecretReconciler>(
          client_,
          ClusterExternalCaches{cluster_externals_->store(),
                                namespaces_->store(), external_->store()},
          clock_,
          std::set<std::string>(opts_.watch_namespaces.begin(),
                                opts_.watch_namespaces.end()));
  ControllerHooks hooks = Hooks("Provision", [this](const Request& r) {
    return cluster_externals_->store().Get(r.StoreKey());
  });
  hooks.default_reason = reasons::kClusterExternalSecretDefault;
  cluster_external_controller_.emplace(
      ControllerBuilder(manager_, "clusterexternalsecret", kVaultBackoff)
          .For(*cluster_externals_)
          .Watches(*namespaces_,
                   [this](kube::WatchEventType, const std::string&,
                          const kube::ObjectPtr&) {
                     return EveryClusterExternalSecret(
                         cluster_externals_->store());
                   })
          .Watches(*external_,
                   [this](kube::WatchEventType type, const std::string& key,
                          const kube::ObjectPtr& obj) {
                     auto out = ClusterExternalSecretOfExternalSecret(key, obj);
                     for (auto& r : ClusterExternalSecretsOfFreedName(
                              type, key, obj, cluster_externals_->store()))
                       out.push_back(std::move(r));
                     return out;
                   })
          .WithWorkers(1)
          .WithHooks(std::move(hooks))
          .Complete(*cluster_external_reconciler_));
}

// Workloads that opted in restart when a managed Secret they use changes
// data; a Secret event maps to those workloads of its own namespace only.
void Operator::BuildReloadController() {
  ReloadWorkloads w{deployments_->store(), stateful_sets_->store(),
                    daemon_sets_->store()};
  reload_reconciler_ = std::make_unique<ReloadReconciler>(
      client_, w, secrets_->store(), ring_, recorder_, clock_,
      opts_.reload_window);
  ControllerHooks hooks = Hooks("Restart", [this](const Request& r) {
    Cache* c = r.kind == "StatefulSet" ? stateful_sets_
               : r.kind == "DaemonSet" ? daemon_sets_
                                       : deployments_;
    return c->store().Get(r.StoreKey());
  });
  reload_controller_.emplace(
      ControllerBuilder(manager_, "reload")
          .For(*deployments_, "Deployment")
          .For(*stateful_sets_, "StatefulSet")
          .For(*daemon_sets_, "DaemonSet")
          .Watches(*secrets_,
                   [w](kube::WatchEventType, const std::string& key,
                       const kube::ObjectPtr&) {
                     return WorkloadsUsingSecret(w, key);
                   })
          .WithWorkers(1)
          .WithHooks(std::move(hooks))
          .Complete(*reload_reconciler_));
}

void Operator::StartReload(const std::atomic<bool>& stop) {
  if (!reload_controller_) return;
  for (Cache* c : {deployments_, stateful_sets_, daemon_sets_})
    while (!stop && !c->store().HasSynced()) SleepUnlessStopped(2ms, stop);
  for (Cache* c : {deployments_, stateful_sets_, daemon_sets_}) {
    for (const auto& k : c->store().Keys()) {
      Request r = Request::FromStoreKey(k);
      r.kind = c->spec().kind;
      reload_controller_->queue.Add(r.Key());
    }
  }
  reload_controller_->controller.Start();
  Log("info", "reload controller started", {{"elapsedMs", SinceStart()}});
}

std::string Operator::SinceStart() const {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - started_at_)
                            .count());
}

// SealedSecret workers need the key ring and the derived-Secret cache, not
// every SealedSecret: they start once those two are synced, while later
// pages of the SealedSecret list are still arriving. Every step of these
// waits delays the first write, so they poll finely. Returns the thread
// that releases status writes once the whole list is queued.
std::thread Operator::StartSealedSecrets(const std::atomic<bool>& stop) {
  while (!stop && !secrets_->store().HasSynced()) SleepUnlessStopped(2ms, stop);
  kube::WorkQueue& queue = sealed_controller_->queue;
  for (const auto& k : sealed_->store().Keys()) queue.Add(k);
  // Status writes wait for the whole list: between its pages the workers
  // idle, and a status write then would delay the next page's Secrets.
  // Released once every SealedSecret is listed and queued.
  queue.HoldLowPriority();
  sealed_controller_->controller.Start();
  std::thread follow_ups([this, &stop, &queue] {
    while (!stop && !sealed_->store().HasSynced())
      SleepUnlessStopped(2ms, stop);
    // The list's last page may be stored but not yet queued.
    for (const auto& k : sealed_->store().Keys()) queue.Add(k);
    queue.ReleaseLowPriority();
  });
  Log("info", "SealedSecret workers started",
      {{"elapsedMs", SinceStart()}, {"keys", std::to_string(ring_.Size())}});
  return follow_ups;
}

// ExternalSecrets and stores need no sealing key: their controllers start
// once the stores and Secrets are listed, beside the key work (a first start
// creates, publishes and maybe rotates keys first: API writes they need not
// wait for).
void Operator::StartVaultControllers(const std::atomic<bool>& stop) {
  // Not the ExternalSecrets themselves: workers start on the list's first
  // page while later pages arrive (each queued as it is stored).
  for (Cache* c : {secrets_, stores_, cluster_stores_})
    while (!stop && !c->store().HasSynced()) SleepUnlessStopped(2ms, stop);
  if (stop) return;
  for (Cache* c : {stores_, cluster_stores_}) {
    for (const auto& k : c->store().Keys()) {
      Request r = Request::FromStoreKey(k);
      r.kind = c->spec().kind;
      store_controller_->queue.Add(r.Key());
    }
  }
  for (const auto& k : external_->store().Keys())
    external_controller_->queue.Add(k);
  store_controller_->controller.Start();
  external_controller_->controller.Start();
  Log("info", "vault controllers started",
      {{"elapsedMs", SinceStart()},
       {"externalSecrets", std::to_string(external_->store().Size())}});
}

// Its own leader runnable: it waits for the Namespace and ExternalSecret
// caches to be complete (a pass on a partial list would remove
// ExternalSecrets from namespaces not yet listed), and a cluster without its
// CRD must not hold up the other controllers.
void Operator::StartClusterExternalSecrets(const std::atomic<bool>& stop) {
  for (Cache* c : {cluster_externals_, namespaces_, external_})
    while (!stop && !c->store().HasSynced()) SleepUnlessStopped(2ms, stop);
  if (stop) return;
  for (const auto& k : cluster_externals_->store().Keys())
    cluster_external_controller_->queue.Add(k);
  cluster_external_controller_->controller.Start();
  Log("info", "ClusterExternalSecret controller started",
      {{"elapsedMs", SinceStart()}});
}

void Operator::Lead(const std::atomic<bool>& stop) {
  std::thread vault([this, &stop] { StartVaultControllers(stop); });
  while (!stop && !keys_->store().HasSynced()) SleepUnlessStopped(2ms, stop);
  // With keys already held, decrypting need not wait for renewal and
  // publishing; with none, the first key must exist first.
  std::thread follow_ups;
  key_loop_->Reload();
  if (ring_.Size() > 0) follow_ups = StartSealedSecrets(stop);
  bool started = false;
  while (!stop) {
    auto next = key_loop_->Rotate();
    if (!next) {
      Log("error", "key rotation failed; retrying",
          {{"code", std::string(ErrorCodeName(next.error().code()))},
           {"error", next.error().message()}});
      SleepUnlessStopped(5s, stop);
      continue;
    }
    key_loop_->Reload();
    if (!started) {
      if (!follow_ups.joinable()) follow_ups = StartSealedSecrets(stop);
      StartReload(stop);
      started = true;
    }
    SleepUnlessStopped(next->value_or(std::chrono::hours(24)), stop);
  }
  if (follow_ups.joinable()) follow_ups.join();
  vault.join();
}

Result<void> Operator::Run(const std::atomic<bool>& stop) {
  if (auto open = audit_.Open(opts_.audit_log); !open)
    return std::unexpected(open.error());
  return manager_.Run(stop, [this] {
    const auto& at = manager_.bound();
    std::string api = opts_.serve_api == ServeApi::kOff       ? "off"
                      : opts_.serve_api == ServeApi::kApiPort ? at.at(1)
                                                              : at.at(0);
    Log("info", "serving", {{"health", at.at(0)}, {"api", api}});
  });
}

}  // namespace

Result<void> Run(kube::Client& client, const OperatorOptions& opts,
                 const std::atomic<bool>& stop) {
  Operator op(client, opts);
  return op.Run(stop);
}

Result<void> Run(const OperatorOptions& opts, const std::atomic<bool>& stop) {
  auto client = kube::NewClient(opts.rest);
  if (!client) return std::unexpected(client.error());
  return Run(**client, opts, stop);
}

}  // namespace sealsync::op
