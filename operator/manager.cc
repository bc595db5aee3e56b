#include "operator/manager.h"

#include "lib/kube/leader_elector.h"
#include "operator/log.h"

namespace sealsync::op {

using namespace std::chrono_literals;

void SleepUnlessStopped(std::chrono::milliseconds d,
                        const std::atomic<bool>& stop) {
  auto until = std::chrono::steady_clock::now() + d;
  while (!stop.load() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(100ms, d));
  }
}

Cache::Cache(CacheSpec spec)
    : spec_(std::move(spec)),
      store_(std::max<int>(1, static_cast<int>(spec_.namespaces.size()))) {}

void Cache::Dispatch(kube::WatchEventType type, const std::string& key,
                     const kube::ObjectPtr& obj) const {
  for (const auto& h : handlers_) h(type, key, obj);
}

struct Manager::Server {
  std::string what, address;
  uint16_t port;
  HttpServer http;
  Server(std::string w, std::string a, uint16_t p)
      : what(std::move(w)), address(a), port(p), http(std::move(a), p) {}
};

Manager::Manager(kube::Client& client, const Clock& clock, Registry& metrics,
                 ManagerOptions options)
    : client_(client),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)),
      watch_errors_(metrics.AddCounter("sealsync_watch_errors_total",
                                       "Watch errors recovered from, by kind.",
                                       {"kind"})) {}

Manager::~Manager() { Shutdown(); }

Cache& Manager::AddCache(CacheSpec spec) {
  if (spec.namespaces.empty()) spec.namespaces.push_back("");
  caches_.push_back(std::make_unique<Cache>(std::move(spec)));
  return *caches_.back();
}

HttpServer& Manager::AddServer(std::string what, std::string address,
                               uint16_t port) {
  servers_.push_back(
      std::make_unique<Server>(std::move(what), std::move(address), port));
  return servers_.back()->http;
}

void Manager::AddController(std::unique_ptr<kube::WorkQueue> queue,
                            std::unique_ptr<Controller> controller) {
  controllers_.push_back({std::move(queue), std::move(controller)});
}

void Manager::AddLeaderRunnable(LeaderRunnable fn) {
  runnables_.push_back(std::move(fn));
}

void Manager::AddOnStop(std::function<void()> fn) {
  on_stop_.push_back(std::move(fn));
}

void Manager::OnLeadership(std::function<void(bool)> fn) {
  on_leadership_.push_back(std::move(fn));
}

Result<void> Manager::Bind() {
  state_ = State::kBind;
  for (auto& s : servers_) {
    auto port = s->http.Start();
    if (!port) {
      std::string where = s->address + ":" + std::to_string(s->port);
      return std::unexpected(Error(
          port.error().code(), "port " + where + " unavailable (" + s->what +
                                   "): " + port.error().message()));
    }
    bound_.push_back(s->address + ":" + std::to_string(*port));
  }
  return {};
}

void Manager::StartWatchers() {
  state_ = State::kWatch;
  for (auto& c : caches_) {
    const CacheSpec& spec = c->spec();
    for (const std::string& ns : spec.namespaces) {
      kube::WatchOptions sel;
      sel.label_selector = spec.label_selector;
      Cache* cache = c.get();
      WatchThread w;
      w.watcher = std::make_unique<kube::Watcher>(
          client_, spec.resource, ns, sel, c->store(),
          [cache](kube::WatchEventType t, const std::string& key,
                  const kube::ObjectPtr& obj) { cache->Dispatch(t, key, obj); },
          [this, kind = spec.kind](const Error& e) {
            watch_errors_.Inc({kind});
            Log("warn", "watch error; recovering",
                {{"kind", kind}, {"error", e.message()}});
          });
      kube::Watcher* raw = w.watcher.get();
      w.thread = std::thread([raw, this] { raw->Run(watch_stop_); });
      watchers_.push_back(std::move(w));
    }
  }
}

void Manager::StartLeading() {
  leading_ = true;
  for (const auto& f : on_leadership_) f(true);
  Log("info", "leading: starting workers", {{"identity", options_.identity}});
  for (const auto& r : runnables_) {
    leader_threads_.emplace_back([this, &r] { r(work_stop_); });
  }
}

// Leader runnables first (they start controllers), then the controllers:
// in-flight reconciles finish before the Lease is released.
void Manager::StopLeading() {
  work_stop_ = true;
  for (auto& t : leader_threads_) {
    if (t.joinable()) t.join();
  }
  leader_threads_.clear();
  for (auto& c : controllers_) c.controller->Stop();
}

Result<void> Manager::Elect() {
  state_ = State::kElect;
  if (!options_.leader_elect) {
    StartLeading();
    return {};
  }
  kube::LeaderCallbacks cb;
  cb.on_started_leading = [this] { StartLeading(); };
  cb.on_stopped_leading = [this] {
    leading_ = false;
    for (const auto& f : on_leadership_) f(false);
    if (stop_ == nullptr || !stop_->load()) lost_ = true;
  };
  cb.on_new_leader = [](const std::string& id) {
    Log("info", "leader", {{"identity", id}});
  };
  cb.on_error = [](const Error& e) {
    Log("warn", "lease error", {{"error", e.message()}});
  };
  kube::LeaderElectionConfig lc{options_.lease_namespace,
                                options_.lease_name,
                                options_.identity,
                                options_.lease_duration,
                                options_.renew_deadline,
                                options_.retry_period,
                                true};
  auto e = kube::LeaderElector::New(client_, clock_, lc, cb);
  if (!e) return std::unexpected(e.error());
  std::shared_ptr<kube::LeaderElector> elector = std::move(*e);
  election_ = std::thread([elector, this] { elector->Run(election_stop_); });
  return {};
}

Result<void> Manager::Run(const std::atomic<bool>& stop,
                          const std::function<void()>& on_serving) {
  stop_ = &stop;
  auto fail = [this](const Error& e) -> Result<void> {
    Shutdown();
    return std::unexpected(e);
  };
  if (auto b = Bind(); !b) return fail(b.error());
  if (on_serving) on_serving();
  StartWatchers();
  if (auto e = Elect(); !e) return fail(e.error());
  state_ = State::kRunning;
  while (!stop && !lost_) std::this_thread::sleep_for(100ms);
  Log("info", lost_ ? "leadership lost: stopping" : "shutting down");
  bool lost = lost_;
  Shutdown();
  if (lost) return MakeError(ErrorCode::kAborted, "leader election lost");
  return {};
}

void Manager::Shutdown() {
  if (state_ == State::kDone || state_ == State::kNew) {
    state_ = State::kDone;
    return;
  }
  state_ = State::kStop;
  StopLeading();
  election_stop_ = true;
  if (election_.joinable()) election_.join();  // releases the Lease
  watch_stop_ = true;
  for (auto& w : watchers_) {
    if (w.thread.joinable()) w.thread.join();
  }
  watchers_.clear();
  for (const auto& f : on_stop_) f();
  for (auto& s : servers_) s->http.Stop();
  state_ = State::kDone;
}

}  // namespace sealsync::op
