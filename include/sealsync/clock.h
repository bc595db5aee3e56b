// The clock seam. Production uses SystemClock(); tests inject a FakeClock.
#pragma once

#include <chrono>

namespace sealsync {

// A Clock says what time it is. Implementations are thread-safe.
class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  // Wall-clock time, for timestamps written to the API (RFC 3339).
  virtual std::chrono::system_clock::time_point WallNow() const = 0;
};

Clock& SystemClock();

}  // namespace sealsync
