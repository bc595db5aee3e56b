#include "operator/rate_limiter.h"

#include <algorithm>

namespace sealsync::op {

RateLimiter::RateLimiter(double per_second, double burst, const Clock& clock)
    : clock_(clock),
      per_second_(per_second > 0 ? per_second : 0),
      burst_(burst > 0 ? burst : 0),
      tokens_(burst_),
      last_(clock.Now()) {}

bool RateLimiter::Allow() {
  std::lock_guard lock(mu_);
  Clock::TimePoint now = clock_.Now();
  if (now > last_) {
    std::chrono::duration<double> elapsed = now - last_;
    tokens_ = std::min(burst_, tokens_ + elapsed.count() * per_second_);
    last_ = now;
  }
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

ClientRateLimiter::ClientRateLimiter(double per_second, double burst,
                                     size_t max_clients, const Clock& clock)
    : clock_(clock),
      per_second_(per_second > 0 ? per_second : 0),
      burst_(burst > 0 ? burst : 0),
      max_clients_(std::max<size_t>(1, max_clients)) {}

void ClientRateLimiter::Refill(Bucket& b, Clock::TimePoint now) const {
  if (now <= b.last) return;
  std::chrono::duration<double> elapsed = now - b.last;
  b.tokens = std::min(burst_, b.tokens + elapsed.count() * per_second_);
  b.last = now;
}

void ClientRateLimiter::MakeRoom(Clock::TimePoint now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    Refill(it->second, now);
    it = it->second.tokens >= burst_ ? buckets_.erase(it) : std::next(it);
  }
  if (buckets_.size() < max_clients_) return;
  auto oldest = std::min_element(buckets_.begin(), buckets_.end(),
                                 [](const auto& a, const auto& b) {
                                   return a.second.last < b.second.last;
                                 });
  buckets_.erase(oldest);
}

bool ClientRateLimiter::Allow(const std::string& client) {
  std::lock_guard lock(mu_);
  const Clock::TimePoint now = clock_.Now();
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_clients_) MakeRoom(now);
    it = buckets_.emplace(client, Bucket{burst_, now}).first;
  } else {
    Refill(it->second, now);
  }
  // `last` doubles as "last used" for MakeRoom.
  it->second.last = now;
  if (it->second.tokens < 1) return false;
  it->second.tokens -= 1;
  return true;
}

size_t ClientRateLimiter::clients() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

}  // namespace sealsync::op
