// A ControllerBuilder declares one controller for the Manager
// (controller-runtime's builder): what it reconciles (For: an event of that
// cache queues the object's own Request), what else it watches (Watches: an
// event of another cache is mapped to Requests by a handler, event_handlers.h),
// its queue's backoff, its workers and its hooks. Complete() makes the queue
// and the Controller and hands both to the Manager, which stops them at
// shutdown. Use before Manager::Run().
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lib/kube/work_queue.h"
#include "operator/controller.h"
#include "operator/manager.h"
#include "operator/request.h"

namespace sealsync::op {

// Maps one watch event to the Requests it concerns (possibly none).
using MapFn = std::function<std::vector<Request>(kube::WatchEventType type,
                                                 const std::string& key,
                                                 const kube::ObjectPtr& obj)>;
// Says whether an event of the primary kind is worth a reconcile.
using EventFilter =
    std::function<bool(kube::WatchEventType type, const std::string& key,
                       const kube::ObjectPtr& obj)>;

// What Complete() returns: start-up code queues initial work and starts the
// controller once what it reads is synced.
struct BuiltController {
  kube::WorkQueue& queue;
  Controller& controller;
};

class ControllerBuilder {
 public:
  // `backoff`: the queue's per-key backoff after transient errors.
  ControllerBuilder(Manager& manager, std::string name,
                    kube::BackoffPolicy backoff = {});

  // Events of `cache` queue their own object; `kind` goes into the
  // Request when one queue serves several kinds; `filter` may drop events.
  ControllerBuilder& For(Cache& cache, std::string kind = "",
                         EventFilter filter = nullptr);
  // Events of `cache` queue whatever `map` returns.
  ControllerBuilder& Watches(Cache& cache, MapFn map);
  ControllerBuilder& WithWorkers(int workers);
  ControllerBuilder& WithHooks(ControllerHooks hooks);
  // The queue, for handlers of other controllers or start-up code that
  // queue into it before Complete().
  kube::WorkQueue& queue() { return *queue_; }

  BuiltController Complete(Reconciler& reconciler);

 private:
  Manager& manager_;
  std::string name_;
  std::unique_ptr<kube::WorkQueue> queue_;
  int workers_ = 1;
  ControllerHooks hooks_;
};

}  // namespace sealsync::op
