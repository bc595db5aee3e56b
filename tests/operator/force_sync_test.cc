// ForceSyncWindows: one force-sync value, one window from its first sight.
#include "operator/force_sync.h"

#include <gtest/gtest.h>

#include "tests/lib/kube/fake_client.h"

namespace sealsync::op {
namespace {

using namespace std::chrono_literals;

TEST(ForceSyncWindows, OneValueSharesFromItsFirstSight) {
  kube::testing::FakeClock clock;
  ForceSyncWindows w(clock);
  EXPECT_EQ(w.MaxAge("1700000000"), 0ms) << "first sight: read afresh";
  clock.Advance(3s);
  EXPECT_EQ(w.MaxAge("1700000000"), 3000ms) << "later objects share";
  EXPECT_EQ(w.MaxAge("1700000099"), 0ms) << "a new value: afresh";
  EXPECT_EQ(w.MaxAge(""), 0ms) << "no value: afresh";
  clock.Advance(ForceSyncWindows::kTokenLife + 1s);
  EXPECT_EQ(w.MaxAge("1700000000"), 0ms) << "forgotten after its life";
}

TEST(ForceSyncWindows, BoundedCount) {
  kube::testing::FakeClock clock;
  ForceSyncWindows w(clock);
  for (size_t i = 0; i < 3 * ForceSyncWindows::kMaxTokens; ++i) {
    (void)w.MaxAge("v" + std::to_string(i));
    clock.Advance(1ms);
  }
  // The newest values are still known, the oldest were dropped.
  EXPECT_GT(
      w.MaxAge("v" + std::to_string(3 * ForceSyncWindows::kMaxTokens - 1)),
      0ms);
  EXPECT_EQ(w.MaxAge("v0"), 0ms);
}

}  // namespace
}  // namespace sealsync::op
