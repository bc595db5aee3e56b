// A Controller runs a Reconciler over the keys of a WorkQueue with N workers.
// It is the one place that logs, counts metrics and emits Events:
//
//   Reconcile(req) -> Action      requeue after Action's delay, if any; the
//                                 key's backoff is forgotten
//   Reconcile(req) -> Error       the error policy reads its code:
//     terminal (IsTerminal)       Warning Event, no requeue: wait for a change
//     transient                   Warning Event, requeue with per-key
//                                 exponential backoff
//   Action::Degraded              Warning Event, requeue after its delay
//
// Every failure is logged, counted and recorded under one reason: the
// Error's reason() (reasons.h: the reconciler derived it once and wrote the
// same one to status), else hooks.default_reason (errors that never reach
// status: the API server failing a read or a status write), else the
// code's name.
//
// The queue guarantees one key is never reconciled by two workers at once.
// Stop() lets in-flight reconciles finish. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "lib/kube/work_queue.h"
#include "operator/metrics.h"
#include "operator/request.h"
#include "sealsync/error.h"
#include "sealsync/kube.h"

namespace sealsync::op {

// What to do after a reconcile that did its job. `degraded` reports a
// problem the reconciler handled itself (status already says so, e.g. a key
// missing in the vault, retried at the next refresh): the controller logs it
// and emits a Warning Event, but does not back off.
struct Action {
  std::optional<std::chrono::milliseconds> requeue_after;
  std::optional<Error> degraded;
  bool follow_up = false;  // queue again, behind all other work
  static Action AwaitChange() { return {}; }
  static Action RequeueAfter(std::chrono::milliseconds d) {
    return {d, std::nullopt};
  }
  // Reconcile again once no other key waits (e.g. the status of an object
  // whose Secret was just written, so a burst writes every Secret first).
  static Action FollowUp() { return {std::nullopt, std::nullopt, true}; }
  static Action Degraded(Error e, std::chrono::milliseconds retry) {
    return {retry, std::move(e)};
  }
};

// Business logic only: read, render, write, status. `stop` is requested
// when the controller stops; a reconciler may check it between steps
// (before a slow vault call) and return early. Thread-safe: the workers call
// it concurrently, never twice at once for one Request.
class Reconciler {
 public:
  virtual ~Reconciler() = default;
  virtual Result<Action> Reconcile(std::stop_token stop,
                                   const Request& request) = 0;
};

// Terminal codes: the spec or data is wrong, retrying cannot help.
bool IsTerminal(const Error& error);

// What the controller reports through; each may be empty.
struct ControllerHooks {
  // Logs one line; fields are already safe to log (keys, reasons, messages
  // built from Errors, which never carry secret values).
  std::function<void(
      std::string_view level, std::string_view msg,
      const std::vector<std::pair<std::string, std::string>>& fields)>
      log;
  // Emits a Warning Event with `reason` for the object behind `request`.
  std::function<void(const Request& request, const std::string& reason,
                     const Error& error)>
      warn;
  // The reason of a failure whose Error carries none (reasons.h names it
  // per controller); empty: the error code's name.
  std::string default_reason;
};

class Controller {
 public:
  Controller(std::string name, kube::WorkQueue& queue, Reconciler& reconciler,
             Registry& metrics, ControllerHooks hooks, int workers);
  ~Controller();

  void Start();
  // Shuts the queue down and joins the workers after their current item.
  void Stop();

  // Reconciles finished, by result ("success", "degraded", "error",
  // "terminal").
  uint64_t Count(const std::string& result) const;

 private:
  void Work();
  void Handle(const std::string& key);
  std::string ReasonOf(const Error& e) const;
  // Counts, logs and records one failure (terminal, transient or degraded).
  void Report(const std::string& key, const Error& e, std::string_view level,
              std::string_view msg);

  std::string name_;
  kube::WorkQueue& queue_;
  Reconciler& reconciler_;
  ControllerHooks hooks_;
  int workers_;
  Counter& reconciles_;
  Counter& failures_;
  Histogram& duration_;
  Gauge& depth_;
  std::vector<std::thread> threads_;
  std::stop_source stop_;
};

}  // namespace sealsync::op
