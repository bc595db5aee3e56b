// OwnWrites: the watch echo of the operator's own write is told apart from
// any other change of the object.
#include "operator/own_writes.h"

#include <gtest/gtest.h>

#include "tests/support/fake_clock.h"

namespace sealsync::op {
namespace {

using kube::Json;
using namespace std::chrono_literals;

kube::ObjectPtr At(const std::string& rv) {
  return std::make_shared<const Json>(
      Json{{"metadata", {{"name", "db"}, {"resourceVersion", rv}}}});
}

TEST(OwnWrites, TheEchoOfAWriteIsKnownOnce) {
  testing::FakeClock clock;
  OwnWrites w(clock);
  w.Record("a/db", "10");
  EXPECT_FALSE(w.IsEcho("b/db", At("10")));  // another object
  EXPECT_TRUE(w.IsEcho("a/db", At("10")));
  EXPECT_FALSE(w.IsEcho("a/db", At("10")));  // a relist of it: reconciled
  EXPECT_EQ(w.Size(), 0u);
}

TEST(OwnWrites, AnyOtherVersionIsAChangeToReconcile) {
  testing::FakeClock clock;
  OwnWrites w(clock);
  w.Record("a/db", "10");
  // Someone's edit (before or after ours) is never taken for our echo.
  EXPECT_FALSE(w.IsEcho("a/db", At("11")));
  EXPECT_FALSE(w.IsEcho("a/db", At("10")));  // record gone: reconciled
  EXPECT_FALSE(w.IsEcho("a/db", nullptr));
  EXPECT_FALSE(w.IsEcho("a/db", std::make_shared<const Json>(Json::object())));
}

TEST(OwnWrites, RecordsWhoseEchoNeverCameAreDropped) {
  testing::FakeClock clock;
  OwnWrites w(clock);
  w.Record("a/old", "5");
  clock.Advance(OwnWrites::kLife);
  w.Record("a/new", "6");  // prunes what is older than kLife
  EXPECT_EQ(w.Size(), 1u);
  EXPECT_FALSE(w.IsEcho("a/old", At("5")));
  EXPECT_TRUE(w.IsEcho("a/new", At("6")));
}

}  // namespace
}  // namespace sealsync::op
