// A WorkQueue holds object keys ("namespace/name") waiting to be reconciled.
//
// Guarantees (as client-go's workqueue): a key is queued at most once however
// often it is added (dedup); a key handed out by Get() is not handed out again
// until Done() — if it is added meanwhile it is queued again at Done(), so one
// key never runs on two workers at once and no change is lost. AddAfter()
// delays a key; AddRateLimited() delays it by a per-key exponential backoff
// that Forget() resets. AddLowPriority() queues a key behind every key added
// normally: it is handed out only when no normal key is ready (follow-up work
// such as a status write waits until a burst of real work is done). A key
// already queued stays where it is when added again, in either lane; a key
// being processed that is added low is re-queued low at Done(), even if it
// was also added normally meanwhile. HoldLowPriority() keeps the low lane
// closed even when no normal key is ready (a controller whose first list is
// still arriving page by page: the pause between pages is no time for
// follow-ups) until ReleaseLowPriority().
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>

#include "sealsync/clock.h"

namespace sealsync::kube {

struct BackoffPolicy {
  std::chrono::milliseconds base{5};
  std::chrono::milliseconds max{std::chrono::minutes(5)};
  bool jitter = true;  // add up to 10% to delays of 10 ms or more
};

class WorkQueue {
 public:
  explicit WorkQueue(const Clock& clock = SystemClock(),
                     BackoffPolicy backoff = {});

  void Add(const std::string& key);
  // As Add(), in the low-priority lane.
  void AddLowPriority(const std::string& key);
  // Closes / reopens the low lane; low keys queued meanwhile keep their place.
  void HoldLowPriority();
  void ReleaseLowPriority();
  void AddAfter(const std::string& key, std::chrono::milliseconds delay);
  // Adds after base * 2^failures (capped at max) and counts a failure.
  void AddRateLimited(const std::string& key);
  // Resets the key's failure count.
  void Forget(const std::string& key);
  int Failures(const std::string& key) const;

  // Blocks until a key is ready or the queue shuts down (nullopt).
  std::optional<std::string> Get();
  // Marks the key processed; re-queues it if it was added while processing.
  void Done(const std::string& key);

  // Wakes waiters so they re-check delayed keys against the clock (for
  // tests that advance a fake clock).
  void Poke();
  void ShutDown();
  // Keys queued in both lanes (a held low lane included; not delayed, not
  // processing).
  size_t Len() const;
  size_t DelayedLen() const;

 private:
  void AddLocked(const std::string& key, bool low = false);
  void PromoteDueLocked();

  const Clock& clock_;
  BackoffPolicy backoff_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::deque<std::string> low_;       // low-priority lane
  std::set<std::string> low_keys_;    // dirty keys whose place is in low_
  std::set<std::string> dirty_;       // queued or waiting to be re-queued
  std::set<std::string> processing_;  // handed out, not Done yet
  using Delayed = std::multimap<Clock::TimePoint, std::string>;
  Delayed delayed_;
  // Each delayed key's entry in delayed_ (at most one per key), so that
  // AddAfter finds a key's pending delay without scanning every delayed key
  // (10,000 objects requeued for their refresh made that quadratic).
  std::map<std::string, Delayed::iterator> delayed_at_;
  std::map<std::string, int> failures_;
  bool shutting_down_ = false;
  bool low_held_ = false;
  std::mt19937 rng_;  // jitter; guarded by mu_
};

}  // namespace sealsync::kube
