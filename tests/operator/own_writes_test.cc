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

// A write of `key` that the API server answered at `rv`.
void Wrote(OwnWrites& w, const std::string& key, const std::string& rv) {
  w.Start(key).Record(rv);
}

TEST(OwnWrites, TheEchoOfAWriteIsKnownOnce) {
  testing::FakeClock clock;
  OwnWrites w(clock);
  Wrote(w, "a/db", "10");
  EXPECT_FALSE(w.IsEcho("b/db", At("10")));  // another object
  EXPECT_TRUE(w.IsEcho("a/db", At("10")));
  EXPECT_FALSE(w.IsEcho("a/db", At("10")));  // a relist of it: reconciled
  EXPECT_EQ(w.Size(), 0u);
}

TEST(OwnWrites, AnyOtherVersionIsAChangeToReconcile) {
  testing::FakeClock clock;
  OwnWrites w(clock);
  Wrote(w, "a/db", "10");
  // Someone's edit (before or after ours) is never taken for our echo.
  EXPECT_FALSE(w.IsEcho("a/db", At("11")));
  EXPECT_FALSE(w.IsEcho("a/db", At("10")));  // record gone: reconciled
  EXPECT_FALSE(w.IsEcho("a/db", nullptr));
  EXPECT_FALSE(w.IsEcho("a/db", std::make_shared<const Json>(Json::object())));
}

TEST(OwnWrites, RecordsWhoseEchoNeverCameAreDropped) {
  testing::FakeClock clock;
  OwnWrites w(clock);
  Wrote(w, "a/old", "5");
  clock.Advance(OwnWrites::kLife);
  Wrote(w, "a/new", "6");  // prunes what is older than kLife
  EXPECT_EQ(w.Size(), 1u);
  EXPECT_FALSE(w.IsEcho("a/old", At("5")));
  EXPECT_TRUE(w.IsEcho("a/new", At("6")));
}

// The releases OwnWrites asked for, in order.
struct Released {
  std::vector<std::string> keys;
  OwnWrites::ReleaseFn Fn() {
    return [this](const std::string& k) { keys.push_back(k); };
  }
};

// An OwnWrites whose releases are recorded, on a fake clock.
class OwnWritesInFlight : public ::testing::Test {
 protected:
  testing::FakeClock clock;
  Released released;
  OwnWrites w{clock, released.Fn()};
};

TEST_F(OwnWritesInFlight, AnEchoArrivingBeforeTheWritesAnswerIsHeldAndDropped) {
  {
    auto write = w.Start("a/db");
    EXPECT_TRUE(w.IsEcho("a/db", At("10")));   // held: the write is in flight
    EXPECT_FALSE(w.IsEcho("b/db", At("10")));  // another object passes
    write.Record("10");
  }
  EXPECT_TRUE(released.keys.empty());  // it was the echo: nothing to do
  EXPECT_EQ(w.Size(), 0u);
  EXPECT_FALSE(w.IsEcho("a/db", At("10")));  // a relist of it: reconciled
}

TEST_F(OwnWritesInFlight, AHeldChangeThatIsNotTheWritesOwnIsReleased) {
  {
    auto write = w.Start("a/db");
    EXPECT_TRUE(w.IsEcho("a/db", At("9")));  // a tenant's edit, just before
    write.Record("10");
  }
  EXPECT_EQ(released.keys, std::vector<std::string>{"a/db"});
  // Our echo still comes later and is still ours.
  EXPECT_TRUE(w.IsEcho("a/db", At("10")));
}

TEST_F(OwnWritesInFlight, TheEchoAndAnotherChangeBothHeldReleaseOnce) {
  {
    auto write = w.Start("a/db");
    EXPECT_TRUE(w.IsEcho("a/db", At("10")));  // ours
    EXPECT_TRUE(w.IsEcho("a/db", At("11")));  // a tenant's, right after
    write.Record("10");
  }
  EXPECT_EQ(released.keys, std::vector<std::string>{"a/db"});
  EXPECT_EQ(w.Size(), 0u);
}

TEST_F(OwnWritesInFlight, AWriteThatFailedOrWroteNothingReleasesWhatItHeld) {
  {
    auto write = w.Start("a/db");  // ends unrecorded: failed
    EXPECT_TRUE(w.IsEcho("a/db", At("9")));
  }
  EXPECT_EQ(released.keys, std::vector<std::string>{"a/db"});
  {
    auto write = w.Start("a/quiet");  // nothing held, nothing released
  }
  EXPECT_EQ(released.keys.size(), 1u);
  EXPECT_EQ(w.Size(), 0u);
}

TEST_F(OwnWritesInFlight, TwoWritesOfOneSecretAtOnceHoldNothing) {
  auto first = w.Start("a/shared");
  EXPECT_TRUE(w.IsEcho("a/shared", At("9")));
  {
    auto second = w.Start("a/shared");
    EXPECT_FALSE(w.IsEcho("a/shared", At("10")));  // passes
    second.Record("10");
  }
  EXPECT_EQ(released.keys, std::vector<std::string>{"a/shared"});  // the 9
  first.Record("11");
  EXPECT_FALSE(w.IsEcho("a/shared", At("11")));  // not held: reconciled
  EXPECT_EQ(released.keys.size(), 1u);
}

TEST_F(OwnWritesInFlight, MoreHeldEventsThanKeptReleaseTheObject) {
  {
    auto write = w.Start("a/db");
    EXPECT_TRUE(w.IsEcho("a/db", At("10")));
    for (size_t i = 0; i < OwnWrites::kMaxHeld; ++i)
      EXPECT_TRUE(w.IsEcho("a/db", At("10")));
    write.Record("10");
  }
  EXPECT_EQ(released.keys, std::vector<std::string>{"a/db"});
}

TEST_F(OwnWritesInFlight, AWriteNeverEndedReleasesWhatItHeldWhenPruned) {
  auto stuck = w.Start("a/stuck");
  EXPECT_TRUE(w.IsEcho("a/stuck", At("3")));
  clock.Advance(OwnWrites::kLife);
  Wrote(w, "a/other", "4");  // prunes
  EXPECT_EQ(released.keys, std::vector<std::string>{"a/stuck"});
  stuck.Record("5");  // its record is gone: nothing more
  EXPECT_EQ(released.keys.size(), 1u);
  EXPECT_FALSE(w.IsEcho("a/stuck", At("6")));
}

}  // namespace
}  // namespace sealsync::op
