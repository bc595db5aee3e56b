// The fake client's server-side apply: what the reconciler tests rely on.
#include "tests/lib/kube/fake_client.h"

#include <gtest/gtest.h>

namespace sealsync::kube::testing {
namespace {

Json Secret(Json data) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", "s"}, {"namespace", "ns"}}},
          {"data", std::move(data)}};
}

TEST(FakeClientApply, CreatesThenMergesAndDropsWhatTheManagerNoLongerSends) {
  FakeClient c;
  ASSERT_TRUE(c.Apply(kSecrets, Secret({{"a", "1"}, {"b", "2"}}), {"op", true})
                  .has_value());
  // Someone else adds a key with an Update-style write.
  ASSERT_TRUE(c.MergePatch(kSecrets, {"ns", "s"}, {{"data", {{"c", "3"}}}})
                  .has_value());
  auto r = c.Apply(kSecrets, Secret({{"a", "9"}}), {"op", true});
  ASSERT_TRUE(r.has_value());
  // a changed, b (only op's, no longer sent) gone, c (another manager's) kept.
  EXPECT_EQ((*r)["data"], Json({{"a", "9"}, {"c", "3"}}));
  EXPECT_EQ(c.ManagedFields(kSecrets, {"ns", "s"}, "op"),
            std::vector<std::string>{".data.a"});
}

TEST(FakeClientApply, AnotherManagersFieldConflictsUnlessForced) {
  FakeClient c;
  c.Seed(kSecrets, Secret({{"a", "1"}}), "kubectl");
  auto r = c.Apply(kSecrets, Secret({{"a", "2"}}), {"op", false});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kAborted);
  EXPECT_NE(r.error().message().find("conflict with \"kubectl\": .data.a"),
            std::string::npos)
      << r.error().message();
  // The same value is no conflict; force takes the field over.
  EXPECT_TRUE(c.Apply(kSecrets, Secret({{"a", "1"}}), {"op", false}));
  ASSERT_TRUE(c.Apply(kSecrets, Secret({{"a", "2"}}), {"op", true}));
  EXPECT_TRUE(c.ManagedFields(kSecrets, {"ns", "s"}, "kubectl").empty());
  EXPECT_EQ((*c.Object(kSecrets, {"ns", "s"}))["data"]["a"], "2");
}

TEST(FakeClientApply, NeedsAFieldManagerAndDeleteHonoursTheUid) {
  FakeClient c;
  EXPECT_FALSE(c.Apply(kSecrets, Secret({}), {"", true}).has_value());
  Json s = c.Seed(kSecrets, Secret({{"a", "1"}}));
  DeleteOptions stale;
  stale.precondition_uid = "someone-else";
  auto d = c.Delete(kSecrets, {"ns", "s"}, stale);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code(), ErrorCode::kAborted);
  DeleteOptions mine;
  mine.precondition_uid = s["metadata"]["uid"];
  EXPECT_TRUE(c.Delete(kSecrets, {"ns", "s"}, mine).has_value());
  EXPECT_FALSE(c.Object(kSecrets, {"ns", "s"}).has_value());
}

}  // namespace
}  // namespace sealsync::kube::testing
