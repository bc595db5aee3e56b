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
  const auto first = clock.Now();
  EXPECT_EQ(w.NotBefore("1700000000"), first) << "first sight: read afresh";
  clock.Advance(3s);
  EXPECT_EQ(w.NotBefore("1700000000"), first) << "later objects share";
  EXPECT_EQ(w.NotBefore("1700000099"), clock.Now()) << "a new value: afresh";
  EXPECT_EQ(w.NotBefore(""), clock.Now()) << "no value: afresh";
  clock.Advance(ForceSyncWindows::kTokenLife + 1s);
  EXPECT_EQ(w.NotBefore("1700000000"), clock.Now())
      << "forgotten after its life";
}

TEST(ForceSyncWindows, BoundedCount) {
  kube::testing::FakeClock clock;
  ForceSyncWindows w(clock);
  for (size_t i = 0; i < 3 * ForceSyncWindows::kMaxTokens; ++i) {
    (void)w.NotBefore("v" + std::to_string(i));
    clock.Advance(1ms);
  }
  // The newest values are still known, the oldest were dropped.
  EXPECT_LT(
      w.NotBefore("v" + std::to_string(3 * ForceSyncWindows::kMaxTokens - 1)),
      clock.Now());
  EXPECT_EQ(w.NotBefore("v0"), clock.Now());
}

}  // namespace
}  // namespace sealsync::op
