// A Manager owns the long-running pieces of the operator and their threads
// (controller-runtime's manager): the caches (a Store filled by one Watcher
// per namespace), the HTTP servers, the controllers, leader election and the
// work that runs only while leading. It knows no resource kinds: operator.cc
// adds caches and servers, and builds each controller with a
// ControllerBuilder (builder.h).
//
// Run() is a start-up state machine; each state starts one layer, and every
// path out of it stops and joins what was started, in reverse:
//
//   kBind     bind every HTTP server. A port in use -> kUnavailable
//             "port 127.0.0.1:8081 unavailable (health server): ..." and
//             nothing else was started.
//   kWatch    start every cache's watcher threads (caches fill while
//             standing by, so a new leader starts warm).
//   kElect    leader election on the Lease (or lead at once when off).
//             On leading: every leader runnable gets its own thread.
//   kRunning  until `stop` (returns true) or the Lease is lost (kAborted).
//   kStop     leader runnables told to stop and joined, then controllers
//             (in-flight reconciles finish), then the Lease released, then
//             watchers joined, then the on-stop hooks (Event flush), then
//             the HTTP servers.
//
// Add*() before Run(); Run() once. The destructor stops anything still
// running, so an early return can never leave a joinable thread behind.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "lib/kube/store.h"
#include "lib/kube/watcher.h"
#include "lib/kube/work_queue.h"
#include "operator/controller.h"
#include "operator/http_server.h"
#include "operator/metrics.h"
#include "sealsync/clock.h"
#include "sealsync/kube.h"

namespace sealsync::op {

// What one cache watches.
struct CacheSpec {
  std::string kind;  // for logs and the watch-error metric, e.g. "Secret"
  kube::Resource resource;
  // One watcher per namespace; {""} watches all namespaces (or a
  // cluster-scoped resource).
  std::vector<std::string> namespaces = {""};
  std::string label_selector;
};

// A cache: a Store filled by watchers, and the handlers its events go to
// (each event goes to every handler, in the order added). Thread-safe after
// Run() starts; AddHandler() only before.
class Cache {
 public:
  explicit Cache(CacheSpec spec);
  const CacheSpec& spec() const { return spec_; }
  kube::Store& store() { return store_; }
  const kube::Store& store() const { return store_; }
  void AddHandler(kube::Watcher::EventFn fn) {
    handlers_.push_back(std::move(fn));
  }
  void Dispatch(kube::WatchEventType type, const std::string& key,
                const kube::ObjectPtr& obj) const;

 private:
  CacheSpec spec_;
  kube::Store store_;
  std::vector<kube::Watcher::EventFn> handlers_;
};

struct ManagerOptions {
  std::string identity;  // the Lease holder
  bool leader_elect = true;
  std::string lease_namespace;
  std::string lease_name;
  std::chrono::seconds lease_duration{15};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
};

class Manager {
 public:
  enum class State { kNew, kBind, kWatch, kElect, kRunning, kStop, kDone };

  // Work that runs on its own thread while this replica leads; it must
  // return soon after `stop` becomes true.
  using LeaderRunnable = std::function<void(const std::atomic<bool>& stop)>;

  Manager(kube::Client& client, const Clock& clock, Registry& metrics,
          ManagerOptions options);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  kube::Client& client() { return client_; }
  const Clock& clock() const { return clock_; }
  Registry& metrics() { return metrics_; }

  Cache& AddCache(CacheSpec spec);
  // `what` names the server in logs and errors ("health server").
  HttpServer& AddServer(std::string what, std::string address, uint16_t port);
  // The manager owns the controller and its queue and stops the controller
  // at kStop (it does not start it: leader runnables do, once what it needs
  // is synced). ControllerBuilder::Complete() calls this.
  void AddController(std::unique_ptr<kube::WorkQueue> queue,
                     std::unique_ptr<Controller> controller);
  void AddLeaderRunnable(LeaderRunnable fn);
  // Runs at kStop after the watchers are joined, before the HTTP servers
  // stop (e.g. flushing queued Events).
  void AddOnStop(std::function<void()> fn);
  // Called with this replica's leadership as it changes.
  void OnLeadership(std::function<void(bool leading)> fn);

  bool leading() const { return leading_.load(); }
  State state() const { return state_.load(); }
  // "host:port" each server bound, in AddServer order (after kBind).
  const std::vector<std::string>& bound() const { return bound_; }

  // The state machine above. `on_serving` runs once the servers are bound
  // (the operator logs where it serves).
  Result<void> Run(const std::atomic<bool>& stop,
                   const std::function<void()>& on_serving = nullptr);

 private:
  struct Server;
  struct Managed {  // members destroyed in reverse: controller first
    std::unique_ptr<kube::WorkQueue> queue;
    std::unique_ptr<Controller> controller;
  };
  struct WatchThread {
    std::unique_ptr<kube::Watcher> watcher;
    std::thread thread;
  };
  Result<void> Bind();
  void StartWatchers();
  Result<void> Elect();
  void StartLeading();
  void StopLeading();
  void Shutdown();

  kube::Client& client_;
  const Clock& clock_;
  Registry& metrics_;
  ManagerOptions options_;
  Counter& watch_errors_;
  std::atomic<State> state_{State::kNew};
  std::vector<std::unique_ptr<Cache>> caches_;
  std::vector<std::unique_ptr<Server>> servers_;
  std::vector<std::string> bound_;
  std::vector<Managed> controllers_;
  std::vector<LeaderRunnable> runnables_;
  std::vector<std::function<void()>> on_stop_;
  std::vector<std::function<void(bool)>> on_leadership_;

  std::atomic<bool> watch_stop_{false};
  std::vector<WatchThread> watchers_;
  std::atomic<bool> work_stop_{false};
  std::vector<std::thread> leader_threads_;
  std::atomic<bool> election_stop_{false};
  std::thread election_;
  std::atomic<bool> leading_{false};
  std::atomic<bool> lost_{false};
  const std::atomic<bool>* stop_ = nullptr;
};

// Sleeps until `d` passes or `stop` becomes true (polled at least every
// 100 ms).
void SleepUnlessStopped(std::chrono::milliseconds d,
                        const std::atomic<bool>& stop);

}  // namespace sealsync::op
