// Store: per-namespace replace for stores filled by one watcher per
// namespace, and HasSynced waiting for all of them.
#include "lib/kube/store.h"

#include <gtest/gtest.h>

namespace sealsync::kube {
namespace {

Json Obj(const std::string& ns, const std::string& name) {
  return {{"metadata", {{"namespace", ns}, {"name", name}}}};
}

TEST(Store, ReplaceTouchesOnlyItsNamespace) {
  Store store(2);
  EXPECT_TRUE(store.Replace({Obj("a", "x"), Obj("a", "y")}, "a").empty());
  EXPECT_FALSE(store.HasSynced());  // "b" has not listed yet
  // b's (empty) list must not wipe a's objects.
  EXPECT_TRUE(store.Replace({}, "b").empty());
  EXPECT_TRUE(store.HasSynced());
  EXPECT_EQ(store.Size(), 2u);
  auto gone = store.Replace({Obj("a", "y")}, "a");
  EXPECT_EQ(gone, std::vector<std::string>{"a/x"});
  EXPECT_NE(store.Get("a/y"), nullptr);
}

TEST(Store, ReplaceAllNamespaces) {
  Store store;
  store.Replace({Obj("a", "x"), Obj("b", "y")});
  auto gone = store.Replace({Obj("b", "y")});
  EXPECT_EQ(gone, std::vector<std::string>{"a/x"});
  EXPECT_TRUE(store.HasSynced());
}

}  // namespace
}  // namespace sealsync::kube
