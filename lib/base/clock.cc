#include "sealsync/clock.h"

namespace sealsync {
namespace {

class SystemClockImpl final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point WallNow() const override {
    return std::chrono::system_clock::now();
  }
};

}  // namespace

Clock& SystemClock() {
  static SystemClockImpl impl;
  return impl;
}

}  // namespace sealsync
