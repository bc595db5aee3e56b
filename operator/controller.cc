#include "operator/controller.h"

namespace sealsync::op {

bool IsTerminal(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kNotFound:
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kDataLoss:
    case ErrorCode::kFailedPrecondition:
      return true;
    default:
      return false;
  }
}

Controller::Controller(std::string name, kube::WorkQueue& queue,
                       Reconciler& reconciler, Registry& metrics,
                       ControllerHooks hooks, int workers)
    : name_(std::move(name)),
      queue_(queue),
      reconciler_(reconciler),
      hooks_(std::move(hooks)),
      workers_(std::max(1, workers)),
      reconciles_(
          metrics.AddCounter("sealsync_reconciles_total",
                             "Reconciles finished, by controller and result.",
                             {"controller", "result"})),
      failures_(metrics.AddCounter("sealsync_reconcile_failures_total",
                                   "Failed or degraded reconciles by "
                                   "controller and reason (for SealedSecrets: "
                                   "decrypt failures by reason).",
                                   {"controller", "reason"})),
      duration_(metrics.AddHistogram(
          "sealsync_reconcile_duration_seconds", "Time spent in one reconcile.",
          {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
          {"controller"})),
      depth_(metrics.AddGauge("sealsync_queue_depth",
                              "Keys waiting in the work queue.",
                              {"controller"})) {}

Controller::~Controller() { Stop(); }

void Controller::Start() {
  if (!threads_.empty()) return;
  stop_ = std::stop_source();
  for (int i = 0; i < workers_; ++i) threads_.emplace_back([this] { Work(); });
}

void Controller::Stop() {
  stop_.request_stop();
  queue_.ShutDown();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

uint64_t Controller::Count(const std::string& result) const {
  return static_cast<uint64_t>(reconciles_.Value({name_, result}));
}

void Controller::Work() {
  while (auto key = queue_.Get()) {
    depth_.Set(static_cast<double>(queue_.Len()), {name_});
    Handle(*key);
    queue_.Done(*key);
  }
}

std::string Controller::ReasonOf(const Error& e) const {
  if (!e.reason().empty()) return e.reason();
  if (!hooks_.default_reason.empty()) return hooks_.default_reason;
  return std::string(ErrorCodeName(e.code()));
}

void Controller::Report(const std::string& key, const Error& e,
                        std::string_view level, std::string_view msg) {
  std::string reason = ReasonOf(e);
  failures_.Inc({name_, reason});
  if (hooks_.log) {
    hooks_.log(level, msg,
               {{"controller", name_},
                {"object", key},
                {"reason", reason},
                {"code", std::string(ErrorCodeName(e.code()))},
                {"error", e.message()}});
  }
  // Every failure, retried or not, reaches the object's Events; the
  // recorder merges repeats into one Event's series and rate-limits.
  if (hooks_.warn) hooks_.warn(Request::FromKey(key), reason, e);
}

void Controller::Handle(const std::string& key) {
  auto start = std::chrono::steady_clock::now();
  // Third-party code (JSON access on an unexpected object shape) may throw;
  // that is a bug to report, never a reason to crash the operator.
  Result<Action> r = MakeError(ErrorCode::kInternal, "unreachable");
  try {
    r = reconciler_.Reconcile(stop_.get_token(), Request::FromKey(key));
  } catch (const std::exception& e) {
    r = MakeError(ErrorCode::kInternal,
                  std::string("reconcile threw: ") + e.what());
  }
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  duration_.Observe(secs, {name_});
  if (r) {
    queue_.Forget(key);
    if (r->degraded) {
      reconciles_.Inc({name_, "degraded"});
      Report(key, *r->degraded, "warn", "reconcile degraded; retrying later");
    } else {
      reconciles_.Inc({name_, "success"});
      if (hooks_.log) {
        hooks_.log("debug", "reconciled",
                   {{"controller", name_}, {"object", key}});
      }
    }
    if (r->requeue_after) queue_.AddAfter(key, *r->requeue_after);
    if (r->follow_up) queue_.AddLowPriority(key);
    return;
  }
  const Error& e = r.error();
  bool terminal = IsTerminal(e);
  reconciles_.Inc({name_, terminal ? "terminal" : "error"});
  Report(key, e, terminal ? "warn" : "error",
         terminal ? "reconcile failed; waiting for a change"
                  : "reconcile failed; will retry");
  if (terminal) {
    queue_.Forget(key);
  } else {
    queue_.AddRateLimited(key);
  }
}

}  // namespace sealsync::op
