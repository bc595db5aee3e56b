// Token buckets for the operator's public API: RateLimiter (one bucket) and
// ClientRateLimiter (one bucket per client address, so a noisy client spends
// only its own).
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

#include "sealsync/clock.h"

namespace sealsync::op {

// A token bucket: it starts full with `burst` tokens and refills at
// `per_second` up to `burst`; Allow() takes a token if one is there. Negative
// rates count as 0; a burst below 1 never allows. Thread-safe.
class RateLimiter {
 public:
  RateLimiter(double per_second, double burst,
              const Clock& clock = SystemClock());
  bool Allow();

 private:
  const Clock& clock_;
  std::mutex mu_;
  double per_second_, burst_, tokens_;
  Clock::TimePoint last_;
};

// One bucket (per_second, burst) per client key (the peer's address). At most
// `max_clients` buckets are kept: when a new client arrives and the table is
// full, buckets that have refilled (idle clients, nothing to remember) go
// first, then the least recently used. Thread-safe.
class ClientRateLimiter {
 public:
  ClientRateLimiter(double per_second, double burst, size_t max_clients = 4096,
                    const Clock& clock = SystemClock());
  bool Allow(const std::string& client);
  size_t clients() const;

 private:
  struct Bucket {
    double tokens;
    Clock::TimePoint last;
  };
  void Refill(Bucket& b, Clock::TimePoint now) const;
  void MakeRoom(Clock::TimePoint now);

  const Clock& clock_;
  const double per_second_, burst_;
  const size_t max_clients_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace sealsync::op
