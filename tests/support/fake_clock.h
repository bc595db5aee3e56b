// A Clock that moves only when a test says so.
#pragma once

#include <atomic>
#include <chrono>

#include "sealsync/clock.h"

namespace sealsync::testing {

// A FakeClock starts at steady time 1 h and wall time 2024-05-01T12:00:00Z;
// Advance() moves both by the same amount. Thread-safe: any thread may read
// it while another advances it.
class FakeClock final : public Clock {
 public:
  static constexpr TimePoint kStart{std::chrono::hours(1)};
  static constexpr std::chrono::system_clock::time_point kWallStart{
      std::chrono::seconds(1714564800)};

  TimePoint Now() const override { return kStart + Elapsed(); }
  std::chrono::system_clock::time_point WallNow() const override {
    return kWallStart + Elapsed();
  }
  void Advance(std::chrono::nanoseconds d) { elapsed_ns_ += d.count(); }

 private:
  std::chrono::nanoseconds Elapsed() const {
    return std::chrono::nanoseconds(elapsed_ns_.load());
  }
  std::atomic<std::chrono::nanoseconds::rep> elapsed_ns_{0};
};

}  // namespace sealsync::testing
