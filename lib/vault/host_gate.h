// HostGate: remembers, per Infisical host, until when a 429 told us to stay
// away, so that every call to that host fails fast without a request.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "sealsync/clock.h"
#include "sealsync/error.h"

namespace sealsync::vault {

// Thread-safe.
class HostGate {
 public:
  explicit HostGate(const Clock& clock) : clock_(clock) {}

  // kResourceExhausted ("... retry in N s") while `host` is closed, else
  // nullopt.
  std::optional<Error> Check(const std::string& host) const;

  // Closes `host` for `retry_after` from now (never shortens a longer wait)
  // and returns the error for the call that got the 429.
  Error Close(const std::string& host, std::chrono::seconds retry_after,
              std::string_view what);

 private:
  const Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, Clock::TimePoint> closed_until_;
};

// Seconds of a Retry-After value ("120"); HTTP-dates and junk give nullopt.
std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value);

}  // namespace sealsync::vault
