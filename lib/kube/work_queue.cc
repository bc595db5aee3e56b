#include "lib/kube/work_queue.h"

#include <algorithm>
#include <random>

namespace sealsync::kube {

WorkQueue::WorkQueue(const Clock& clock, BackoffPolicy backoff)
    : clock_(clock), backoff_(backoff), rng_(std::random_device{}()) {}

void WorkQueue::AddLocked(const std::string& key, bool low) {
  if (shutting_down_ || dirty_.contains(key)) return;
  dirty_.insert(key);
  if (low) low_keys_.insert(key);
  if (processing_.contains(key)) return;  // re-queued at Done()
  (low ? low_ : queue_).push_back(key);
  cv_.notify_one();
}

void WorkQueue::Add(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  AddLocked(key);
}

void WorkQueue::AddLowPriority(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!shutting_down_ && processing_.contains(key)) {
    // A follow-up asked for by the pass under way: it goes low even if the
    // key was added normally meanwhile (often an echo of that pass's own
    // write); the follow-up reconcile sees every change.
    dirty_.insert(key);
    low_keys_.insert(key);
    return;
  }
  AddLocked(key, true);
}

void WorkQueue::HoldLowPriority() {
  std::lock_guard<std::mutex> lock(mu_);
  low_held_ = true;
}

void WorkQueue::ReleaseLowPriority() {
  std::lock_guard<std::mutex> lock(mu_);
  low_held_ = false;
  cv_.notify_all();
}

void WorkQueue::AddAfter(const std::string& key,
                         std::chrono::milliseconds delay) {
  if (delay.count() <= 0) return Add(key);
  std::lock_guard<std::mutex> lock(mu_);
  if (shutting_down_) return;
  // Keep only the earliest pending delay for a key.
  Clock::TimePoint due = clock_.Now() + delay;
  auto [at, fresh] = delayed_at_.try_emplace(key);
  if (!fresh) {
    if (at->second->first <= due) return;
    delayed_.erase(at->second);
  }
  at->second = delayed_.emplace(due, key);
  cv_.notify_all();
}

void WorkQueue::AddRateLimited(const std::string& key) {
  std::chrono::milliseconds delay;
  {
    std::lock_guard<std::mutex> lock(mu_);
    int n = failures_[key]++;
    auto d = backoff_.base * (int64_t{1} << std::min(n, 30));
    delay = std::min<std::chrono::milliseconds>(d, backoff_.max);
    // Up to +10% jitter so keys failing together do not retry together.
    if (backoff_.jitter && delay.count() >= 10) {
      std::uniform_int_distribution<int64_t> j(0, delay.count() / 10);
      delay += std::chrono::milliseconds(j(rng_));
    }
  }
  AddAfter(key, delay);
}

void WorkQueue::Forget(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  failures_.erase(key);
}

int WorkQueue::Failures(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

void WorkQueue::PromoteDueLocked() {
  Clock::TimePoint now = clock_.Now();
  while (!delayed_.empty() && delayed_.begin()->first <= now) {
    std::string key = delayed_.begin()->second;
    delayed_.erase(delayed_.begin());
    delayed_at_.erase(key);
    AddLocked(key);
  }
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (shutting_down_) return std::nullopt;
    PromoteDueLocked();
    if (!queue_.empty() || (!low_.empty() && !low_held_)) break;
    if (delayed_.empty()) {
      cv_.wait(lock);
    } else {
      // Real time bounds the wait; a fake clock is re-read after Poke().
      auto wait = delayed_.begin()->first - clock_.Now();
      cv_.wait_for(lock, std::max<std::chrono::steady_clock::duration>(
                             wait, std::chrono::milliseconds(1)));
    }
  }
  std::deque<std::string>& lane = queue_.empty() ? low_ : queue_;
  std::string key = std::move(lane.front());
  lane.pop_front();
  dirty_.erase(key);
  low_keys_.erase(key);
  processing_.insert(key);
  return key;
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  processing_.erase(key);
  if (dirty_.contains(key)) {
    (low_keys_.contains(key) ? low_ : queue_).push_back(key);
    cv_.notify_one();
  }
}

void WorkQueue::Poke() {
  std::lock_guard<std::mutex> lock(mu_);
  cv_.notify_all();
}

void WorkQueue::ShutDown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutting_down_ = true;
  cv_.notify_all();
}

size_t WorkQueue::Len() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size() + low_.size();
}

size_t WorkQueue::DelayedLen() const {
  std::lock_guard<std::mutex> lock(mu_);
  return delayed_.size();
}

}  // namespace sealsync::kube
