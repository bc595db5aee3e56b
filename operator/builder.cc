#include "operator/builder.h"

namespace sealsync::op {

ControllerBuilder::ControllerBuilder(Manager& manager, std::string name,
                                     kube::BackoffPolicy backoff)
    : manager_(manager),
      name_(std::move(name)),
      queue_(std::make_unique<kube::WorkQueue>(manager.clock(), backoff)) {}

ControllerBuilder& ControllerBuilder::For(Cache& cache, std::string kind,
                                          EventFilter filter) {
  cache.AddHandler([q = queue_.get(), kind = std::move(kind),
                    filter = std::move(filter)](kube::WatchEventType type,
                                                const std::string& key,
                                                const kube::ObjectPtr& obj) {
    if (filter && !filter(type, key, obj)) return;
    Request r = Request::FromStoreKey(key);
    r.kind = kind;
    q->Add(r.Key());
  });
  return *this;
}

ControllerBuilder& ControllerBuilder::Watches(Cache& cache, MapFn map) {
  cache.AddHandler([q = queue_.get(), map = std::move(map)](
                       kube::WatchEventType type, const std::string& key,
                       const kube::ObjectPtr& obj) {
    for (const Request& r : map(type, key, obj)) q->Add(r.Key());
  });
  return *this;
}

ControllerBuilder& ControllerBuilder::WithWorkers(int workers) {
  workers_ = workers;
  return *this;
}

ControllerBuilder& ControllerBuilder::WithHooks(ControllerHooks hooks) {
  hooks_ = std::move(hooks);
  return *this;
}

BuiltController ControllerBuilder::Complete(Reconciler& reconciler) {
  auto controller = std::make_unique<Controller>(
      name_, *queue_, reconciler, manager_.metrics(), hooks_, workers_);
  BuiltController built{*queue_, *controller};
  manager_.AddController(std::move(queue_), std::move(controller));
  return built;
}

}  // namespace sealsync::op
